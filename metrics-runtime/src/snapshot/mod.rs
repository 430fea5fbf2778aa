//! Reading metrics: a registry's samples at one moment, filtered and
//! aggregated the way PromQL does, for a CLI's summary at exit, a status
//! page or a backend of one's own. Always available; the `testing`
//! feature adds hermetic capture and assertions.
//!
//! ```
//! use metrics_runtime::snapshot::Snapshot;
//!
//! #[metrics_runtime::instrumented(name = "import")]
//! fn import(row: &str) -> Result<(), String> {
//!     if row.is_empty() { Err("empty row".into()) } else { Ok(()) }
//! }
//!
//! for row in ["a", "", "b"] {
//!     let _ = import(row);
//! }
//! let summary = Snapshot::take();
//! assert_eq!(summary.counter("import_total", &[("result", "ok")]), 2.0);
//! assert_eq!(summary.counter("import_total", &[("result", "error")]), 1.0);
//! ```

mod query;

pub use query::Query;

use std::collections::BTreeMap;

use prometheus::proto::MetricType;
use prometheus::Registry;

/// The samples of a registry at one moment, as PromQL sees them: counters
/// by their `_total` name, histograms as `_bucket`, `_sum` and `_count`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    samples: Vec<Sample>,
    histograms: BTreeMap<String, Vec<(Labels, HistogramData)>>,
}

/// Label pairs, sorted by name.
pub(crate) type Labels = Vec<(String, String)>;

/// One sample.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sample {
    pub(crate) name: String,
    pub(crate) labels: Labels,
    pub(crate) value: f64,
    /// Gauges keep their value in [`Snapshot::since`]; the rest subtract.
    pub(crate) is_gauge: bool,
}

/// A histogram's (or several histograms' summed) observations.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HistogramData {
    /// Observations.
    pub count: u64,
    /// Their sum.
    pub sum: f64,
    /// `(upper bound, cumulative count)`, increasing, `+Inf` last.
    pub buckets: Vec<(f64, u64)>,
}

impl HistogramData {
    pub(crate) fn add(&mut self, other: &HistogramData) {
        self.count += other.count;
        self.sum += other.sum;
        for &(bound, count) in &other.buckets {
            match self.buckets.iter_mut().find(|(own, _)| *own == bound) {
                Some((_, own)) => *own += count,
                None => self.buckets.push((bound, count)),
            }
        }
        self.buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    }

    fn minus(&self, earlier: &HistogramData) -> HistogramData {
        let before = |bound: f64| {
            earlier
                .buckets
                .iter()
                .find(|(own, _)| *own == bound)
                .map_or(0, |(_, count)| *count)
        };
        HistogramData {
            count: self.count.saturating_sub(earlier.count),
            sum: self.sum - earlier.sum,
            buckets: self
                .buckets
                .iter()
                .map(|&(bound, count)| (bound, count.saturating_sub(before(bound))))
                .collect(),
        }
    }
}

impl Snapshot {
    /// Whether it holds no sample at all.
    ///
    /// ```
    /// let registry = prometheus::Registry::new();
    /// assert!(metrics_runtime::snapshot::Snapshot::of(&registry).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// The samples of [`crate::registry()`] now.
    pub fn take() -> Snapshot {
        Snapshot::of(crate::registry())
    }

    /// The samples of `registry` now.
    pub fn of(registry: &Registry) -> Snapshot {
        let mut snapshot = Snapshot::default();
        for family in crate::registration::gather(registry) {
            let name = family.name();
            for metric in family.get_metric() {
                let mut labels: Labels = metric
                    .get_label()
                    .iter()
                    .map(|pair| (pair.name().to_owned(), pair.value().to_owned()))
                    .collect();
                labels.sort();
                match family.get_field_type() {
                    MetricType::COUNTER => {
                        snapshot.push(name, &labels, crate::gathered::counter_value(metric), false)
                    }
                    MetricType::GAUGE => {
                        snapshot.push(name, &labels, crate::gathered::gauge_value(metric), true)
                    }
                    MetricType::HISTOGRAM => snapshot.push_histogram(name, labels, metric),
                    MetricType::SUMMARY | MetricType::UNTYPED => {}
                }
            }
        }
        snapshot
    }

    fn push(&mut self, name: &str, labels: &Labels, value: f64, is_gauge: bool) {
        self.samples.push(Sample {
            name: name.to_owned(),
            labels: labels.clone(),
            value,
            is_gauge,
        });
    }

