//! Asserting on metrics in tests (feature `testing`, for dev-dependencies).
//!
//! [`Snapshot`] reads a registry's samples, missing ones as zero;
//! [`Snapshot::since`] gives the change between two; [`Snapshot::query`]
//! filters and aggregates, `quantile` included. [`capture`] and
//! [`capture_async`] run code against a private registry, so tests running
//! in parallel never see each other's counts.
//!
//! ```
//! use metrics_runtime::instrumented;
//! use metrics_runtime::testing::capture;
//!
//! #[instrumented(name = "checkout", labels(method))]
//! fn checkout(method: &str) -> Result<(), String> {
//!     if method == "card" { Ok(()) } else { Err("declined".into()) }
//! }
//!
//! let snapshot = capture(|| {
//!     checkout("card").unwrap();
//!     checkout("cash").unwrap_err();
//! });
//! snapshot.assert_counter("checkout_total", &[("method", "card"), ("result", "ok")], 1.0);
//! assert_eq!(snapshot.counter("checkout_total", &[("result", "error")]), 1.0);
//! assert_eq!(snapshot.query("checkout_total").count(), 8.0); // 2 methods × 4 results
//! ```

mod assertions;
mod capture;
mod captured;

pub use crate::snapshot::{HistogramData, Query, Snapshot};
pub(crate) use capture::active;
pub use capture::{capture, capture_async};
