//! `http::MetricsLayer` on a real axum application, through listening
//! sockets on 127.0.0.1.

mod support;

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use metrics_runtime::http::MetricsLayer;
use prometheus::Registry;

/// `/users/{id}`, `/health` and a few handlers with other outcomes, with
/// the layer recording into `registry`.
fn app(registry: &Registry) -> Router {
    Router::new()
        .route("/users/{id}", get(|| async { "a user" }))
        .route("/health", get(|| async { "ok" }))
        .route("/teapot", get(|| async { StatusCode::IM_A_TEAPOT }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                "late"
            }),
        )
        .route(
            "/panic",
            get(|| async {
                if std::hint::black_box(true) {
                    panic!("handler panics");
                }
                "unreachable"
            }),
        )
        .layer(MetricsLayer::with_registry(registry).unwrap())
}

/// Serves `app` on a free port of 127.0.0.1.
async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// Sends each `(method, path)` and returns the statuses (0: no answer).
async fn send(addr: SocketAddr, requests: Vec<(&'static str, String)>) -> Vec<u16> {
    tokio::task::spawn_blocking(move || {
        requests
            .iter()
            .map(|(method, path)| {
                let url = format!("http://{addr}{path}");
                support::http_request(method, &url, &[], "").map_or(0, |(status, _)| status)
            })
            .collect()
    })
    .await
    .unwrap()
}

/// The sum of the samples of `name` carrying at least `labels`.
fn sum(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    support::samples(text, name)
        .iter()
        .filter(|s| {
            labels
                .iter()
                .all(|(k, v)| s.labels.iter().any(|(sk, sv)| sk == k && sv == v))
        })
        .map(|s| s.value)
        .sum()
}

/// Waits (10 s at most) until `done` holds for `registry`'s exposition.
async fn eventually(registry: &Registry, what: &str, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = metrics_runtime::encode_text(registry);
        if done(&text) {
            return text;
        }
        assert!(Instant::now() < deadline, "never {what}:\n{text}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_are_templates_and_scanners_share_one_value() {
    let registry = Registry::new();
    let addr = serve(app(&registry)).await;
    let mut requests: Vec<(&str, String)> =
        (0..50).map(|i| ("GET", format!("/users/{i}"))).collect();
    let scanners = [
        "/wp-admin/x",
        "/.env",
        "/admin.php?x=",
        "/users",
        "/cgi-bin/",
    ];
    for i in 0..50 {
        let method = if i % 10 == 0 { "PROPFIND" } else { "GET" };
        requests.push((method, format!("{}{i}", scanners[i % scanners.len()])));
    }
    let statuses = send(addr, requests).await;
    assert!(statuses[..50].iter().all(|&s| s == 200), "{statuses:?}");
    assert!(statuses[50..].iter().all(|&s| s == 404), "{statuses:?}");

    let text = metrics_runtime::encode_text(&registry);
    let users = support::samples(&text, "http_server_requests_total")
        .into_iter()
        .filter(|s| {
            s.labels
                .iter()
                .any(|(k, v)| k == "route" && v == "/users/{id}")
        })
        .collect::<Vec<_>>();
    assert_eq!(users.len(), 1, "{users:#?}");
    assert_eq!(users[0].value, 50.0);
    let unmatched = [("route", "")];
    assert_eq!(sum(&text, "http_server_requests_total", &unmatched), 50.0);
    assert_eq!(
        sum(
            &text,
            "http_server_requests_total",
            &[("route", ""), ("method", "_OTHER")]
        ),
        5.0
    );
    assert_eq!(
        sum(
            &text,
            "http_server_request_duration_seconds_count",
            &unmatched
        ),
        50.0
    );
    for raw in [
        "/users/1",
        "wp-admin",
        ".env",
        "admin.php",
        "cgi-bin",
        "PROPFIND",
    ] {
        assert!(!text.contains(raw), "`{raw}` in the exposition:\n{text}");
    }
    support::promtool_check(&text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_gone_before_the_response_is_counted_once_as_cancelled() {
    let registry = Registry::new();
    let addr = serve(app(&registry)).await;
    let mut client = TcpStream::connect(addr).unwrap();
    client
        .write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let slow = [("route", "/slow")];
    eventually(&registry, "in flight", |text| {
        sum(text, "http_server_requests_in_flight", &slow) == 1.0
    })
    .await;
    drop(client);
    let text = eventually(&registry, "cancelled", |text| {
        sum(text, "http_server_requests_in_flight", &slow) == 0.0
            && sum(text, "http_server_requests_total", &slow) > 0.0
    })
    .await;
    drop(text);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let text = metrics_runtime::encode_text(&registry);
    assert_eq!(
        support::value(
            &text,
            "http_server_requests_total",
            &[("route", "/slow"), ("status", "cancelled")]
        ),
        Some(1.0)
    );
    assert_eq!(sum(&text, "http_server_requests_total", &slow), 1.0);
    assert_eq!(
        sum(&text, "http_server_request_duration_seconds_count", &slow),
        1.0
    );
    support::promtool_check(&text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statuses_are_numeric_and_odd_methods_are_other() {
    let registry = Registry::new();
    // A second layer on the same registry shares its families.
    let _again = MetricsLayer::with_registry(&registry).unwrap();
    let addr = serve(app(&registry)).await;
    let requests = vec![
        ("GET", "/health".to_owned()),
        ("HEAD", "/health".to_owned()),
        ("POST", "/health".to_owned()),
        ("BREW", "/health".to_owned()),
        ("GET", "/teapot".to_owned()),
        ("GET", "/panic".to_owned()),
    ];
    let statuses = send(addr, requests).await;
    assert_eq!(statuses, [200, 200, 405, 405, 418, 0]);
    // The panic is recorded as the connection's task unwinds, perhaps
    // after the client saw the connection close.
    let text = eventually(&registry, "the panic counted", |text| {
        sum(text, "http_server_requests_total", &[("route", "/panic")]) == 1.0
            && sum(text, "http_server_requests_in_flight", &[]) == 0.0
    })
    .await;
    let count = |method: &str, route: &str, status: &str| {
        let labels = [("method", method), ("route", route), ("status", status)];
        support::value(&text, "http_server_requests_total", &labels)
    };
    assert_eq!(count("GET", "/health", "200"), Some(1.0));
    assert_eq!(count("HEAD", "/health", "200"), Some(1.0));
    assert_eq!(count("POST", "/health", "405"), Some(1.0));
    assert_eq!(count("_OTHER", "/health", "405"), Some(1.0));
    assert_eq!(count("GET", "/teapot", "418"), Some(1.0));
    assert_eq!(count("GET", "/panic", "panic"), Some(1.0));
    assert_eq!(sum(&text, "http_server_requests_in_flight", &[]), 0.0);
    assert!(!text.contains("BREW"));
    support::promtool_check(&text);
}

#[test]
fn the_catalog_dashboard_and_alerts_include_the_layer() {
    let _layer = MetricsLayer::new();
    let catalog = metrics_runtime::catalog();
    let total = catalog
        .metrics
        .iter()
        .find(|m| m.name == "http_server_requests_total")
        .expect("http_server_requests_total in the catalog");
    assert_eq!(total.labels, ["method", "route", "status"]);
    let duration = catalog
        .metrics
        .iter()
        .find(|m| m.name == "http_server_request_duration_seconds")
        .unwrap();
    assert_eq!(duration.labels, ["method", "route"]);
    let dashboard = catalog.grafana_dashboard("Service");
    assert!(
        dashboard.contains("HTTP server · http::MetricsLayer"),
        "{dashboard}"
    );
    assert!(dashboard.contains(
        "histogram_quantile(0.9, sum by (le, route) (rate(http_server_request_duration_seconds_bucket"
    ));
    let rules = catalog.alert_rules();
    assert!(rules.contains("alert: HttpServerErrorRatioHigh"), "{rules}");
    support::promtool_check_rules(&rules);
}
