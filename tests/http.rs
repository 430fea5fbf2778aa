//! The `/metrics` server, through a real listening socket on 127.0.0.1.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;

use metrics_runtime::{http, instrumented};

#[instrumented(name = "http_served", labels(path))]
fn handled(path: &str) {
    let _ = path;
}

/// The raw response to `request` sent as is.
fn exchange(addr: std::net::SocketAddr, request: &str) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    response
}

fn head_and_body(response: &[u8]) -> (String, Vec<u8>) {
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    (
        String::from_utf8_lossy(&response[..split]).to_ascii_lowercase(),
        response[split + 4..].to_vec(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_text_openmetrics_and_gzip_and_refuses_the_rest() {
    handled("/home");
    let server = http::serve("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr();
    assert!(addr.ip().is_loopback());
    let url = format!("http://{addr}/metrics");

    let (status, body, head) = tokio::task::spawn_blocking(move || {
        let response = exchange(
            addr,
            "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        let (head, body) = head_and_body(&response);
        (
            head.split(' ').nth(1).unwrap().to_owned(),
            String::from_utf8(body).unwrap(),
            head,
        )
    })
    .await
    .unwrap();
    assert_eq!(status, "200");
    assert!(
        head.contains("content-type: text/plain; version=0.0.4; charset=utf-8"),
        "{head}"
    );
    assert_eq!(
        support::value(
            &body,
            "http_served_total",
            &[("path", "/home"), ("result", "ok")]
        ),
        Some(1.0)
    );

    let openmetrics = tokio::task::spawn_blocking(move || {
        let request = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
                       Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5\r\n\r\n";
        head_and_body(&exchange(addr, request))
    })
    .await
    .unwrap();
    assert!(openmetrics
        .0
        .contains("content-type: application/openmetrics-text; version=1.0.0"));
    let text = String::from_utf8(openmetrics.1).unwrap();
    assert!(text.ends_with("# EOF\n"));
    assert!(text.contains("# TYPE http_served counter\n"));

    let gzipped = tokio::task::spawn_blocking(move || {
        let request = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAccept-Encoding: gzip\r\n\r\n";
        head_and_body(&exchange(addr, request))
    })
    .await
    .unwrap();
    assert!(
        gzipped.0.contains("content-encoding: gzip"),
        "{}",
        gzipped.0
    );
    let mut unzipped = String::new();
    flate2::read::GzDecoder::new(&gzipped.1[..])
        .read_to_string(&mut unzipped)
        .unwrap();
    assert!(unzipped.contains("http_served_total"));

    let statuses = tokio::task::spawn_blocking(move || {
        let not_found = support::http_get(&format!("http://{addr}/other"))
            .unwrap()
            .0;
        let wrong_method = support::http_request("POST", &url, &[], "x").unwrap().0;
        (not_found, wrong_method)
    })
    .await
    .unwrap();
    assert_eq!(statuses, (404, 405));

    server.shutdown().await.unwrap();
    assert!(
        TcpStream::connect(addr).is_err(),
        "nothing listens after shutdown"
    );
}

#[tokio::test]
async fn the_router_merges_into_an_application() {
    let registry = prometheus::Registry::new();
    let jobs = prometheus::IntCounter::new("router_jobs_total", "Jobs.").unwrap();
    registry.register(Box::new(jobs.clone())).unwrap();
    jobs.inc_by(3);
    let app = axum::Router::new()
        .route("/", axum::routing::get(|| async { "home" }))
        .merge(http::router_for(registry));
    let server = http::serve_router("127.0.0.1:0", app).await.unwrap();
    let addr = server.local_addr();
    let (home, metrics) = tokio::task::spawn_blocking(move || {
        (
            support::http_get(&format!("http://{addr}/")).unwrap(),
            support::http_get(&format!("http://{addr}/metrics")).unwrap(),
        )
    })
    .await
    .unwrap();
    assert_eq!(home, (200, "home".to_owned()));
    assert_eq!(
        support::value(&metrics.1, "router_jobs_total", &[]),
        Some(3.0)
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_address_in_use_is_an_error_not_a_panic() {
    let first = http::serve("127.0.0.1:0").await.unwrap();
    let taken = first.local_addr();
    assert!(http::serve(taken).await.is_err());
    first.shutdown().await.unwrap();
}
