//! `metrics_runtime::push` against a real Pushgateway (Debian's
//! `prometheus-pushgateway`, on 127.0.0.1, in memory), and against
//! addresses where nothing answers.

mod support;

use std::time::{Duration, Instant};

use metrics_runtime::push::{PushError, Pushgateway};
use prometheus::{Histogram, HistogramOpts, IntCounter, IntGauge, Registry};

/// A Pushgateway of its own for one test, or `None` (skipped) where it is
/// not installed and `CI` is not `true`.
fn start_gateway() -> Option<support::Server> {
    let program = support::require_binary(
        "prometheus-pushgateway",
        "apt-get install prometheus-pushgateway",
    )?;
    Some(support::Server::start(
        &program,
        &[
            "--web.listen-address=127.0.0.1:{port}",
            "--persistence.file=",
            "--log.level=warn",
        ],
        "/-/ready",
    ))
}

/// What the Pushgateway exposes for Prometheus to scrape.
async fn scrape(gateway: &support::Server) -> String {
    let url = format!("{}/metrics", gateway.url);
    let (status, body) = tokio::task::spawn_blocking(move || support::http_get(&url))
        .await
        .expect("the scrape does not panic")
        .expect("the Pushgateway answers");
    assert_eq!(status, 200, "scrape failed: {body}");
    body
}

fn counter(registry: &Registry, name: &str, help: &str) -> IntCounter {
    let counter = IntCounter::new(name, help).expect("a valid counter");
    registry
        .register(Box::new(counter.clone()))
        .expect("registered once");
    counter
}

fn gauge(registry: &Registry, name: &str, help: &str) -> IntGauge {
    let gauge = IntGauge::new(name, help).expect("a valid gauge");
    registry
        .register(Box::new(gauge.clone()))
        .expect("registered once");
    gauge
}

