//! `#[derive(MetricsFamily)]`: a struct of metrics, registered together.

use std::collections::HashMap;
use std::sync::Arc;

use prometheus::core::{Collector, Desc};
use prometheus::{proto, Registry};

use crate::catalog::MetricKind;
use crate::collected::{Collected, CollectedGauge};
use crate::family::{Family, FamilyMetric};
use crate::metric_opts::MetricOpts;
use crate::{Error, LabelSet};

/// A struct of metrics that registers as one; derive it.
///
/// The derive also gives the struct inherent `register(&Registry)`,
/// `global()` and `unregistered()`, so this trait need not be imported.
///
/// ```
/// use metrics_runtime::MetricsFamily;
/// use prometheus::{HistogramVec, IntCounterVec};
///
/// #[derive(MetricsFamily)]
/// #[metrics(namespace = "shop")]
/// struct ShopMetrics {
///     /// Orders placed, by payment method.
///     #[metric(labels(method))]
///     orders_total: IntCounterVec,
///     /// Time to place an order.
///     #[metric(labels(method), buckets = [0.05, 0.5, 5.0])]
///     order_duration_seconds: HistogramVec,
/// }
///
/// let registry = prometheus::Registry::new();
/// let metrics = ShopMetrics::register(&registry).unwrap();
/// metrics.orders_total.with_label_values(&["card"]).inc();
/// assert!(metrics_runtime::encode_text(&registry).contains(r#"shop_orders_total{method="card"} 1"#));
///
/// // The same struct twice in one registry is an error, not a panic.
/// assert!(ShopMetrics::register(&registry).is_err());
/// ```
///
/// Generated: `register(&Registry) -> Result<Self, Error>` (all metrics or
/// none; children of fixed-cardinality label sets created at zero),
/// `global() -> &'static Self` (once, in [`crate::registry()`], under
/// [`crate::builder()`]'s namespace and labels; inside
/// `testing::capture`, the capture's own instance) and `unregistered()`.
///
/// On the struct, `#[metrics(...)]`:
///
/// | argument | meaning |
/// | --- | --- |
/// | `namespace = "shop"`, `subsystem = "db"` | name prefix: `shop_db_…` |
/// | `crate = path` | where the runtime is, for a renamed dependency |
///
/// On a field, `#[metric(...)]`; its doc comment is the HELP text:
///
/// | argument | meaning |
/// | --- | --- |
/// | `name = "…"` | the metric's name instead of the field's |
/// | `help = "…"` | HELP text instead of the doc comment |
/// | `labels(a, b)` | label names of a `…Vec` field |
/// | `buckets = [0.1, 1.0]` or `buckets = PATH` | histogram bounds; a path names a `const`/`static` `[f64; N]` or `&[f64]` |
/// | `max_series = N` | label sets a `Family` keeps before its `__overflow__` child |
/// | `native_histogram` | native buckets beside the classic ones, on a [`Histogram`](crate::Histogram) or `Family<L, Histogram>` field |
/// | `collect = path` | a gauge (or `Family` of gauges) computed at every scrape |
/// | `flatten` | the field is another `MetricsFamily`, nested |
///
/// `collect` takes `fn(&Self) -> f64` or `fn() -> f64` for a `Gauge` or
/// `IntGauge`, and `fn(&Self) -> Vec<(L, f64)>` or `fn() -> Vec<(L, f64)>`
/// for a `Family<L, Gauge | IntGauge>`, whose children become exactly the
/// label sets returned. It runs on a shared pool at each scrape; one that
/// panics or takes over 250 ms keeps the last value and is counted in
/// `metrics_runtime_collect_skipped_total{metric, reason}`. `flatten` keeps
/// the nested struct's own names (and namespace) behind the outer prefix:
///
/// ```
/// use metrics_runtime::{Family, LabelSet, MetricsFamily};
/// use prometheus::{Gauge, IntCounter};
///
/// #[derive(LabelSet)]
/// struct Queue { queue: String }
///
/// fn depths() -> Vec<(Queue, f64)> {
///     vec![(Queue { queue: "mail".into() }, 3.0)]
/// }
///
/// fn hit_ratio(cache: &CacheMetrics) -> f64 {
///     let (hits, misses) = (cache.hits_total.get() as f64, cache.misses_total.get() as f64);
///     if hits + misses == 0.0 { 0.0 } else { hits / (hits + misses) }
/// }
///
/// #[derive(MetricsFamily)]
/// #[metrics(subsystem = "cache")]
/// struct CacheMetrics {
///     /// Cache hits.
///     hits_total: IntCounter,
///     /// Cache misses.
///     misses_total: IntCounter,
///     /// Hits over lookups, computed at every scrape.
///     #[metric(collect = hit_ratio)]
///     hit_ratio: Gauge,
/// }
///
/// #[derive(MetricsFamily)]
/// #[metrics(namespace = "app")]
/// struct AppMetrics {
///     /// Jobs waiting, by queue, read at every scrape.
///     #[metric(collect = depths)]
///     queue_depth: Family<Queue, Gauge>,
///     #[metric(flatten)]
///     cache: CacheMetrics,
/// }
///
/// let registry = prometheus::Registry::new();
/// let app = AppMetrics::register(&registry).unwrap();
/// app.cache.hits_total.inc_by(3);
/// app.cache.misses_total.inc();
/// let text = metrics_runtime::encode_text(&registry);
/// assert!(text.contains(r#"app_queue_depth{queue="mail"} 3"#));
/// assert!(text.contains("app_cache_hit_ratio 0.75"));
/// ```
pub trait MetricsFamily: Sized {
    /// Creates every metric, named behind `prefix` (empty, or ending in
    /// `_`), and registers it through `registrar`.
    #[doc(hidden)]
    fn build(prefix: &str, registrar: &mut Registrar) -> Result<Self, Error>;

