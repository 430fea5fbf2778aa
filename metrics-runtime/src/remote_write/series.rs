//! A gathered registry as remote-write time series, named and labelled as
//! the text format names its samples (`_bucket{le}`, `_sum`, `_count`),
//! without what a receiver would refuse the whole request for.

use std::collections::HashSet;

use prometheus::proto::{Metric, MetricFamily, MetricType};

use super::issues::Issue;
use super::proto::{Label, Sample, TimeSeries};
use crate::encoding::float_label_value;

/// The series of a reading, and what was left out of them.
#[derive(Debug, Default)]
pub(crate) struct Converted {
    pub(crate) series: Vec<TimeSeries>,
    pub(crate) issues: Vec<Issue>,
}

/// One series per sample of `families`, all stamped `read_at` (ms since
/// the epoch), even a metric with a timestamp of its own: re-sent at
/// every interval, an old timestamp would be refused as out of order.
///
/// A label name a series would carry twice keeps its first value, in this
/// order: the name (`__name__`) and `le` or `quantile`, which the series
/// format itself needs, then the metric's own labels, then the registry's
/// common labels (`Registry::new_custom`). A second series with the same
/// labels as an earlier one is left out. Both are reported in `issues`.
pub(crate) fn time_series(families: &[MetricFamily], read_at: i64) -> Converted {
    let mut out = Converted::default();
    for family in families {
        for metric in family.get_metric() {
            let mut series = MetricSeries {
                out: &mut out,
                name: family.name(),
                metric,
                timestamp: read_at,
            };
            series.push_samples(family.get_field_type());
        }
    }
    drop_duplicate_series(&mut out);
    out
}

/// Leaves out every series whose labels an earlier one has.
fn drop_duplicate_series(out: &mut Converted) {
    let duplicate: Vec<bool> = {
        let mut seen = HashSet::with_capacity(out.series.len());
        out.series.iter().map(|s| !seen.insert(&s.labels)).collect()
    };
    let mut duplicate = duplicate.into_iter();
    let issues = &mut out.issues;
    out.series.retain(|series| {
        let skip = duplicate.next().unwrap_or(false);
        if skip {
            issues.push(Issue::DuplicateSeries {
                series: name_of(&series.labels).to_owned(),
            });
        }
        !skip
    });
}

/// The value of `__name__`.
fn name_of(labels: &[Label]) -> &str {
    labels
        .iter()
        .find(|label| label.name == "__name__")
        .map_or("", |label| &label.value)
}

/// The series of one metric of the family `name`.
struct MetricSeries<'a> {
    out: &'a mut Converted,
    name: &'a str,
    metric: &'a Metric,
    timestamp: i64,
}

