//! `Family<L, M>`: a `prometheus` metric vector addressed by a typed label set.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use prometheus::core::{Collector, Desc};
use prometheus::proto;

use crate::instrument::table::{hash_values, LabelValues};
use crate::metric_opts::MetricOpts;
use crate::self_metrics::OverflowCount;
use crate::LabelSet;

/// One metric per label set `L`, each a `prometheus` metric `M`.
///
/// Label names come from `L`, so a typo or a missing label is a compile
/// error rather than a panic at run time. When every label of `L` has a
/// fixed cardinality (derived enums), children are found by index, without
/// hashing; otherwise a family keeps at most `max_series` label sets
/// (default 10,000), and further ones share one child labelled
/// `__overflow__`, counted in `metrics_runtime_series_overflow_total`.
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
    hashed: Arc<Hashed<M>>,
    labels: PhantomData<fn(&L)>,
}

/// Children found by a hash of their label values, at most `limit` of them.
struct Hashed<M> {
    name: String,
    limit: usize,
    seed: u64,
    index: RwLock<HashMap<u64, Vec<Child<M>>>>,
    len: AtomicUsize,
    overflow: OnceLock<M>,
    overflows: OverflowCount,
}

/// A child and the label values it was made for.
type Child<M> = (Box<[Box<str>]>, M);

impl<M: Clone> Hashed<M> {
    fn new(name: String, limit: usize) -> Self {
        Hashed {
            limit,
            seed: RandomState::new().hash_one(0x6661_6d69_6c79_u64),
            index: RwLock::new(HashMap::new()),
            len: AtomicUsize::new(0),
            overflow: OnceLock::new(),
            overflows: OverflowCount::new(&name),
            name,
        }
    }

    /// The child for `values`, made by `make` while there is room.
    fn get(&self, values: &[&str], make: impl Fn(&[&str]) -> M) -> M {
        let hash = hash_values(self.seed, LabelValues::All(values));
        let same =
            |(own, _): &&(Box<[Box<str>]>, M)| own.iter().map(|v| &**v).eq(values.iter().copied());
        {
            let index = self.index.read().unwrap_or_else(PoisonError::into_inner);
            if let Some((_, child)) = index
                .get(&hash)
                .and_then(|children| children.iter().find(same))
            {
                return child.clone();
            }
        }
        let mut index = self.index.write().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, child)) = index
            .get(&hash)
            .and_then(|children| children.iter().find(same))
        {
            return child.clone();
        }
        if self.len.load(Ordering::Relaxed) >= self.limit {
            drop(index);
            return self.overflow(values.len(), make);
        }
        let child = make(values);
        let key = values.iter().map(|value| Box::from(*value)).collect();
        index.entry(hash).or_default().push((key, child.clone()));
        self.len.fetch_add(1, Ordering::Relaxed);
        child
    }

    #[cold]
    fn overflow(&self, labels: usize, make: impl Fn(&[&str]) -> M) -> M {
        let child = self.overflow.get_or_init(|| {
            log::warn!(
                "metric `{}` holds {} label sets, its limit; further ones are recorded as `{}`",
                self.name,
                self.limit,
                crate::OVERFLOW_VALUE
            );
            let values = vec![crate::OVERFLOW_VALUE; labels];
            make(&values)
        });
        self.overflows.inc();
        child.clone()
    }
}

impl<L: LabelSet, M: FamilyMetric> Family<L, M> {
    /// The metric for `labels`, created at zero on first use.
    ///
    /// `labels` may borrow for any lifetime: a `Family<Call<'static>, M>`
    /// takes a `Call<'a>`, and finding an existing child allocates nothing.
    #[inline]
    pub fn with<K: LabelSet<Static = L::Static>>(&self, labels: &K) -> M {
        match &self.by_index {
            Some(children) => match children.get(labels.index()) {
                Some(child) => child.get_or_init(|| self.child(labels)).clone(),
                None => self.child(labels),
            },
            None => {
                labels.with_values(|values| self.hashed.get(values, |v| M::child(&self.vec, v)))
            }
        }
    }

    fn child<K: LabelSet>(&self, labels: &K) -> M {
        labels.with_values(|values| M::child(&self.vec, values))
    }

    /// Creates the family; `opts` name it.
    pub(crate) fn new(opts: &MetricOpts) -> prometheus::Result<Self> {
        let by_index = L::CARDINALITY
            .filter(|&n| n <= MAX_INDEXED)
            .map(|n| (0..n).map(|_| OnceLock::new()).collect());
        let limit = opts
            .max_series
            .unwrap_or_else(|| crate::config::config().max_series);
        Ok(Family {
            vec: M::new_vec(opts, L::NAMES)?,
            by_index,
            hashed: Arc::new(Hashed::new(opts.name.clone(), limit)),
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
            hashed: Arc::clone(&self.hashed),
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
        let mut families = self.vec.collect();
        families.extend(self.hashed.overflows.collect());
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
