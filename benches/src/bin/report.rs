//! Reads the criterion results of `overhead`, `encoding` and `disabled`
//! and prints the README's table: ns per call, overhead over the bare
//! function, and the ratios the targets are stated in. Also measures the
//! memory of instrumented functions and series.
//!
//! `bash benches/run.sh` runs the benchmarks and then this.

use std::path::{Path, PathBuf};

use metrics_runtime::instrumented;

fn criterion_dir() -> PathBuf {
    std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
            target.join("criterion")
        })
}

/// Median ns of one benchmark, if it was run.
fn median(dir: &Path, id: &str) -> Option<f64> {
    let text = std::fs::read_to_string(dir.join(id).join("new/estimates.json")).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["median"]["point_estimate"].as_f64()
}

struct Row {
    label: &'static str,
    id: &'static str,
    bare: &'static str,
}

const ROWS: &[Row] = &[
    Row {
        label: "bare function",
        id: "call/bare",
        bare: "call/bare",
    },
    Row {
        label: "floor: 2 × `Instant::now()` + 3 atomic adds, by hand",
        id: "call/floor",
        bare: "call/bare",
    },
    Row {
        label: "`#[instrumented]`, static labels",
        id: "call/instrumented_static",
        bare: "call/bare",
    },
    Row {
        label: "`#[instrumented]`, `&str` label",
        id: "call/instrumented_str_label",
        bare: "call/bare",
    },
    Row {
        label: "`#[instrumented]`, enum label",
        id: "call/instrumented_enum_label",
        bare: "call/bare",
    },
    Row {
        label: "`#[instrumented]` `async fn` (tokio current-thread)",
        id: "async/instrumented",
        bare: "async/bare",
    },
    Row {
        label: "`prometheus`, cached handles",
        id: "call/prometheus_cached",
        bare: "call/bare",
    },
    Row {
        label: "`prometheus`, `with_label_values` per call",
        id: "call/prometheus_with_label_values",
        bare: "call/bare",
    },
    Row {
        label: "`autometrics` 3.0",
        id: "call/autometrics",
        bare: "call/bare",
    },
    Row {
        label: "`metered` 0.9 (HitCount, ErrorCount, InFlight, ResponseTime)",
        id: "call/metered",
        bare: "call/bare",
    },
    Row {
        label: "`measured` 0.0.25 (counters, histogram, gauge)",
        id: "call/measured",
        bare: "call/bare",
    },
    Row {
        label: "2 threads: floor, per thread",
        id: "two_threads/floor",
        bare: "two_threads/bare",
    },
    Row {
        label: "2 threads: `#[instrumented]` static, per thread",
        id: "two_threads/instrumented_static",
        bare: "two_threads/bare",
    },
    Row {
        label: "2 threads: `prometheus` cached, per thread",
        id: "two_threads/prometheus_cached",
        bare: "two_threads/bare",
    },
    Row {
        label: "`disabled` feature",
        id: "disabled/instrumented",
        bare: "disabled/bare",
    },
];

fn overhead(dir: &Path, id: &str, bare: &str) -> Option<f64> {
    Some((median(dir, id)? - median(dir, bare)?).max(0.0))
}

fn table(dir: &Path) {
    let floor = overhead(dir, "call/floor", "call/bare");
    println!("| scenario | ns/call | overhead ns | overhead ÷ floor's |");
    println!("| --- | ---: | ---: | ---: |");
    for row in ROWS {
        let Some(ns) = median(dir, row.id) else {
            continue;
        };
        let over = overhead(dir, row.id, row.bare);
        let ratio = over.zip(floor).map(|(o, f)| o / f);
        println!(
            "| {} | {ns:.1} | {} | {} |",
            row.label,
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

fn targets(dir: &Path) {
    let o = |id: &str, bare: &str| overhead(dir, id, bare);
    let checks = [
        (
            "static labels ÷ floor (≤ 1; moonshot ≤ 0.5)",
            o("call/instrumented_static", "call/bare"),
            o("call/floor", "call/bare"),
        ),
        (
            "static labels ÷ autometrics (≤ 0.25)",
            o("call/instrumented_static", "call/bare"),
            o("call/autometrics", "call/bare"),
        ),
        (
            "`&str` label ÷ `with_label_values` (≤ 0.75)",
            o("call/instrumented_str_label", "call/bare"),
            o("call/prometheus_with_label_values", "call/bare"),
        ),
        (
            "2 threads ÷ 1 thread, static labels (≤ 1.2)",
            o("two_threads/instrumented_static", "two_threads/bare"),
            o("call/instrumented_static", "call/bare"),
        ),
    ];
    println!();
    println!("| target | ratio |");
    println!("| --- | ---: |");
    for (label, ours, reference) in checks {
        if let (Some(ours), Some(reference)) = (ours, reference) {
            println!("| {label} | {:.2} |", ours / reference);
        }
    }
    if let (Some(disabled), Some(bare)) = (
        median(dir, "disabled/instrumented"),
        median(dir, "disabled/bare"),
    ) {
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
    memory();
}
