//! Real scrapers read our `/metrics`: Prometheus (which asks for
//! OpenMetrics) and VictoriaMetrics (which asks for text 0.0.4), both on
//! 127.0.0.1, and their query APIs return the exact counts recorded here.

mod support;

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use metrics_runtime::encoding::Format;
use metrics_runtime::{http, instrumented};
use support::Server;

#[instrumented(name = "scraped_work", labels(outcome), buckets = [0.001, 0.1])]
fn work(outcome: &str) -> Result<(), String> {
    if outcome == "ok" {
        Ok(())
    } else {
        Err(outcome.to_owned())
    }
}

/// The formats our server chose, from the scrapers' `Accept` headers.
static FORMATS: Mutex<Vec<Format>> = Mutex::new(Vec::new());

/// `router`, noting each request's negotiated format in [`FORMATS`].
fn recording(router: axum::Router) -> axum::Router {
    router.layer(axum::middleware::from_fn(
        |request: axum::extract::Request, next: axum::middleware::Next| async move {
            let accept = request
                .headers()
                .get("accept")
                .and_then(|value| value.to_str().ok())
                .unwrap_or("");
            FORMATS.lock().unwrap().push(Format::from_accept(accept));
            next.run(request).await
        },
    ))
}

fn record_work() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        for _ in 0..7 {
            work("ok").unwrap();
        }
        for _ in 0..3 {
            work("timeout").unwrap_err();
        }
    });
}

/// A scratch directory holding a scrape configuration for `target`.
fn scrape_config(name: &str, target: std::net::SocketAddr) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("metrics-scrape-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: toolkit\n    \
         static_configs:\n      - targets: ['{target}']\n"
    );
    let path = dir.join("scrape.yml");
    std::fs::write(&path, config).unwrap();
    path
}

/// The value of the first series `query` returns, polled until `done`
/// accepts it or 30 s pass.
fn query_until(server: &Server, query: &str, done: impl Fn(f64) -> bool) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = None;
    while Instant::now() < deadline {
        let url = format!(
            "{}/api/v1/query?query={}",
            server.url,
            support::url_encode(query)
        );
        if let Some((200, body)) = support::http_get(&url) {
            let json: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(json["status"], "success", "{body}");
            last = json["data"]["result"][0]["value"][1]
                .as_str()
                .and_then(|value| value.parse::<f64>().ok());
            if last.is_some_and(&done) {
                return last.unwrap_or_default();
            }
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    panic!(
        "`{query}` never settled (last value {last:?}); server log:\n{}",
        server.log()
    );
}

/// What `record_work` recorded, as the scraper stores it: ok calls, error
/// calls, and the histogram's count and `+Inf` bucket for the ok ones.
fn recorded_counts(server: &Server) -> [f64; 4] {
    [
        "scraped_work_total{outcome=\"ok\",result=\"ok\"}",
        "scraped_work_total{outcome=\"timeout\",result=\"error\"}",
        "scraped_work_duration_seconds_count{outcome=\"ok\"}",
        "scraped_work_duration_seconds_bucket{outcome=\"ok\",le=\"+Inf\"}",
    ]
    .map(|query| query_until(server, query, |value| value > 0.0))
}

/// Records the work, serves our `/metrics` on 127.0.0.1, and runs `scrape`
/// (blocking) with a scrape configuration for it; cleans up after.
async fn scraped<T: Send + 'static>(
    name: &'static str,
    scrape: impl FnOnce(&std::path::Path) -> T + Send + 'static,
) -> T {
    record_work();
    scraped_router(name, http::router(), scrape).await
}

