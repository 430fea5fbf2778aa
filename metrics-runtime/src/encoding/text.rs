//! Prometheus text exposition format 0.0.4.

use prometheus::{Encoder, Registry, TextEncoder};

/// `Content-Type` of [`encode_text`]'s output.
pub const TEXT_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Every metric of `registry` in the Prometheus text format 0.0.4.
///
/// A family that cannot be encoded is left out and logged; the rest is
/// still written.
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
    let encoder = TextEncoder::new();
    let mut out = Vec::new();
    for family in crate::registration::gather(registry) {
        let mut one = Vec::new();
        match encoder.encode(std::slice::from_ref(&family), &mut one) {
            Ok(()) => out.append(&mut one),
            Err(err) => log::error!("cannot encode metric `{}`: {err}", family.name()),
        }
    }
    String::from_utf8(out)
        .unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned())
}

/// [`encode_text`] of the process-wide [`registry()`](crate::registry()).
pub fn gather_text() -> String {
    encode_text(crate::registry())
}
