//! One metric name of the facade: its series, at most `max_series` of
//! them, written straight from their storage by the exposition engine.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use prometheus::core::{Collector, Desc};
use prometheus::proto::{self, MetricType};

use super::names;
use super::storage::{Handle, Storage};
use super::Kind;
use crate::encoding::direct::{DirectFamily, LabelPairs, Labels, NoLabels, RenderedLabels};
use crate::encoding::direct::{Number, Samples};
use crate::encoding::engine::{self, Announced, Source};
use crate::histogram::Shape;
use crate::instrument::exposition::metric_family;
use crate::self_metrics::{self, OverflowCount};

/// The series of one exported name, and what is said about it.
pub(super) struct Family {
    pub(super) name: String,
    pub(super) kind: Kind,
    desc: Desc,
    help: RwLock<String>,
    limit: usize,
    const_labels: Vec<(String, String)>,
    /// Bounds shared by its histograms.
    shape: Option<Arc<Shape>>,
    series: RwLock<Vec<Series>>,
    overflow: OnceLock<Series>,
    overflows: Arc<OverflowCount>,
    /// Updates through handles of another kind under its name.
    pub(super) dropped: Arc<AtomicU64>,
    /// Set when the registry refused it, or a kind clashed: logged once.
    refused: AtomicBool,
    clashed: AtomicBool,
}

/// One label set's numbers, with its labels rendered once.
struct Series {
    labels: RenderedLabels,
    storage: Storage,
}

impl Family {
    /// A family for the metric exported as `name`, under the builder's
    /// constant labels, series limit and histogram bounds.
    pub(super) fn new(kind: Kind, name: String, help: String) -> prometheus::Result<Family> {
        let config = crate::config::config();
        let const_labels = config.const_labels.clone();
        let desc = Desc::new(
            name.clone(),
            help.clone(),
            Vec::new(),
            const_labels.iter().cloned().collect::<HashMap<_, _>>(),
        )?;
        let shape = match kind {
            Kind::Histogram => {
                let bounds = config.buckets_for(&name, None).unwrap_or(&[]);
                Some(Arc::new(Shape::new(bounds, config.native_histograms)?))
            }
            _ => None,
        };
        Ok(Family {
            overflows: Arc::new(OverflowCount::new(&name)),
            name,
            kind,
            desc,
            help: RwLock::new(help),
            limit: config.max_series,
            const_labels,
            shape,
            series: RwLock::new(Vec::new()),
            overflow: OnceLock::new(),
            dropped: Arc::new(AtomicU64::new(0)),
            refused: AtomicBool::new(false),
            clashed: AtomicBool::new(false),
        })
    }

    /// New storage for the label set `labels`, while there is room.
    pub(super) fn add(&self, labels: &[metrics::Label]) -> Option<Storage> {
        let mut series = self.series.write().unwrap_or_else(PoisonError::into_inner);
        if series.len() >= self.limit {
            return None;
        }
        let storage = self.storage();
        series.push(Series {
            labels: self.render(labels.iter().map(|label| (label.key(), label.value()))),
            storage: storage.clone(),
        });
        Some(storage)
    }

    /// A handle onto the one series every label set past the limit shares,
    /// its labels those of `labels` with the value `__overflow__`.
    #[cold]
    pub(super) fn overflow(&self, labels: &[metrics::Label]) -> Handle {
        let series = self.overflow.get_or_init(|| {
            log::warn!(
                "metric `{}` holds {} label sets, its limit; further ones are recorded as `{}`",
                self.name,
                self.limit,
                crate::OVERFLOW_VALUE
            );
            let overflowing = labels
                .iter()
                .map(|label| (label.key(), crate::OVERFLOW_VALUE));
            Series {
                labels: self.render(overflowing),
                storage: self.storage(),
            }
        });
        series.storage.counted(&self.overflows)
    }

    fn storage(&self) -> Storage {
        Storage::new(self.kind, || {
            let shape = self.shape.as_ref().expect("a histogram family has a shape");
            crate::Histogram::child(shape)
        })
    }

