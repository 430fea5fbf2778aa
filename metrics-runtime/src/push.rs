//! Pushing to a Prometheus Pushgateway.
