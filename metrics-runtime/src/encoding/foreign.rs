//! Sample lines of a gathered `prometheus::proto` metric: collectors other
//! than the toolkit's own, in text 0.0.4 or OpenMetrics.

use std::io::Write;

use prometheus::proto::{Metric, MetricType};

use super::direct::{render_pair, Number};
use super::lines::{write_f64, write_line};
use super::{openmetrics, Format};

/// Writes the samples of `metric`, of family `name` and type `kind`;
/// `labels` is scratch space for its rendered label pairs.
pub(crate) fn write_metric(
    out: &mut Vec<u8>,
    format: Format,
    kind: MetricType,
    name: &str,
    metric: &Metric,
    labels: &mut String,
) {
    labels.clear();
    for pair in metric.get_label() {
        render_pair(labels, pair.name(), pair.value());
    }
    let mut sample = Sample {
        out,
        name,
        labels,
        format,
        timestamp: Timestamp::of(format, metric.timestamp_ms()),
    };
    match kind {
        MetricType::COUNTER => {
            let suffix = if format == Format::OpenMetrics {
                openmetrics::counter_suffix(name)
            } else {
                ""
            };
            sample.write(suffix, "", crate::gathered::counter_value(metric));
        }
        MetricType::GAUGE => sample.write("", "", crate::gathered::gauge_value(metric)),
        MetricType::UNTYPED => sample.write("", "", crate::gathered::untyped_value(metric)),
        MetricType::HISTOGRAM => write_histogram(&mut sample, metric),
        MetricType::SUMMARY => write_summary(&mut sample, metric),
    }
}

/// One metric's lines: its name, rendered labels and timestamp.
struct Sample<'a> {
    out: &'a mut Vec<u8>,
    name: &'a str,
    labels: &'a str,
    format: Format,
    timestamp: Timestamp,
}

impl Sample<'_> {
    fn write(&mut self, suffix: &str, extra: &str, value: f64) {
        let parts = [self.labels.as_bytes(), extra.as_bytes()];
        write_line(self.out, self.name, suffix, &parts, Number::Float(value));
        self.timestamp.write(self.out);
    }
}

/// A sample's timestamp as each format spells it: milliseconds in text,
/// seconds in OpenMetrics; none when the metric has none.
#[derive(Clone, Copy)]
enum Timestamp {
    None,
    Millis(i64),
    Seconds(f64),
}

impl Timestamp {
    fn of(format: Format, millis: i64) -> Timestamp {
        match (millis, format) {
            (0, _) => Timestamp::None,
            (millis, Format::OpenMetrics) => Timestamp::Seconds(millis as f64 / 1000.0),
            (millis, _) => Timestamp::Millis(millis),
        }
    }

    /// Puts the timestamp before the newline `write_line` ended with.
    fn write(self, out: &mut Vec<u8>) {
        if matches!(self, Timestamp::None) {
            return;
        }
        out.pop();
        out.push(b' ');
        match self {
            Timestamp::None => {}
            Timestamp::Millis(millis) => {
                let _ = write!(out, "{millis}");
            }
            Timestamp::Seconds(seconds) => write_f64(out, seconds),
        }
        out.push(b'\n');
    }
}

fn write_histogram(sample: &mut Sample<'_>, metric: &Metric) {
    let histogram = metric.get_histogram();
    let mut saw_infinity = false;
    let mut negative = false;
    let mut le = String::new();
    for bucket in histogram.get_bucket() {
        saw_infinity |= bucket.upper_bound() == f64::INFINITY;
        negative |= bucket.upper_bound() < 0.0;
        le.clear();
        render_pair(&mut le, "le", &float_text(bucket.upper_bound()));
        sample.write("_bucket", &le, bucket.cumulative_count() as f64);
    }
    let count = histogram.get_sample_count() as f64;
    if !saw_infinity {
        sample.write("_bucket", "le=\"+Inf\"", count);
    }
    // OpenMetrics: a histogram with negative buckets has no sum, and a
    // count only with a sum; its `+Inf` bucket still holds the count.
    if negative && sample.format == Format::OpenMetrics {
        return;
    }
    sample.write("_sum", "", histogram.get_sample_sum());
    sample.write("_count", "", count);
}

fn write_summary(sample: &mut Sample<'_>, metric: &Metric) {
    let summary = metric.get_summary();
    let mut quantile = String::new();
    for q in summary.get_quantile() {
        quantile.clear();
        render_pair(&mut quantile, "quantile", &float_text(q.quantile()));
        sample.write("", &quantile, q.value());
    }
    sample.write("_sum", "", summary.sample_sum());
    sample.write("_count", "", summary.sample_count() as f64);
}

/// A bound or quantile as a label value.
pub(super) fn float_text(value: f64) -> String {
    let mut out = Vec::new();
    write_f64(&mut out, value);
    String::from_utf8(out).unwrap_or_default()
}
