//! `Family<L, M>`: a `prometheus` metric vector addressed by a typed label set.

use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use prometheus::core::{Collector, Desc};
use prometheus::proto;

mod exposition;

use crate::bounded::{BoundedChildren, Child, ChildLabels};
use crate::metric_opts::MetricOpts;
use crate::LabelSet;
use exposition::DirectChildren;

/// One metric per label set `L`, each a `prometheus` metric `M`.
///
/// Label names come from `L`, so a typo or a missing label is a compile
/// error rather than a panic at run time. When every label of `L` has a
/// fixed cardinality (derived enums), children are found by index, without
/// hashing; otherwise a family keeps at most `max_series` label sets
/// (default 10,000), and further ones share one child labelled
/// `__overflow__`, counted in `metrics_runtime_series_overflow_total`.
///
/// As a field of a `#[derive(MetricsFamily)]` struct it takes
/// `#[metric(max_series = N)]`, and for gauges `#[metric(collect = f)]`
/// with `f` returning `Vec<(L, f64)>` (see [`MetricsFamily`](crate::MetricsFamily)).
/// [`with`](Family::with) takes label sets borrowing for any lifetime;
/// [`remove`](Family::remove) and [`clear`](Family::clear) take children out.
///
/// ```
/// use metrics_runtime::{Family, LabelSet, LabelValue, MetricsFamily};
/// use prometheus::IntCounter;
///
/// #[derive(LabelValue, Clone, Copy)]
/// enum Outcome { Hit, Miss }
///
/// #[derive(LabelSet)]
/// struct Lookup { outcome: Outcome }
///
/// #[derive(MetricsFamily)]
/// struct CacheMetrics {
///     /// Lookups by outcome.
///     lookups_total: Family<Lookup, IntCounter>,
/// }
///
/// let registry = prometheus::Registry::new();
/// let metrics = CacheMetrics::register(&registry).unwrap();
/// metrics.lookups_total.with(&Lookup { outcome: Outcome::Hit }).inc();
/// assert!(metrics_runtime::encode_text(&registry).contains(r#"lookups_total{outcome="hit"} 1"#));
/// ```
pub struct Family<L, M: FamilyMetric> {
    vec: M::Vec,
    by_index: Option<Arc<[OnceLock<Child<M>>]>>,
    /// Set by the first `remove` or `clear`: index slots cannot be emptied,
    /// so from then on children are looked up in the vector itself.
    index_stale: Arc<AtomicBool>,
    hashed: Arc<BoundedChildren<M>>,
    /// The children as the exposition writes them, for metric types whose
    /// values can be read directly.
    direct: Option<Arc<DirectChildren<M>>>,
    labels: PhantomData<fn(&L)>,
}

impl<L: LabelSet, M: FamilyMetric> Family<L, M> {
    /// The metric for `labels`, created at zero on first use.
    ///
    /// `labels` may borrow for any lifetime: a `Family<Call<'static>, M>`
    /// takes a `Call<'a>`, and finding an existing child allocates nothing.
    #[inline]
    pub fn with<K: LabelSet<Static = L::Static>>(&self, labels: &K) -> M {
        match &self.by_index {
            Some(_) if self.index_stale.load(Ordering::Relaxed) => self.child(labels),
            Some(children) => match children.get(labels.index()) {
                Some(slot) => slot
                    .get_or_init(|| self.indexed_child(labels))
                    .metric
                    .clone(),
                None => self.child(labels),
            },
            None => {
                labels.with_values(|values| self.hashed.get(values, |v| M::child(&self.vec, v)))
            }
        }
    }

