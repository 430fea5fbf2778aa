//! A `prometheus::core::Collector` whose `collect()` panics costs one
//! exposition, never an exporter: the textfile writer, the interval
//! pusher and the `/metrics` server log it, count it where they run on an
//! interval, and go on.

mod support;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use metrics_runtime::push::{PushError, Pushgateway};
use metrics_runtime::textfile;
use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{IntCounter, IntGauge, Registry};
use support::gateway::FakeGateway;

/// The message every panicking collector panics with.
const FIRE: &str = "collector on fire";

/// A gauge whose `collect()` panics while armed.
#[derive(Clone)]
struct Panicky {
    gauge: IntGauge,
    armed: Arc<AtomicBool>,
}

impl Panicky {
    fn arm(&self, armed: bool) {
        self.armed.store(armed, Ordering::SeqCst);
    }
}

impl Collector for Panicky {
    fn desc(&self) -> Vec<&Desc> {
        self.gauge.desc()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        if self.armed.load(Ordering::SeqCst) {
            panic!("{FIRE}");
        }
        self.gauge.collect()
    }
}

/// A registry with a counter `panics_jobs_total` and a [`Panicky`] gauge.
fn registry(armed: bool) -> (Registry, IntCounter, Panicky) {
    let registry = Registry::new();
    let jobs = IntCounter::new("panics_jobs_total", "Jobs.").unwrap();
    let panicky = Panicky {
        gauge: IntGauge::new("panics_gauge", "Sometimes panics.").unwrap(),
        armed: Arc::new(AtomicBool::new(armed)),
    };
    registry.register(Box::new(jobs.clone())).unwrap();
    registry.register(Box::new(panicky.clone())).unwrap();
    (registry, jobs, panicky)
}

/// Keeps the error messages logged, for the tests to look for.
struct Capture;

static LOGGED: Mutex<Vec<String>> = Mutex::new(Vec::new());

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() == log::Level::Error
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            LOGGED.lock().unwrap().push(record.args().to_string());
        }
    }

    fn flush(&self) {}
}

fn capture_logs() {
    static LOGGER: Capture = Capture;
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(log::LevelFilter::Error);
}

/// Whether an error mentioning every one of `needles` was logged.
fn logged(needles: &[&str]) -> bool {
    LOGGED
        .lock()
        .unwrap()
        .iter()
        .any(|message| needles.iter().all(|needle| message.contains(needle)))
}

/// Polls `check` every 5 ms until it holds; fails the test after 10 s.
#[track_caller]
fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(Instant::now() < deadline, "{what}: not within 10 s");
        thread::sleep(Duration::from_millis(5));
    }
}

/// Runs `f` on a thread of its own; fails the test past 10 s.
#[track_caller]
fn within<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, result) = mpsc::channel();
    thread::spawn(move || done.send(f()));
    result
        .recv_timeout(Duration::from_secs(10))
        .expect("finished within 10 s")
}

fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("metrics-panics-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn file_value(path: &std::path::Path, name: &str) -> Option<f64> {
    support::value(&std::fs::read_to_string(path).ok()?, name, &[])
}