/// Polls the Pushgateway until `done` holds for its exposition (10 s at most).
async fn wait_for(gateway: &support::Server, what: &str, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = scrape(gateway).await;
        if done(&text) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn push_exposes_the_same_series_with_job_and_grouping_labels() {
    let Some(gateway) = start_gateway() else {
        return;
    };
    let registry = Registry::new();
    counter(&registry, "import_records_total", "Records imported.").inc_by(42);
    let duration = Histogram::with_opts(
        HistogramOpts::new("import_duration_seconds", "Time per file.")
            .buckets(vec![0.1, 0.5, 1.0]),
    )
    .expect("a valid histogram");
    registry
        .register(Box::new(duration.clone()))
        .expect("registered once");
    for seconds in [0.05, 0.3, 2.0] {
        duration.observe(seconds);
    }

    // A job and a value with `/` go as base64, the empty value as `=`, the
    // rest percent-encoded; the Pushgateway must read back each one as given.
    Pushgateway::new(&gateway.url)
        .job("nightly/import")
        .grouping("path", "/var/lib/import")
        .grouping("site", "zürich west")
        .grouping("shard", "")
        .push(&registry)
        .await
        .expect("push succeeds");

    let text = scrape(&gateway).await;
    let group = [
        ("job", "nightly/import"),
        ("path", "/var/lib/import"),
        ("site", "zürich west"),
        ("instance", ""),
    ];
    let pushed = support::parse(&metrics_runtime::encode_text(&registry));
    assert_eq!(pushed.len(), 7, "a counter, 4 buckets, a sum and a count");
    for sample in pushed {
        let mut labels: Vec<(&str, &str)> = sample
            .labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        labels.extend(group);
        assert_eq!(
            support::value(&text, &sample.name, &labels),
            Some(sample.value),
            "{}{labels:?} in:\n{text}",
            sample.name
        );
    }
    assert_eq!(
        support::value(&text, "import_records_total", &group),
        Some(42.0)
    );
    let bucket = |le| [("le", le), group[0], group[1], group[2]];
    assert_eq!(
        support::value(&text, "import_duration_seconds_bucket", &bucket("0.5")),
        Some(2.0)
    );
    assert_eq!(
        support::value(&text, "import_duration_seconds_bucket", &bucket("+Inf")),
        Some(3.0)
    );
    assert_eq!(
        support::value(&text, "import_duration_seconds_count", &group),
        Some(3.0)
    );
    assert_eq!(
        support::value(&text, "import_duration_seconds_sum", &group),
        Some(2.35)
    );
    assert!(support::value(&text, "push_time_seconds", &group).is_some_and(|t| t > 0.0));
}

#[tokio::test]
async fn push_replaces_the_group_and_push_add_keeps_its_other_metrics() {
    let Some(gateway) = start_gateway() else {
        return;
    };
    let pusher = Pushgateway::new(format!("{}/", gateway.url))
        .job("reports")
        .grouping("tenant", "acme");
    let group = [("job", "reports"), ("tenant", "acme")];

    let first = Registry::new();
    counter(&first, "reports_built_total", "Reports built.").inc_by(3);
    gauge(&first, "reports_queue_length", "Reports waiting.").set(7);
    pusher.push(&first).await.expect("push succeeds");

    let second = Registry::new();
    counter(&second, "reports_built_total", "Reports built.").inc_by(5);
    counter(&second, "reports_failed_total", "Reports that failed.").inc();
    pusher.push_add(&second).await.expect("push_add succeeds");
    let text = scrape(&gateway).await;
    assert_eq!(
        support::value(&text, "reports_built_total", &group),
        Some(5.0),
        "{text}"
    );
    assert_eq!(
        support::value(&text, "reports_failed_total", &group),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        support::value(&text, "reports_queue_length", &group),
        Some(7.0),
        "push_add keeps the metrics it does not name:\n{text}"
    );

    let third = Registry::new();
    counter(&third, "reports_built_total", "Reports built.").inc_by(8);
    pusher.push(&third).await.expect("push succeeds");
    let text = scrape(&gateway).await;
    assert_eq!(
        support::value(&text, "reports_built_total", &group),
        Some(8.0),
        "{text}"
    );
    assert_eq!(
        support::value(&text, "reports_failed_total", &group),
        None,
        "{text}"
    );
    assert_eq!(
        support::value(&text, "reports_queue_length", &group),
        None,
        "{text}"
    );
}

#[tokio::test]
async fn delete_removes_only_its_group() {
    let Some(gateway) = start_gateway() else {
        return;
    };
    let registry = Registry::new();
    counter(&registry, "cleanups_total", "Cleanups run.").inc();
    let here = Pushgateway::new(&gateway.url)
        .job("cleanup")
        .grouping("host", "a");
    let there = Pushgateway::new(&gateway.url)
        .job("cleanup")
        .grouping("host", "b");
    here.push(&registry).await.expect("push succeeds");
    there.push(&registry).await.expect("push succeeds");

    here.delete().await.expect("delete succeeds");
    let text = scrape(&gateway).await;
    assert_eq!(
        support::value(&text, "cleanups_total", &[("host", "a")]),
        None,
        "{text}"
    );
    assert_eq!(
        support::value(&text, "push_time_seconds", &[("host", "a")]),
        None,
        "{text}"
    );
    assert_eq!(
        support::value(&text, "cleanups_total", &[("host", "b")]),
        Some(1.0),
        "{text}"
    );
}

#[tokio::test]
async fn a_rejected_push_reports_the_status_and_the_reason() {
    let Some(gateway) = start_gateway() else {
        return;
    };
    let as_counter = Registry::new();
    counter(&as_counter, "shared_thing", "A counter here.").inc();
    let as_gauge = Registry::new();
    gauge(&as_gauge, "shared_thing", "A gauge there.").set(1);
    let pusher = |job| Pushgateway::new(&gateway.url).job(job);
    pusher("one")
        .push(&as_counter)
        .await
        .expect("push succeeds");

    match pusher("two").push(&as_gauge).await {
        Err(PushError::Status { status: 400, body }) => {
            assert!(body.contains("shared_thing"), "{body}");
        }
        other => panic!("expected a 400 for a type clash, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unreachable_gateway_is_an_error_not_a_panic() {
    let registry = Registry::new();
    counter(&registry, "lonely_total", "Pushed nowhere.").inc();
    let url = format!("http://127.0.0.1:{}", support::free_port());
    let started = Instant::now();

    let err = Pushgateway::new(url)
        .job("lonely")
        .push(&registry)
        .await
        .expect_err("nothing listens there");
    assert!(matches!(err, PushError::Transport(_)), "{err:?}");
    assert!(
        err.to_string().contains("refused"),
        "the cause is in the message: {err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_silent_gateway_times_out() {
    // Accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("bound"));
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let started = Instant::now();

    let err = Pushgateway::new(url)
        .job("patient")
        .timeout(Duration::from_millis(300))
        .delete()
        .await
        .expect_err("nothing answers");
    assert!(matches!(err, PushError::Timeout(_)), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    silent.abort();
}

#[tokio::test]
async fn bad_urls_and_labels_are_errors() {
    let registry = &Registry::new();
    let push =
        |gateway: Pushgateway| async move { gateway.push(registry).await.expect_err("refused") };
    let local = "http://127.0.0.1:9";

    let err = push(Pushgateway::new("ftp://127.0.0.1:9091").job("j")).await;
    assert!(
        matches!(err, PushError::InvalidUrl { .. }) && err.to_string().contains("https://"),
        "{err}"
    );
    let err = push(Pushgateway::new("not a url").job("j")).await;
    assert!(matches!(err, PushError::InvalidUrl { .. }), "{err}");
    let err = push(Pushgateway::new(local)).await;
    assert!(
        matches!(err, PushError::InvalidArgument(_)) && err.to_string().contains("job"),
        "{err}"
    );
    let err = push(Pushgateway::new(local).job("")).await;
    assert!(matches!(err, PushError::InvalidArgument(_)), "{err}");
    let err = push(Pushgateway::new(local).job("j").grouping("bad-name", "v")).await;
    assert!(err.to_string().contains("`bad-name`"), "{err}");
    let err = push(Pushgateway::new(local).job("j").grouping("job", "v")).await;
    assert!(matches!(err, PushError::InvalidArgument(_)), "{err}");
}

#[tokio::test]
async fn the_interval_pusher_pushes_on_every_tick() {
    let Some(gateway) = start_gateway() else {
        return;
    };
    let registry = Registry::new();
    counter(&registry, "ticks_total", "Ticks.").inc();
    let task = Pushgateway::new(&gateway.url)
        .job("ticker")
        .spawn_interval(registry.clone(), Duration::from_millis(200));

    // Every push sets `push_time_seconds` anew.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut push_times = Vec::new();
    while push_times.len() < 3 {
        let text = scrape(&gateway).await;
        if let Some(time) = support::value(&text, "push_time_seconds", &[("job", "ticker")]) {
            if !push_times.contains(&time) {
                push_times.push(time);
            }
        }
        assert!(
            Instant::now() < deadline,
            "pushes seen: {push_times:?}\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    tokio::time::timeout(Duration::from_secs(15), task.shutdown())
        .await
        .expect("shutdown is bounded")
        .expect("the final push succeeds");
}

#[tokio::test]
async fn shutdown_pushes_the_latest_values() {
    let Some(gateway) = start_gateway() else {
        return;
    };
    let registry = Registry::new();
    let jobs = counter(&registry, "finished_jobs_total", "Jobs finished.");
    jobs.inc();
    // The first push is at once; the next would be an hour away.
    let task = Pushgateway::new(&gateway.url)
        .job("worker")
        .spawn_interval(registry.clone(), Duration::from_secs(3600));
    wait_for(&gateway, "the first push", |text| {
        support::value(text, "finished_jobs_total", &[("job", "worker")]) == Some(1.0)
    })
    .await;

    jobs.inc_by(4);
    tokio::time::timeout(Duration::from_secs(15), task.shutdown())
        .await
        .expect("shutdown is bounded")
        .expect("the final push succeeds");
    let text = scrape(&gateway).await;
    assert_eq!(
        support::value(&text, "finished_jobs_total", &[("job", "worker")]),
        Some(5.0),
        "{text}"
    );
}

#[tokio::test]
async fn dropping_the_task_stops_it_without_a_final_push() {
    let Some(gateway) = start_gateway() else {
        return;
    };
    let registry = Registry::new();
    let jobs = counter(&registry, "abandoned_jobs_total", "Jobs abandoned.");
    jobs.inc();
    let task = Pushgateway::new(&gateway.url)
        .job("abandoned")
        .spawn_interval(registry.clone(), Duration::from_secs(3600));
    wait_for(&gateway, "the first push", |text| {
        support::value(text, "abandoned_jobs_total", &[("job", "abandoned")]) == Some(1.0)
    })
    .await;

    jobs.inc();
    drop(task);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let text = scrape(&gateway).await;
    assert_eq!(
        support::value(&text, "abandoned_jobs_total", &[("job", "abandoned")]),
        Some(1.0),
        "{text}"
    );
}

#[tokio::test]
async fn the_interval_pusher_survives_an_unreachable_gateway() {
    let registry = Registry::new();
    counter(&registry, "stubborn_total", "Pushed nowhere, repeatedly.").inc();
    let url = format!("http://127.0.0.1:{}", support::free_port());
    let task = Pushgateway::new(url)
        .job("stubborn")
        .spawn_interval(registry, Duration::from_millis(200));
    // Several failed attempts, retried with backoff.
    tokio::time::sleep(Duration::from_millis(700)).await;

    let started = Instant::now();
    let err = tokio::time::timeout(Duration::from_secs(15), task.shutdown())
        .await
        .expect("shutdown is bounded")
        .expect_err("the final push fails too");
    assert!(matches!(err, PushError::Transport(_)), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn pushing_outside_a_tokio_runtime_is_an_error_not_a_panic() {
    let registry = Registry::new();
    let gateway = Pushgateway::new("http://127.0.0.1:9").job("elsewhere");
    let mut push = std::pin::pin!(gateway.push(&registry));
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match std::future::Future::poll(push.as_mut(), &mut cx) {
        std::task::Poll::Ready(Err(PushError::NoRuntime)) => {}
        other => panic!("expected `NoRuntime` at once, got {other:?}"),
    }
}
