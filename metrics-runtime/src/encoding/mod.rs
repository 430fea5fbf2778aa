//! Exposition formats: Prometheus text 0.0.4 and OpenMetrics 1.0, and the
//! choice between them.
//!
//! Every format is written by one engine (`engine`): the toolkit's own
//! series straight from their storage (`direct`), other collectors'
//! families from `gather()` (`foreign`).

pub(crate) mod accept;
pub(crate) mod collector_panic;
pub(crate) mod direct;
pub(crate) mod engine;
mod foreign;
mod format;
mod lines;
mod openmetrics;
#[cfg(feature = "protobuf")]
pub(crate) mod protobuf;
mod text;

#[cfg(feature = "http")]
pub(crate) use collector_panic::try_encode_into;
#[cfg(feature = "remote-write")]
pub(crate) use collector_panic::{panic_message, try_gather};
pub(crate) use collector_panic::{try_encode, CollectorPanic};
pub use format::Format;
pub use openmetrics::{encode_openmetrics, OPENMETRICS_CONTENT_TYPE};
#[cfg(feature = "protobuf")]
pub use protobuf::PROTOBUF_CONTENT_TYPE;

/// A histogram bound or summary quantile as the text formats write it
/// in `le` and `quantile` (`0.25`, `1`, `+Inf`).
#[cfg(feature = "remote-write")]
pub(crate) fn float_label_value(value: f64) -> String {
    foreign::float_text(value)
}

/// A label value escaped for the exposition formats and PromQL: `\\`, `\"` and `\n`.
pub(crate) fn escape_label_value(value: &str) -> std::borrow::Cow<'_, str> {
    openmetrics::escape(value)
}
pub use text::{encode_text, gather_text, TEXT_CONTENT_TYPE};
