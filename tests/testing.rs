//! `metrics_runtime::testing`: snapshots, queries, deltas, hermetic capture
//! and the assertion helpers' messages.

use std::time::Duration;

use metrics_runtime::instrumented;
use metrics_runtime::testing::{capture, capture_async, HistogramData, Snapshot};
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry};

fn shop() -> (Registry, IntCounterVec, IntGauge, HistogramVec) {
    let registry = Registry::new();
    let orders =
        IntCounterVec::new(Opts::new("orders_total", "Orders."), &["method", "region"]).unwrap();
    let queue = IntGauge::new("queue_depth", "Queue.").unwrap();
    let latency = HistogramVec::new(
        HistogramOpts::new("latency_seconds", "Latency.").buckets(vec![0.1, 0.2, 0.5]),
        &["route"],
    )
    .unwrap();
    registry.register(Box::new(orders.clone())).unwrap();
    registry.register(Box::new(queue.clone())).unwrap();
    registry.register(Box::new(latency.clone())).unwrap();
    (registry, orders, queue, latency)
}

#[test]
fn counters_gauges_and_histograms_read_back_and_missing_series_are_zero() {
    let (registry, orders, queue, latency) = shop();
    orders.with_label_values(&["card", "eu"]).inc_by(3);
    orders.with_label_values(&["card", "us"]).inc_by(2);
    orders.with_label_values(&["cash", "eu"]).inc();
    queue.set(7);
    for value in [0.05, 0.15, 0.3, 0.7] {
        latency.with_label_values(&["/"]).observe(value);
    }
    latency.with_label_values(&["/api"]).observe(0.15);

    let snapshot = Snapshot::of(&registry);
    assert_eq!(snapshot.counter("orders_total", &[]), 6.0);
    assert_eq!(snapshot.counter("orders", &[("method", "card")]), 5.0);
    assert_eq!(
        snapshot.counter("orders_total", &[("method", "card"), ("region", "us")]),
        2.0
    );
    assert_eq!(
        snapshot.counter("orders_total", &[("method", "cheque")]),
        0.0
    );
    assert_eq!(snapshot.counter("never_registered_total", &[]), 0.0);
    assert_eq!(snapshot.gauge("queue_depth", &[]), 7.0);
    assert_eq!(
        snapshot.histogram("latency_seconds", &[("route", "/")]),
        HistogramData {
            count: 4,
            sum: 1.2,
            buckets: vec![(0.1, 1), (0.2, 2), (0.5, 3), (f64::INFINITY, 4)],
        }
    );
    assert_eq!(snapshot.histogram("latency_seconds", &[]).count, 5);
    assert_eq!(
        snapshot.histogram("missing_seconds", &[]),
        HistogramData::default()
    );
    assert_eq!(
        snapshot.counter("latency_seconds_bucket", &[("le", "+Inf")]),
        5.0
    );
}

#[test]
fn queries_filter_and_aggregate() {
    let (registry, orders, _, latency) = shop();
    orders.with_label_values(&["card", "eu"]).inc_by(3);
    orders.with_label_values(&["card", "us"]).inc_by(5);
    orders.with_label_values(&["cash", "eu"]).inc();
    let snapshot = Snapshot::of(&registry);
    let card = snapshot.query("orders_total").with("method", "card");
    assert_eq!(card.sum(), 8.0);
    assert_eq!(card.avg(), 4.0);
    assert_eq!(card.min(), 3.0);
    assert_eq!(card.max(), 5.0);
    assert_eq!(card.count(), 2.0);
    let none = snapshot
        .query("orders_total")
        .with("method", "card")
        .with("region", "asia");
    assert_eq!((none.sum(), none.count()), (0.0, 0.0));
    assert!(none.avg().is_nan() && none.min().is_nan() && none.max().is_nan());

    // 10 observations on "/": 2 ≤ 0.1, 6 ≤ 0.2, 9 ≤ 0.5, 1 above.
    for (value, times) in [(0.05, 2), (0.15, 4), (0.3, 3), (0.9, 1)] {
        for _ in 0..times {
            latency.with_label_values(&["/"]).observe(value);
        }
    }
    let snapshot = Snapshot::of(&registry);
    let route = snapshot.query("latency_seconds").with("route", "/");
    // Worked by hand: rank 5 lies in (0.1, 0.2] holding 4, 3 of them → 0.175.
    assert!((route.quantile(0.5) - 0.175).abs() < 1e-12);
    assert!((route.quantile(0.1) - 0.05).abs() < 1e-12);
    assert_eq!(
        route.quantile(0.99),
        0.5,
        "the +Inf bucket gives the highest finite bound"
    );
    assert_eq!(route.quantile(-1.0), f64::NEG_INFINITY);
    assert_eq!(route.quantile(2.0), f64::INFINITY);
    assert!(snapshot
        .query("latency_seconds")
        .with("route", "/none")
        .quantile(0.5)
        .is_nan());
}

