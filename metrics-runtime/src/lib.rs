//! Prometheus instrumentation in one line.
//!
//! `#[instrumented]` on a function (sync or `async`, free or a method, or a
//! whole `impl` block) counts its calls by result, observes their duration
//! and keeps an in-flight gauge, in the `prometheus` crate's registry.
//!
//! ```
//! use metrics_runtime::instrumented;
//!
//! #[derive(Debug)]
//! struct NotFound;
//!
//! #[instrumented(name = "lookup", labels(table))]
//! fn lookup(table: &str, id: u64) -> Result<String, NotFound> {
//!     if id == 0 { Err(NotFound) } else { Ok(format!("{table}/{id}")) }
//! }
//!
//! lookup("users", 1).unwrap();
//! lookup("users", 0).unwrap_err();
//!
//! let text = metrics_runtime::gather_text();
//! assert!(text.contains(r#"lookup_total{table="users",result="ok"} 1"#));
//! assert!(text.contains(r#"lookup_total{table="users",result="error"} 1"#));
//! assert!(text.contains(r#"lookup_duration_seconds_count{table="users"} 2"#));
//! assert!(text.contains(r#"lookup_in_flight{table="users"} 0"#));
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod bounded;
mod build_info;
pub mod catalog;
#[cfg(any(feature = "push", feature = "remote-write"))]
mod client;
mod collect_pool;
mod collected;
mod config;
pub mod encoding;
mod error;
pub mod exemplars;
#[cfg(feature = "metrics-facade")]
pub mod facade;
mod family;
mod gathered;
pub mod histogram;
#[cfg(feature = "http")]
pub mod http;
mod instrument;
mod label;
mod label_set;
mod linked;
mod metric_opts;
mod names;
#[cfg(feature = "push")]
pub mod push;
mod registrar;
mod registration;
mod registry;
#[cfg(feature = "remote-write")]
pub mod remote_write;
mod self_metrics;
pub mod snapshot;
#[cfg(feature = "statsd")]
pub mod statsd;
#[cfg(feature = "testing")]
pub mod testing;
pub mod textfile;

#[doc(hidden)]
pub mod __private;

pub use catalog::catalog;
pub use config::{builder, is_enabled, set_enabled, Builder, DEFAULT_MAX_SERIES};
pub use encoding::{
    encode_openmetrics, encode_text, gather_text, OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE,
};
pub use error::Error;
pub use family::{Family, FamilyMetric};
pub use histogram::Histogram;
pub use instrument::guard::Outcome;
pub use label::{LabelBuf, LabelValue};
pub use label_set::LabelSet;
pub use linked::init;
pub use registrar::MetricsFamily;
pub use registry::registry;
pub use self_metrics::OVERFLOW_VALUE;

