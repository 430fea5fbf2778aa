//! Encoding 1,000 and 10,000 series to the text format: ours against the
//! same series kept by hand-written `prometheus` code.
//!
//! `cargo bench -p metrics-benches --bench encoding`

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use metrics_runtime::instrumented;

#[instrumented(name = "encoded", labels(key))]
fn encoded(key: &str) -> Result<(), ()> {
    let _ = key;
    Ok(())
}

/// The families `#[instrumented]` keeps, with the same series, by hand.
fn prometheus_registry(series: usize) -> prometheus::Registry {
    let registry = prometheus::Registry::new();
    let calls = prometheus::IntCounterVec::new(
        prometheus::Opts::new("encoded_total", "Calls."),
        &["key", "result"],
    )
    .unwrap();
    let duration = prometheus::HistogramVec::new(
        prometheus::HistogramOpts::new("encoded_duration_seconds", "Duration."),
        &["key"],
    )
    .unwrap();
    let in_flight = prometheus::IntGaugeVec::new(
        prometheus::Opts::new("encoded_in_flight", "In flight."),
        &["key"],
    )
    .unwrap();
    for i in 0..series {
        let key = format!("key-{i}");
        for result in ["ok", "error", "panic", "cancelled"] {
            calls.with_label_values(&[&key, result]);
        }
        calls.with_label_values(&[&key, "ok"]).inc();
        duration.with_label_values(&[&key]).observe(0.000_01);
        in_flight.with_label_values(&[&key]);
    }
    registry.register(Box::new(calls)).unwrap();
    registry.register(Box::new(duration)).unwrap();
    registry.register(Box::new(in_flight)).unwrap();
    registry
}

fn encoding(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode");
    group.sample_size(20);
    let mut instrumented_series = 0;
    for series in [1_000, 10_000] {
        // Series only ever grow: top the one family up to `series` label sets.
        for i in instrumented_series..series {
            encoded(&format!("key-{i}")).unwrap();
        }
        instrumented_series = series;
        group.bench_with_input(BenchmarkId::new("instrumented", series), &series, |b, _| {
            b.iter(|| black_box(metrics_runtime::gather_text()))
        });

        let registry = prometheus_registry(series);
        let encoder = prometheus::TextEncoder::new();
        group.bench_with_input(BenchmarkId::new("prometheus", series), &series, |b, _| {
            b.iter(|| black_box(encoder.encode_to_string(&registry.gather()).unwrap()))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = encoding
}
criterion_main!(benches);
