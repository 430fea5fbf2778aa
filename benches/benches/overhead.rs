//! ns per call of every way to measure a function, side by side.
//!
//! `cargo bench -p metrics-benches --bench overhead`; `benches/report`
//! turns the results into the README's table.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use metrics_benches::{work, WorkError};
use metrics_runtime::{instrumented, LabelValue};

// ---- ours ----------------------------------------------------------------

#[instrumented(name = "bench_static")]
fn ours_static(input: u64) -> Result<u64, WorkError> {
    work(input)
}

/// The static-label call observing the duration of one call in a hundred:
/// every call is counted, unsampled calls read no clock.
#[instrumented(name = "bench_static_sampled", sample = 0.01)]
fn ours_static_sampled(input: u64) -> Result<u64, WorkError> {
    work(input)
}

#[instrumented(name = "bench_str_label", labels(tool))]
fn ours_str_label(tool: &str, input: u64) -> Result<u64, WorkError> {
    work(input)
}

/// A derived enum label: a fixed cardinality, indexed without hashing.
#[derive(LabelValue, Clone, Copy)]
enum Tool {
    Grep,
    Sed,
}

#[instrumented(name = "bench_enum_label", labels(tool))]
fn ours_enum_label(tool: Tool, input: u64) -> Result<u64, WorkError> {
    work(input)
}

#[instrumented(name = "bench_async")]
async fn ours_async(input: u64) -> Result<u64, WorkError> {
    work(input)
}

async fn bare_async(input: u64) -> Result<u64, WorkError> {
    work(input)
}

// ---- the floor: what any measurement must do, by hand ----------------------

struct Floor {
    calls: AtomicU64,
    bucket: AtomicU64,
    sum_nanos: AtomicU64,
}

static FLOOR: Floor = Floor {
    calls: AtomicU64::new(0),
    bucket: AtomicU64::new(0),
    sum_nanos: AtomicU64::new(0),
};

fn floor(input: u64) -> Result<u64, WorkError> {
    let start = Instant::now();
    let result = work(input);
    let nanos = start.elapsed().as_nanos() as u64;
    FLOOR.calls.fetch_add(1, Relaxed);
    FLOOR.bucket.fetch_add(1, Relaxed);
    FLOOR.sum_nanos.fetch_add(nanos, Relaxed);
    result
}

/// The floor with the clock `#[instrumented]` uses: the time-stamp counter
/// through `quanta`, so that the comparison is of the rest of the work.
static TSC: LazyLock<quanta::Clock> = LazyLock::new(quanta::Clock::new);

fn floor_tsc(input: u64) -> Result<u64, WorkError> {
    let clock = &*TSC;
    let start = clock.raw();
    let result = work(input);
    let nanos = clock.delta_as_nanos(start, clock.raw());
    FLOOR.calls.fetch_add(1, Relaxed);
    FLOOR.bucket.fetch_add(1, Relaxed);
    FLOOR.sum_nanos.fetch_add(nanos, Relaxed);
    result
}

fn ours_str_label_grep(input: u64) -> Result<u64, WorkError> {
    ours_str_label(black_box("grep"), input)
}

// ---- hand-written prometheus ---------------------------------------------

struct Prometheus {
    calls: prometheus::IntCounterVec,
    duration: prometheus::HistogramVec,
    in_flight: prometheus::IntGaugeVec,
}

static PROMETHEUS: LazyLock<Prometheus> = LazyLock::new(|| {
    let registry = prometheus::Registry::new();
    let calls = prometheus::IntCounterVec::new(
        prometheus::Opts::new("hand_calls_total", "Calls."),
        &["tool", "result"],
    )
    .unwrap();
    let duration = prometheus::HistogramVec::new(
        prometheus::HistogramOpts::new("hand_duration_seconds", "Duration."),
        &["tool"],
    )
    .unwrap();
    let in_flight = prometheus::IntGaugeVec::new(
        prometheus::Opts::new("hand_in_flight", "In flight."),
        &["tool"],
    )
    .unwrap();
    registry.register(Box::new(calls.clone())).unwrap();
    registry.register(Box::new(duration.clone())).unwrap();
    registry.register(Box::new(in_flight.clone())).unwrap();
    Prometheus {
        calls,
        duration,
        in_flight,
    }
});