    /// A copy sharing every metric with `self` (metrics are handles).
    #[doc(hidden)]
    fn share(&self) -> Self;

    /// Adds a description of every metric, named behind `prefix`, to `out`.
    #[doc(hidden)]
    fn catalog(prefix: &str, out: &mut Vec<crate::catalog::MetricInfo>);
}

/// Creates the metrics of one family and the collectors that export them;
/// [`register_all`] then registers them all, or none.
#[doc(hidden)]
pub struct Registrar {
    const_labels: HashMap<String, String>,
    collectors: Vec<Box<dyn Collector>>,
    /// Whether invalid bounds behind a `buckets = PATH` are an error (for
    /// `register`) or logged and replaced by the defaults (for
    /// `unregistered()`, which cannot fail).
    strict: bool,
    /// `builder().native_histograms(true)`, for the structs of `global()`.
    native_histograms: bool,
}

/// The settings of [`crate::builder()`] that `global()` structs take.
struct GlobalSettings {
    prefix: String,
    const_labels: HashMap<String, String>,
    native_histograms: bool,
}

impl Registrar {
    /// Builds `T` into `registry`: all of it, or nothing.
    pub fn register<T: MetricsFamily>(registry: &Registry) -> Result<T, Error> {
        let (family, collectors) = Registrar::build_with::<T>(&GlobalSettings::none(), true)?;
        register_all(registry, collectors)?;
        Ok(family)
    }

    /// Builds `T` without registering it.
    pub fn unregistered<T: MetricsFamily>() -> T {
        match Registrar::build_with(&GlobalSettings::none(), false) {
            Ok((family, _)) => family,
            // Every name and label was checked at compile time, and bounds
            // checked at start-up are replaced rather than refused: with no
            // registry there is nothing else that can fail.
            Err(err) => unreachable!("an unregistered MetricsFamily cannot fail: {err}"),
        }
    }

    /// Builds `T` with the settings of [`crate::builder()`] and registers
    /// it in [`crate::registry()`] without waiting on a scrape in progress
    /// (see [`crate::registration`]); a failure is logged and leaves `T`
    /// measuring, unexported.
    pub fn global<T: MetricsFamily>() -> T {
        match Registrar::build_with::<T>(&GlobalSettings::read(), true) {
            Ok((family, collectors)) => {
                crate::registration::register_soon(move || {
                    if let Err(err) = register_all(crate::registry(), collectors) {
                        log::error!(
                            "{}::global(): {err}; its metrics are kept but not exported",
                            std::any::type_name::<T>()
                        );
                    }
                });
                family
            }
            Err(err) => {
                log::error!(
                    "{}::global(): {err}; its metrics are kept but not exported",
                    std::any::type_name::<T>()
                );
                Registrar::unregistered()
            }
        }
    }