    /// Takes the child for `labels` out of the exposition; whether there
    /// was one. A later [`with`](Family::with) creates it anew, at zero.
    ///
    /// ```
    /// # use metrics_runtime::{Family, LabelSet, MetricsFamily};
    /// #[derive(LabelSet)]
    /// struct Disk<'a> { disk: &'a str }
    ///
    /// #[derive(MetricsFamily)]
    /// struct Host {
    ///     /// Bytes free, by disk.
    ///     free_bytes: Family<Disk<'static>, prometheus::IntGauge>,
    /// }
    ///
    /// let registry = prometheus::Registry::new();
    /// let host = Host::register(&registry).unwrap();
    /// host.free_bytes.with(&Disk { disk: "sda" }).set(1024);
    /// assert!(host.free_bytes.remove(&Disk { disk: "sda" }));
    /// assert!(!metrics_runtime::encode_text(&registry).contains("sda"));
    /// ```
    pub fn remove<K: LabelSet<Static = L::Static>>(&self, labels: &K) -> bool {
        labels.with_values(|values| self.remove_values(values))
    }

    fn remove_values(&self, values: &[&str]) -> bool {
        self.leave_index();
        let forgotten = self.hashed.remove(values);
        M::remove(&self.vec, values) || forgotten
    }

    /// Keeps the children whose label values (in the order of `L`'s
    /// names) `keep` accepts, and takes the others out.
    pub(crate) fn retain(&self, keep: impl Fn(&[&str]) -> bool) {
        let mut gone: Vec<Vec<String>> = Vec::new();
        for family in self.vec.collect() {
            for metric in family.get_metric() {
                let values: Vec<&str> = L::NAMES
                    .iter()
                    .map(|name| {
                        let pair = metric.get_label().iter().find(|pair| pair.name() == *name);
                        pair.map_or("", |pair| pair.value())
                    })
                    .collect();
                if !keep(&values) {
                    gone.push(values.iter().map(|value| (*value).to_owned()).collect());
                }
            }
        }
        for values in gone {
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            self.remove_values(&values);
        }
    }

    /// Takes every child out of the exposition.
    pub fn clear(&self) {
        self.leave_index();
        self.hashed.clear();
        M::clear(&self.vec);
    }

    /// Index slots cannot be emptied: once a child is taken out, children
    /// are looked up in the vector itself.
    fn leave_index(&self) {
        if self.by_index.is_some() {
            self.index_stale.store(true, Ordering::Relaxed);
        }
    }

    fn child<K: LabelSet>(&self, labels: &K) -> M {
        labels.with_values(|values| M::child(&self.vec, values))
    }

    #[cold]
    fn indexed_child<K: LabelSet>(&self, labels: &K) -> Child<M> {
        let rendering = self.hashed.labels();
        labels.with_values(|values| Child::new(values, M::child(&self.vec, values), rendering))
    }

    /// Creates the family; `opts` name it.
    pub(crate) fn new(opts: &MetricOpts) -> prometheus::Result<Self> {
        let vec = M::new_vec(opts, L::NAMES)?;
        let rendering = M::SAMPLE_TYPE.map(|_| ChildLabels::new(L::NAMES, &opts.const_labels));
        let by_index: Option<Arc<[OnceLock<Child<M>>]>> =
            L::CARDINALITY.filter(|&n| n <= MAX_INDEXED).map(|n| {
                (0..n)
                    .map(|i| zero_child::<L, M>(&vec, i, rendering.as_ref()))
                    .collect()
            });
        let limit = opts
            .max_series
            .unwrap_or_else(|| crate::config::config().max_series);
        let index_stale = Arc::new(AtomicBool::new(false));
        let hashed = Arc::new(BoundedChildren::new(opts.name.clone(), limit, rendering));
        let direct = DirectChildren::new(opts, &by_index, &index_stale, &hashed);
        Ok(Family {
            vec,
            by_index,
            index_stale,
            hashed,
            direct,
            labels: PhantomData,
        })
    }
}

/// The slot of the label set at `index`, its child created at zero when
/// the labels can name their values, so that the series is exported
/// before its first use.
fn zero_child<L: LabelSet, M: FamilyMetric>(
    vec: &M::Vec,
    index: usize,
    rendering: Option<&ChildLabels>,
) -> OnceLock<Child<M>> {
    let slot = OnceLock::new();
    let child = L::values_at(index, |values| {
        Child::new(values, M::child(vec, values), rendering)
    });
    if let Some(child) = child {
        let _ = slot.set(child);
    }
    slot
}

