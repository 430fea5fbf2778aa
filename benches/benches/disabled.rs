//! The `disabled` feature: an instrumented call against the bare function.
//!
//! `cargo bench -p metrics-benches --features disabled --bench disabled`
//! (without the feature it measures the enabled call, and says so).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use metrics_benches::{work, WorkError};
use metrics_runtime::instrumented;

#[instrumented(name = "bench_disabled", labels(tool))]
fn instrumented_call(tool: &str, input: u64) -> Result<u64, WorkError> {
    let _ = tool;
    work(input)
}

/// The same function, never instrumented.
fn bare_call(tool: &str, input: u64) -> Result<u64, WorkError> {
    let _ = tool;
    work(input)
}

fn disabled(c: &mut Criterion) {
    if !cfg!(feature = "disabled") {
        eprintln!("note: built without `--features disabled`; this measures the enabled call");
    }
    let mut group = c.benchmark_group("disabled");
    group.bench_function("bare", |b| {
        b.iter(|| bare_call(black_box("grep"), black_box(1)))
    });
    group.bench_function("instrumented", |b| {
        b.iter(|| instrumented_call(black_box("grep"), black_box(1)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = disabled
}
criterion_main!(benches);