    /// Builds `T` with the settings of [`crate::builder()`], as
    /// [`global`](Registrar::global) does, and registers it in `registry`
    /// (a capture's); a failure is logged and leaves `T` unexported.
    #[cfg(feature = "testing")]
    pub(crate) fn register_as_global<T: MetricsFamily>(registry: &Registry) -> T {
        let registered = Registrar::build_with::<T>(&GlobalSettings::read(), true)
            .and_then(|(family, collectors)| register_all(registry, collectors).map(|()| family));
        registered.unwrap_or_else(|err| {
            log::error!(
                "{}::global() in a capture: {err}; its metrics are kept but not exported",
                std::any::type_name::<T>()
            );
            Registrar::unregistered()
        })
    }

    fn build_with<T: MetricsFamily>(
        settings: &GlobalSettings,
        strict: bool,
    ) -> Result<(T, Vec<Box<dyn Collector>>), Error> {
        let mut registrar = Registrar {
            const_labels: settings.const_labels.clone(),
            collectors: Vec::new(),
            strict,
            native_histograms: settings.native_histograms,
        };
        let family = T::build(&settings.prefix, &mut registrar)?;
        Ok((family, registrar.collectors))
    }

    /// Creates field metric `T` named `name`, to be registered.
    #[allow(clippy::too_many_arguments)]
    pub fn metric<T: FieldMetric>(
        &mut self,
        name: String,
        help: &str,
        labels: &[&str],
        buckets: Option<&[f64]>,
        max_series: Option<usize>,
        native_histogram: bool,
    ) -> Result<T, Error> {
        // Literal bounds were checked at compile time; a path's here.
        let buckets = match buckets.map(|bounds| crate::config::check_bounds(&name, bounds)) {
            Some(Err(err)) if self.strict => return Err(err),
            Some(Err(err)) => {
                log::error!("{err}; using the default buckets");
                None
            }
            _ => buckets,
        };
        let mut opts = self.opts(name, help, buckets);
        opts.max_series = max_series;
        opts.native_histogram = native_histogram || self.native_histograms;
        let metric = T::create(&opts, labels)?;
        self.add(metric.clone());
        Ok(metric)
    }

    /// Creates field metric `T` named `name`, not to be registered itself:
    /// a gauge that [`collect`](Registrar::collect) exports once the
    /// struct it belongs to exists.
    pub fn detached<T: FieldMetric>(&mut self, name: String, help: &str) -> Result<T, Error> {
        Ok(T::create(&self.opts(name, help, None), &[])?)
    }

    /// Exports `gauge`, set by `compute` at every scrape.
    pub fn collect<G: CollectedGauge>(
        &mut self,
        gauge: &G,
        compute: impl Fn() -> G::Value + Send + Sync + 'static,
    ) -> Result<(), Error> {
        self.add(Collected::new(gauge, compute));
        Ok(())
    }

    fn opts(&self, name: String, help: &str, buckets: Option<&[f64]>) -> MetricOpts {
        MetricOpts {
            buckets: crate::config::config()
                .buckets_for(&name, buckets)
                .map(<[f64]>::to_vec),
            name,
            help: help.to_owned(),
            const_labels: self.const_labels.clone(),
            max_series: None,
            native_histogram: false,
        }
    }

    fn add<C: Collector + 'static>(&mut self, collector: C) {
        self.collectors.push(Box::new(collector));
    }
}

impl GlobalSettings {
    /// No prefix, labels or native buckets: for `register` and `unregistered`.
    fn none() -> GlobalSettings {
        GlobalSettings {
            prefix: String::new(),
            const_labels: HashMap::new(),
            native_histograms: false,
        }
    }

    /// The metric-name prefix, constant labels and native-histogram switch
    /// of [`crate::builder()`].
    fn read() -> GlobalSettings {
        let config = crate::config::config();
        GlobalSettings {
            prefix: config.name_prefix(),
            const_labels: config.const_labels.iter().cloned().collect(),
            native_histograms: config.native_histograms,
        }
    }
}

/// Registers every collector of a family in `registry`, or, when one is
/// refused, takes the others back out and says why.
pub(crate) fn register_all(
    registry: &Registry,
    collectors: Vec<Box<dyn Collector>>,
) -> Result<(), Error> {
    let mut registered: Vec<Box<dyn Collector>> = Vec::with_capacity(collectors.len());
    for collector in collectors {
        // Registering moves the collector into the registry; what is kept
        // to take it back out is a second handle to the same metrics.
        let handle = Box::new(SharedCollector(Arc::from(collector)));
        if let Err(err) = registry.register(handle.clone()) {
            for done in registered {
                let _ = registry.unregister(done);
            }
            return Err(err.into());
        }
        registered.push(handle);
    }
    Ok(())
}