struct CachedHandles {
    ok: prometheus::IntCounter,
    error: prometheus::IntCounter,
    duration: prometheus::Histogram,
    in_flight: prometheus::IntGauge,
}

static CACHED: LazyLock<CachedHandles> = LazyLock::new(|| CachedHandles {
    ok: PROMETHEUS.calls.with_label_values(&["cached", "ok"]),
    error: PROMETHEUS.calls.with_label_values(&["cached", "error"]),
    duration: PROMETHEUS.duration.with_label_values(&["cached"]),
    in_flight: PROMETHEUS.in_flight.with_label_values(&["cached"]),
});

fn prometheus_cached(input: u64) -> Result<u64, WorkError> {
    let handles = &*CACHED;
    handles.in_flight.inc();
    let start = Instant::now();
    let result = work(input);
    handles.duration.observe(start.elapsed().as_secs_f64());
    match result {
        Ok(_) => handles.ok.inc(),
        Err(_) => handles.error.inc(),
    }
    handles.in_flight.dec();
    result
}

fn prometheus_with_label_values(tool: &str, input: u64) -> Result<u64, WorkError> {
    let metrics = &*PROMETHEUS;
    let in_flight = metrics.in_flight.with_label_values(&[tool]);
    in_flight.inc();
    let start = Instant::now();
    let result = work(input);
    metrics
        .duration
        .with_label_values(&[tool])
        .observe(start.elapsed().as_secs_f64());
    let outcome = if result.is_ok() { "ok" } else { "error" };
    metrics.calls.with_label_values(&[tool, outcome]).inc();
    in_flight.dec();
    result
}

// ---- peers -----------------------------------------------------------------

#[autometrics::autometrics]
fn autometrics_fn(input: u64) -> Result<u64, WorkError> {
    work(input)
}

#[derive(Default, Debug)]
struct MeteredService {
    metrics: MeteredServiceMetrics,
}

#[metered::metered(registry = MeteredServiceMetrics)]
impl MeteredService {
    #[measure([metered::HitCount, metered::ErrorCount, metered::InFlight, metered::ResponseTime])]
    fn call(&self, input: u64) -> Result<u64, WorkError> {
        work(input)
    }
}

struct Measured {
    ok: measured::Counter,
    error: measured::Counter,
    duration: measured::Histogram<11>,
    in_flight: measured::Gauge,
}

static MEASURED: LazyLock<Measured> = LazyLock::new(|| Measured {
    ok: measured::Counter::new(),
    error: measured::Counter::new(),
    duration: measured::Histogram::with_metadata(
        measured::metric::histogram::Thresholds::with_buckets([
            0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
        ]),
    ),
    in_flight: measured::Gauge::new(),
});

fn measured_fn(input: u64) -> Result<u64, WorkError> {
    let metrics = &*MEASURED;
    metrics.in_flight.get_metric().inc();
    let start = Instant::now();
    let result = work(input);
    metrics.duration.get_metric().observe_duration_since(start);
    match result {
        Ok(_) => metrics.ok.get_metric().inc(),
        Err(_) => metrics.error.get_metric().inc(),
    }
    metrics.in_flight.get_metric().dec();
    result
}

// ---- the benchmarks ----------------------------------------------------------