impl MetricSeries<'_> {
    fn push_samples(&mut self, kind: MetricType) {
        let metric = self.metric;
        match kind {
            MetricType::COUNTER => self.push("", None, crate::gathered::counter_value(metric)),
            MetricType::GAUGE => self.push("", None, crate::gathered::gauge_value(metric)),
            MetricType::UNTYPED => self.push("", None, crate::gathered::untyped_value(metric)),
            MetricType::HISTOGRAM => self.push_histogram(),
            MetricType::SUMMARY => self.push_summary(),
        }
    }

    fn push_histogram(&mut self) {
        let histogram = self.metric.get_histogram();
        let count = histogram.get_sample_count() as f64;
        let mut saw_infinity = false;
        for bucket in histogram.get_bucket() {
            saw_infinity |= bucket.upper_bound() == f64::INFINITY;
            let le = float_label_value(bucket.upper_bound());
            self.push(
                "_bucket",
                Some(("le", le)),
                bucket.cumulative_count() as f64,
            );
        }
        // The `prometheus` crate leaves the `+Inf` bucket out; the text format adds it.
        if !saw_infinity {
            self.push("_bucket", Some(("le", "+Inf".to_owned())), count);
        }
        self.push("_sum", None, histogram.get_sample_sum());
        self.push("_count", None, count);
    }

    fn push_summary(&mut self) {
        let summary = self.metric.get_summary();
        for q in summary.get_quantile() {
            let quantile = float_label_value(q.quantile());
            self.push("", Some(("quantile", quantile)), q.value());
        }
        self.push("_sum", None, summary.sample_sum());
        self.push("_count", None, summary.sample_count() as f64);
    }

    /// Adds the series `name` + `suffix`, with `extra` and the metric's
    /// labels, holding `value`.
    fn push(&mut self, suffix: &str, extra: Option<(&str, String)>, value: f64) {
        let name = format!("{}{suffix}", self.name);
        let own = self.metric.get_label().iter();
        let pairs = std::iter::once(("__name__", name))
            .chain(extra)
            .chain(own.map(|pair| (pair.name(), pair.value().to_owned())));
        let mut labels: Vec<Label> = pairs
            .map(|(name, value)| Label {
                name: name.to_owned(),
                value,
            })
            .collect();
        self.dedupe_label_names(&mut labels);
        // An empty value is no label at all in Prometheus' data model.
        labels.retain(|label| !label.value.is_empty());
        self.out.series.push(TimeSeries {
            labels,
            samples: vec![Sample {
                value,
                timestamp: self.timestamp,
            }],
        });
    }

    /// Sorts `labels` by name, as remote write requires, keeping the first
    /// of each name (the sort is stable).
    fn dedupe_label_names(&mut self, labels: &mut Vec<Label>) {
        labels.sort_by(|a, b| a.name.cmp(&b.name));
        let series = name_of(labels).to_owned();
        let issues = &mut self.out.issues;
        labels.dedup_by(|later, first| {
            let duplicate = later.name == first.name;
            if duplicate {
                issues.push(Issue::DuplicateLabel {
                    series: series.clone(),
                    label: later.name.clone(),
                });
            }
            duplicate
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus::{HistogramOpts, IntCounterVec, Opts, Registry};

    /// Each series as `name{a="1",b="2"} value @timestamp`.
    fn render(series: &[TimeSeries]) -> Vec<String> {
        series
            .iter()
            .map(|s| {
                let labels: Vec<String> = s
                    .labels
                    .iter()
                    .map(|l| format!("{}={:?}", l.name, l.value))
                    .collect();
                let sample = s.samples[0];
                format!(
                    "{{{}}} {} @{}",
                    labels.join(","),
                    sample.value,
                    sample.timestamp
                )
            })
            .collect()
    }

    #[test]
    fn counters_and_histograms_are_named_as_in_the_text_format() {
        let registry = Registry::new();
        let calls = IntCounterVec::new(Opts::new("calls_total", "C."), &["zone", "empty"]).unwrap();
        registry.register(Box::new(calls.clone())).unwrap();
        calls.with_label_values(&["a \"b\"", ""]).inc_by(3);
        let opts = HistogramOpts::new("latency_seconds", "L.").buckets(vec![0.25, 1.0]);
        let latency = prometheus::Histogram::with_opts(opts).unwrap();
        registry.register(Box::new(latency.clone())).unwrap();
        latency.observe(0.5);

        let series = time_series(&registry.gather(), 1_700_000_000_123).series;
        assert_eq!(
            render(&series),
            [
                r#"{__name__="calls_total",zone="a \"b\""} 3 @1700000000123"#,
                r#"{__name__="latency_seconds_bucket",le="0.25"} 0 @1700000000123"#,
                r#"{__name__="latency_seconds_bucket",le="1"} 1 @1700000000123"#,
                r#"{__name__="latency_seconds_bucket",le="+Inf"} 1 @1700000000123"#,
                r#"{__name__="latency_seconds_sum"} 0.5 @1700000000123"#,
                r#"{__name__="latency_seconds_count"} 1 @1700000000123"#,
            ]
        );
    }

    #[test]
    fn labels_are_sorted_by_name_with_le_and_quantile_in_place() {
        let registry = Registry::new();
        let opts = HistogramOpts::new("h", "H.")
            .buckets(vec![1.0])
            .const_label("zz", "last")
            .const_label("aa", "first");
        registry
            .register(Box::new(prometheus::Histogram::with_opts(opts).unwrap()))
            .unwrap();
        let series = time_series(&registry.gather(), 0).series;
        let names: Vec<&str> = series[0].labels.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["__name__", "aa", "le", "zz"]);
    }

    #[test]
    fn every_metric_type_has_its_text_format_series() {
        let registry = crate::encoding::protobuf::tests::gathered::every_type();
        let series = time_series(&registry.gather(), 7).series;
        assert_eq!(
            render(&series),
            [
                // Untyped, with a timestamp of its own: sent as read.
                r#"{__name__="legacy_value",source="x"} 42.5 @7"#,
                r#"{__name__="requests_total",method="GET"} 3 @7"#,
                r#"{__name__="requests_total",method="POST"} 1 @7"#,
                r#"{__name__="rpc_seconds",quantile="0.5",service="a"} 0.3 @7"#,
                r#"{__name__="rpc_seconds",quantile="0.99",service="a"} 0.9 @7"#,
                r#"{__name__="rpc_seconds_sum",service="a"} 4.5 @7"#,
                r#"{__name__="rpc_seconds_count",service="a"} 10 @7"#,
                r#"{__name__="temperature_celsius"} -2.5 @7"#,
                r#"{__name__="wait_seconds_bucket",le="0.5"} 0 @7"#,
                r#"{__name__="wait_seconds_bucket",le="1"} 1 @7"#,
                r#"{__name__="wait_seconds_bucket",le="+Inf"} 2 @7"#,
                r#"{__name__="wait_seconds_sum"} 3.7 @7"#,
                r#"{__name__="wait_seconds_count"} 2 @7"#,
            ]
        );
    }

    /// A family as a hand-made collector may emit it: `kind`, with one
    /// metric per label set of `metrics`.
    fn family(name: &str, kind: MetricType, metrics: &[&[(&str, &str)]]) -> MetricFamily {
        let mut family = MetricFamily::default();
        family.set_name(name.to_owned());
        family.set_field_type(kind);
        let mut all = Vec::new();
        for labels in metrics {
            let mut metric = Metric::default();
            metric.set_label(crate::instrument::exposition::label_pairs(
                labels.iter().copied(),
            ));
            let mut gauge = prometheus::proto::Gauge::default();
            gauge.set_value(1.0);
            metric.set_gauge(gauge);
            all.push(metric);
        }
        family.set_metric(all);
        family
    }

    #[test]
    fn a_label_name_twice_keeps_the_first_and_a_series_twice_is_sent_once() {
        // The registry's common labels come after the metric's own.
        let own_then_common: &[(&str, &str)] = &[("zone", "own"), ("zone", "common")];
        let name_label: &[(&str, &str)] = &[("__name__", "forged")];
        let families = [
            family("g", MetricType::GAUGE, &[own_then_common, name_label]),
            family("twice", MetricType::GAUGE, &[&[("a", "1")], &[("a", "1")]]),
        ];
        let converted = time_series(&families, 1);
        assert_eq!(
            render(&converted.series),
            [
                r#"{__name__="g",zone="own"} 1 @1"#,
                r#"{__name__="g"} 1 @1"#,
                r#"{__name__="twice",a="1"} 1 @1"#,
            ]
        );
        let issues: Vec<String> = converted.issues.iter().map(|i| i.to_string()).collect();
        assert_eq!(issues.len(), 3, "{issues:?}");
        assert!(issues[0].contains("`zone`") && issues[1].contains("`__name__`"));
        assert!(issues[2].contains("twice"), "{issues:?}");
    }

    #[test]
    fn a_summary_with_a_quantile_label_keeps_its_quantiles_apart() {
        let registry = crate::encoding::protobuf::tests::gathered::every_type();
        let mut families = registry.gather();
        for family in &mut families {
            for metric in family.mut_metric() {
                let mut pair = prometheus::proto::LabelPair::default();
                pair.set_name("quantile".to_owned());
                pair.set_value("forged".to_owned());
                let mut labels = metric.take_label();
                labels.push(pair);
                metric.set_label(labels);
            }
        }
        let converted = time_series(&families, 7);
        let rendered = render(&converted.series);
        assert!(
            rendered.contains(
                &r#"{__name__="rpc_seconds",quantile="0.99",service="a"} 0.9 @7"#.to_owned()
            ),
            "{rendered:#?}"
        );
        assert!(converted
            .issues
            .iter()
            .all(|i| matches!(i, Issue::DuplicateLabel { .. })));
    }
}
