//! Reads the criterion results of `overhead`, `encoding` and `disabled`
//! and prints the README's table: ns per call, overhead over the bare
//! function, and the ratios the targets are stated in; the encoding
//! tables (ns per sample line, allocations per scrape, gzip). Also
//! measures the memory of instrumented functions and series.
//!
//! `bash benches/run.sh` runs the benchmarks and then this.

use std::path::{Path, PathBuf};

use metrics_runtime::instrumented;

// Beside this file, which the README names, rather than a `report/main.rs`.
#[path = "report/encoding.rs"]
mod encoding;

fn criterion_dir() -> PathBuf {
    std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| metrics_benches::facts::target_dir().join("criterion"))
}

/// Median ns of one benchmark, if it was run.
fn median(dir: &Path, id: &str) -> Option<f64> {
    let text = std::fs::read_to_string(dir.join(id).join("new/estimates.json")).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["median"]["point_estimate"].as_f64()
}

/// A table row: its label and the criterion id (`group/name`); its
/// overhead is measured against `group/bare`.
const ROWS: &[[&str; 2]] = &[
    ["bare function", "call/bare"],
    [
        "floor: 2 × `Instant::now()` + 3 atomic adds, by hand",
        "call/floor",
    ],
    [
        "floor with the TSC clock (`quanta`) + 3 atomic adds",
        "call/floor_tsc",
    ],
    [
        "`#[instrumented]`, static labels",
        "call/instrumented_static",
    ],
    [
        "`#[instrumented]`, static labels, `sample = 0.01`",
        "call/instrumented_static_sampled",
    ],
    [
        "`#[instrumented]`, `&str` label",
        "call/instrumented_str_label",
    ],
    [
        "`#[instrumented]`, enum label (`#[derive(LabelValue)]`)",
        "call/instrumented_enum_label",
    ],
    [
        "`#[instrumented]` `async fn` (tokio current-thread)",
        "async/instrumented",
    ],
    ["`prometheus`, cached handles", "call/prometheus_cached"],
    [
        "`prometheus`, `with_label_values` per call",
        "call/prometheus_with_label_values",
    ],
    ["`autometrics` 3.0", "call/autometrics"],
    [
        "`metered` 0.9 (HitCount, ErrorCount, InFlight, ResponseTime)",
        "call/metered",
    ],
    [
        "`measured` 0.0.25 (counters, histogram, gauge)",
        "call/measured",
    ],
    ["2 threads: floor, per thread", "two_threads/floor"],
    [
        "2 threads: `#[instrumented]` static, per thread",
        "two_threads/instrumented_static",
    ],
    [
        "2 threads: `#[instrumented]` `&str` label, per thread",
        "two_threads/instrumented_str_label",
    ],
    [
        "2 threads: `prometheus` cached, per thread",
        "two_threads/prometheus_cached",
    ],
    ["`disabled` feature", "disabled/instrumented"],
    [
        "`#[instrumented]` static, a StatsD exporter taking each call's timing",
        "statsd/instrumented_static_to_statsd",
    ],
    [
        "observe a value: `prometheus::Histogram`",
        "observe/prometheus_histogram",
    ],
    [
        "observe a value: `metrics_runtime::Histogram`",
        "observe/histogram",
    ],
    [
        "observe a value: `metrics_runtime::Histogram`, native buckets too",
        "observe/histogram_native",
    ],
    [
        "`metrics` facade, held `Counter` handle: ours",
        "facade/ours_counter_handle",
    ],
    [
        "`metrics` facade, held `Counter` handle: `metrics-exporter-prometheus` 0.17",
        "facade/theirs_counter_handle",
    ],
    [
        "`metrics` facade, `counter!(\"x\", \"k\" => \"v\")` per call: ours",
        "facade/ours_counter_macro",
    ],
    [
        "`metrics` facade, `counter!(\"x\", \"k\" => \"v\")` per call: `metrics-exporter-prometheus` 0.17",
        "facade/theirs_counter_macro",
    ],
    [
        "`metrics` facade, `histogram!(…).record(v)` per call: ours",
        "facade/ours_histogram_macro",
    ],
    [
        "`metrics` facade, `histogram!(…).record(v)` per call: `metrics-exporter-prometheus` 0.17",
        "facade/theirs_histogram_macro",
    ],
    [
        "axum `Router`, one request, in process",
        "layer/bare_router",
    ],
    [
        "axum `Router` with `http::MetricsLayer`, one request",
        "layer/with_metrics_layer",
    ],
];

/// `group/bare` for `group/name`.
fn bare_of(id: &str) -> String {
    if id.starts_with("layer/") {
        return "layer/bare_router".to_owned();
    }
    format!("{}/bare", id.split('/').next().unwrap_or_default())
}