/// A collector behind an `Arc`, so that the registry and [`register_all`]
/// can both hold it.
#[derive(Clone)]
struct SharedCollector(Arc<dyn Collector>);

impl Collector for SharedCollector {
    fn desc(&self) -> Vec<&Desc> {
        self.0.desc()
    }

    fn collect(&self) -> Vec<proto::MetricFamily> {
        self.0.collect()
    }
}

/// The name of a metric: `prefix`, then each non-empty `part`, joined by `_`.
#[doc(hidden)]
pub fn metric_name(prefix: &str, parts: &[&str]) -> String {
    let mut name = prefix.to_owned();
    for part in parts.iter().filter(|part| !part.is_empty()) {
        if !name.is_empty() && !name.ends_with('_') {
            name.push('_');
        }
        name.push_str(part);
    }
    name
}

/// A metric type a `MetricsFamily` field can have.
#[doc(hidden)]
pub trait FieldMetric: Collector + Clone + 'static {
    /// Counter, gauge or histogram.
    const KIND: MetricKind;

    /// Creates it; `labels` are the `labels(...)` of a vector type.
    fn create(opts: &MetricOpts, labels: &[&str]) -> prometheus::Result<Self>;

    /// Its label names, given the `labels(...)` of a vector type.
    fn label_names(labels: &[&str]) -> Vec<String> {
        labels.iter().map(|label| (*label).to_owned()).collect()
    }
}

macro_rules! scalar_field {
    ($($metric:ty, $kind:ident, $opts:ident;)*) => {$(
        impl FieldMetric for $metric {
            const KIND: MetricKind = MetricKind::$kind;

            fn create(opts: &MetricOpts, _labels: &[&str]) -> prometheus::Result<Self> {
                <$metric>::with_opts(opts.$opts())
            }
        }
    )*};
}

macro_rules! vector_field {
    ($($metric:ty, $kind:ident, $opts:ident;)*) => {$(
        impl FieldMetric for $metric {
            const KIND: MetricKind = MetricKind::$kind;

            fn create(opts: &MetricOpts, labels: &[&str]) -> prometheus::Result<Self> {
                <$metric>::new(opts.$opts(), labels)
            }
        }
    )*};
}

scalar_field! {
    prometheus::Counter, Counter, opts;
    prometheus::IntCounter, Counter, opts;
    prometheus::Gauge, Gauge, opts;
    prometheus::IntGauge, Gauge, opts;
    prometheus::Histogram, Histogram, histogram_opts;
}

vector_field! {
    prometheus::CounterVec, Counter, opts;
    prometheus::IntCounterVec, Counter, opts;
    prometheus::GaugeVec, Gauge, opts;
    prometheus::IntGaugeVec, Gauge, opts;
    prometheus::HistogramVec, Histogram, histogram_opts;
}

impl FieldMetric for crate::Histogram {
    const KIND: MetricKind = MetricKind::Histogram;

    fn create(opts: &MetricOpts, _labels: &[&str]) -> prometheus::Result<Self> {
        let histogram_opts = opts.histogram_opts();
        match opts.native_histogram {
            true => crate::Histogram::native_with_opts(histogram_opts),
            false => crate::Histogram::with_opts(histogram_opts),
        }
    }
}

/// A field type that `#[metric(native_histogram)]` goes on.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`native_histogram` needs a `metrics_runtime::Histogram` field, not `{Self}`",
    label = "a `prometheus` histogram has no native buckets; use `metrics_runtime::Histogram` (or `Family<L, metrics_runtime::Histogram>`)"
)]
pub trait NativeHistogramField {}

impl NativeHistogramField for crate::Histogram {}

impl<L> NativeHistogramField for Family<L, crate::Histogram> {}

/// Compiles only for a field type that can keep native buckets.
#[doc(hidden)]
pub const fn assert_native_histogram_field<T: NativeHistogramField>() {}

impl<L: LabelSet + Send + Sync + 'static, M: FamilyMetric + FieldMetric> FieldMetric
    for Family<L, M>
{
    const KIND: MetricKind = M::KIND;

    fn create(opts: &MetricOpts, _labels: &[&str]) -> prometheus::Result<Self> {
        Family::new(opts)
    }

    fn label_names(_labels: &[&str]) -> Vec<String> {
        L::NAMES.iter().map(|name| (*name).to_owned()).collect()
    }
}
