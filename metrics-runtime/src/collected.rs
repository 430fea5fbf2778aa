//! Metrics set by a function at every scrape: `#[metric(collect = f)]` on
//! a gauge, or on a `Family<L, Gauge | IntGauge>`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use prometheus::core::{Collector, Desc};
use prometheus::proto;

use crate::family::{Family, FamilyMetric};
use crate::registrar::FieldMetric;
use crate::self_metrics::{CollectSkips, SkipReason};
use crate::LabelSet;

/// A metric whose value a `collect` function computes at every scrape.
#[doc(hidden)]
pub trait CollectedGauge: FieldMetric + Send + Sync {
    /// What the function returns: `f64` for a gauge, `Vec<(L, f64)>` for a
    /// `Family<L, Gauge>`.
    type Value: Send + 'static;

    /// Sets the metric to `value`.
    fn set_computed(&self, value: Self::Value);
}

impl CollectedGauge for prometheus::Gauge {
    type Value = f64;

    fn set_computed(&self, value: f64) {
        self.set(value);
    }
}

impl CollectedGauge for prometheus::IntGauge {
    type Value = f64;

    fn set_computed(&self, value: f64) {
        // Saturating: NaN becomes 0, out-of-range values the nearest bound.
        self.set(value as i64);
    }
}

impl<L, M> CollectedGauge for Family<L, M>
where
    L: LabelSet + Send + Sync + 'static,
    M: FamilyMetric + FieldMetric + CollectedGauge<Value = f64>,
{
    type Value = Vec<(L, f64)>;

    /// The children become exactly the label sets returned: set, and the
    /// others removed, without a moment in which the family is empty.
    fn set_computed(&self, value: Vec<(L, f64)>) {
        let owned = |values: &[&str]| -> Vec<String> {
            values.iter().map(|value| (*value).to_owned()).collect()
        };
        let mut kept = std::collections::HashSet::new();
        for (labels, value) in &value {
            self.with(labels).set_computed(*value);
            labels.with_values(|values| kept.insert(owned(values)));
        }
        self.retain(|values| kept.contains(&owned(values)));
    }
}

/// A metric set by a function at every scrape.
///
/// The function runs on a shared pool thread with [`COLLECT_BUDGET`] to
/// answer: one that panics or is slower keeps the metric at its last
/// value, is counted in `metrics_runtime_collect_skipped_total`, and never
/// breaks or stalls the scrape. Concurrent scrapes take turns (each waits
/// at most the other's budget); while a slow one is still running, later
/// scrapes skip it rather than start another.
#[derive(Clone)]
pub(crate) struct Collected<G: CollectedGauge> {
    gauge: G,
    compute: Arc<dyn Fn() -> G::Value + Send + Sync>,
    running: Arc<AtomicBool>,
    /// Held by the scrape computing the value: a concurrent one waits for
    /// it rather than count a function still running as slow.
    turn: Arc<Mutex<()>>,
    skips: Arc<CollectSkips>,
    metric: Arc<str>,
}

impl<G: CollectedGauge> Collected<G> {
    /// `gauge`, set by `compute` at every scrape.
    pub(crate) fn new(gauge: &G, compute: impl Fn() -> G::Value + Send + Sync + 'static) -> Self {
        let metric = gauge
            .desc()
            .first()
            .map_or_else(String::new, |desc| desc.fq_name.clone());
        Collected {
            gauge: gauge.clone(),
            compute: Arc::new(compute),
            running: Arc::new(AtomicBool::new(false)),
            turn: Arc::default(),
            skips: Arc::new(CollectSkips::new(&metric)),
            metric: Arc::from(metric),
        }
    }
}

/// How long a scrape waits for a `collect` function.
const COLLECT_BUDGET: Duration = Duration::from_millis(250);

impl<G: CollectedGauge> Collected<G> {
    /// The function's value, or why there is none.
    fn compute(&self) -> Result<G::Value, SkipReason> {
        if self.running.swap(true, Ordering::AcqRel) {
            return Err(SkipReason::Slow);
        }
        let compute = Arc::clone(&self.compute);
        // Cleared however the function ends (a panic is caught around the
        // closure, after the guard has run), or if it never runs.
        let done = ClearOnDrop(Arc::clone(&self.running));
        crate::collect_pool::run(
            move || {
                let _done = done;
                compute()
            },
            COLLECT_BUDGET,
        )
    }
}

/// Clears a `running` flag when dropped.
struct ClearOnDrop(Arc<AtomicBool>);

impl Drop for ClearOnDrop {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl<G: CollectedGauge> Collector for Collected<G> {
    fn desc(&self) -> Vec<&Desc> {
        self.gauge.desc()
    }

    fn collect(&self) -> Vec<proto::MetricFamily> {
        // Never taken twice on one thread: the function runs on a pool
        // thread, and a gather it makes there waits at most one budget.
        let turn = self.turn.lock().unwrap_or_else(PoisonError::into_inner);
        match self.compute() {
            Ok(value) => self.gauge.set_computed(value),
            Err(reason) => {
                log::warn!(
                    "the `collect` function of `{}` was skipped ({}); it keeps its last value",
                    self.metric,
                    reason.as_str()
                );
                self.skips.count(reason);
            }
        }
        drop(turn);
        let mut families = self.gauge.collect();
        families.extend(self.skips.collect());
        families
    }
}
