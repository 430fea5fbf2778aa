//! Prometheus text exposition format 0.0.4.

use prometheus::proto::{MetricFamily, MetricType};
use prometheus::Registry;

/// `Content-Type` of [`encode_text`]'s output.
pub const TEXT_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Every metric of `registry` in the Prometheus text format 0.0.4.
///
/// The toolkit's own series are written straight from their storage;
/// other collectors' families come from `gather()`.
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
///     metrics_runtime::encode_text(&registry),
///     "# HELP jobs_total Jobs run.\n# TYPE jobs_total counter\njobs_total 1\n",
/// );
/// ```
pub fn encode_text(registry: &Registry) -> String {
    let mut out = Vec::new();
    super::engine::encode_into(registry, super::Format::Text, &mut out);
    // Every byte written comes from `&str`s.
    String::from_utf8(out)
        .unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned())
}

/// [`encode_text`] of the process-wide [`registry()`](crate::registry()).
pub fn gather_text() -> String {
    encode_text(crate::registry())
}

/// `# HELP` (when there is one) and `# TYPE` of `family`.
pub(crate) fn write_header(out: &mut Vec<u8>, family: &MetricFamily) {
    let name = family.name().as_bytes();
    let help = family.help();
    if !help.is_empty() {
        out.extend_from_slice(b"# HELP ");
        out.extend_from_slice(name);
        out.push(b' ');
        for c in help.bytes() {
            match c {
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\n' => out.extend_from_slice(b"\\n"),
                c => out.push(c),
            }
        }
        out.push(b'\n');
    }
    out.extend_from_slice(b"# TYPE ");
    out.extend_from_slice(name);
    out.extend_from_slice(match family.get_field_type() {
        MetricType::COUNTER => b" counter\n",
        MetricType::GAUGE => b" gauge\n",
        MetricType::HISTOGRAM => b" histogram\n",
        MetricType::SUMMARY => b" summary\n",
        MetricType::UNTYPED => b" untyped\n",
    });
}
