//! Integration tests and examples for `metrics-runtime` live in `tests/` and `examples/`.