    /// The label text of a series: its names made valid (the first of two
    /// that become one wins, a constant label wins over both), sorted by
    /// name with the constant labels, as the `prometheus` crate sorts them.
    fn render<'a>(&'a self, labels: impl Iterator<Item = (&'a str, &'a str)>) -> RenderedLabels {
        let mut pairs: Vec<(String, &str)> = self
            .const_labels
            .iter()
            .map(|(name, value)| (name.clone(), value.as_str()))
            .collect();
        for (name, value) in labels {
            let name = names::label_name(self.kind, name);
            if !pairs.iter().any(|(taken, _)| *taken == name) {
                pairs.push((name, value));
            }
        }
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        RenderedLabels::new(pairs.iter().map(|(name, value)| (name.as_str(), *value)))
    }

    /// Its HELP text from now on.
    pub(super) fn describe(&self, help: &str) {
        *self.help.write().unwrap_or_else(PoisonError::into_inner) = help.to_owned();
    }

    fn help(&self) -> String {
        self.help
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Whether the registry refused it: its updates go nowhere.
    pub(super) fn is_refused(&self) -> bool {
        self.refused.load(Ordering::Relaxed)
    }

    /// The registry refused it (a family of that name was there before).
    pub(super) fn refuse(&self, err: &prometheus::Error) {
        if !self.refused.swap(true, Ordering::Relaxed) {
            log::warn!(
                "`metrics` facade: metric `{}` clashes with a metric of the registry ({err}); \
                 its updates are dropped",
                self.name
            );
        }
    }

    /// A `metrics` handle of `kind` used under its name: logged once, and
    /// its updates counted in `metrics_runtime_facade_dropped_total`.
    pub(super) fn clash(&self, kind: Kind, raw_name: &str) -> Handle {
        if !self.clashed.swap(true, Ordering::Relaxed) {
            log::warn!(
                "`metrics` facade: `{raw_name}` used as a {} while `{}` is a {}; \
                 those updates are dropped",
                kind.as_str(),
                self.name,
                self.kind.as_str(),
            );
        }
        Handle::dropped(kind, &self.dropped)
    }

    fn has_series(&self) -> bool {
        self.overflow.get().is_some()
            || !self
                .series
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .is_empty()
    }

    /// Every series, the overflow one last.
    fn for_each(&self, mut each: impl FnMut(&Series)) {
        let series = self.series.read().unwrap_or_else(PoisonError::into_inner);
        series.iter().for_each(&mut each);
        drop(series);
        if let Some(overflow) = self.overflow.get() {
            each(overflow);
        }
    }

    /// Its series as `prometheus` metrics, for a gather outside an encode.
    fn proto_metrics(&self) -> Vec<proto::Metric> {
        let mut metrics = Vec::new();
        self.for_each(|series| {
            let mut pairs = Vec::new();
            series
                .labels
                .for_each_pair(&mut |name, value| pairs.push((name, value)));
            metrics.push(match &series.storage {
                Storage::Histogram(histogram) => histogram.0.proto_metric(pairs),
                storage => value_metric(self.kind, &pairs, storage.value()),
            });
        });
        metrics
    }

    fn collect_dropped(&self) -> Option<proto::MetricFamily> {
        let dropped = self.dropped.load(Ordering::Relaxed);
        (dropped > 0).then(|| {
            self_metrics::counter_family(
                self_metrics::FACADE_DROPPED_NAME,
                "Updates through the `metrics` facade dropped: their name was taken by another kind of metric.",
                vec![self_metrics::counter(&[("family", &self.name)], dropped)],
            )
        })
    }
}

/// A counter or gauge sample as a `prometheus` metric.
fn value_metric(kind: Kind, pairs: &[(&str, &str)], value: f64) -> proto::Metric {
    let mut metric = proto::Metric::default();
    metric.set_label(crate::instrument::exposition::label_pairs(
        pairs.iter().copied(),
    ));
    if kind == Kind::Counter {
        let mut counter = proto::Counter::default();
        counter.set_value(value);
        metric.set_counter(counter);
    } else {
        let mut gauge = proto::Gauge::default();
        gauge.set_value(value);
        metric.set_gauge(gauge);
    }
    metric
}

impl DirectFamily for Family {
    fn write_samples(&self, _part: usize, _values: &[u64], out: &mut dyn Samples) {
        // Histograms are read into it, one series after the other.
        let mut scratch = Vec::new();
        self.for_each(|series| {
            let labels = Labels {
                series: &series.labels,
                extra: None,
                // Constant labels are part of each series' text.
                constant: &NoLabels,
            };
            match &series.storage {
                Storage::Counter(value) => out.counter(
                    labels,
                    Number::Unsigned(value.load(Ordering::Relaxed)),
                    None,
                ),
                Storage::Gauge(_) => out.gauge(labels, Number::Float(series.storage.value())),
                Storage::Histogram(histogram) => histogram.0.write_child(labels, &mut scratch, out),
            }
        });
    }
}

/// A family as the registry holds it.
#[derive(Clone)]
pub(super) struct Exported(pub(super) Arc<Family>);

impl Collector for Exported {
    fn desc(&self) -> Vec<&Desc> {
        vec![&self.0.desc]
    }

    fn collect(&self) -> Vec<proto::MetricFamily> {
        let family = &self.0;
        let help = family.help();
        let kind = family.kind.metric_type();
        let deferred = engine::deferring().then(|| {
            let announced = Announced {
                part: 0,
                name: &family.name,
                help: &help,
                kind,
            };
            let source: Arc<dyn DirectFamily> = family.clone();
            engine::defer(Source::Shared(source), &[announced], |_| {
                family.has_series()
            })
        });
        let mut families = match deferred.flatten() {
            Some(markers) => markers,
            None => {
                let metrics = family.proto_metrics();
                match metrics.is_empty() {
                    true => Vec::new(),
                    false => vec![metric_family(family.name.clone(), help, kind, metrics)],
                }
            }
        };
        families.extend(family.overflows.collect());
        families.extend(family.collect_dropped());
        families
    }
}

impl Kind {
    fn metric_type(self) -> MetricType {
        match self {
            Kind::Counter => MetricType::COUNTER,
            Kind::Gauge => MetricType::GAUGE,
            Kind::Histogram => MetricType::HISTOGRAM,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}