fn overhead(dir: &Path, id: &str, bare: &str) -> Option<f64> {
    Some((median(dir, id)? - median(dir, bare)?).max(0.0))
}

fn table(dir: &Path) {
    let floor = overhead(dir, "call/floor", "call/bare");
    println!("| scenario | ns/call | overhead ns | overhead ÷ floor's |");
    println!("| --- | ---: | ---: | ---: |");
    for [label, id] in ROWS {
        let Some(ns) = median(dir, id) else {
            continue;
        };
        let over = overhead(dir, id, &bare_of(id));
        let ratio = over.zip(floor).map(|(o, f)| o / f);
        println!(
            "| {} | {ns:.1} | {} | {} |",
            label,
            over.map_or("".into(), |o| format!("{o:.1}")),
            ratio.map_or("".into(), |r| format!("{r:.2}")),
        );
    }
    for series in [1_000, 10_000] {
        let ours = median(dir, &format!("encode/instrumented/{series}"));
        let theirs = median(dir, &format!("encode/prometheus/{series}"));
        if let (Some(ours), Some(theirs)) = (ours, theirs) {
            println!(
                "| encode {series} series: ours / `prometheus` `TextEncoder` | {:.2} ms / {:.2} ms | | {:.2}× |",
                ours / 1e6,
                theirs / 1e6,
                ours / theirs
            );
        }
    }
}

/// Ratios of overheads, as the targets are stated: `[label, ours, reference]`.
const TARGETS: &[[&str; 3]] = &[
    [
        "static labels ÷ floor (≤ 1; moonshot ≤ 0.5)",
        "call/instrumented_static",
        "call/floor",
    ],
    [
        "static labels ÷ floor with the same clock",
        "call/instrumented_static",
        "call/floor_tsc",
    ],
    [
        "static labels, `sample = 0.01` ÷ unsampled",
        "call/instrumented_static_sampled",
        "call/instrumented_static",
    ],
    [
        "static labels, `sample = 0.01` ÷ floor",
        "call/instrumented_static_sampled",
        "call/floor",
    ],
    [
        "static labels ÷ `autometrics` (≤ 0.25)",
        "call/instrumented_static",
        "call/autometrics",
    ],
    [
        "`&str` label ÷ `with_label_values` (≤ 0.75)",
        "call/instrumented_str_label",
        "call/prometheus_with_label_values",
    ],
    [
        "2 threads ÷ 1 thread, static labels (≤ 1.2)",
        "two_threads/instrumented_static",
        "call/instrumented_static",
    ],
    [
        "`http::MetricsLayer` overhead ÷ floor",
        "layer/with_metrics_layer",
        "call/floor",
    ],
    [
        "2 threads ÷ 1 thread, `&str` label",
        "two_threads/instrumented_str_label",
        "call/instrumented_str_label",
    ],
];

fn targets(dir: &Path) {
    println!();
    println!("| target | ratio |");
    println!("| --- | ---: |");
    for [label, ours, reference] in TARGETS {
        let ours = overhead(dir, ours, &bare_of(ours));
        let reference = overhead(dir, reference, &bare_of(reference));
        if let (Some(ours), Some(reference)) = (ours, reference) {
            println!("| {label} | {:.2} |", ours / reference);
        }
    }
    let disabled = median(dir, "disabled/instrumented").zip(median(dir, "disabled/bare"));
    if let Some((disabled, bare)) = disabled {
        println!(
            "| `disabled` − bare (within noise) | {:+.2} ns |",
            disabled - bare
        );
    }
}

#[instrumented(name = "report_static")]
fn one_series() {}

#[instrumented(name = "report_labelled", labels(key))]
fn labelled(key: &str) {
    let _ = key;
}

fn memory() {
    one_series();
    let first = metrics_runtime::__private::footprint();
    for i in 0..10_000 {
        labelled(&format!("key-{i}"));
    }
    let many = metrics_runtime::__private::footprint();
    let statics = std::mem::size_of::<metrics_runtime::__private::CallSite>()
        + std::mem::size_of::<metrics_runtime::__private::Descriptor>();
    println!();
    println!("| memory (default buckets, one calling thread) | bytes |");
    println!("| --- | ---: |");
    println!("| instrumented function: statics | {statics} |");
    println!(
        "| instrumented function: its one series | {} |",
        first.bytes
    );
    println!(
        "| each further series (10,000 `&str` label values) | {} |",
        (many.bytes - first.bytes) / 10_000
    );
}

fn main() {
    let dir = criterion_dir();
    println!("Results from {}", dir.display());
    println!();
    table(&dir);
    targets(&dir);
    encoding::tables(&dir);
    memory();
}
