//! `metrics_runtime::textfile`: the exposition written atomically for
//! node_exporter's textfile collector, once or on an interval.

mod support;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use metrics_runtime::textfile;
use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, Opts, Registry};

use support::scratch::{entries, Scratch};

fn counter(registry: &Registry, name: &str) -> IntCounter {
    let counter = IntCounter::new(name, "Test counter.").unwrap();
    registry.register(Box::new(counter.clone())).unwrap();
    counter
}

/// Runs `f` on a thread of its own and fails the test if it takes longer
/// than `limit`, so that a writer that never stops cannot hang the test.
#[track_caller]
fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, result) = mpsc::channel();
    thread::spawn(move || done.send(f()));
    result
        .recv_timeout(limit)
        .unwrap_or_else(|_| panic!("did not finish within {limit:?}"))
}

/// Polls `check` every 5 ms until it holds; fails the test after `limit`.
#[track_caller]
fn wait_until(limit: Duration, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !check() {
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        thread::sleep(Duration::from_millis(5));
    }
}

/// The value of `name` in the file at `path`, if the file and the sample exist.
fn file_value(path: &Path, name: &str) -> Option<f64> {
    let text = std::fs::read_to_string(path).ok()?;
    support::value(&text, name, &[])
}

#[test]
fn written_file_parses_and_passes_promtool() {
    let scratch = Scratch::new("promtool");
    let path = scratch.join("app.prom");
    let registry = Registry::new();
    let jobs = counter(&registry, "app_jobs_total");
    let routes = IntCounterVec::new(
        Opts::new("app_requests_total", "Requests by route."),
        &["route"],
    )
    .unwrap();
    registry.register(Box::new(routes.clone())).unwrap();
    let latency = Histogram::with_opts(
        HistogramOpts::new("app_latency_seconds", "Latency.").buckets(vec![0.1, 1.0]),
    )
    .unwrap();
    registry.register(Box::new(latency.clone())).unwrap();
    jobs.inc_by(3);
    routes.with_label_values(&["/a \"quoted\""]).inc();
    latency.observe(0.5);

    textfile::write(&registry, &path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text, metrics_runtime::encode_text(&registry));
    assert_eq!(support::value(&text, "app_jobs_total", &[]), Some(3.0));
    assert_eq!(
        support::value(&text, "app_requests_total", &[("route", "/a \"quoted\"")]),
        Some(1.0)
    );
    assert_eq!(
        support::value(&text, "app_latency_seconds_count", &[]),
        Some(1.0)
    );
    support::promtool_check(&text);

    // A second write replaces the file and leaves nothing else behind.
    jobs.inc();
    textfile::write(&registry, &path).unwrap();
    assert_eq!(file_value(&path, "app_jobs_total"), Some(4.0));
    assert_eq!(entries(scratch.path()), ["app.prom"]);
}

#[test]
fn write_into_a_missing_directory_fails_and_leaves_no_temp_file() {
    let scratch = Scratch::new("missing-dir");
    let registry = Registry::new();
    counter(&registry, "jobs_total");

    let err = textfile::write(&registry, scratch.join("missing").join("app.prom")).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound, "{err}");
    assert!(entries(scratch.path()).is_empty());
}

#[test]
fn failed_rename_removes_the_temp_file() {
    let scratch = Scratch::new("failed-rename");
    let registry = Registry::new();
    counter(&registry, "jobs_total");
    // The temporary file is written, but cannot replace a directory.
    let target = scratch.join("app.prom");
    std::fs::create_dir(&target).unwrap();

    textfile::write(&registry, &target).unwrap_err();
    assert_eq!(entries(scratch.path()), ["app.prom"]);
    assert!(entries(&target).is_empty());
}

#[test]
fn write_rejects_a_path_without_a_file_name() {
    let scratch = Scratch::new("no-file-name");
    let err = textfile::write(&Registry::new(), scratch.join("..")).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{err}");
}

