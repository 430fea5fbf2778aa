//! A gathered registry as remote-write time series, named and labelled as
//! the text format names its samples (`_bucket{le}`, `_sum`, `_count`).

use prometheus::proto::{Metric, MetricFamily, MetricType};

use super::proto::{Label, Sample, TimeSeries};
use crate::encoding::float_label_value;

/// One series per sample of `families`, each stamped with the metric's own
/// timestamp if it has one, `read_at` (ms since the epoch) otherwise.
pub(crate) fn time_series(families: &[MetricFamily], read_at: i64) -> Vec<TimeSeries> {
    let mut out = Vec::new();
    for family in families {
        for metric in family.get_metric() {
            let timestamp = match metric.timestamp_ms() {
                0 => read_at,
                own => own,
            };
            let mut series = MetricSeries {
                out: &mut out,
                name: family.name(),
                metric,
                timestamp,
            };
            series.push_samples(family.get_field_type());
        }
    }
    out
}

/// The series of one metric of the family `name`.
struct MetricSeries<'a> {
    out: &'a mut Vec<TimeSeries>,
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

    /// Adds the series `name` + `suffix`, with the metric's labels and
    /// `extra`, holding `value`.
    fn push(&mut self, suffix: &str, extra: Option<(&str, String)>, value: f64) {
        let mut labels = vec![Label {
            name: "__name__".to_owned(),
            value: format!("{}{suffix}", self.name),
        }];
        // An empty value is no label at all in Prometheus' data model.
        let pairs = self.metric.get_label().iter();
        let pairs = pairs.map(|pair| (pair.name(), pair.value().to_owned()));
        labels.extend(
            pairs
                .chain(extra)
                .filter(|(_, value)| !value.is_empty())
                .map(|(name, value)| Label {
                    name: name.to_owned(),
                    value,
                }),
        );
        // Remote write requires labels sorted by name.
        labels.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        self.out.push(TimeSeries {
            labels,
            samples: vec![Sample {
                value,
                timestamp: self.timestamp,
            }],
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

        let series = time_series(&registry.gather(), 1_700_000_000_123);
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
        let series = time_series(&registry.gather(), 0);
        let names: Vec<&str> = series[0].labels.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["__name__", "aa", "le", "zz"]);
    }

    #[test]
    fn every_metric_type_has_its_text_format_series() {
        let registry = crate::encoding::protobuf::tests::gathered::every_type();
        let series = time_series(&registry.gather(), 7);
        assert_eq!(
            render(&series),
            [
                // Untyped, with a timestamp of its own.
                r#"{__name__="legacy_value",source="x"} 42.5 @1700000000000"#,
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
}
