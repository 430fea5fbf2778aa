//! The toolkit's own metrics: label sets past a family's limit, and
//! `collect` callbacks that failed.
//!
//! Each count is kept by what it counts and exported by that thing's own
//! collector, so nothing is ever registered for them: a scrape never waits
//! on a registration, and the counts appear in whichever registry the
//! family lives in (an explicit one, a capture's).

use std::sync::atomic::{AtomicU64, Ordering};

use prometheus::proto;

/// The label value every label of an overflow series has.
pub const OVERFLOW_VALUE: &str = "__overflow__";

/// Name of the family that counts overflowing calls.
pub(crate) const OVERFLOW_NAME: &str = "metrics_runtime_series_overflow_total";

/// Name of the family that counts skipped `collect` functions.
pub(crate) const COLLECT_SKIPPED_NAME: &str = "metrics_runtime_collect_skipped_total";

/// Name of the family that counts updates the `metrics` facade dropped.
#[cfg(feature = "metrics-facade")]
pub(crate) const FACADE_DROPPED_NAME: &str = "metrics_runtime_facade_dropped_total";

/// Calls of one family recorded in its overflow series.
#[derive(Debug)]
pub(crate) struct OverflowCount {
    family: String,
    count: AtomicU64,
}

impl OverflowCount {
    pub(crate) fn new(family: &str) -> Self {
        OverflowCount {
            family: family.to_owned(),
            count: AtomicU64::new(0),
        }
    }

    pub(crate) fn inc(&self) {
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// `metrics_runtime_series_overflow_total{family}`, once anything
    /// overflowed.
    pub(crate) fn collect(&self) -> Option<proto::MetricFamily> {
        let count = self.count.load(Ordering::Relaxed);
        (count > 0).then(|| {
            counter_family(
                OVERFLOW_NAME,
                "Calls whose label set a full family recorded in its __overflow__ series.",
                vec![counter(&[("family", &self.family)], count)],
            )
        })
    }
}

/// Why a `collect` function gave no value at a scrape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SkipReason {
    /// It panicked.
    Panic,
    /// It did not answer within its budget, or was still running.
    Slow,
}

impl SkipReason {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SkipReason::Panic => "panic",
            SkipReason::Slow => "slow",
        }
    }
}

/// Scrapes at which one `collect` metric kept its last value.
#[derive(Debug)]
pub(crate) struct CollectSkips {
    metric: String,
    panic: AtomicU64,
    slow: AtomicU64,
}

impl CollectSkips {
    pub(crate) fn new(metric: &str) -> Self {
        CollectSkips {
            metric: metric.to_owned(),
            panic: AtomicU64::new(0),
            slow: AtomicU64::new(0),
        }
    }

    pub(crate) fn count(&self, reason: SkipReason) {
        let counter = match reason {
            SkipReason::Panic => &self.panic,
            SkipReason::Slow => &self.slow,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// `metrics_runtime_collect_skipped_total{metric, reason}`, once
    /// anything was skipped.
    pub(crate) fn collect(&self) -> Option<proto::MetricFamily> {
        let metrics: Vec<proto::Metric> = [SkipReason::Panic, SkipReason::Slow]
            .into_iter()
            .filter_map(|reason| {
                let count = match reason {
                    SkipReason::Panic => self.panic.load(Ordering::Relaxed),
                    SkipReason::Slow => self.slow.load(Ordering::Relaxed),
                };
                let labels = [
                    ("metric", self.metric.as_str()),
                    ("reason", reason.as_str()),
                ];
                (count > 0).then(|| counter(&labels, count))
            })
            .collect();
        (!metrics.is_empty()).then(|| {
            counter_family(
                COLLECT_SKIPPED_NAME,
                "Scrapes at which a `collect` gauge kept its last value: its function panicked or was too slow.",
                metrics,
            )
        })
    }
}

pub(crate) fn counter(labels: &[(&str, &str)], count: u64) -> proto::Metric {
    let pairs = crate::instrument::exposition::label_pairs(labels.iter().copied());
    let mut value = proto::Counter::default();
    value.set_value(count as f64);
    let mut metric = proto::Metric::default();
    metric.set_label(pairs);
    metric.set_counter(value);
    metric
}

pub(crate) fn counter_family(
    name: &str,
    help: &str,
    metrics: Vec<proto::Metric>,
) -> proto::MetricFamily {
    let mut family = proto::MetricFamily::default();
    family.set_name(name.to_owned());
    family.set_help(help.to_owned());
    family.set_field_type(proto::MetricType::COUNTER);
    family.set_metric(metrics);
    family
}
