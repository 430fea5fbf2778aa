//! Encoding side by side: 1,000 and 10,000 instrumented label sets against
//! the same series kept by hand-written `prometheus` code; ours in every
//! format into a reused buffer; 100,000 `Family` counters against
//! `measured`; gzip of the exposition. Sample lines, sizes and the
//! allocations of one scrape go to `target/metrics-benches/encoding.json`
//! for `report`.
//!
//! `cargo bench -p metrics-benches --bench encoding`

use std::hint::black_box;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{criterion_group, BenchmarkGroup, BenchmarkId, Criterion};
use metrics_benches::counting::{count, CountingAllocator};
use metrics_benches::facts::{self, AllocationRow, EncodingFacts};
use metrics_runtime::encoding::Format;
use metrics_runtime::{instrumented, Family, LabelSet, MetricsFamily};
use prometheus::{Encoder as _, IntCounter};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Filled by the benchmarks, written by `main` at the end.
static FACTS: Mutex<EncodingFacts> = Mutex::new(EncodingFacts {
    lines: std::collections::BTreeMap::new(),
    bytes: std::collections::BTreeMap::new(),
    allocations: Vec::new(),
});

fn facts() -> std::sync::MutexGuard<'static, EncodingFacts> {
    FACTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

// ---- the series ------------------------------------------------------------

#[instrumented(name = "encoded", labels(key))]
fn encoded(key: &str) -> Result<(), ()> {
    let _ = key;
    Ok(())
}

/// Label sets `encoded` has been called with: `key-0` up to this.
static ENCODED: AtomicUsize = AtomicUsize::new(0);

/// Calls `encoded` until it has `label_sets` label sets (series only grow).
fn top_up(label_sets: usize) {
    for i in ENCODED.load(Relaxed)..label_sets {
        encoded(&format!("key-{i}")).unwrap();
    }
    ENCODED.fetch_max(label_sets, Relaxed);
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

#[derive(LabelSet)]
struct Key<'a> {
    key: &'a str,
}

#[derive(MetricsFamily)]
struct Keyed {
    /// Events, one counter per key.
    #[metric(max_series = 100_000)]
    keyed_total: Family<Key<'static>, IntCounter>,
}

/// A registry of its own with one `Family` of `label_sets` counters.
fn family_registry(label_sets: usize) -> (prometheus::Registry, Keyed) {
    let registry = prometheus::Registry::new();
    let keyed = Keyed::register(&registry).unwrap();
    for i in 0..label_sets {
        keyed
            .keyed_total
            .with(&Key {
                key: &format!("key-{i}"),
            })
            .inc();
    }
    (registry, keyed)
}

/// `measured`'s label group for the same counters, its values interned in
/// a `ParaCord` as `measured`'s own encoding benchmark keeps them.
#[derive(measured::LabelGroup)]
#[label(set = MeasuredKeySet)]
struct MeasuredKey<'a> {
    #[label(dynamic_with = paracord::ParaCord)]
    key: &'a str,
}

#[derive(measured::MetricGroup)]
struct MeasuredKeyed {
    /// Events, one counter per key.
    keyed_total: measured::CounterVec<MeasuredKeySet>,
}

fn measured_group(label_sets: usize) -> MeasuredKeyed {
    let group = MeasuredKeyed {
        keyed_total: measured::CounterVec::with_label_set(MeasuredKeySet {
            key: paracord::ParaCord::default(),
        }),
    };
    for i in 0..label_sets {
        group.keyed_total.inc(MeasuredKey {
            key: &format!("key-{i}"),
        });
    }
    group
}

// ---- encoders into a reused buffer ----------------------------------------------

fn ours(format: Format, registry: &prometheus::Registry) -> impl FnMut(&mut Vec<u8>) + '_ {
    move |out| {
        out.clear();
        format.encode_into(registry, out);
    }
}

fn prometheus_text(registry: &prometheus::Registry) -> impl FnMut(&mut Vec<u8>) + '_ {
    let encoder = prometheus::TextEncoder::new();
    move |out| {
        out.clear();
        encoder.encode(&registry.gather(), out).unwrap();
    }
}

fn measured_text(group: &MeasuredKeyed) -> impl FnMut(&mut Vec<u8>) + '_ {
    use measured::MetricGroup;
    move |out| {
        out.clear();
        let mut encoder = measured::text::TextEncoder::new(std::mem::take(out));
        group.collect_group_into(&mut encoder).unwrap();
        encoder.flush().unwrap();
        *out = encoder.writer;
    }
}

/// Records the allocations of a first encode and of one after it into
/// the same buffer.
fn allocations(what: &str, label_sets: usize, mut encode: impl FnMut(&mut Vec<u8>)) {
    let mut out = Vec::new();
    let first = count(|| encode(&mut out));
    let later = count(|| encode(&mut out));
    facts().allocations.push(AllocationRow {
        what: what.to_owned(),
        label_sets: label_sets as u64,
        first,
        later,
    });
}

/// A criterion group of encodes that records, for each, its output's
/// sample lines and bytes under its id.
struct Encodes<'c> {
    name: &'static str,
    group: BenchmarkGroup<'c, WallTime>,
}

