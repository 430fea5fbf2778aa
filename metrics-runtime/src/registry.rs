//! The process-wide registry the toolkit's metrics live in.

use prometheus::Registry;

/// The process-wide registry: the `prometheus` crate's default one.
///
/// Instrumented functions register here on their first call, and so does
/// anything registered with `prometheus::register*` or its macros, so both
/// show up in one exposition.
///
/// ```
/// let requests = prometheus::IntCounter::new("legacy_requests_total", "Requests.").unwrap();
/// metrics_runtime::registry().register(Box::new(requests.clone())).unwrap();
/// requests.inc();
/// assert!(metrics_runtime::gather_text().contains("legacy_requests_total 1"));
/// ```
pub fn registry() -> &'static Registry {
    prometheus::default_registry()
}
