//! OpenMetrics 1.0 text exposition.

use std::io::Write;

use prometheus::proto::{MetricFamily, MetricType};
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
    let mut out = Vec::new();
    super::engine::encode_into(registry, super::Format::OpenMetrics, &mut out);
    // Every byte written comes from `&str`s.
    String::from_utf8(out)
        .unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned())
}

/// The name OpenMetrics gives a gathered family: a counter's without `_total`.
fn family_name(family: &MetricFamily) -> &str {
    let name = family.name();
    match family.get_field_type() {
        MetricType::COUNTER => name.strip_suffix("_total").unwrap_or(name),
        _ => name,
    }
}

/// What a counter's sample names add to its gathered name: `_total`
/// where it does not end in it.
pub(crate) fn counter_suffix(name: &str) -> &'static str {
    if name.ends_with("_total") {
        ""
    } else {
        "_total"
    }
}

/// `# TYPE`, `# UNIT` (where the family name ends in one) and `# HELP`.
pub(crate) fn write_header(out: &mut Vec<u8>, family: &MetricFamily) {
    let name = family_name(family);
    let type_name = match family.get_field_type() {
        MetricType::COUNTER => "counter",
        MetricType::GAUGE => "gauge",
        MetricType::HISTOGRAM => "histogram",
        MetricType::SUMMARY => "summary",
        MetricType::UNTYPED => "unknown",
    };
    let _ = writeln!(out, "# TYPE {name} {type_name}");
    if let Some(unit) = crate::names::unit_suffix(name) {
        let _ = writeln!(out, "# UNIT {name} {unit}");
    }
    if !family.help().is_empty() {
        let _ = writeln!(out, "# HELP {name} {}", escape(family.help()));
    }
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
}
