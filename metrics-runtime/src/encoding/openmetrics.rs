//! OpenMetrics 1.0 text exposition.

use std::fmt::Write;

use prometheus::proto::{Metric, MetricFamily, MetricType};
use prometheus::Registry;

/// `Content-Type` of [`encode_openmetrics`]'s output.
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Every metric of `registry` in the OpenMetrics 1.0 text format, ending in
/// `# EOF`.
///
/// Counter families are named without `_total` (their samples keep it), a
/// family whose name ends in a unit (`_seconds`, `_bytes`, …) gets a
/// `# UNIT` line (a gauge `sent_bytes_total` does not: its family name does
/// not end in the unit, and Prometheus would reject the scrape), and
/// label values and help texts are escaped as the format requires.
///
/// # Panics
///
/// If a collector of `registry` panics, as `prometheus::Registry::gather`
/// does. The exporters (`http`, `push`, `textfile`) catch such a panic, log
/// it and skip that one exposition.
///
/// ```
/// let registry = prometheus::Registry::new();
/// let jobs = prometheus::IntCounter::new("jobs_total", "Jobs run.").unwrap();
/// registry.register(Box::new(jobs.clone())).unwrap();
/// jobs.inc();
/// assert_eq!(
///     metrics_runtime::encode_openmetrics(&registry),
///     "# TYPE jobs counter\n# HELP jobs Jobs run.\njobs_total 1\n# EOF\n",
/// );
/// ```
pub fn encode_openmetrics(registry: &Registry) -> String {
    let mut out = String::new();
    for family in crate::registration::gather(registry) {
        write_family(&mut out, &family);
    }
    out.push_str("# EOF\n");
    out
}

fn write_family(out: &mut String, family: &MetricFamily) {
    let name = family.name();
    let kind = family.get_field_type();
    let (family_name, type_name) = match kind {
        MetricType::COUNTER => (name.strip_suffix("_total").unwrap_or(name), "counter"),
        MetricType::GAUGE => (name, "gauge"),
        MetricType::HISTOGRAM => (name, "histogram"),
        MetricType::SUMMARY => (name, "summary"),
        MetricType::UNTYPED => (name, "unknown"),
    };
    let _ = writeln!(out, "# TYPE {family_name} {type_name}");
    if let Some(unit) = crate::names::unit_suffix(family_name) {
        let _ = writeln!(out, "# UNIT {family_name} {unit}");
    }
    if !family.help().is_empty() {
        let _ = writeln!(out, "# HELP {family_name} {}", escape(family.help()));
    }
    for metric in family.get_metric() {
        match kind {
            MetricType::COUNTER => {
                let sample = format!("{family_name}_total");
                let value = crate::gathered::counter_value(metric);
                write_sample(out, &sample, metric, None, value);
            }
            MetricType::GAUGE => {
                let value = crate::gathered::gauge_value(metric);
                write_sample(out, name, metric, None, value)
            }
            MetricType::UNTYPED => {
                let value = crate::gathered::untyped_value(metric);
                write_sample(out, name, metric, None, value)
            }
            MetricType::HISTOGRAM => write_histogram(out, name, metric),
            MetricType::SUMMARY => write_summary(out, name, metric),
        }
    }
}

fn write_histogram(out: &mut String, name: &str, metric: &Metric) {
    let histogram = metric.get_histogram();
    let bucket = format!("{name}_bucket");
    let mut saw_infinity = false;
    for b in histogram.get_bucket() {
        saw_infinity |= b.upper_bound() == f64::INFINITY;
        let le = float(b.upper_bound());
        write_sample(
            out,
            &bucket,
            metric,
            Some(("le", &le)),
            b.cumulative_count() as f64,
        );
    }
    if !saw_infinity {
        let count = histogram.get_sample_count() as f64;
        write_sample(out, &bucket, metric, Some(("le", "+Inf")), count);
    }
    write_sample(
        out,
        &format!("{name}_sum"),
        metric,
        None,
        histogram.get_sample_sum(),
    );
    let count = histogram.get_sample_count() as f64;
    write_sample(out, &format!("{name}_count"), metric, None, count);
}

fn write_summary(out: &mut String, name: &str, metric: &Metric) {
    let summary = metric.get_summary();
    for quantile in summary.get_quantile() {
        let q = float(quantile.quantile());
        write_sample(out, name, metric, Some(("quantile", &q)), quantile.value());
    }
    write_sample(
        out,
        &format!("{name}_sum"),
        metric,
        None,
        summary.sample_sum(),
    );
    let count = summary.sample_count() as f64;
    write_sample(out, &format!("{name}_count"), metric, None, count);
}