impl<'c> Encodes<'c> {
    fn new(c: &'c mut Criterion, name: &'static str) -> Self {
        let group = c.benchmark_group(name);
        Encodes { name, group }
    }

    /// Benchmarks `encode` as `name/label_sets`, after recording its
    /// output's sample lines (`lines`, or the output's own) and bytes;
    /// returns the lines.
    fn bench(
        &mut self,
        (name, label_sets): (&str, usize),
        lines: Option<u64>,
        mut encode: impl FnMut(&mut Vec<u8>),
    ) -> u64 {
        let mut out = Vec::new();
        encode(&mut out);
        let lines = lines.unwrap_or_else(|| facts::sample_lines(&out));
        let id = format!("{}/{name}/{label_sets}", self.name);
        let mut facts = facts();
        facts.lines.insert(id.clone(), lines);
        facts.bytes.insert(id, out.len() as u64);
        drop(facts);
        let id = BenchmarkId::new(name, label_sets);
        self.group.bench_function(id, |b| {
            b.iter(|| {
                encode(&mut out);
                black_box(&out);
            })
        });
        lines
    }

    fn finish(self) {
        self.group.finish();
    }
}

// ---- the benchmarks ----------------------------------------------------------

/// A full scrape as the exporters did it before `encode_into`: gathering
/// and writing a new `String`.
fn encoding(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode");
    group.sample_size(20);
    for series in [1_000, 10_000] {
        top_up(series);
        let ours_registry = metrics_runtime::registry();
        let registry = prometheus_registry(series);
        allocations(
            "`#[instrumented]`, text",
            series,
            ours(Format::Text, ours_registry),
        );
        allocations(
            "`#[instrumented]`, OpenMetrics",
            series,
            ours(Format::OpenMetrics, ours_registry),
        );
        allocations(
            "`#[instrumented]`, protobuf",
            series,
            ours(Format::Protobuf, ours_registry),
        );
        allocations(
            "`prometheus` `TextEncoder`",
            series,
            prometheus_text(&registry),
        );

        group.bench_with_input(BenchmarkId::new("instrumented", series), &series, |b, _| {
            b.iter(|| black_box(metrics_runtime::gather_text()))
        });
        let encoder = prometheus::TextEncoder::new();
        group.bench_with_input(BenchmarkId::new("prometheus", series), &series, |b, _| {
            b.iter(|| black_box(encoder.encode_to_string(&registry.gather()).unwrap()))
        });
    }
    group.finish();
}

/// 10,000 instrumented label sets into a reused buffer, in every format,
/// against `prometheus`'s `TextEncoder`; then gzip of the text.
fn scrape(c: &mut Criterion) {
    top_up(10_000);
    let registry = metrics_runtime::registry();
    let mut group = Encodes::new(c, "scrape");
    let text_lines = group.bench(("ours_text", 10_000), None, ours(Format::Text, registry));
    group.bench(
        ("ours_openmetrics", 10_000),
        None,
        ours(Format::OpenMetrics, registry),
    );
    // Protobuf has no lines: its denominator is the text's.
    group.bench(
        ("ours_protobuf", 10_000),
        Some(text_lines),
        ours(Format::Protobuf, registry),
    );
    let theirs = prometheus_registry(10_000);
    group.bench(("prometheus_text", 10_000), None, prometheus_text(&theirs));
    group.finish();

    let text = Format::Text.encode(registry);
    let mut group = c.benchmark_group("gzip");
    for (name, level) in [
        ("fast", flate2::Compression::fast()),
        ("default", flate2::Compression::default()),
    ] {
        let gzipped = gzip(&text, level);
        facts()
            .bytes
            .insert(format!("gzip/{name}/10000"), gzipped.len() as u64);
        let id = BenchmarkId::new(name, 10_000);
        group.bench_function(id, |b| b.iter(|| black_box(gzip(&text, level))));
    }
    group.finish();
}

/// `body` gzipped as the server does it.
fn gzip(body: &[u8], level: flate2::Compression) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), level);
    encoder.write_all(body).unwrap();
    encoder.finish().unwrap()
}

/// 100,000 `Family` counters against `measured`, and the allocations of
/// 10,000 and 100,000.
fn family(c: &mut Criterion) {
    for label_sets in [10_000, 100_000] {
        let (registry, _keyed) = family_registry(label_sets);
        let group = measured_group(label_sets);
        allocations(
            "`Family` counters, text",
            label_sets,
            ours(Format::Text, &registry),
        );
        allocations(
            "`Family` counters, OpenMetrics",
            label_sets,
            ours(Format::OpenMetrics, &registry),
        );
        allocations(
            "`Family` counters, protobuf",
            label_sets,
            ours(Format::Protobuf, &registry),
        );
        allocations("`measured` text", label_sets, measured_text(&group));
        if label_sets == 100_000 {
            let mut bench = Encodes::new(c, "family");
            let id = ("ours_text", label_sets);
            bench.bench(id, None, ours(Format::Text, &registry));
            let id = ("measured_text", label_sets);
            bench.bench(id, None, measured_text(&group));
            bench.finish();
        }
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = encoding, scrape, family
}

fn main() {
    benches();
    let path = facts::facts_path(&facts::target_dir().join("criterion"));
    let json = serde_json::to_vec_pretty(&*facts()).unwrap();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, json).unwrap();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
}