#[test]
fn readers_never_see_a_half_written_file() {
    const SERIES: usize = 400;
    const WRITES: i64 = 300;

    let scratch = Scratch::new("concurrent");
    let path = scratch.join("app.prom");
    let registry = Registry::new();
    // Families are written sorted by name: `aaa_` first, `zzz_` last.
    let first = IntGauge::new("aaa_generation", "Generation, written first.").unwrap();
    let last = IntGauge::new("zzz_generation", "Generation, written last.").unwrap();
    let requests = IntCounterVec::new(
        Opts::new("mmm_requests_total", "Requests."),
        &["route", "method"],
    )
    .unwrap();
    registry.register(Box::new(first.clone())).unwrap();
    registry.register(Box::new(last.clone())).unwrap();
    registry.register(Box::new(requests.clone())).unwrap();
    let routes: Vec<String> = (0..SERIES)
        .map(|i| format!("/api/v1/resources/{i:04}/details"))
        .collect();
    textfile::write(&registry, &path).unwrap();

    let done = Arc::new(AtomicBool::new(false));
    let reader = thread::spawn({
        let (done, path) = (Arc::clone(&done), path.clone());
        move || {
            let (mut reads, mut seen) = (0, 0.0);
            while !done.load(Ordering::Acquire) {
                let text = std::fs::read_to_string(&path).expect("the file is always there");
                let generation = text
                    .strip_suffix('\n')
                    .and_then(|text| text.rsplit('\n').next())
                    .and_then(|line| line.strip_prefix("zzz_generation "))
                    .and_then(|value| value.parse::<f64>().ok())
                    .unwrap_or_else(|| {
                        panic!(
                            "a partial file ({} bytes), ending {:?}",
                            text.len(),
                            &text[text.len().saturating_sub(80)..]
                        )
                    });
                assert_eq!(
                    support::value(&text, "aaa_generation", &[]),
                    Some(generation),
                    "a file mixing two writes"
                );
                let samples = support::parse(&text).len();
                let expected = if generation == 0.0 { 2 } else { 2 + SERIES };
                assert_eq!(samples, expected, "generation {generation}");
                assert!(generation >= seen, "generation {generation} after {seen}");
                seen = generation;
                reads += 1;
            }
            reads
        }
    });

    let started = Instant::now();
    for generation in 1..=WRITES {
        first.set(generation);
        last.set(generation);
        for (i, route) in routes.iter().enumerate() {
            requests
                .with_label_values(&[route.as_str(), if i % 2 == 0 { "GET" } else { "POST" }])
                .inc_by(generation as u64);
        }
        textfile::write(&registry, &path).unwrap();
    }
    let elapsed = started.elapsed();
    done.store(true, Ordering::Release);
    let reads = reader.join().expect("every read saw a whole file");

    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.len() > 20_000, "only {} bytes", text.len());
    assert_eq!(
        support::value(&text, "zzz_generation", &[]),
        Some(WRITES as f64)
    );
    assert!(reads > 0);
    assert!(
        elapsed < Duration::from_secs(5),
        "{WRITES} writes took {elapsed:?}"
    );
    assert_eq!(entries(scratch.path()), ["app.prom"]);
}

/// Counts the registry's gathers, that is the writer's writes, and shows
/// the count in the file itself.
#[derive(Clone)]
struct Gathers(IntCounter);

impl Gathers {
    fn register(registry: &Registry) -> Gathers {
        let gathers = Gathers(IntCounter::new("test_gathers_total", "Gathers.").unwrap());
        registry.register(Box::new(gathers.clone())).unwrap();
        gathers
    }
}

impl Collector for Gathers {
    fn desc(&self) -> Vec<&Desc> {
        self.0.desc()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        self.0.inc();
        self.0.collect()
    }
}