/// Measures every call of a function: calls by result, duration, calls in flight.
///
/// ```
/// use metrics_runtime::instrumented;
///
/// #[derive(Debug)]
/// enum FetchError { Timeout }
///
/// #[instrumented(name = "fetch", labels(host, region = "eu"), buckets = [0.01, 0.1, 1.0])]
/// async fn fetch(host: &str, path: &str) -> Result<Vec<u8>, FetchError> {
///     if path.is_empty() { return Err(FetchError::Timeout); }
///     Ok(path.as_bytes().to_vec())
/// }
/// # tokio_test_block_on(async {
/// fetch("example.org", "/").await.unwrap();
/// fetch("example.org", "").await.unwrap_err();
/// # });
/// # fn tokio_test_block_on(f: impl std::future::Future<Output = ()>) {
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     while f.as_mut().poll(&mut cx).is_pending() {}
/// # }
///
/// let text = metrics_runtime::gather_text();
/// assert!(text.contains(r#"fetch_total{host="example.org",region="eu",result="error"} 1"#));
/// assert!(text.contains(r#"fetch_duration_seconds_bucket{host="example.org",region="eu",le="0.01"} 2"#));
/// ```
///
/// For a base name `N` (`name = "…"`, default `function_calls` with the
/// labels `function` and `module`), it keeps `N_total{…, result}` (`ok`,
/// `error`, `panic`, `cancelled`), the histogram `N_duration_seconds` and
/// the gauge `N_in_flight`.
///
/// Arguments, all optional, in any order:
///
/// | argument | meaning |
/// | --- | --- |
/// | `name = "action"` | base name |
/// | `namespace = "shop"` | prefix: `shop_action_total` |
/// | `labels(tool, region = "eu", len = key.len())` | a parameter, a literal, or an expression over the parameters, evaluated at entry |
/// | `buckets = [0.01, 0.1, 1.0]` | histogram bounds in seconds |
/// | `ok_if = path` / `error_if = path` | a `fn(&Ret) -> bool` decides the result |
/// | `in_flight = false`, `duration = false` | leave that family out |
/// | `sample = 0.01` | observe the duration of a random 1 % of calls only; every call is still counted |
/// | `native_histogram` | native (exponential, schema 3) buckets beside the classic ones, in the protobuf format (see [`Builder::native_histograms`]) |
/// | `error_kind` | also count `N_errors_total{…, kind}`, the kind being the `Err`'s [`LabelValue`] |
/// | `max_series = 1000` | label sets kept (default 10,000); further ones share one `__overflow__` series |
/// | `objective(success = 99.9, latency = 0.25)` | objectives for the alert rules of [`catalog()`] |
/// | `registry = &REGISTRY` | a `&'static prometheus::Registry` (after deref) to live in instead of [`registry()`] |
/// | `help = "…"` | what is measured, for the HELP texts |
/// | `crate = path` | the runtime's path, for a renamed dependency |
/// | `skip` | on a method of an instrumented `impl` block: leave it alone |
///
/// `error_kind` suits error types with a few kinds (a derived
/// [`LabelValue`] enum); a kind per message (`String`) fills the family to
/// its `max_series` and lands in `__overflow__`:
///
/// ```
/// use metrics_runtime::{instrumented, LabelValue};
///
/// #[derive(LabelValue, Debug)]
/// enum DbError { Timeout, NotFound }
///
/// #[instrumented(name = "query", error_kind, max_series = 100)]
/// fn query(id: u32) -> Result<u32, DbError> {
///     if id == 0 { Err(DbError::NotFound) } else { Ok(id) }
/// }
///
/// query(0).unwrap_err();
/// assert!(metrics_runtime::gather_text().contains(r#"query_errors_total{kind="not_found"} 1"#));
/// ```
///
/// With `registry = EXPR` the families live in a registry of the
/// program's own (a static expression: it is evaluated outside the call):
///
/// ```
/// use std::sync::LazyLock;
/// use metrics_runtime::instrumented;
///
/// static REGISTRY: LazyLock<prometheus::Registry> = LazyLock::new(prometheus::Registry::new);
///
/// #[instrumented(name = "lookup", labels(table), registry = &REGISTRY)]
/// fn lookup(table: &str) -> Option<u32> { table.len().checked_sub(1).map(|n| n as u32) }
///
/// lookup("users");
/// assert!(metrics_runtime::encode_text(&REGISTRY).contains(r#"lookup_total{table="users",result="ok"} 1"#));
/// assert!(!metrics_runtime::gather_text().contains("lookup_total"));
/// ```
///
/// On an `impl` block it instruments every method with a body; methods are
/// labelled `Type::method`:
///
/// ```
/// use metrics_runtime::instrumented;
///
/// struct Cache;
///
/// #[instrumented(namespace = "cache")]
/// impl Cache {
///     fn get(&self, key: &str) -> Option<u32> { key.parse().ok() }
///
///     #[instrumented(skip)]
///     fn len(&self) -> usize { 0 }
/// }
///
/// Cache.get("7");
/// // cache_function_calls_total{function="Cache::get",module="…",result="ok"} 1
/// let text = metrics_runtime::gather_text();
/// assert!(text.contains(r#"cache_function_calls_total{function="Cache::get""#));
/// assert!(!text.contains("Cache::len"));
/// ```
#[doc(inline)]
pub use metrics_macros::instrumented;

/// Derives [`LabelValue`] for a field-less enum: each variant's label is its
/// snake_case name, or `#[label = "…"]`; the enum's fixed cardinality lets
/// the hot path index its series without hashing.
///
/// ```
/// use metrics_runtime::{LabelBuf, LabelValue};
///
/// #[derive(LabelValue)]
/// enum Status { Success, RateLimited, #[label = "denied_by_policy"] Denied }
///
/// assert_eq!(Status::RateLimited.label_value(&mut LabelBuf::new()), "rate_limited");
/// assert_eq!(Status::Denied.label_value(&mut LabelBuf::new()), "denied_by_policy");
/// assert_eq!(<Status as LabelValue>::CARDINALITY, Some(3));
/// ```
pub use metrics_macros::LabelValue;

/// Derives [`LabelSet`] for a struct whose fields implement [`LabelValue`];
/// see [`LabelSet`].
pub use metrics_macros::LabelSet;

/// Derives [`MetricsFamily`] for a struct of metrics; see [`MetricsFamily`].
pub use metrics_macros::MetricsFamily;

/// The `prometheus` crate this runtime is built on, for its metric types.
pub use prometheus;
