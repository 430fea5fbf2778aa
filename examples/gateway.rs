//! A tool gateway's metrics, declared once with `#[derive(MetricsFamily)]`
//! and typed labels, plus an `#[instrumented]` backend call, all in the
//! gateway's own registry (not the process-wide one, so tests can build a
//! fresh gateway), served on `http://127.0.0.1:9202/metrics` until Ctrl-C.
//!
//! ```text
//! cargo run --example gateway
//! curl http://127.0.0.1:9202/metrics
//! ```
//!
//! Set `GATEWAY_ADDR` to listen elsewhere (say `127.0.0.1:0`), and
//! `GATEWAY_REQUESTS=n` to stop after `n` requests.

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use metrics_runtime::{instrumented, Family, LabelSet, LabelValue, MetricsFamily};
use prometheus::{HistogramVec, IntCounter, IntCounterVec, IntGaugeVec, Registry};

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

/// The gateway's own registry: its struct of metrics and its
/// instrumented functions both live here.
static REGISTRY: LazyLock<Registry> = LazyLock::new(Registry::new);

/// Why the backend did not answer.
#[derive(LabelValue, Debug, Clone, Copy)]
enum BackendError {
    Timeout,
}

/// One call to the tool's backend: `sentinel_backend_calls_total{tool, result}`,
/// its duration and calls in flight, in [`REGISTRY`].
#[instrumented(name = "backend_calls", namespace = "sentinel", labels(tool), registry = &REGISTRY, error_kind)]
async fn call_backend(tool: &str, n: u64) -> Result<(), BackendError> {
    tokio::time::sleep(Duration::from_millis(2 + n % 30)).await;
    match handle(tool, n) {
        (Status::Error, Some("backend_timeout")) => Err(BackendError::Timeout),
        _ => Ok(()),
    }
}

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
        let _ = call_backend(tool, n).await;
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

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let metrics = GatewayMetrics::register(&REGISTRY)?;

    let addr = std::env::var("GATEWAY_ADDR").unwrap_or_else(|_| "127.0.0.1:9202".to_owned());
    let limit = std::env::var("GATEWAY_REQUESTS")
        .ok()
        .and_then(|n| n.parse().ok());
    let server = metrics_runtime::http::serve_registry(addr.as_str(), REGISTRY.clone()).await?;
    println!(
        "serving gateway metrics on http://{}/metrics (Ctrl-C to stop)",
        server.local_addr()
    );

    tokio::select! {
        () = serve_traffic(&metrics, limit) => {
            println!("handled {} requests", limit.unwrap_or_default());
            tokio::signal::ctrl_c().await?;
        }
        stopped = tokio::signal::ctrl_c() => stopped?,
    }
    server.shutdown().await?;
    println!("stopped");
    Ok(())
}
