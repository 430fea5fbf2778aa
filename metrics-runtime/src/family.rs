//! `Family<L, M>`: a `prometheus` metric vector addressed by a typed label set.

use std::marker::PhantomData;
use std::sync::{Arc, OnceLock};

use prometheus::core::{Collector, Desc};
use prometheus::proto;

use crate::metric_opts::MetricOpts;
use crate::LabelSet;

/// One metric per label set `L`, each a `prometheus` metric `M`.
///
/// Label names come from `L`, so a typo or a missing label is a compile
/// error rather than a panic at run time. When every label of `L` has a
/// fixed cardinality (derived enums), children are found by index, without
/// hashing.
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
    by_index: Option<Arc<[OnceLock<M>]>>,
    labels: PhantomData<fn(&L)>,
}

impl<L: LabelSet, M: FamilyMetric> Family<L, M> {
    /// The metric for `labels`, created at zero on first use.
    #[inline]
    pub fn with(&self, labels: &L) -> M {
        match &self.by_index {
            Some(children) => match children.get(labels.index()) {
                Some(child) => child.get_or_init(|| self.child(labels)).clone(),
                None => self.child(labels),
            },
            None => self.child(labels),
        }
    }

    fn child(&self, labels: &L) -> M {
        labels.with_values(|values| M::child(&self.vec, values))
    }

    /// Creates the family; `opts` name it.
    pub(crate) fn new(opts: &MetricOpts) -> prometheus::Result<Self> {
        let by_index = L::CARDINALITY
            .filter(|&n| n <= MAX_INDEXED)
            .map(|n| (0..n).map(|_| OnceLock::new()).collect());
        Ok(Family {
            vec: M::new_vec(opts, L::NAMES)?,
            by_index,
            labels: PhantomData,
        })
    }
}

/// Above this many label sets, children are hashed rather than indexed.
const MAX_INDEXED: usize = 4096;

impl<L, M: FamilyMetric> Clone for Family<L, M> {
    fn clone(&self) -> Self {
        Family {
            vec: self.vec.clone(),
            by_index: self.by_index.clone(),
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
        self.vec.collect()
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
}

macro_rules! family_metric {
    ($($metric:ty => $vec:ty, $opts:ident;)*) => {$(
        impl FamilyMetric for $metric {
            type Vec = $vec;

            fn new_vec(opts: &MetricOpts, label_names: &[&str]) -> prometheus::Result<Self::Vec> {
                <$vec>::new(opts.$opts(), label_names)
            }

            fn child(vec: &Self::Vec, values: &[&str]) -> Self {
                // The label set has exactly the vector's label names, so
                // the lookup cannot fail on arity.
                vec.with_label_values(values)
            }
        }
    )*};
}

family_metric! {
    prometheus::Counter => prometheus::CounterVec, opts;
    prometheus::IntCounter => prometheus::IntCounterVec, opts;
    prometheus::Gauge => prometheus::GaugeVec, opts;
    prometheus::IntGauge => prometheus::IntGaugeVec, opts;
    prometheus::Histogram => prometheus::HistogramVec, histogram_opts;
}