fn single_thread(c: &mut Criterion) {
    let mut group = c.benchmark_group("call");
    group.bench_function("bare", |b| b.iter(|| work(black_box(1))));
    group.bench_function("floor", |b| b.iter(|| floor(black_box(1))));
    LazyLock::force(&TSC);
    group.bench_function("floor_tsc", |b| b.iter(|| floor_tsc(black_box(1))));
    group.bench_function("instrumented_static", |b| {
        b.iter(|| ours_static(black_box(1)))
    });
    group.bench_function("instrumented_static_sampled", |b| {
        b.iter(|| ours_static_sampled(black_box(1)))
    });
    group.bench_function("instrumented_str_label", |b| {
        b.iter(|| ours_str_label(black_box("grep"), black_box(1)))
    });
    group.bench_function("instrumented_enum_label", |b| {
        b.iter(|| ours_enum_label(black_box(Tool::Sed), black_box(1)))
    });
    group.bench_function("prometheus_cached", |b| {
        b.iter(|| prometheus_cached(black_box(1)))
    });
    group.bench_function("prometheus_with_label_values", |b| {
        b.iter(|| prometheus_with_label_values(black_box("grep"), black_box(1)))
    });
    group.bench_function("autometrics", |b| b.iter(|| autometrics_fn(black_box(1))));
    let service = MeteredService::default();
    group.bench_function("metered", |b| b.iter(|| service.call(black_box(1))));
    group.bench_function("measured", |b| b.iter(|| measured_fn(black_box(1))));
    let _ = Tool::Grep;
    group.finish();
}

fn asynchronous(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("async");
    group.bench_function("bare", |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    let _ = black_box(bare_async(black_box(1)).await);
                }
                start.elapsed()
            })
        })
    });
    group.bench_function("instrumented", |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    let _ = black_box(ours_async(black_box(1)).await);
                }
                start.elapsed()
            })
        })
    });
    group.finish();
}

/// A function under measurement.
type Call = fn(u64) -> Result<u64, WorkError>;

/// Two long-lived threads that run a batch of calls each on request, so that
/// spawning threads is not part of what is measured.
struct ThreadPair {
    requests: Vec<std::sync::mpsc::Sender<u64>>,
    results: std::sync::mpsc::Receiver<Duration>,
    workers: Vec<std::thread::JoinHandle<()>>,
}

impl ThreadPair {
    fn new(call: Call) -> Self {
        let (result_tx, results) = std::sync::mpsc::channel();
        let start = std::sync::Arc::new(std::sync::Barrier::new(2));
        let mut requests = Vec::new();
        let mut workers = Vec::new();
        for _ in 0..2 {
            let (request_tx, request_rx) = std::sync::mpsc::channel::<u64>();
            let result_tx = result_tx.clone();
            let start = start.clone();
            requests.push(request_tx);
            workers.push(std::thread::spawn(move || {
                for iters in request_rx {
                    start.wait();
                    let begin = Instant::now();
                    for _ in 0..iters {
                        let _ = black_box(call(black_box(1)));
                    }
                    let _ = result_tx.send(begin.elapsed());
                }
            }));
        }
        ThreadPair {
            requests,
            results,
            workers,
        }
    }

    /// Time per call on each thread: the slower thread's time for `iters` calls.
    fn run(&self, iters: u64) -> Duration {
        for request in &self.requests {
            request.send(iters).expect("worker alive");
        }
        (0..2)
            .map(|_| self.results.recv().expect("worker alive"))
            .max()
            .unwrap_or_default()
    }
}

