//! The samples of an instrumented family as the `prometheus` registry
//! takes them: calls by result, durations, calls in flight.

use prometheus::proto;

use super::function_family::{duration_help, in_flight_help, total_help, Shape};
use super::guard::Outcome;
use super::series::{Series, SeriesShape, SeriesValues};
use crate::self_metrics::OverflowCount;

/// How a family's series are written out: its shape, constant labels,
/// error kinds and overflow count.
pub(crate) struct Exposition<'a> {
    pub(crate) shape: &'a Shape,
    pub(crate) const_labels: &'a [(String, String)],
    pub(crate) series_shape: &'a SeriesShape,
    pub(crate) overflows: &'a OverflowCount,
}

impl Exposition<'_> {
    /// Every family of `all` series: calls by result, durations, calls in
    /// flight, each as configured; errors by kind with `error_kind`; and
    /// the overflow count once anything overflowed.
    pub(crate) fn families<'s>(
        &self,
        all: impl IntoIterator<Item = &'s Series>,
    ) -> Vec<proto::MetricFamily> {
        let mut families = self.series_families(all);
        families.extend(self.extra_families());
        families
    }

    /// Errors by kind with `error_kind`, and the overflow count once
    /// anything overflowed.
    pub(crate) fn extra_families(&self) -> Vec<proto::MetricFamily> {
        let mut families = Vec::new();
        if let Some(error_kinds) = self.series_shape.error_kinds() {
            families.extend(error_kinds.collect());
        }
        families.extend(self.overflows.collect());
        families
    }

    fn series_families<'s>(
        &self,
        all: impl IntoIterator<Item = &'s Series>,
    ) -> Vec<proto::MetricFamily> {
        let mut series: Vec<(&'s Series, SeriesValues)> = all
            .into_iter()
            .map(|series| (series, series.read()))
            .collect();
        series.sort_by(|(a, _), (b, _)| a.values().cmp(b.values()));

        let mut families = vec![self.collect_total(&series)];
        if self.shape.measures_duration {
            families.push(self.collect_duration(&series));
        }
        if self.shape.tracks_in_flight {
            families.push(self.collect_in_flight(&series));
        }
        families
    }

    fn collect_total(&self, series: &[(&Series, SeriesValues)]) -> proto::MetricFamily {
        let metrics = series.iter().flat_map(|(series, values)| {
            Outcome::ALL.into_iter().map(move |outcome| {
                let mut counter = proto::Counter::default();
                counter.set_value(values.outcomes[outcome as usize] as f64);
                let mut metric = proto::Metric::default();
                metric.set_label(self.label_pairs(series, Some(outcome)));
                metric.set_counter(counter);
                metric
            })
        });
        metric_family(
            self.shape.total_name(),
            total_help(&self.shape.help),
            proto::MetricType::COUNTER,
            metrics.collect(),
        )
    }

    fn collect_duration(&self, series: &[(&Series, SeriesValues)]) -> proto::MetricFamily {
        let metrics = series.iter().map(|(series, values)| {
            let mut histogram = proto::Histogram::default();
            let count = values.cumulative_buckets.last().copied().unwrap_or(0);
            histogram.set_sample_count(count);
            histogram.set_sample_sum(values.sum_seconds);
            let buckets = self
                .shape
                .bucket_bounds
                .iter()
                .copied()
                .zip(&values.cumulative_buckets)
                .map(|(upper_bound, &cumulative)| {
                    let mut bucket = proto::Bucket::default();
                    bucket.set_upper_bound(upper_bound);
                    bucket.set_cumulative_count(cumulative);
                    bucket
                });
            // Finite bounds only: encoders write the `+Inf` bucket from the count.
            histogram.set_bucket(buckets.collect());
            let mut metric = proto::Metric::default();
            metric.set_label(self.label_pairs(series, None));
            metric.set_histogram(histogram);
            metric
        });
        metric_family(
            self.shape.duration_name(),
            duration_help(&self.shape.help),
            proto::MetricType::HISTOGRAM,
            metrics.collect(),
        )
    }

    fn collect_in_flight(&self, series: &[(&Series, SeriesValues)]) -> proto::MetricFamily {
        let metrics = series.iter().map(|(series, values)| {
            let mut gauge = proto::Gauge::default();
            gauge.set_value(values.in_flight as f64);
            let mut metric = proto::Metric::default();
            metric.set_label(self.label_pairs(series, None));
            metric.set_gauge(gauge);
            metric
        });
        metric_family(
            self.shape.in_flight_name(),
            in_flight_help(&self.shape.help),
            proto::MetricType::GAUGE,
            metrics.collect(),
        )
    }

    fn label_pairs(&self, series: &Series, outcome: Option<Outcome>) -> Vec<proto::LabelPair> {
        let declared = self
            .shape
            .label_names
            .iter()
            .copied()
            .zip(series.values().iter().map(|v| &**v));
        let result = outcome.map(|outcome| ("result", outcome.as_str()));
        let constant = self
            .const_labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()));
        label_pairs(declared.chain(result).chain(constant))
    }
}

/// `pairs` as `prometheus` label pairs, in their order.
pub(crate) fn label_pairs<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<proto::LabelPair> {
    pairs
        .into_iter()
        .map(|(name, value)| {
            let mut pair = proto::LabelPair::default();
            pair.set_name(name.to_owned());
            pair.set_value(value.to_owned());
            pair
        })
        .collect()
}

pub(crate) fn metric_family(
    name: String,
    help: String,
    kind: proto::MetricType,
    metrics: Vec<proto::Metric>,
) -> proto::MetricFamily {
    let mut family = proto::MetricFamily::default();
    family.set_name(name);
    family.set_help(help);
    family.set_field_type(kind);
    family.set_metric(metrics);
    family
}
