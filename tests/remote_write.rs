//! `metrics_runtime::remote_write` against real receivers on 127.0.0.1
//! (Debian's `prometheus` with its remote-write receiver, and
//! `victoria-metrics`), and against a fake one that answers what a test
//! tells it to and keeps what it was sent.

mod support;

use std::collections::BTreeMap;
use std::sync::LazyLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use metrics_runtime::instrumented;
use metrics_runtime::remote_write::{RemoteWrite, RemoteWriteError};
use prometheus::core::{Collector, Desc};
use prometheus::proto::{LabelPair, Metric, MetricFamily, MetricType, Quantile, Summary};
use prometheus::{IntCounter, IntCounterVec, Opts, Registry};
use prost::Message;
use support::gateway::{FakeGateway, Received};
use support::Server;

/// The remote-write messages as `prompb/remote.proto` and `types.proto`
/// define them, to read what the fake receiver was sent.
mod prompb {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct WriteRequest {
        #[prost(message, repeated, tag = "1")]
        pub timeseries: Vec<TimeSeries>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct TimeSeries {
        #[prost(message, repeated, tag = "1")]
        pub labels: Vec<Label>,
        #[prost(message, repeated, tag = "2")]
        pub samples: Vec<Sample>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Label {
        #[prost(string, tag = "1")]
        pub name: String,
        #[prost(string, tag = "2")]
        pub value: String,
    }

    #[derive(Clone, Copy, PartialEq, prost::Message)]
    pub struct Sample {
        #[prost(double, tag = "1")]
        pub value: f64,
        #[prost(int64, tag = "2")]
        pub timestamp: i64,
    }
}

/// The body of a request the fake receiver kept: snappy (block format),
/// then protobuf.
fn decode(request: &Received) -> prompb::WriteRequest {
    let raw = snap::raw::Decoder::new()
        .decompress_vec(&request.bytes)
        .expect("a snappy block");
    prompb::WriteRequest::decode(raw.as_slice()).expect("a WriteRequest")
}

fn now_millis() -> i64 {
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    since_epoch.as_millis() as i64
}

/// Label values a receiver must keep byte for byte.
const ODD_VALUES: [&str; 2] = [r#"say "hi" \ C:\temp"#, "zürich west ✓"];

static REGISTRY: LazyLock<Registry> = LazyLock::new(Registry::new);

#[derive(Debug)]
struct ImportError;

#[instrumented(name = "rw_import", labels(site), buckets = [0.5, 1.0], registry = &REGISTRY)]
fn import(site: &str, fail: bool) -> Result<(), ImportError> {
    let _ = site;
    if fail {
        Err(ImportError)
    } else {
        Ok(())
    }
}

fn counter(registry: &Registry, name: &str) -> IntCounter {
    let counter = IntCounter::new(name, "Counted.").unwrap();
    registry.register(Box::new(counter.clone())).unwrap();
    counter
}

/// Which real receiver.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Prometheus,
    VictoriaMetrics,
}

/// A real receiver, started on 127.0.0.1.
struct Receiver {
    kind: Kind,
    server: Server,
}

impl Receiver {
    /// Starts `kind` on `port`; `None` where it is not installed (and `CI`
    /// is not `true`).
    fn start_on(kind: Kind, port: u16) -> Option<Receiver> {
        let server = match kind {
            Kind::Prometheus => support::prometheus::start_receiver(port)?,
            Kind::VictoriaMetrics => support::victoria_metrics::start_on(port)?,
        };
        Some(Receiver { kind, server })
    }

    fn start(kind: Kind) -> Option<Receiver> {
        Receiver::start_on(kind, support::free_port())
    }

    fn write_url(base: &str) -> String {
        format!("{base}/api/v1/write")
    }

    /// The result of `promql` now, as labels and values.
    fn vector(&self, promql: &str) -> Vec<(BTreeMap<String, String>, f64)> {
        if let Kind::VictoriaMetrics = self.kind {
            support::victoria_metrics::flush(&self.server);
        }
        support::prometheus::vector(&self.server, promql).unwrap_or_default()
    }