impl Drop for ThreadPair {
    fn drop(&mut self) {
        self.requests.clear();
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

fn two_threads(c: &mut Criterion) {
    let mut group = c.benchmark_group("two_threads");
    let scenarios: [(&str, Call); 5] = [
        ("bare", work),
        ("floor", floor),
        ("instrumented_static", ours_static),
        ("instrumented_str_label", ours_str_label_grep),
        ("prometheus_cached", prometheus_cached),
    ];
    for (name, call) in scenarios {
        let pair = ThreadPair::new(call);
        group.bench_function(name, |b| b.iter_custom(|iters| pair.run(iters)));
    }
    group.finish();
}

/// The caller's cost of the StatsD path: the static-label call while an
/// exporter takes each call's timing, next to the same call without one.
fn statsd(c: &mut Criterion) {
    let mut group = c.benchmark_group("statsd");
    group.bench_function("bare", |b| b.iter(|| work(black_box(1))));
    group.bench_function("instrumented_static", |b| {
        b.iter(|| ours_static(black_box(1)))
    });
    // A daemon that never reads: what the caller pays is the hand-off.
    let sink = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let exporter = metrics_runtime::statsd::Statsd::new(sink.local_addr().unwrap().to_string())
        .registry(prometheus::Registry::new())
        .spawn()
        .unwrap();
    group.bench_function("instrumented_static_to_statsd", |b| {
        b.iter(|| ours_static(black_box(1)))
    });
    eprintln!(
        "statsd: {} datagrams sent, {} timings dropped by a full queue",
        exporter.datagrams_sent(),
        exporter.dropped_calls()
    );
    exporter.shutdown();
    group.finish();
}

/// One observation of a value: the `prometheus` histogram against the
/// toolkit's, with classic buckets only and with native buckets too.
fn observe(c: &mut Criterion) {
    let mut group = c.benchmark_group("observe");
    let opts = || prometheus::HistogramOpts::new("bench_observe", "Observed values.");
    let theirs = prometheus::Histogram::with_opts(opts()).unwrap();
    let classic = metrics_runtime::Histogram::with_opts(opts()).unwrap();
    let native = metrics_runtime::Histogram::native_with_opts(opts()).unwrap();
    // Values spread over the default buckets and many native ones.
    let values: Vec<f64> = (0..1024).map(|i| f64::from(i) * 0.0123).collect();
    let mut next = values.iter().cycle();
    group.bench_function("bare", |b| b.iter(|| black_box(next.next())));
    group.bench_function("prometheus_histogram", |b| {
        b.iter(|| theirs.observe(*black_box(next.next().unwrap())))
    });
    group.bench_function("histogram", |b| {
        b.iter(|| classic.observe(*black_box(next.next().unwrap())))
    });
    group.bench_function("histogram_native", |b| {
        b.iter(|| native.observe(*black_box(next.next().unwrap())))
    });
    group.finish();
}

/// Recording through the `metrics` facade: into the toolkit's recorder
/// and into `metrics-exporter-prometheus`'s, each as the thread's local
/// recorder, through a held handle and through the macro per call.
fn facade(c: &mut Criterion) {
    let mut group = c.benchmark_group("facade");
    let ours = metrics_runtime::facade::Recorder::with_registry(&prometheus::Registry::new());
    let theirs = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
    let theirs_handle = theirs.handle();
    group.bench_function("bare", |b| b.iter(|| black_box(1u64)));
    facade_scenarios(&mut group, "ours", &ours, &|| {});
    // Their histograms keep every value until a render or an upkeep: drain
    // them between batches, outside the timing, or memory grows unbounded.
    facade_scenarios(&mut group, "theirs", &theirs, &|| {
        theirs_handle.run_upkeep()
    });
    group.finish();
}

/// `{prefix}_counter_handle`, `{prefix}_counter_macro` and
/// `{prefix}_histogram_macro` with `recorder` as the local recorder.
fn facade_scenarios(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    prefix: &str,
    recorder: &dyn metrics::Recorder,
    upkeep: &dyn Fn(),
) {
    let _local = metrics::set_default_local_recorder(recorder);
    let handle = metrics::counter!("bench_facade_handle");
    group.bench_function(format!("{prefix}_counter_handle"), |b| {
        b.iter(|| handle.increment(black_box(1)))
    });
    group.bench_function(format!("{prefix}_counter_macro"), |b| {
        b.iter(|| metrics::counter!("bench_facade_macro", "k" => "v").increment(black_box(1)))
    });
    let values: Vec<f64> = (0..1024).map(|i| f64::from(i) * 0.0123).collect();
    group.bench_function(format!("{prefix}_histogram_macro"), |b| {
        b.iter_custom(|iters| {
            let mut next = values.iter().cycle();
            let mut spent = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let batch = left.min(1 << 20);
                let start = Instant::now();
                for _ in 0..batch {
                    let value = *black_box(next.next().unwrap());
                    metrics::histogram!("bench_facade_seconds", "k" => "v").record(value);
                }
                spent += start.elapsed();
                upkeep();
                left -= batch;
            }
            spent
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = single_thread, asynchronous, two_threads, observe, statsd, facade
}
criterion_main!(benches);