    fn push_histogram(&mut self, name: &str, labels: Labels, metric: &prometheus::proto::Metric) {
        let histogram = metric.get_histogram();
        let mut data = HistogramData {
            count: histogram.get_sample_count(),
            sum: histogram.get_sample_sum(),
            buckets: histogram
                .get_bucket()
                .iter()
                .map(|b| (b.upper_bound(), b.cumulative_count()))
                .collect(),
        };
        if data
            .buckets
            .last()
            .is_none_or(|(bound, _)| *bound != f64::INFINITY)
        {
            data.buckets.push((f64::INFINITY, data.count));
        }
        for &(bound, count) in &data.buckets {
            let mut with_le = labels.clone();
            with_le.push(("le".to_owned(), format_bound(bound)));
            with_le.sort();
            self.push(&format!("{name}_bucket"), &with_le, count as f64, false);
        }
        self.push(&format!("{name}_sum"), &labels, data.sum, false);
        self.push(&format!("{name}_count"), &labels, data.count as f64, false);
        self.histograms
            .entry(name.to_owned())
            .or_default()
            .push((labels, data));
    }

    /// The sum of counter `name` over the series carrying at least
    /// `labels`; zero when there is none. A name without `_total` also
    /// finds the counter with it.
    pub fn counter(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let query = self.query(name);
        labels.iter().fold(query, |q, (k, v)| q.with(k, v)).sum()
    }

    /// The sum of gauge `name` over the series carrying at least `labels`;
    /// zero when there is none.
    pub fn gauge(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let query = self.query(name);
        labels.iter().fold(query, |q, (k, v)| q.with(k, v)).sum()
    }

    /// Histogram `name` summed over the series carrying at least `labels`;
    /// empty when there is none.
    pub fn histogram(&self, name: &str, labels: &[(&str, &str)]) -> HistogramData {
        let mut total = HistogramData::default();
        for (_, data) in self.histograms_matching(name, labels) {
            total.add(data);
        }
        total
    }

    /// Samples named `name`, to filter with [`Query::with`] and aggregate.
    pub fn query<'a>(&'a self, name: &'a str) -> Query<'a> {
        Query::new(self, name)
    }

    /// The change from `earlier` to this snapshot: counters and histograms
    /// subtract, gauges keep their current value.
    pub fn since(&self, earlier: &Snapshot) -> Snapshot {
        let samples = self
            .samples
            .iter()
            .map(|sample| {
                let before = earlier
                    .samples
                    .iter()
                    .find(|old| old.name == sample.name && old.labels == sample.labels)
                    .map_or(0.0, |old| old.value);
                Sample {
                    value: if sample.is_gauge {
                        sample.value
                    } else {
                        sample.value - before
                    },
                    ..sample.clone()
                }
            })
            .collect();
        let histograms = self
            .histograms
            .iter()
            .map(|(name, series)| {
                let deltas = series
                    .iter()
                    .map(|(labels, data)| {
                        let before = earlier
                            .histograms
                            .get(name)
                            .and_then(|old| old.iter().find(|(l, _)| l == labels))
                            .map(|(_, old)| data.minus(old));
                        (labels.clone(), before.unwrap_or_else(|| data.clone()))
                    })
                    .collect();
                (name.clone(), deltas)
            })
            .collect();
        Snapshot {
            samples,
            histograms,
        }
    }

    #[cfg(feature = "testing")]
    pub(crate) fn samples(&self) -> impl Iterator<Item = &Sample> {
        self.samples.iter()
    }

    pub(crate) fn samples_named<'a>(
        &'a self,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Sample> + 'a {
        let total = format!("{name}_total");
        let exact = self.samples.iter().any(|sample| sample.name == name);
        self.samples.iter().filter(move |sample| {
            if exact {
                sample.name == name
            } else {
                sample.name == total
            }
        })
    }

    pub(crate) fn histograms_matching<'a>(
        &'a self,
        name: &str,
        labels: &'a [(&str, &str)],
    ) -> impl Iterator<Item = &'a (Labels, HistogramData)> + 'a {
        self.histograms
            .get(name)
            .into_iter()
            .flatten()
            .filter(move |(own, _)| has_labels(own, labels))
    }
}

/// Whether `own` carries every pair of `wanted`.
pub(crate) fn has_labels(own: &Labels, wanted: &[(&str, &str)]) -> bool {
    wanted
        .iter()
        .all(|(k, v)| own.iter().any(|(ok, ov)| ok == k && ov == v))
}

fn format_bound(bound: f64) -> String {
    if bound == f64::INFINITY {
        "+Inf".to_owned()
    } else {
        bound.to_string()
    }
}