    /// Polls `promql` until its result is `expected` (10 s at most), and
    /// fails the test with what it last saw otherwise.
    fn expect(&self, promql: &str, expected: &[(&[(&str, &str)], f64)]) {
        let expected: Vec<(BTreeMap<String, String>, f64)> = expected
            .iter()
            .map(|(labels, value)| (labels_of(labels), *value))
            .collect();
        let mut seen = Vec::new();
        let found = support::prometheus::poll(Duration::from_secs(10), || {
            seen = self.vector(promql);
            seen.sort_by(|a, b| a.0.cmp(&b.0));
            (seen == sorted(&expected)).then_some(())
        });
        assert!(
            found.is_some(),
            "{:?}: `{promql}` gave {seen:#?}, expected {expected:#?}\n{}",
            self.kind,
            self.server.log()
        );
    }
}

fn labels_of(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

fn sorted(series: &[(BTreeMap<String, String>, f64)]) -> Vec<(BTreeMap<String, String>, f64)> {
    let mut series = series.to_vec();
    series.sort_by(|a, b| a.0.cmp(&b.0));
    series
}

/// Starts both receivers at once (each takes a second or two).
fn start_both() -> Option<(Receiver, Receiver)> {
    std::thread::scope(|scope| {
        let prometheus = scope.spawn(|| Receiver::start(Kind::Prometheus));
        let victoria = scope.spawn(|| Receiver::start(Kind::VictoriaMetrics));
        Some((prometheus.join().unwrap()?, victoria.join().unwrap()?))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_write_gives_both_receivers_the_exact_counts_and_labels() {
    let Some((prometheus, victoria)) = tokio::task::block_in_place(start_both) else {
        return;
    };
    let jobs = IntCounterVec::new(Opts::new("rw_jobs_total", "Jobs."), &["queue"]).unwrap();
    REGISTRY.register(Box::new(jobs.clone())).unwrap();
    let [odd, accented] = ODD_VALUES;
    jobs.with_label_values(&[odd]).inc_by(3);
    jobs.with_label_values(&[accented]).inc_by(11);
    for fail in [false, false, false, true, true] {
        let _ = import(odd, fail);
    }
    import(accented, false).unwrap();

    for receiver in [&prometheus, &victoria] {
        RemoteWrite::new(Receiver::write_url(&receiver.server.url))
            .write(&REGISTRY)
            .await
            .unwrap_or_else(|err| panic!("{:?}: {err}", receiver.kind));
    }

    let name = |name: &'static str| ("__name__", name);
    tokio::task::block_in_place(|| {
        for receiver in [&prometheus, &victoria] {
            receiver.expect(
                "rw_jobs_total",
                &[
                    (&[name("rw_jobs_total"), ("queue", odd)], 3.0),
                    (&[name("rw_jobs_total"), ("queue", accented)], 11.0),
                ],
            );
            let total = name("rw_import_total");
            // `cancelled` and `panic` are there too, at 0.
            receiver.expect(
                r#"rw_import_total{result=~"ok|error"}"#,
                &[
                    (&[total, ("site", odd), ("result", "ok")], 3.0),
                    (&[total, ("site", odd), ("result", "error")], 2.0),
                    (&[total, ("site", accented), ("result", "ok")], 1.0),
                    (&[total, ("site", accented), ("result", "error")], 0.0),
                ],
            );
            let count = name("rw_import_duration_seconds_count");
            receiver.expect(
                "rw_import_duration_seconds_count",
                &[
                    (&[count, ("site", odd)], 5.0),
                    (&[count, ("site", accented)], 1.0),
                ],
            );
            // Every call took well under 0.5 s: each bucket holds them all.
            let bucket = name("rw_import_duration_seconds_bucket");
            let les = ["0.5", "1", "+Inf"];
            let labels: Vec<[(&str, &str); 3]> = (les.iter())
                .flat_map(|le| [odd, accented].map(|site| [bucket, ("site", site), ("le", le)]))
                .collect();
            let buckets: Vec<(&[(&str, &str)], f64)> = (labels.iter())
                .map(|labels| (&labels[..], if labels[1].1 == odd { 5.0 } else { 1.0 }))
                .collect();
            receiver.expect("rw_import_duration_seconds_bucket", &buckets);
        }
    });
}

/// An interval writer whose receiver comes up a while after it started:
/// the readings queued meanwhile arrive (the first value is there), and
/// so does the last.
async fn deliver_after_downtime(kind: Kind, name: &'static str) {
    // Held (connections closed at once) until the receiver starts: no other
    // process can take the port the writer targets meanwhile.
    let held = support::HeldPort::new();
    let port = held.port;
    let registry = Registry::new();
    let counter = counter(&registry, name);
    counter.inc();
    let task = RemoteWrite::new(Receiver::write_url(&format!("http://127.0.0.1:{port}")))
        .spawn_interval(registry.clone(), Duration::from_millis(100));
    tokio::time::sleep(Duration::from_millis(500)).await;
    counter.inc_by(4);
    drop(held);
    let Some(receiver) = tokio::task::block_in_place(|| Receiver::start_on(kind, port)) else {
        return;
    };
    counter.inc_by(5);
    let series: &[(&str, &str)] = &[("__name__", name)];
    tokio::task::block_in_place(|| {
        receiver.expect(name, &[(series, 10.0)]);
        receiver.expect(&format!("sum(min_over_time({name}[10m]))"), &[(&[], 1.0)]);
    });
    assert_eq!(task.dropped_samples(), 0);
    task.shutdown().await.expect("the final write succeeds");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_gets_every_reading_once_it_comes_up() {
    deliver_after_downtime(Kind::Prometheus, "rw_down_prometheus_total").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn victoriametrics_gets_every_reading_once_it_comes_up() {
    deliver_after_downtime(Kind::VictoriaMetrics, "rw_down_victoria_total").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_sends_what_changed_after_the_last_tick() {
    let Some(receiver) = tokio::task::block_in_place(|| Receiver::start(Kind::Prometheus)) else {
        return;
    };
    let registry = Registry::new();
    let name = "rw_final_total";
    let counter = counter(&registry, name);
    counter.inc();
    let task = RemoteWrite::new(Receiver::write_url(&receiver.server.url))
        .spawn_interval(registry.clone(), Duration::from_secs(3600));
    let series: &[(&str, &str)] = &[("__name__", name)];
    // The first (and, within the test, only) tick has been sent.
    tokio::task::block_in_place(|| receiver.expect(name, &[(series, 1.0)]));
    counter.inc_by(6);
    task.shutdown().await.expect("the final write succeeds");
    tokio::task::block_in_place(|| receiver.expect(name, &[(series, 7.0)]));
}

/// Waits until the fake receiver has `count` requests (5 s at most).
async fn wait_for_requests(receiver: &FakeGateway, count: usize) -> Vec<Received> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let received = receiver.received();
        if received.len() >= count {
            return received;
        }
        assert!(
            Instant::now() < deadline,
            "{} requests, not {count}",
            received.len()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn one_counter_registry(name: &str, value: u64) -> Registry {
    let registry = Registry::new();
    counter(&registry, name).inc_by(value);
    registry
}

#[tokio::test]
async fn a_400_is_dropped_and_counted_not_retried() {
    let receiver = FakeGateway::start_scripted(&[400]).await;
    let registry = one_counter_registry("rw_refused_total", 1);
    let task = RemoteWrite::new(Receiver::write_url(&receiver.url))
        .spawn_interval(registry, Duration::from_secs(3600));
    wait_for_requests(&receiver, 1).await;
    // A retry would come after 100 ms.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(receiver.received().len(), 1, "a 400 was retried");
    assert_eq!(task.dropped_samples(), 1);
    // The final write is refused too, and says so.
    match task.shutdown().await {
        Err(RemoteWriteError::Status { status: 400, .. }) => {}
        other => panic!("expected the 400, got {other:?}"),
    }
    assert_eq!(receiver.received().len(), 2);
}

#[tokio::test]
async fn a_429_and_a_500_are_retried_with_the_same_batch() {
    let receiver = FakeGateway::start_scripted(&[429, 500, 204]).await;
    let registry = one_counter_registry("rw_retried_total", 2);
    let started = Instant::now();
    let task = RemoteWrite::new(Receiver::write_url(&receiver.url))
        .spawn_interval(registry, Duration::from_secs(3600));
    let received = wait_for_requests(&receiver, 3).await;
    // Backoff: 100 ms after the 429, 200 ms after the 500.
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(received.iter().all(|r| r.bytes == received[0].bytes));
    assert_eq!(task.dropped_samples(), 0);
    task.shutdown().await.expect("the final write is accepted");
    assert_eq!(receiver.received().len(), 4);
}

#[tokio::test]
async fn a_full_queue_drops_the_oldest_readings_and_counts_them() {
    let receiver = FakeGateway::start_scripted(&[503]).await;
    let registry = one_counter_registry("rw_backlog_total", 1);
    let task = RemoteWrite::new(Receiver::write_url(&receiver.url))
        .max_pending_samples(2)
        .spawn_interval(registry, Duration::from_millis(20));
    let deadline = Instant::now() + Duration::from_secs(5);
    while task.dropped_samples() < 5 {
        assert!(Instant::now() < deadline, "nothing dropped");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let err = task
        .shutdown()
        .await
        .expect_err("the receiver is still busy");
    assert!(err.is_retryable(), "{err}");
    // Retries went on with ever newer readings: the oldest were dropped.
    let stamps: Vec<i64> = receiver
        .received()
        .iter()
        .map(|request| decode(request).timeseries[0].samples[0].timestamp)
        .collect();
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "{stamps:?}");
    assert!(stamps.first() < stamps.last(), "{stamps:?}");
}

#[tokio::test]
async fn credentials_and_headers_arrive_as_sent_with_a_snappy_protobuf_body() {
    let receiver = FakeGateway::start_scripted(&[204]).await;
    let registry = Registry::new();
    let jobs =
        IntCounterVec::new(Opts::new("rw_sent_total", "Sent."), &["queue", "empty"]).unwrap();
    registry.register(Box::new(jobs.clone())).unwrap();
    jobs.with_label_values(&[ODD_VALUES[0], ""]).inc_by(3);
    let url = Receiver::write_url(&receiver.url);

    let before = now_millis();
    RemoteWrite::new(&url)
        .basic_auth("ingest", "pä:ss wörd")
        .header("X-Scope-OrgID", "team-a")
        .write(&registry)
        .await
        .unwrap();
    let after = now_millis();
    RemoteWrite::new(&url)
        .bearer_token("t0k3n")
        .write(&registry)
        .await
        .unwrap();

    let received = receiver.received();
    let (basic, bearer) = (&received[0], &received[1]);
    assert!(
        basic.head[0].starts_with("POST /api/v1/write "),
        "{:?}",
        basic.head
    );
    assert_eq!(
        basic.header("authorization"),
        Some("Basic aW5nZXN0OnDDpDpzcyB3w7ZyZA==")
    );
    assert_eq!(basic.header("x-scope-orgid"), Some("team-a"));
    assert_eq!(basic.header("content-encoding"), Some("snappy"));
    assert_eq!(basic.header("content-type"), Some("application/x-protobuf"));
    assert_eq!(
        basic.header("x-prometheus-remote-write-version"),
        Some("0.1.0")
    );
    assert!(basic
        .header("user-agent")
        .unwrap()
        .starts_with("metrics-runtime/"));
    assert_eq!(bearer.header("authorization"), Some("Bearer t0k3n"));
    assert_eq!(bearer.header("x-scope-orgid"), None);

    let request = decode(basic);
    assert_eq!(request.timeseries.len(), 1);
    let series = &request.timeseries[0];
    let labels: Vec<(&str, &str)> = series
        .labels
        .iter()
        .map(|l| (l.name.as_str(), l.value.as_str()))
        .collect();
    // Sorted by name; the empty label is no label.
    assert_eq!(
        labels,
        [("__name__", "rw_sent_total"), ("queue", ODD_VALUES[0])]
    );
    let sample = series.samples[0];
    assert_eq!(sample.value, 3.0);
    assert!((before..=after).contains(&sample.timestamp), "{sample:?}");
}

#[tokio::test]
async fn bad_urls_and_headers_are_errors_before_anything_is_sent() {
    let registry = one_counter_registry("rw_invalid_total", 1);
    let scheme = RemoteWrite::new("ftp://127.0.0.1:1/api/v1/write")
        .write(&registry)
        .await;
    let message = scheme.unwrap_err().to_string();
    assert!(message.contains("http:// or https://"), "{message}");
    let header = RemoteWrite::new("http://127.0.0.1:1/api/v1/write")
        .header("X-Tenant", "a\nb")
        .write(&registry)
        .await;
    match header {
        Err(RemoteWriteError::InvalidHeader { name, .. }) => assert_eq!(name, "X-Tenant"),
        other => panic!("expected an invalid header, got {other:?}"),
    }
    // An interval writer says so on shutdown, having sent nothing.
    let task =
        RemoteWrite::new("ftp://127.0.0.1:1").spawn_interval(registry, Duration::from_millis(10));
    let message = task.shutdown().await.unwrap_err().to_string();
    assert!(message.contains("http://"), "{message}");
}

/// Every series of every request the fake receiver kept, in order.
fn all_series(receiver: &FakeGateway) -> Vec<prompb::TimeSeries> {
    let received = receiver.received();
    received.iter().flat_map(|r| decode(r).timeseries).collect()
}

fn has_label(series: &prompb::TimeSeries, name: &str, value: &str) -> bool {
    (series.labels.iter()).any(|l| l.name == name && l.value == value)
}

#[tokio::test]
async fn a_large_registry_is_sent_as_requests_of_at_most_2000_series_in_order() {
    let receiver = FakeGateway::start_scripted(&[204]).await;
    let registry = Registry::new();
    let opts = Opts::new("rw_large_total", "Large.");
    let large = IntCounterVec::new(opts, &["n"]).unwrap();
    registry.register(Box::new(large.clone())).unwrap();
    for n in 0..4_500 {
        large.with_label_values(&[&format!("{n:04}")]).inc();
    }
    let url = Receiver::write_url(&receiver.url);
    RemoteWrite::new(&url).write(&registry).await.unwrap();
    let sizes: Vec<usize> = (receiver.received().iter())
        .map(|r| decode(r).timeseries.len())
        .collect();
    assert_eq!(sizes, [2_000, 2_000, 500]);
    let first_of_each: Vec<String> = (receiver.received().iter())
        .map(|r| decode(r).timeseries[0].labels[1].value.clone())
        .collect();
    assert_eq!(first_of_each, ["0000", "2000", "4000"]);

    let task = RemoteWrite::new(&url)
        .max_series_per_request(1_000)
        .spawn_interval(registry, Duration::from_secs(3600));
    wait_for_requests(&receiver, 3 + 5).await;
    task.shutdown().await.unwrap();
    assert_eq!(receiver.received().len(), 3 + 5 + 5);
}

#[tokio::test]
async fn a_child_removed_between_intervals_is_sent_once_as_a_stale_nan() {
    const STALE_NAN: u64 = 0x7ff0_0000_0000_0002;
    let receiver = FakeGateway::start_scripted(&[204]).await;
    let registry = Registry::new();
    let jobs = IntCounterVec::new(Opts::new("rw_gone_total", "Gone."), &["queue"]).unwrap();
    registry.register(Box::new(jobs.clone())).unwrap();
    jobs.with_label_values(&["kept"]).inc();
    jobs.with_label_values(&["gone"]).inc_by(5);
    let task = RemoteWrite::new(Receiver::write_url(&receiver.url))
        .spawn_interval(registry.clone(), Duration::from_millis(50));
    wait_for_requests(&receiver, 1).await;
    jobs.remove_label_values(&["gone"]).unwrap();
    let sent = receiver.received().len();
    wait_for_requests(&receiver, sent + 3).await;
    task.shutdown().await.unwrap();
    let gone: Vec<prompb::Sample> = (all_series(&receiver).iter())
        .filter(|series| has_label(series, "queue", "gone"))
        .map(|series| series.samples[0])
        .collect();
    let stale = gone.iter().filter(|s| s.value.to_bits() == STALE_NAN);
    assert_eq!(stale.count(), 1, "{gone:?}");
    assert_eq!(gone.last().unwrap().value.to_bits(), STALE_NAN, "{gone:?}");
    // `shutdown` does not mark the series still there stale.
    let kept = all_series(&receiver);
    let kept = kept
        .iter()
        .filter(|series| has_label(series, "queue", "kept"));
    assert!(kept.clone().count() >= 2);
    assert!(kept
        .into_iter()
        .all(|series| series.samples[0].value == 1.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_removed_between_intervals_is_stale_in_prometheus() {
    let Some(receiver) = tokio::task::block_in_place(|| Receiver::start(Kind::Prometheus)) else {
        return;
    };
    let registry = Registry::new();
    let name = "rw_stale_total";
    let jobs = IntCounterVec::new(Opts::new(name, "Stale."), &["queue"]).unwrap();
    registry.register(Box::new(jobs.clone())).unwrap();
    jobs.with_label_values(&["kept"]).inc_by(2);
    jobs.with_label_values(&["gone"]).inc_by(5);
    let task = RemoteWrite::new(Receiver::write_url(&receiver.server.url))
        .spawn_interval(registry.clone(), Duration::from_millis(200));
    let series = |queue| [("__name__", name), ("queue", queue)];
    let (kept, gone) = (series("kept"), series("gone"));
    tokio::task::block_in_place(|| receiver.expect(name, &[(&kept, 2.0), (&gone, 5.0)]));
    jobs.remove_label_values(&["gone"]).unwrap();
    tokio::task::block_in_place(|| {
        // Without a stale marker it would be returned for 5 more minutes.
        receiver.expect(name, &[(&kept, 2.0)]);
        let last = format!(r#"sum by (queue) (last_over_time({name}{{queue="gone"}}[1m]))"#);
        receiver.expect(&last, &[(&[("queue", "gone")], 5.0)]);
    });
    task.shutdown().await.expect("the final write succeeds");
}

#[tokio::test]
async fn the_final_write_retries_a_503_within_its_deadline() {
    let receiver = FakeGateway::start_scripted(&[204, 503, 204]).await;
    let registry = one_counter_registry("rw_final_retry_total", 1);
    let task = RemoteWrite::new(Receiver::write_url(&receiver.url))
        .spawn_interval(registry, Duration::from_secs(3600));
    wait_for_requests(&receiver, 1).await;
    task.shutdown().await.expect("the retry is accepted");
    assert_eq!(receiver.received().len(), 3);
}

#[tokio::test]
async fn the_final_write_gives_up_at_one_deadline_and_counts_what_is_left() {
    let receiver = FakeGateway::start_scripted(&[204, 204, 204, 503]).await;
    let registry = Registry::new();
    for name in ["rw_deadline_a", "rw_deadline_b", "rw_deadline_c"] {
        counter(&registry, name).inc();
    }
    let task = RemoteWrite::new(Receiver::write_url(&receiver.url))
        .max_series_per_request(1)
        .timeout(Duration::from_millis(100))
        .spawn_interval(registry, Duration::from_secs(3600));
    wait_for_requests(&receiver, 3).await;
    let started = Instant::now();
    let err = task.shutdown().await.expect_err("the receiver stays busy");
    let took = started.elapsed();
    assert!(err.is_retryable(), "{err}");
    // One deadline of 5 s (twice the timeout, 5 s at least) for all three batches.
    assert!(
        took >= Duration::from_secs(4) && took < Duration::from_secs(7),
        "{took:?}"
    );
    assert!(receiver.received().len() > 3 + 2, "the 503 was retried");
}

#[tokio::test]
async fn an_interval_and_a_timeout_of_duration_max_do_not_panic() {
    let receiver = FakeGateway::start_scripted(&[204]).await;
    let registry = one_counter_registry("rw_forever_total", 1);
    let task = RemoteWrite::new(Receiver::write_url(&receiver.url))
        .timeout(Duration::MAX)
        .spawn_interval(registry, Duration::MAX);
    wait_for_requests(&receiver, 1).await;
    task.shutdown().await.expect("the final write succeeds");
    assert_eq!(receiver.received().len(), 2);
}

#[tokio::test]
async fn a_header_given_twice_is_sent_once_with_the_last_value() {
    let receiver = FakeGateway::start_scripted(&[204]).await;
    let registry = one_counter_registry("rw_header_total", 1);
    RemoteWrite::new(Receiver::write_url(&receiver.url))
        .header("User-Agent", "mine/1")
        .header("X-Scope-OrgID", "a")
        .header("X-Scope-OrgID", "b")
        .write(&registry)
        .await
        .unwrap();
    let head = &receiver.received()[0].head;
    let values = |name: &str| -> Vec<&str> {
        (head.iter().skip(1))
            .filter_map(|line| line.split_once(':'))
            .filter(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.trim())
            .collect()
    };
    assert_eq!(values("user-agent"), ["mine/1"]);
    assert_eq!(values("x-scope-orgid"), ["b"]);
}

/// A hand-made collector of one summary, `rw_custom_rpc_seconds`, whose
/// metric carries the label `zone` that the registry's common labels have too.
struct RpcSummary {
    desc: Desc,
}

impl RpcSummary {
    fn new() -> RpcSummary {
        let desc = Desc::new(
            "rw_custom_rpc_seconds".into(),
            "RPCs.".into(),
            vec!["zone".into()],
            Default::default(),
        )
        .unwrap();
        RpcSummary { desc }
    }
}

impl Collector for RpcSummary {
    fn desc(&self) -> Vec<&Desc> {
        vec![&self.desc]
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let quantiles = [(0.5, 0.25), (0.99, 0.75)].map(|(quantile, value)| {
            let mut q = Quantile::default();
            q.set_quantile(quantile);
            q.set_value(value);
            q
        });
        let mut summary = Summary::default();
        summary.set_quantile(quantiles.to_vec());
        summary.set_sample_sum(12.5);
        summary.set_sample_count(40);
        let mut zone = LabelPair::default();
        zone.set_name("zone".into());
        zone.set_value("own".into());
        let mut metric = Metric::default();
        metric.set_label(vec![zone]);
        metric.set_summary(summary);
        let mut family = MetricFamily::default();
        family.set_name("rw_custom_rpc_seconds".into());
        family.set_help("RPCs.".into());
        family.set_field_type(MetricType::SUMMARY);
        family.set_metric(vec![metric]);
        vec![family]
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_registry_and_a_summary_reach_both_receivers_with_their_labels() {
    let Some((prometheus, victoria)) = tokio::task::block_in_place(start_both) else {
        return;
    };
    let common = [("zone", "common"), ("env", "ci")];
    let common = common.map(|(k, v)| (k.to_owned(), v.to_owned())).into();
    let registry = Registry::new_custom(Some("app".into()), Some(common)).unwrap();
    let jobs = IntCounterVec::new(Opts::new("rw_custom_total", "Jobs."), &["zone"]).unwrap();
    registry.register(Box::new(jobs.clone())).unwrap();
    registry.register(Box::new(RpcSummary::new())).unwrap();
    jobs.with_label_values(&["own"]).inc_by(4);

    for receiver in [&prometheus, &victoria] {
        RemoteWrite::new(Receiver::write_url(&receiver.server.url))
            .write(&registry)
            .await
            .unwrap_or_else(|err| panic!("{:?}: {err}", receiver.kind));
    }
    // The metric's own `zone` is kept over the registry's common one.
    let labels = |name, extra: Option<(&'static str, &'static str)>| {
        let mut labels = vec![("__name__", name), ("env", "ci"), ("zone", "own")];
        labels.extend(extra);
        labels
    };
    let total = labels("app_rw_custom_total", None);
    let q50 = labels("app_rw_custom_rpc_seconds", Some(("quantile", "0.5")));
    let q99 = labels("app_rw_custom_rpc_seconds", Some(("quantile", "0.99")));
    let sum = labels("app_rw_custom_rpc_seconds_sum", None);
    let count = labels("app_rw_custom_rpc_seconds_count", None);
    tokio::task::block_in_place(|| {
        for receiver in [&prometheus, &victoria] {
            receiver.expect("app_rw_custom_total", &[(&total, 4.0)]);
            receiver.expect("app_rw_custom_rpc_seconds", &[(&q50, 0.25), (&q99, 0.75)]);
            receiver.expect("app_rw_custom_rpc_seconds_sum", &[(&sum, 12.5)]);
            receiver.expect("app_rw_custom_rpc_seconds_count", &[(&count, 40.0)]);
        }
    });
}