#[test]
fn since_gives_the_change_and_keeps_gauges() {
    let (registry, orders, queue, latency) = shop();
    orders.with_label_values(&["card", "eu"]).inc_by(3);
    queue.set(4);
    latency.with_label_values(&["/"]).observe(0.15);
    let before = Snapshot::of(&registry);
    orders.with_label_values(&["card", "eu"]).inc_by(2);
    orders.with_label_values(&["cash", "eu"]).inc();
    queue.set(9);
    latency.with_label_values(&["/"]).observe(0.3);
    let delta = Snapshot::of(&registry).since(&before);
    assert_eq!(delta.counter("orders_total", &[("method", "card")]), 2.0);
    assert_eq!(delta.counter("orders_total", &[("method", "cash")]), 1.0);
    assert_eq!(delta.gauge("queue_depth", &[]), 9.0);
    let latency = delta.histogram("latency_seconds", &[]);
    assert_eq!(latency.count, 1);
    assert_eq!(
        latency.buckets,
        vec![(0.1, 0), (0.2, 0), (0.5, 1), (f64::INFINITY, 1)]
    );
    assert!((latency.sum - 0.3).abs() < 1e-12);
}

#[instrumented(name = "captured_calls", labels(worker))]
fn work(worker: usize) -> Result<usize, ()> {
    Ok(worker)
}