/// Serves `router` on 127.0.0.1 and runs `scrape` (blocking) with a scrape
/// configuration for it; cleans up after.
async fn scraped_router<T: Send + 'static>(
    name: &'static str,
    router: axum::Router,
    scrape: impl FnOnce(&std::path::Path) -> T + Send + 'static,
) -> T {
    let ours = http::serve_router("127.0.0.1:0", recording(router))
        .await
        .unwrap();
    let config = scrape_config(name, ours.local_addr());
    let checked = tokio::task::spawn_blocking(move || {
        let checked = scrape(&config);
        let _ = std::fs::remove_dir_all(config.parent().unwrap());
        checked
    })
    .await
    .unwrap();
    ours.shutdown().await.unwrap();
    checked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_scrapes_openmetrics_and_counts_exactly() {
    let scraped = scraped("prometheus", move |config| {
        let server = start_prometheus(config)?;
        let up = query_until(&server, "up{job=\"toolkit\"}", |up| up == 1.0);
        let targets = support::http_get(&format!("{}/api/v1/targets", server.url))
            .unwrap()
            .1;
        Some((up, targets, recorded_counts(&server)))
    })
    .await;
    let Some((up, targets, counts)) = scraped else {
        return;
    };
    assert_eq!(up, 1.0);
    assert!(targets.contains("\"lastError\":\"\""), "{targets}");
    assert_eq!(counts, [7.0, 3.0, 7.0, 7.0]);
    assert!(FORMATS.lock().unwrap().contains(&Format::OpenMetrics));
}

/// Starts Prometheus on 127.0.0.1 with `config`; `None` where it is not
/// installed and `CI` is not `true`.
fn start_prometheus(config: &std::path::Path) -> Option<Server> {
    let prometheus = support::require_binary("prometheus", "apt-get install prometheus")?;
    let config_arg = format!("--config.file={}", config.display());
    Some(Server::start(
        &prometheus,
        &[
            &config_arg,
            "--storage.tsdb.path={dir}/data",
            "--web.listen-address=127.0.0.1:{port}",
        ],
        "/-/ready",
    ))
}

/// Prometheus' `/api/v1/targets` once our target is up; fails the test
/// with the scrape error after 30 s.
fn targets_when_up(server: &Server) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut targets = String::new();
    while Instant::now() < deadline {
        if let Some((200, body)) = support::http_get(&format!("{}/api/v1/targets", server.url)) {
            targets = body;
            if targets.contains("\"health\":\"up\"") {
                return targets;
            }
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    panic!("the target never came up: {targets}");
}

/// Regression: `# UNIT` was written from the name with `_total` or `_sum`
/// cut off whatever the type, so a gauge `…_bytes_total` said `UNIT bytes`
/// and Prometheus 2.42 dropped the whole scrape ("unit not a suffix of
/// metric"): `up` 0 and no series at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_keeps_a_scrape_with_unit_like_suffixes_on_any_type() {
    let registry = prometheus::Registry::new();
    let gauge = prometheus::Gauge::new("unit_queued_bytes_total", "Bytes queued.").unwrap();
    let histogram = prometheus::Histogram::with_opts(
        prometheus::HistogramOpts::new("unit_spent_seconds_total", "Time spent.")
            .buckets(vec![1.0]),
    )
    .unwrap();
    let counter = prometheus::IntCounter::new("unit_sent_bytes_total", "Bytes sent.").unwrap();
    registry.register(Box::new(gauge.clone())).unwrap();
    registry.register(Box::new(histogram.clone())).unwrap();
    registry.register(Box::new(counter.clone())).unwrap();
    gauge.set(42.0);
    histogram.observe(0.5);
    histogram.observe(2.0);
    counter.inc_by(5);

    let router = http::router_for(registry);
    let scraped = scraped_router("units", router, |config| {
        let server = start_prometheus(config)?;
        let targets = targets_when_up(&server);
        let up = query_until(&server, "up{job=\"toolkit\"}", |up| up == 1.0);
        let values = [
            "unit_queued_bytes_total",
            "unit_spent_seconds_total_count",
            "unit_spent_seconds_total_bucket{le=\"+Inf\"}",
            "unit_sent_bytes_total",
        ]
        .map(|query| query_until(&server, query, |value| value > 0.0));
        Some((up, targets, values))
    })
    .await;
    let Some((up, targets, values)) = scraped else {
        return;
    };
    assert_eq!(up, 1.0);
    assert!(targets.contains("\"lastError\":\"\""), "{targets}");
    assert_eq!(values, [42.0, 2.0, 2.0, 5.0]);
    assert!(FORMATS.lock().unwrap().contains(&Format::OpenMetrics));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn victoria_metrics_scrapes_text_and_counts_exactly() {
    let Some(victoria) =
        support::require_binary("victoria-metrics", "apt-get install victoria-metrics")
    else {
        return;
    };
    let counts = scraped("victoria", move |config| {
        let config_arg = format!("-promscrape.config={}", config.display());
        let server = Server::start(
            &victoria,
            &[
                &config_arg,
                "-storageDataPath={dir}/data",
                "-httpListenAddr=127.0.0.1:{port}",
                "-search.latencyOffset=0s",
                "-search.disableCache",
            ],
            "/health",
        );
        recorded_counts(&server)
    })
    .await;
    assert_eq!(counts, [7.0, 3.0, 7.0, 7.0]);
    assert!(FORMATS.lock().unwrap().contains(&Format::Text));
}
