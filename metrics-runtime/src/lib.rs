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

mod config;
pub mod encoding;
mod error;
mod instrument;
mod label;
mod names;
mod registry;

#[doc(hidden)]
pub mod __private;

pub use config::{builder, is_enabled, set_enabled, Builder};
pub use encoding::{encode_text, gather_text, TEXT_CONTENT_TYPE};
pub use error::Error;
pub use instrument::guard::Outcome;
pub use label::{LabelBuf, LabelValue};
pub use registry::registry;

pub use metrics_macros::instrumented;

/// The `prometheus` crate this runtime is built on, for its metric types.
pub use prometheus;
