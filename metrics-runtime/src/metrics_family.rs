//! `#[derive(MetricsFamily)]`: a struct of metrics, registered together.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use prometheus::core::{Collector, Desc};
use prometheus::{proto, Registry};

use crate::catalog::MetricKind;
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
pub trait MetricsFamily: Sized {
    /// Creates every metric, named behind `prefix` (empty, or ending in
    /// `_`), and registers it through `registrar`.
    #[doc(hidden)]
    fn build(prefix: &str, registrar: &mut Registrar<'_>) -> Result<Self, Error>;

    /// A copy sharing every metric with `self` (metrics are handles).
    #[doc(hidden)]
    fn share(&self) -> Self;

    /// Adds a description of every metric, named behind `prefix`, to `out`.
    #[doc(hidden)]
    fn catalog(prefix: &str, out: &mut Vec<crate::catalog::MetricInfo>);
}

/// Registers the metrics of one family, and takes them all back out of the
/// registry if any of them fails.
#[doc(hidden)]
pub struct Registrar<'r> {
    registry: Option<&'r Registry>,
    const_labels: HashMap<String, String>,
    registered: Vec<Box<dyn Collector>>,
}

impl<'r> Registrar<'r> {
    /// Builds `T` into `registry`: all of it, or nothing.
    pub fn register<T: MetricsFamily>(registry: &'r Registry) -> Result<T, Error> {
        Registrar::build_with(Some(registry), "", HashMap::new())
    }

    /// Builds `T` without registering it.
    pub fn unregistered<T: MetricsFamily>() -> T {
        match Registrar::build_with(None, "", HashMap::new()) {
            Ok(family) => family,
            // Every name and label was checked at compile time; with no
            // registry there is nothing else that can fail.
            Err(err) => unreachable!("an unregistered MetricsFamily cannot fail: {err}"),
        }
    }

    /// Builds `T` into [`crate::registry()`] with the settings of
    /// [`crate::builder()`]; on failure logs it and returns `T` unregistered.
    pub fn global<T: MetricsFamily>() -> T {
        let config = crate::config::config();
        let prefix = config
            .namespace
            .as_ref()
            .map_or_else(String::new, |namespace| format!("{namespace}_"));
        let const_labels = config.const_labels.iter().cloned().collect();
        match Registrar::build_with(Some(crate::registry()), &prefix, const_labels) {
            Ok(family) => family,
            Err(err) => {
                log::error!(
                    "{}::global(): {err}; its metrics are kept but not exported",
                    std::any::type_name::<T>()
                );
                Registrar::unregistered()
            }
        }
    }

    fn build_with<T: MetricsFamily>(
        registry: Option<&'r Registry>,
        prefix: &str,
        const_labels: HashMap<String, String>,
    ) -> Result<T, Error> {
        let mut registrar = Registrar {
            registry,
            const_labels,
            registered: Vec::new(),
        };
        let built = T::build(prefix, &mut registrar);
        if built.is_err() {
            registrar.roll_back();
        }
        built
    }

    fn roll_back(&mut self) {
        if let Some(registry) = self.registry {
            for collector in self.registered.drain(..) {
                let _ = registry.unregister(collector);
            }
        }
    }

    /// Creates field metric `T` named `name` and registers it.
    pub fn metric<T: FieldMetric>(
        &mut self,
        name: String,
        help: &str,
        labels: &[&str],
        buckets: Option<&[f64]>,
        max_series: Option<usize>,
    ) -> Result<T, Error> {
        let mut opts = self.opts(name, help, buckets);
        opts.max_series = max_series;
        let metric = T::create(&opts, labels)?;
        self.add(metric.clone())?;
        Ok(metric)
    }

    /// Creates field metric `T` named `name` without registering it yet:
    /// a gauge that [`collect`](Registrar::collect) registers once the
    /// struct it belongs to exists.
    pub fn detached<T: FieldMetric>(&mut self, name: String, help: &str) -> Result<T, Error> {
        Ok(T::create(&self.opts(name, help, None), &[])?)
    }

