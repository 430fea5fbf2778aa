//! What happens past a family's series limit: one shared series, and a
//! counter of the label sets turned away.

use std::sync::LazyLock;

use prometheus::{IntCounter, IntCounterVec, Opts};

/// The label value every label of an overflow series has.
pub const OVERFLOW_VALUE: &str = "__overflow__";

/// `metrics_runtime_series_overflow_total{family}`, registered in
/// [`crate::registry()`] on first use.
static OVERFLOWS: LazyLock<Option<IntCounterVec>> = LazyLock::new(|| {
    let opts = Opts::new(
        "metrics_runtime_series_overflow_total",
        "Calls whose label set a full family recorded in its __overflow__ series.",
    );
    let counter = IntCounterVec::new(opts, &["family"]).ok()?;
    if let Err(err) = crate::registry().register(Box::new(counter.clone())) {
        log::error!("cannot register metrics_runtime_series_overflow_total: {err}");
    }
    Some(counter)
});

/// The overflow counter of `family`.
pub(crate) fn counter_for(family: &str) -> Option<IntCounter> {
    OVERFLOWS
        .as_ref()
        .map(|counter| counter.with_label_values(&[family]))
}
