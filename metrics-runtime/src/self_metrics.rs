//! The toolkit's own metrics: label sets past a family's limit, and
//! `collect` callbacks that failed.

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

/// `metrics_runtime_collect_skipped_total{metric, reason}`, registered in
/// [`crate::registry()`] on first use.
static COLLECT_SKIPS: LazyLock<Option<IntCounterVec>> = LazyLock::new(|| {
    let opts = Opts::new(
        "metrics_runtime_collect_skipped_total",
        "Scrapes at which a `collect` gauge kept its last value: its function panicked or was too slow.",
    );
    let counter = IntCounterVec::new(opts, &["metric", "reason"]).ok()?;
    if let Err(err) = crate::registry().register(Box::new(counter.clone())) {
        log::error!("cannot register metrics_runtime_collect_skipped_total: {err}");
    }
    Some(counter)
});

/// Counts a skipped `collect` of `metric`, `reason` being `panic` or `slow`.
pub(crate) fn count_collect_skip(metric: &str, reason: &str) {
    if let Some(counter) = COLLECT_SKIPS.as_ref() {
        counter.with_label_values(&[metric, reason]).inc();
    }
}
