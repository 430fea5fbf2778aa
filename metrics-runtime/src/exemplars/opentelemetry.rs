//! A ready exemplar source for `tracing` with OpenTelemetry (feature
//! `opentelemetry`): the sampled trace of the current span.

use ::opentelemetry::trace::{SpanContext, TraceContextExt};
use ::opentelemetry::Context;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use super::{set_source, ExemplarSource, TraceContext};
use crate::Error;

/// The trace of the current `tracing` span, as `tracing-opentelemetry`'s
/// layer gives it to OpenTelemetry; when that span has none (no such
/// layer, or no span), the span of OpenTelemetry's own current
/// [`Context`]. Only a sampled span context is kept: a trace the tracer
/// dropped would be a link to nothing.
///
/// The exemplar is taken as a measured call ends. With
/// `#[tracing::instrument]` on the same function, write `#[instrumented]`
/// above it for the function's own span; below it, the call is measured
/// after that span closed, in the caller's span.
///
/// ```
/// use metrics_runtime::exemplars::opentelemetry::SpanContextSource;
/// use metrics_runtime::exemplars::{self, ExemplarSource};
///
/// // At start-up, next to the tracing subscriber with
/// // `tracing_opentelemetry::layer().with_tracer(…)`:
/// exemplars::set_source(SpanContextSource).unwrap();
///
/// // Outside any span there is no trace to keep.
/// assert_eq!(SpanContextSource.current(), None);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SpanContextSource;

impl ExemplarSource for SpanContextSource {
    fn current(&self) -> Option<TraceContext> {
        let cx = tracing::Span::current().context();
        let span = cx.span();
        if span.span_context().is_valid() {
            return sampled(span.span_context());
        }
        Context::map_current(|cx| sampled(cx.span().span_context()))
    }
}

/// Installs [`SpanContextSource`] as the process-wide exemplar source.
///
/// ```no_run
/// #[metrics_runtime::instrumented(name = "checkout")]
/// fn checkout() {}
///
/// metrics_runtime::exemplars::opentelemetry::install().unwrap();
/// // Each call in a sampled span leaves its trace id on `checkout_total`
/// // and its duration bucket, in OpenMetrics and protobuf.
/// let span = tracing::info_span!("request");
/// span.in_scope(checkout);
/// ```
///
/// # Errors
///
/// [`Error::InvalidSetting`] when a source is installed already.
pub fn install() -> Result<(), Error> {
    set_source(SpanContextSource)
}

/// The ids of `span` when it is valid and sampled.
fn sampled(span: &SpanContext) -> Option<TraceContext> {
    (span.is_valid() && span.is_sampled()).then(|| TraceContext {
        trace_id: span.trace_id().to_bytes(),
        span_id: span.span_id().to_bytes(),
    })
}