fn write_sample(
    out: &mut String,
    name: &str,
    metric: &Metric,
    extra: Option<(&str, &str)>,
    value: f64,
) {
    out.push_str(name);
    let labels = metric
        .get_label()
        .iter()
        .map(|pair| (pair.name(), pair.value()))
        .chain(extra);
    let mut first = true;
    for (label, label_value) in labels {
        out.push(if first { '{' } else { ',' });
        first = false;
        let _ = write!(out, "{label}=\"{}\"", escape(label_value));
    }
    if !first {
        out.push('}');
    }
    out.push(' ');
    out.push_str(&float(value));
    out.push('\n');
}

/// Backslash, double quote and newline escaped, as label values and help
/// texts need.
pub(crate) fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(['\\', '"', '\n']) {
        return text.into();
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            c => escaped.push(c),
        }
    }
    escaped.into()
}

/// A sample value or bound: `+Inf`, `-Inf`, `NaN`, or the shortest decimal.
fn float(value: f64) -> String {
    if value == f64::INFINITY {
        "+Inf".to_owned()
    } else if value == f64::NEG_INFINITY {
        "-Inf".to_owned()
    } else if value.is_nan() {
        "NaN".to_owned()
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_and_help_are_escaped() {
        let registry = Registry::new();
        let counter = prometheus::IntCounterVec::new(
            prometheus::Opts::new("odd_total", "Help with \\ and \"quotes\"\nand a newline."),
            &["path"],
        )
        .unwrap();
        registry.register(Box::new(counter.clone())).unwrap();
        counter.with_label_values(&["a\\b\"c\nd ✓"]).inc();
        let text = encode_openmetrics(&registry);
        assert!(
            text.contains("# HELP odd Help with \\\\ and \\\"quotes\\\"\\nand a newline.\n"),
            "{text}"
        );
        assert!(
            text.contains("odd_total{path=\"a\\\\b\\\"c\\nd ✓\"} 1\n"),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn histograms_have_units_buckets_and_infinity() {
        let registry = Registry::new();
        let histogram = prometheus::Histogram::with_opts(
            prometheus::HistogramOpts::new("wait_seconds", "Waits.").buckets(vec![0.5, 1.0]),
        )
        .unwrap();
        registry.register(Box::new(histogram.clone())).unwrap();
        histogram.observe(0.7);
        let text = encode_openmetrics(&registry);
        assert_eq!(
            text,
            "# TYPE wait_seconds histogram\n# UNIT wait_seconds seconds\n# HELP wait_seconds Waits.\n\
             wait_seconds_bucket{le=\"0.5\"} 0\nwait_seconds_bucket{le=\"1\"} 1\n\
             wait_seconds_bucket{le=\"+Inf\"} 1\nwait_seconds_sum 0.7\nwait_seconds_count 1\n# EOF\n"
        );
    }

    #[test]
    fn unit_only_where_the_family_name_ends_in_it() {
        let registry = Registry::new();
        let gauge = prometheus::Gauge::new("queued_bytes_total", "Bytes queued.").unwrap();
        let histogram = prometheus::Histogram::with_opts(prometheus::HistogramOpts::new(
            "spent_seconds_total",
            "Time spent.",
        ))
        .unwrap();
        let counter = prometheus::IntCounter::new("sent_bytes_total", "Bytes sent.").unwrap();
        registry.register(Box::new(gauge)).unwrap();
        registry.register(Box::new(histogram)).unwrap();
        registry.register(Box::new(counter)).unwrap();
        let text = encode_openmetrics(&registry);
        let units: Vec<&str> = text.lines().filter(|l| l.starts_with("# UNIT")).collect();
        assert_eq!(units, ["# UNIT sent_bytes bytes"], "{text}");
        assert!(text.contains("# TYPE queued_bytes_total gauge\n"), "{text}");
        assert!(
            text.contains("# TYPE spent_seconds_total histogram\n"),
            "{text}"
        );
    }

    #[test]
    fn special_values() {
        assert_eq!(float(f64::INFINITY), "+Inf");
        assert_eq!(float(f64::NEG_INFINITY), "-Inf");
        assert_eq!(float(f64::NAN), "NaN");
        assert_eq!(float(0.25), "0.25");
        assert_eq!(float(3.0), "3");
    }
}