/// Above this many label sets, children are hashed rather than indexed.
const MAX_INDEXED: usize = 4096;

impl<L, M: FamilyMetric> Clone for Family<L, M> {
    fn clone(&self) -> Self {
        Family {
            vec: self.vec.clone(),
            by_index: self.by_index.clone(),
            index_stale: Arc::clone(&self.index_stale),
            hashed: Arc::clone(&self.hashed),
            direct: self.direct.clone(),
            labels: PhantomData,
        }
    }
}

impl<L, M: FamilyMetric> std::fmt::Debug for Family<L, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Family")
            .field("desc", &self.vec.desc())
            .finish()
    }
}

impl<L: Send + Sync, M: FamilyMetric> Collector for Family<L, M> {
    fn desc(&self) -> Vec<&Desc> {
        self.vec.desc()
    }

    fn collect(&self) -> Vec<proto::MetricFamily> {
        let deferred = self.direct.as_ref().and_then(DirectChildren::defer);
        let mut families = deferred.unwrap_or_else(|| self.vec.collect());
        families.extend(self.hashed.collect_overflows());
        families
    }
}

/// A `prometheus` metric type that a [`Family`] can hold.
pub trait FamilyMetric: Clone + Send + Sync + 'static {
    /// The `prometheus` vector of this metric type.
    type Vec: Collector + Clone + 'static;

    #[doc(hidden)]
    fn new_vec(opts: &MetricOpts, label_names: &[&str]) -> prometheus::Result<Self::Vec>;

    #[doc(hidden)]
    fn child(vec: &Self::Vec, values: &[&str]) -> Self;

    #[doc(hidden)]
    fn remove(vec: &Self::Vec, values: &[&str]) -> bool;

    #[doc(hidden)]
    fn clear(vec: &Self::Vec);

    /// The type of its samples when the exposition can read its value
    /// directly (`value`), rather than through `collect`.
    #[doc(hidden)]
    const SAMPLE_TYPE: Option<proto::MetricType> = None;

    #[doc(hidden)]
    fn value(&self) -> f64 {
        f64::NAN
    }

    /// Itself, when it is the toolkit's [`Histogram`](crate::Histogram).
    #[doc(hidden)]
    fn as_histogram(&self) -> Option<&crate::Histogram> {
        None
    }
}

macro_rules! family_metric {
    ($($metric:ty => $vec:ty, $opts:ident $(, $kind:ident)?;)*) => {$(
        impl FamilyMetric for $metric {
            type Vec = $vec;

            $(
                const SAMPLE_TYPE: Option<proto::MetricType> = Some(proto::MetricType::$kind);

                fn value(&self) -> f64 {
                    self.get() as f64
                }
            )?

            fn new_vec(opts: &MetricOpts, label_names: &[&str]) -> prometheus::Result<Self::Vec> {
                <$vec>::new(opts.$opts(), label_names)
            }

            fn child(vec: &Self::Vec, values: &[&str]) -> Self {
                // The label set has exactly the vector's label names, so
                // the lookup cannot fail on arity.
                vec.with_label_values(values)
            }

            fn remove(vec: &Self::Vec, values: &[&str]) -> bool {
                vec.remove_label_values(values).is_ok()
            }

            fn clear(vec: &Self::Vec) {
                vec.reset();
            }
        }
    )*};
}

family_metric! {
    prometheus::Counter => prometheus::CounterVec, opts, COUNTER;
    prometheus::IntCounter => prometheus::IntCounterVec, opts, COUNTER;
    prometheus::Gauge => prometheus::GaugeVec, opts, GAUGE;
    prometheus::IntGauge => prometheus::IntGaugeVec, opts, GAUGE;
    prometheus::Histogram => prometheus::HistogramVec, histogram_opts;
}