#[test]
fn parallel_captures_see_only_their_own_calls() {
    let snapshots: Vec<Snapshot> = std::thread::scope(|scope| {
        let handles: Vec<_> = (1..=8)
            .map(|worker| {
                scope.spawn(move || {
                    capture(|| {
                        for _ in 0..worker * 100 {
                            work(worker).unwrap();
                        }
                    })
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (i, snapshot) in snapshots.iter().enumerate() {
        let worker = i + 1;
        let mine = worker.to_string();
        snapshot.assert_counter(
            "captured_calls_total",
            &[("worker", &mine), ("result", "ok")],
            (worker * 100) as f64,
        );
        assert_eq!(
            snapshot.counter("captured_calls_total", &[]),
            (worker * 100) as f64
        );
        snapshot.assert_observations(
            "captured_calls_duration_seconds",
            &[],
            (worker * 100) as u64,
        );
    }
    assert_eq!(Snapshot::take().counter("captured_calls_total", &[]), 0.0);
}

#[instrumented(name = "captured_async", labels(task))]
async fn step(task: usize) -> Result<(), ()> {
    let _ = task;
    tokio::task::yield_now().await;
    tokio::time::sleep(Duration::from_millis(1)).await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_async_captures_follow_their_futures_across_threads() {
    let tasks: Vec<_> = (1..=6)
        .map(|task| {
            tokio::spawn(capture_async(async move {
                for _ in 0..task * 5 {
                    step(task).await.unwrap();
                }
            }))
        })
        .collect();
    for (i, task) in tasks.into_iter().enumerate() {
        let snapshot = task.await.unwrap();
        let task = i + 1;
        assert_eq!(
            snapshot.counter("captured_async_total", &[("result", "ok")]),
            (task * 5) as f64
        );
        assert_eq!(
            snapshot
                .query("captured_async_total")
                .with("result", "ok")
                .count(),
            1.0
        );
        snapshot.assert_gauge("captured_async_in_flight", &[], 0.0);
    }
}

#[test]
fn a_failed_assertion_shows_what_was_expected_and_what_is_there() {
    let snapshot = capture(|| {
        work(1).unwrap();
        work(2).unwrap();
    });
    let failure = std::panic::catch_unwind(|| {
        snapshot.assert_counter(
            "captured_calls_total",
            &[("worker", "1"), ("result", "ok")],
            5.0,
        );
    })
    .unwrap_err();
    let message = failure.downcast_ref::<String>().unwrap();
    assert!(
        message.contains(r#"captured_calls_total{worker="1",result="ok"}: expected 5, found 1"#),
        "{message}"
    );
    assert!(
        message.contains(r#"captured_calls_total{result="ok",worker="2"} 1"#),
        "{message}"
    );
    assert!(
        message.contains(r#"captured_calls_total{result="panic",worker="1"} 0"#),
        "{message}"
    );

    let empty = std::panic::catch_unwind(|| Snapshot::default().assert_gauge("nothing", &[], 1.0))
        .unwrap_err();
    assert!(empty.downcast_ref::<String>().unwrap().contains("(none)"));
}

#[derive(metrics_runtime::MetricsFamily)]
struct ModuleLevel {
    /// Jobs, counted through `global()` as module-level metrics are.
    hermetic_jobs_total: prometheus::IntCounter,
    /// Jobs by queue.
    #[metric(labels(queue))]
    hermetic_queued_total: prometheus::IntCounterVec,
}

#[metrics_runtime::instrumented(name = "hermetic_job")]
fn run_job(queue: &str) {
    ModuleLevel::global().hermetic_jobs_total.inc();
    ModuleLevel::global()
        .hermetic_queued_total
        .with_label_values(&[queue])
        .inc();
}

/// Captures running in parallel each see only their own counts, of
/// instrumented functions and of families reached through `global()`.
#[test]
fn parallel_captures_are_hermetic_for_global_families_too() {
    let workers: Vec<_> = (1..=4u64)
        .map(|worker| {
            std::thread::spawn(move || {
                let queue = format!("q{worker}");
                let snapshot = capture(|| {
                    for _ in 0..worker * 10 {
                        run_job(&queue);
                    }
                });
                (worker, queue, snapshot)
            })
        })
        .collect();
    for worker in workers {
        let (worker, queue, snapshot) = worker.join().unwrap();
        let runs = (worker * 10) as f64;
        assert_eq!(snapshot.counter("hermetic_jobs_total", &[]), runs);
        assert_eq!(
            snapshot.counter("hermetic_queued_total", &[("queue", &queue)]),
            runs
        );
        assert_eq!(snapshot.query("hermetic_queued_total").count(), 1.0);
        assert_eq!(
            snapshot.counter("hermetic_job_total", &[("result", "ok")]),
            runs
        );
    }
    // Outside a capture, `global()` is the process-wide instance, untouched.
    let global = Snapshot::take();
    assert_eq!(global.counter("hermetic_jobs_total", &[]), 0.0);
    ModuleLevel::global().hermetic_jobs_total.inc();
    assert_eq!(Snapshot::take().counter("hermetic_jobs_total", &[]), 1.0);
}

#[tokio::test]
async fn capture_async_gives_global_families_their_own_instance() {
    let snapshot = metrics_runtime::testing::capture_async(async {
        tokio::task::yield_now().await;
        run_job("async");
    })
    .await;
    assert_eq!(
        snapshot.counter("hermetic_queued_total", &[("queue", "async")]),
        1.0
    );
}
