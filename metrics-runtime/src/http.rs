//! A `/metrics` endpoint on tokio and axum.