    /// Registers `gauge` so that `compute` sets it at every scrape.
    pub fn collect<G: CollectedGauge>(
        &mut self,
        gauge: &G,
        compute: impl Fn() -> f64 + Send + Sync + 'static,
    ) -> Result<(), Error> {
        self.add(Collected {
            gauge: gauge.clone(),
            compute: Arc::new(compute),
            running: Arc::new(AtomicBool::new(false)),
        })
    }

    fn opts(&self, name: String, help: &str, buckets: Option<&[f64]>) -> MetricOpts {
        MetricOpts {
            name,
            help: help.to_owned(),
            const_labels: self.const_labels.clone(),
            buckets: buckets.map(<[f64]>::to_vec),
            max_series: None,
        }
    }

    fn add<C: Collector + Clone + 'static>(&mut self, collector: C) -> Result<(), Error> {
        if let Some(registry) = self.registry {
            registry.register(Box::new(collector.clone()))?;
            self.registered.push(Box::new(collector));
        }
        Ok(())
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

/// A gauge whose value can be set from a computed `f64`.
#[doc(hidden)]
pub trait CollectedGauge: FieldMetric + Send + Sync {
    /// Sets the gauge to `value`.
    fn set_computed(&self, value: f64);
}

impl CollectedGauge for prometheus::Gauge {
    fn set_computed(&self, value: f64) {
        self.set(value);
    }
}

impl CollectedGauge for prometheus::IntGauge {
    fn set_computed(&self, value: f64) {
        // Saturating: NaN becomes 0, out-of-range values the nearest bound.
        self.set(value as i64);
    }
}

/// A gauge set by a function at every scrape.
///
/// The function runs on a thread of its own with [`COLLECT_BUDGET`] to
/// answer: one that panics or is slower keeps the gauge at its last value,
/// is counted in `metrics_runtime_collect_skipped_total`, and never
/// breaks or stalls the scrape. While a slow one is still running, later
/// scrapes skip it rather than start another.
#[derive(Clone)]
struct Collected<G> {
    gauge: G,
    compute: Arc<dyn Fn() -> f64 + Send + Sync>,
    running: Arc<AtomicBool>,
}

/// How long a scrape waits for a `collect` function.
const COLLECT_BUDGET: Duration = Duration::from_millis(250);

impl<G: CollectedGauge> Collected<G> {
    fn name(&self) -> String {
        self.gauge
            .desc()
            .first()
            .map_or_else(String::new, |desc| desc.fq_name.clone())
    }

    /// The function's value, or why there is none.
    fn compute(&self) -> Result<f64, &'static str> {
        if self.running.swap(true, Ordering::AcqRel) {
            return Err("slow");
        }
        let (sender, receiver) = std::sync::mpsc::sync_channel(1);
        let compute = Arc::clone(&self.compute);
        let running = Arc::clone(&self.running);
        let spawned = std::thread::Builder::new()
            .name("metrics-collect".to_owned())
            .spawn(move || {
                let value = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| compute()));
                running.store(false, Ordering::Release);
                let _ = sender.send(value);
            });
        if spawned.is_err() {
            self.running.store(false, Ordering::Release);
            return Err("slow");
        }
        match receiver.recv_timeout(COLLECT_BUDGET) {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(_)) => Err("panic"),
            Err(_) => Err("slow"),
        }
    }
}

impl<G: CollectedGauge> Collector for Collected<G> {
    fn desc(&self) -> Vec<&Desc> {
        self.gauge.desc()
    }

    fn collect(&self) -> Vec<proto::MetricFamily> {
        match self.compute() {
            Ok(value) => self.gauge.set_computed(value),
            Err(reason) => {
                let name = self.name();
                log::warn!("the `collect` function of gauge `{name}` was skipped ({reason}); it keeps its last value");
                crate::self_metrics::count_collect_skip(&name, reason);
            }
        }
        self.gauge.collect()
    }
}