/// Regression: the writer thread died at the first panic, the file kept
/// its first contents for good, nothing was logged, and `stop()` returned
/// the panic.
#[test]
fn the_textfile_writer_skips_a_panicking_collector_and_goes_on() {
    capture_logs();
    let dir = scratch("textfile");
    let path = dir.join("app.prom");
    let (registry, jobs, panicky) = registry(false);
    let writer = textfile::spawn(registry, &path, Duration::from_millis(20));
    wait_until("the first write", || {
        file_value(&path, "panics_jobs_total") == Some(0.0)
    });

    panicky.arm(true);
    jobs.inc();
    wait_until("two skipped writes", || writer.collector_panics() >= 2);
    assert_eq!(
        file_value(&path, "panics_jobs_total"),
        Some(0.0),
        "the last whole file stays"
    );
    assert!(
        logged(&[FIRE, &path.display().to_string()]),
        "{:?}",
        LOGGED.lock().unwrap()
    );

    panicky.arm(false);
    wait_until("written again", || {
        file_value(&path, "panics_jobs_total") == Some(1.0)
    });

    // A panic at the final write is that write's error, not a panic.
    panicky.arm(true);
    let before = writer.collector_panics();
    let err = within(move || writer.stop()).expect_err("the final write failed");
    assert!(err.to_string().contains(FIRE), "{err}");
    assert!(before >= 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_single_textfile_write_with_a_panicking_collector_is_an_error() {
    let dir = scratch("write");
    let path = dir.join("app.prom");
    let (registry, _, panicky) = registry(false);
    textfile::write(&registry, &path).unwrap();

    panicky.arm(true);
    let err = textfile::write(&registry, &path).expect_err("a collector panicked");
    assert_eq!(err.kind(), std::io::ErrorKind::Other);
    assert!(err.to_string().contains(FIRE), "{err}");
    assert_eq!(file_value(&path, "panics_jobs_total"), Some(0.0));
    let names: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(names.len(), 1, "no temporary file left");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Regression: the interval pusher's task died at the first panic and
/// `shutdown` raised it again in the caller.
#[tokio::test]
async fn the_interval_pusher_skips_a_panicking_collector_and_goes_on() {
    capture_logs();
    let gateway = FakeGateway::start(200, "").await;
    let (registry, jobs, panicky) = registry(true);
    jobs.inc_by(3);
    let task = Pushgateway::new(&gateway.url)
        .job("panicky")
        .spawn_interval(registry, Duration::from_millis(20));

    let deadline = Instant::now() + Duration::from_secs(10);
    while task.collector_panics() < 2 {
        assert!(Instant::now() < deadline, "no pushes skipped");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(
        gateway.received().is_empty(),
        "nothing sent while it panics"
    );
    assert!(
        logged(&[FIRE, "Pushgateway"]),
        "{:?}",
        LOGGED.lock().unwrap()
    );

    panicky.arm(false);
    while gateway.received().is_empty() {
        assert!(Instant::now() < deadline, "never pushed again");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let pushed = &gateway.received()[0];
    assert_eq!(
        (pushed.method.as_str(), pushed.path.as_str()),
        ("PUT", "/metrics/job/panicky")
    );
    assert!(
        pushed.body.contains("panics_jobs_total 3\n"),
        "{}",
        pushed.body
    );

    panicky.arm(true);
    let last = tokio::time::timeout(Duration::from_secs(10), task.shutdown())
        .await
        .expect("shutdown is bounded");
    assert!(
        matches!(last, Err(PushError::CollectorPanicked(ref message)) if message == FIRE),
        "{last:?}"
    );
}

#[tokio::test]
async fn a_push_with_a_panicking_collector_is_an_error_and_sends_nothing() {
    let gateway = FakeGateway::start(200, "").await;
    let (registry, _, _) = registry(true);
    let err = tokio::time::timeout(
        Duration::from_secs(10),
        Pushgateway::new(&gateway.url)
            .job("once")
            .push_add(&registry),
    )
    .await
    .expect("bounded")
    .expect_err("a collector panicked");
    assert!(err.to_string().contains(FIRE), "{err}");
    assert!(gateway.received().is_empty());
}

/// The `/metrics` server answers 500 (the target shows as down) rather
/// than a partial exposition, logs why, and serves the next scrape.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_metrics_server_answers_500_naming_the_panic_then_recovers() {
    capture_logs();
    let (registry, _, panicky) = registry(true);
    let server = metrics_runtime::http::serve_registry("127.0.0.1:0", registry)
        .await
        .unwrap();
    let url = format!("http://{}/metrics", server.local_addr());
    let get = |url: String| tokio::task::spawn_blocking(move || support::http_get(&url));

    let (status, body) = get(url.clone()).await.unwrap().expect("an answer");
    assert_eq!(status, 500, "{body}");
    assert!(body.contains("collector panicked"), "{body}");
    assert!(
        logged(&["metrics server", FIRE]),
        "{:?}",
        LOGGED.lock().unwrap()
    );

    panicky.arm(false);
    let (status, body) = get(url).await.unwrap().expect("an answer");
    assert_eq!(status, 200);
    assert!(body.contains("panics_gauge 0\n"), "{body}");
    tokio::time::timeout(Duration::from_secs(10), server.shutdown())
        .await
        .expect("bounded")
        .unwrap();
}