#[test]
fn interval_writer_writes_every_tick_and_once_more_on_stop() {
    let scratch = Scratch::new("interval");
    let path = scratch.join("app.prom");
    let registry = Registry::new();
    let jobs = counter(&registry, "app_jobs_total");
    let gathers = Gathers::register(&registry);

    let started = Instant::now();
    let writer = textfile::spawn(registry, &path, Duration::from_millis(50));
    assert_eq!(writer.path(), path);
    thread::sleep(Duration::from_millis(300));
    let (writes, elapsed) = (gathers.0.get(), started.elapsed());
    // At once, then every 50 ms: about 7, and never back to back.
    let at_most = elapsed.as_millis() as u64 / 50 + 2;
    assert!(
        (2..=at_most).contains(&writes),
        "{writes} writes in {elapsed:?}"
    );
    assert!(file_value(&path, "test_gathers_total").unwrap() >= 2.0);

    jobs.inc();
    within(Duration::from_secs(5), move || writer.stop()).expect("the final write");
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(support::value(&text, "app_jobs_total", &[]), Some(1.0));
    // The file is the last write: no write after stop.
    assert_eq!(
        support::value(&text, "test_gathers_total", &[]),
        Some(gathers.0.get() as f64)
    );
    assert_eq!(entries(scratch.path()), ["app.prom"]);
}

#[test]
fn stop_does_not_wait_for_the_next_tick() {
    let scratch = Scratch::new("stop-prompt");
    let path = scratch.join("app.prom");
    let registry = Registry::new();
    let jobs = counter(&registry, "app_jobs_total");

    let writer = textfile::spawn(registry, &path, Duration::from_secs(3600));
    wait_until(Duration::from_secs(5), "the first write", || {
        file_value(&path, "app_jobs_total") == Some(0.0)
    });
    jobs.inc();
    let started = Instant::now();
    within(Duration::from_secs(5), move || writer.stop()).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(file_value(&path, "app_jobs_total"), Some(1.0));
}

#[test]
fn dropping_the_interval_writer_stops_it_after_a_final_write() {
    let scratch = Scratch::new("drop");
    let path = scratch.join("app.prom");
    let registry = Registry::new();
    let jobs = counter(&registry, "app_jobs_total");
    let gathers = Gathers::register(&registry);

    let writer = textfile::spawn(registry, &path, Duration::from_secs(3600));
    wait_until(Duration::from_secs(5), "the first write", || path.exists());
    jobs.inc();
    within(Duration::from_secs(5), move || drop(writer));
    assert_eq!(file_value(&path, "app_jobs_total"), Some(1.0));
    assert_eq!(gathers.0.get(), 2, "the first write and the final one");
}

/// Keeps what is logged, for the tests that expect an error in the log.
struct Capture;

static LOGGED: Mutex<Vec<(log::Level, String)>> = Mutex::new(Vec::new());

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let message = record.args().to_string();
        LOGGED.lock().unwrap().push((record.level(), message));
    }

    fn flush(&self) {}
}

/// Whether a message at `level` mentioning `needle` was logged.
fn logged(level: log::Level, needle: &str) -> bool {
    LOGGED
        .lock()
        .unwrap()
        .iter()
        .any(|(l, message)| *l == level && message.contains(needle))
}

#[test]
fn failing_interval_writer_keeps_going_and_recovers() {
    static LOGGER: Capture = Capture;
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(log::LevelFilter::Info);

    let scratch = Scratch::new("recovers");
    let dir = scratch.join("textfiles");
    std::fs::create_dir(&dir).unwrap();
    let path = dir.join("app.prom");
    let registry = Registry::new();
    let jobs = counter(&registry, "app_jobs_total");

    let writer = textfile::spawn(registry, &path, Duration::from_millis(20));
    wait_until(Duration::from_secs(5), "the first write", || path.exists());

    // The writer may be creating a temporary file while the directory goes.
    wait_until(Duration::from_secs(5), "the directory removed", || {
        std::fs::remove_dir_all(&dir).is_ok()
    });
    let shown = path.display().to_string();
    wait_until(Duration::from_secs(5), "an error logged", || {
        logged(log::Level::Error, &shown)
    });
    assert!(
        format!("{writer:?}").contains("running: true"),
        "{writer:?}"
    );

    jobs.inc();
    std::fs::create_dir(&dir).unwrap();
    wait_until(Duration::from_secs(5), "the file written again", || {
        file_value(&path, "app_jobs_total") == Some(1.0)
    });
    wait_until(Duration::from_secs(5), "the recovery logged", || {
        logged(log::Level::Info, &shown)
    });
    within(Duration::from_secs(5), move || writer.stop()).unwrap();
    assert_eq!(entries(&dir), ["app.prom"]);
}
