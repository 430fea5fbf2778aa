//! A tool gateway's metrics, declared once with `#[derive(MetricsFamily)]`
//! and typed labels, registered in an explicit registry and served on
//! `http://127.0.0.1:9202/metrics` until Ctrl-C.
//!
//! ```text
//! cargo run --example gateway
//! curl http://127.0.0.1:9202/metrics
//! ```
//!
//! Set `GATEWAY_ADDR` to listen elsewhere (say `127.0.0.1:0`), and
//! `GATEWAY_REQUESTS=n` to stop after `n` requests.

use std::time::{Duration, Instant};

use metrics_runtime::{Family, LabelSet, LabelValue, MetricsFamily};
use prometheus::{HistogramVec, IntCounter, IntCounterVec, IntGaugeVec, Registry};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How a request through the gateway ended.
#[derive(LabelValue, Clone, Copy, Debug, PartialEq)]
enum Status {
    Success,
    Error,
    Killed,
    RateLimited,
    Denied,
    CircuitOpen,
    InvalidArgs,
}

/// The labels of `sentinel_requests_total`.
#[derive(LabelSet)]
struct RequestLabels<'a> {
    tool: &'a str,
    status: Status,
}

/// The labels of `sentinel_errors_total`.
#[derive(LabelSet)]
struct ErrorLabels<'a> {
    tool: &'a str,
    error_type: &'a str,
}

/// Everything the gateway measures.
#[derive(MetricsFamily)]
#[metrics(namespace = "sentinel")]
struct GatewayMetrics {
    /// Requests handled, by tool and outcome.
    requests_total: Family<RequestLabels<'static>, IntCounter>,
    /// Time from request to response, by tool.
    #[metric(labels(tool), buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0])]
    request_duration_seconds: HistogramVec,
    /// Failed requests, by tool and error type.
    errors_total: Family<ErrorLabels<'static>, IntCounter>,
    /// 1 when the backend answers its health check, 0 when it does not.
    #[metric(labels(backend))]
    backend_healthy: IntGaugeVec,
    /// Requests refused by the rate limiter, by tool.
    #[metric(labels(tool))]
    rate_limit_hits_total: IntCounterVec,
}

const TOOLS: [&str; 3] = ["search", "fetch", "shell"];

/// Decides a request's fate from its number, so the example is repeatable.
fn handle(tool: &str, n: u64) -> (Status, Option<&'static str>) {
    match (tool, n % 23) {
        ("shell", 0) => (Status::Denied, None),
        (_, 3) => (Status::RateLimited, None),
        (_, 7) => (Status::Error, Some("backend_timeout")),
        (_, 11) => (Status::InvalidArgs, Some("invalid_args")),
        ("fetch", 13) => (Status::CircuitOpen, None),
        ("shell", 17) => (Status::Killed, Some("killed")),
        _ => (Status::Success, None),
    }
}

async fn serve_traffic(metrics: &GatewayMetrics, limit: Option<u64>) {
    for n in 0u64.. {
        if limit.is_some_and(|limit| n >= limit) {
            break;
        }
        let tool = TOOLS[(n % 3) as usize];
        let started = Instant::now();
        tokio::time::sleep(Duration::from_millis(2 + n % 30)).await;
        let (status, error_type) = handle(tool, n);
        metrics
            .requests_total
            .with(&RequestLabels { tool, status })
            .inc();
        metrics
            .request_duration_seconds
            .with_label_values(&[tool])
            .observe(started.elapsed().as_secs_f64());
        if let Some(error_type) = error_type {
            metrics
                .errors_total
                .with(&ErrorLabels { tool, error_type })
                .inc();
        }
        if status == Status::RateLimited {
            metrics
                .rate_limit_hits_total
                .with_label_values(&[tool])
                .inc();
        }
        let healthy = i64::from(n % 50 != 49);
        metrics
            .backend_healthy
            .with_label_values(&["primary"])
            .set(healthy);
        metrics
            .backend_healthy
            .with_label_values(&["replica"])
            .set(1);
    }
}

/// Answers one HTTP/1.1 request: `registry`'s exposition on `GET /metrics`.
async fn serve_one(mut stream: TcpStream, registry: &Registry) -> std::io::Result<()> {
    let mut request = vec![0; 8192];
    let mut read = 0;
    while !request[..read].windows(4).any(|w| w == b"\r\n\r\n") && read < request.len() {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut request[read..]))
            .await??;
        if n == 0 {
            return Ok(());
        }
        read += n;
    }
    let head = String::from_utf8_lossy(&request[..read]);
    let (status, content_type, body) = match head.split_whitespace().take(2).collect::<Vec<_>>()[..]
    {
        ["GET", "/metrics"] => (
            "200 OK",
            metrics_runtime::TEXT_CONTENT_TYPE,
            metrics_runtime::encode_text(registry),
        ),
        _ => ("404 Not Found", "text/plain", "try /metrics\n".to_owned()),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let registry = Registry::new();
    let metrics = GatewayMetrics::register(&registry)?;

    let addr = std::env::var("GATEWAY_ADDR").unwrap_or_else(|_| "127.0.0.1:9202".to_owned());
    let limit = std::env::var("GATEWAY_REQUESTS")
        .ok()
        .and_then(|n| n.parse().ok());
    let listener = TcpListener::bind(&addr).await?;
    println!(
        "serving gateway metrics on http://{}/metrics (Ctrl-C to stop)",
        listener.local_addr()?
    );

    let traffic = serve_traffic(&metrics, limit);
    tokio::pin!(traffic);
    let mut traffic_done = false;
    loop {
        tokio::select! {
            () = &mut traffic, if !traffic_done => {
                traffic_done = true;
                println!("handled {} requests", limit.unwrap_or_default());
            }
            accepted = listener.accept() => {
                let (stream, _) = accepted?;
                if let Err(err) = serve_one(stream, &registry).await {
                    eprintln!("metrics request failed: {err}");
                }
            }
            _ = tokio::signal::ctrl_c() => {
                println!("stopped");
                return Ok(());
            }
        }
    }
}
