//! Exemplars: the trace of a recent call, kept beside the counts it added
//! to, so that a dashboard can jump from a slow bucket to the trace.
//!
//! Install one [`ExemplarSource`] at start-up; from then on every measured
//! call asks it for the current trace, and its histogram bucket and
//! result counter keep the latest one. They are exposed in OpenMetrics
//! (`… # {trace_id="…",span_id="…"} 0.042 1700000000.123`) and protobuf,
//! which Prometheus reads with `--enable-feature=exemplar-storage`. With no
//! source installed, a call pays one load of a pointer.
//!
//! With the `opentelemetry` feature, `opentelemetry::install()` installs a
//! source that reads the current `tracing` span's OpenTelemetry context
//! (`tracing-opentelemetry`), or OpenTelemetry's own current context.
//!
//! ```
//! use metrics_runtime::exemplars::{self, TraceContext};
//!
//! // A source reading the caller's tracing context; here, a fixed one.
//! exemplars::set_source(|| {
//!     Some(TraceContext { trace_id: [0xab; 16], span_id: [0xcd; 8] })
//! })
//! .unwrap();
//!
//! #[metrics_runtime::instrumented(name = "charge")]
//! fn charge() {}
//! charge();
//!
//! let text = metrics_runtime::encode_openmetrics(metrics_runtime::registry());
//! assert!(text.contains(r#"charge_total{result="ok"} 1 # {trace_id="abababababababababababababababab",span_id="cdcdcdcdcdcdcdcd"} 1 "#));
//! ```

#[cfg(feature = "opentelemetry")]
pub mod opentelemetry;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::Error;

/// The trace and span a call ran in, as W3C Trace Context and
/// OpenTelemetry spell them (written in lowercase hex).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceContext {
    /// 16 bytes: `trace_id="…"`, 32 hex digits.
    pub trace_id: [u8; 16],
    /// 8 bytes: `span_id="…"`, 16 hex digits.
    pub span_id: [u8; 8],
}

/// Where exemplars come from: the trace the current call runs in, when it
/// is recorded (sampled) by the tracing system.
///
/// Any `Fn() -> Option<TraceContext>` is one.
pub trait ExemplarSource: Send + Sync + 'static {
    /// The current call's trace, or `None` to keep no exemplar for it.
    fn current(&self) -> Option<TraceContext>;
}

impl<F> ExemplarSource for F
where
    F: Fn() -> Option<TraceContext> + Send + Sync + 'static,
{
    fn current(&self) -> Option<TraceContext> {
        self()
    }
}

static SOURCE: OnceLock<Box<dyn ExemplarSource>> = OnceLock::new();

/// Whether [`SOURCE`] is set: one relaxed load on the hot path.
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Installs the process-wide exemplar source, once.
///
/// # Errors
///
/// [`Error::InvalidSetting`] when a source is installed already.
pub fn set_source(source: impl ExemplarSource) -> Result<(), Error> {
    SOURCE
        .set(Box::new(source))
        .map_err(|_| Error::InvalidSetting("an exemplar source is installed already".into()))?;
    INSTALLED.store(true, Ordering::Relaxed);
    Ok(())
}

/// Whether a source is installed.
#[inline]
pub(crate) fn installed() -> bool {
    INSTALLED.load(Ordering::Relaxed)
}

/// The current call's trace, from the installed source.
pub(crate) fn current() -> Option<TraceContext> {
    SOURCE.get()?.current()
}

/// An exemplar as kept: its trace, the value it recorded and when.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Exemplar {
    pub(crate) trace: TraceContext,
    pub(crate) value: f64,
    /// Seconds since the Unix epoch.
    pub(crate) timestamp: f64,
}

impl Exemplar {
    /// An exemplar of `value` in `trace`, now.
    pub(crate) fn now(trace: TraceContext, value: f64) -> Exemplar {
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |since| since.as_secs_f64());
        Exemplar {
            trace,
            value,
            timestamp,
        }
    }

    /// Its trace id and span id in lowercase hex.
    pub(crate) fn hex_ids(&self) -> ([u8; 32], [u8; 16]) {
        let mut trace = [0; 32];
        let mut span = [0; 16];
        hex(&self.trace.trace_id, &mut trace);
        hex(&self.trace.span_id, &mut span);
        (trace, span)
    }
}

fn hex(bytes: &[u8], out: &mut [u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (byte, pair) in bytes.iter().zip(out.chunks_exact_mut(2)) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 0xf)];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_lowercase_hex() {
        let exemplar = Exemplar {
            trace: TraceContext {
                trace_id: [0x0f, 0xa0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 0xff],
                span_id: [0, 1, 2, 3, 4, 5, 6, 0xab],
            },
            value: 1.0,
            timestamp: 0.0,
        };
        let (trace, span) = exemplar.hex_ids();
        assert_eq!(&trace, b"0fa00102030405060708090a0b0c0dff");
        assert_eq!(&span, b"00010203040506ab");
    }
}
