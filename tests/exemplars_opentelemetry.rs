//! `exemplars::opentelemetry`: a call in a sampled `tracing` span carried
//! to an OpenTelemetry SDK tracer leaves that span's trace id as its
//! exemplar; a call outside any span, or in a span the sampler dropped,
//! leaves none. Either the `tracing` span or OpenTelemetry's current
//! context alone is enough, and with `#[tracing::instrument]` the order of
//! the attributes says whose span the exemplar is.
//!
//! The source is process-wide, the subscriber per thread: each test runs
//! under its own `tracing::subscriber::with_default` and counts its own
//! function.

use metrics_runtime::exemplars::opentelemetry::{install, SpanContextSource};
use metrics_runtime::exemplars::ExemplarSource;
use metrics_runtime::instrumented;
use opentelemetry::trace::{SpanContext, TraceContextExt, TracerProvider as _};
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use tracing::Subscriber;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::layer::SubscriberExt;

fn install_once() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| install().unwrap());
}

/// `tracing` spans carried to an SDK tracer with `sampler` and no exporter.
fn subscriber(sampler: Sampler) -> impl Subscriber + Send + Sync {
    let provider = SdkTracerProvider::builder().with_sampler(sampler).build();
    tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("exemplars")))
}

/// The OpenTelemetry span context of a `tracing` span.
fn span_context(span: &tracing::Span) -> SpanContext {
    span.context().span().span_context().clone()
}

fn openmetrics() -> String {
    metrics_runtime::encode_openmetrics(metrics_runtime::registry())
}

#[instrumented(name = "otel_checkout")]
fn checkout() {}

#[test]
fn a_sampled_span_leaves_its_trace_id_and_a_call_outside_keeps_it() {
    install_once();
    let traced = tracing::subscriber::with_default(subscriber(Sampler::AlwaysOn), || {
        let span = tracing::info_span!("checkout_request");
        let _entered = span.enter();
        checkout();
        span_context(&span)
    });
    assert!(traced.is_valid() && traced.is_sampled(), "{traced:?}");
    let trace = format!("{:032x}", traced.trace_id());
    let span = format!("{:016x}", traced.span_id());
    let text = openmetrics();
    let counter = format!(
        r#"otel_checkout_total{{result="ok"}} 1 # {{trace_id="{trace}",span_id="{span}"}} 1 "#
    );
    assert!(text.contains(&counter), "{text}");

    // Outside any span (and with no OpenTelemetry context either): nothing
    // new to keep, so the exemplar stays.
    tracing::subscriber::with_default(subscriber(Sampler::AlwaysOn), || {
        assert_eq!(SpanContextSource.current(), None);
        checkout();
    });
    let text = openmetrics();
    let counter = format!(
        r#"otel_checkout_total{{result="ok"}} 2 # {{trace_id="{trace}",span_id="{span}"}} 1 "#
    );
    assert!(text.contains(&counter), "{text}");
}

#[instrumented(name = "otel_unsampled")]
fn unsampled() {}

#[test]
fn a_span_the_sampler_dropped_leaves_no_exemplar() {
    install_once();
    let dropped = tracing::subscriber::with_default(subscriber(Sampler::AlwaysOff), || {
        let span = tracing::info_span!("unsampled_request");
        let _entered = span.enter();
        unsampled();
        span_context(&span)
    });
    // A real trace, just not recorded: valid, not sampled.
    assert!(dropped.is_valid() && !dropped.is_sampled(), "{dropped:?}");
    let text = openmetrics();
    assert!(
        text.contains("otel_unsampled_total{result=\"ok\"} 1\n"),
        "{text}"
    );
    assert!(
        !text.contains(&format!("{:032x}", dropped.trace_id())),
        "{text}"
    );
}

#[test]
fn without_context_activation_the_tracing_span_is_the_source() {
    install_once();
    let provider = SdkTracerProvider::builder()
        .with_sampler(Sampler::AlwaysOn)
        .build();
    // The layer leaves OpenTelemetry's current context alone on enter.
    let layer = tracing_opentelemetry::layer()
        .with_tracer(provider.tracer("exemplars"))
        .with_context_activation(false);
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        let span = tracing::info_span!("not_activated");
        let _entered = span.enter();
        assert!(!opentelemetry::Context::current().has_active_span());
        let expected = span_context(&span);
        let current = SpanContextSource.current().expect("the tracing span");
        assert_eq!(current.trace_id, expected.trace_id().to_bytes());
        assert_eq!(current.span_id, expected.span_id().to_bytes());
    });
}

#[test]
fn without_a_tracing_span_the_opentelemetry_context_is_the_source() {
    install_once();
    let provider = SdkTracerProvider::builder()
        .with_sampler(Sampler::AlwaysOn)
        .build();
    let tracer = provider.tracer("exemplars");
    let cx = opentelemetry::Context::current_with_span(opentelemetry::trace::Tracer::start(
        &tracer,
        "otel_only",
    ));
    let expected = cx.span().span_context().clone();
    let _attached = cx.attach();
    let current = SpanContextSource.current().expect("the attached span");
    assert_eq!(current.trace_id, expected.trace_id().to_bytes());
    assert_eq!(current.span_id, expected.span_id().to_bytes());
}

// Attribute macros expand from the top: the upper one wraps the other's
// output, so the lower one runs inside it.

/// `#[instrumented]` inside: measured in the function's own span.
#[instrumented(name = "otel_instrumented_first")]
#[tracing::instrument]
fn instrumented_first() -> SpanContext {
    span_context(&tracing::Span::current())
}

/// `#[instrumented]` outside: measured after the function's span closed.
#[tracing::instrument]
#[instrumented(name = "otel_tracing_first")]
fn tracing_first() -> SpanContext {
    span_context(&tracing::Span::current())
}

#[test]
fn with_tracing_instrument_the_upper_attribute_decides_whose_span_it_is() {
    install_once();
    let (caller, own) = tracing::subscriber::with_default(subscriber(Sampler::AlwaysOn), || {
        let span = tracing::info_span!("caller");
        let _entered = span.enter();
        let own = instrumented_first();
        tracing_first();
        (span_context(&span), own)
    });
    assert_ne!(own.span_id(), caller.span_id());
    let text = openmetrics();
    let exemplar = |name: &str, context: &SpanContext| {
        format!(
            r#"{name}_total{{result="ok"}} 1 # {{trace_id="{:032x}",span_id="{:016x}"}} 1 "#,
            context.trace_id(),
            context.span_id()
        )
    };
    assert!(
        text.contains(&exemplar("otel_instrumented_first", &own)),
        "{text}"
    );
    assert!(
        text.contains(&exemplar("otel_tracing_first", &caller)),
        "{text}"
    );
}
