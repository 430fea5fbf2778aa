//! A `/metrics` endpoint on tokio and axum (feature `http`).
//!
//! [`serve`] runs a small server of its own; [`router`] is an
//! [`axum::Router`] to merge into an application's. Both answer `GET
//! /metrics` in the format the scraper's `Accept` header prefers
//! (OpenMetrics, or text 0.0.4 when in doubt), gzipped when asked, 404
//! elsewhere and 405 for other methods.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use prometheus::Registry;
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::sync::{oneshot, Semaphore};
use tokio::task::JoinHandle;

use crate::encoding::{try_encode, CollectorPanic, Format};

/// How long a client may take to send its request head.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections served at once; more wait for a free slot.
const MAX_CONNECTIONS: usize = 256;
/// Largest request head accepted, in bytes.
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// How long a graceful shutdown waits for requests in progress.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// An [`axum::Router`] serving [`crate::registry()`] on `GET /metrics`.
///
/// ```
/// let app = axum::Router::new()
///     .route("/", axum::routing::get(|| async { "hello" }))
///     .merge(metrics_runtime::http::router());
/// # let _ = app;
/// ```
pub fn router() -> Router {
    router_for(crate::registry().clone())
}

/// An [`axum::Router`] serving `registry` on `GET /metrics`.
pub fn router_for(registry: Registry) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .with_state(Arc::new(registry))
}

/// Serves [`crate::registry()`] on `http://addr/metrics` until
/// [`Server::shutdown`]; needs a tokio runtime.
///
/// Binds exactly `addr` (`"127.0.0.1:0"` picks a free port; see
/// [`Server::local_addr`]).
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// let server = metrics_runtime::http::serve("127.0.0.1:9201").await?;
/// println!("metrics on http://{}/metrics", server.local_addr());
/// // …
/// server.shutdown().await
/// # }
/// ```
pub async fn serve(addr: impl ToSocketAddrs) -> io::Result<Server> {
    serve_router(addr, router()).await
}

/// Serves `registry` on `http://addr/metrics`; see [`serve`].
pub async fn serve_registry(addr: impl ToSocketAddrs, registry: Registry) -> io::Result<Server> {
    serve_router(addr, router_for(registry)).await
}

/// Serves `router` on `addr`, with the limits of [`serve`]: a bounded
/// request head read within a timeout, a bounded number of connections,
/// and a graceful shutdown.
pub async fn serve_router(addr: impl ToSocketAddrs, router: Router) -> io::Result<Server> {
    let listener = TcpListener::bind(addr).await?;
    let local_addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel();
    let task = tokio::spawn(accept_loop(listener, router, stopped));
    Ok(Server {
        local_addr,
        stop,
        task,
    })
}

/// A running `/metrics` server; see [`serve`].
#[derive(Debug)]
pub struct Server {
    local_addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Server {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting connections and waits (a few seconds at most) for
    /// requests in progress to be answered.
    pub async fn shutdown(self) -> io::Result<()> {
        let _ = self.stop.send(());
        self.task.await.map_err(io::Error::other)
    }
}

async fn accept_loop(listener: TcpListener, router: Router, mut stopped: oneshot::Receiver<()>) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .max_buf_size(MAX_HEAD_BYTES);
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot,
            _ = &mut stopped => break,
        };
        let Ok(slot) = slot else { break };
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: wait, then go on.
                    log::warn!("metrics server: accept failed: {err}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stopped => break,
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |request| {
            tower::ServiceExt::oneshot(router.clone(), request)
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                log::debug!("metrics server: connection ended: {err}");
            }
            drop(slot);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await;
}

async fn metrics(State(registry): State<Arc<Registry>>, headers: HeaderMap) -> Response {
    let header_text = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    let format = Format::from_accept(header_text(header::ACCEPT));
    let gzip = accepts_gzip(header_text(header::ACCEPT_ENCODING));
    // Encoding a large registry takes milliseconds: keep it off the
    // runtime's worker threads.
    let encoded = tokio::task::spawn_blocking(move || encode_body(&registry, format, gzip)).await;
    match encoded {
        Ok(Ok((body, gzipped))) => exposition(format, body, gzipped),
        Ok(Err(err)) => {
            // A 500 rather than a partial exposition: Prometheus marks the
            // target down, where a partial one would silently drop series.
            log::error!("metrics server: answering 500: {err}");
            let reason = match err {
                Failure::Panic(_) => "a collector panicked while the metrics were gathered\n",
                Failure::Compress(_) => "cannot compress the metrics\n",
            };
            (StatusCode::INTERNAL_SERVER_ERROR, reason).into_response()
        }
        Err(err) => {
            log::error!("metrics server: encoding failed: {err}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "cannot encode the metrics\n",
            )
                .into_response()
        }
    }
}

/// Why no exposition could be sent.
#[derive(Debug)]
enum Failure {
    Panic(CollectorPanic),
    Compress(io::Error),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Panic(err) => err.fmt(f),
            Failure::Compress(err) => write!(f, "cannot compress the exposition: {err}"),
        }
    }
}

/// The body to send, and whether it is gzipped.
fn encode_body(
    registry: &Registry,
    format: Format,
    gzip: bool,
) -> Result<(Vec<u8>, bool), Failure> {
    let body = try_encode(format, registry)
        .map_err(Failure::Panic)?
        .into_bytes();
    if gzip {
        let compressed = compress(&body).map_err(Failure::Compress)?;
        Ok((compressed, true))
    } else {
        Ok((body, false))
    }
}

/// A 200 answer carrying `body` in `format`.
fn exposition(format: Format, body: Vec<u8>, gzipped: bool) -> Response {
    let mut response = (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            ),
            (
                header::VARY,
                HeaderValue::from_static("accept, accept-encoding"),
            ),
        ],
        body,
    )
        .into_response();
    if gzipped {
        response
            .headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    response
}

/// Whether `Accept-Encoding` accepts gzip (with a non-zero quality).
fn accepts_gzip(accept_encoding: &str) -> bool {
    accept_encoding.split(',').any(|coding| {
        let mut parts = coding.split(';').map(str::trim);
        let name = parts.next().unwrap_or_default();
        let quality = parts
            .filter_map(|param| param.split_once('='))
            .find(|(key, _)| key.trim().eq_ignore_ascii_case("q"))
            .and_then(|(_, q)| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        (name.eq_ignore_ascii_case("gzip") || name == "*") && quality > 0.0
    })
}

fn compress(body: &[u8]) -> io::Result<Vec<u8>> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(body)?;
    encoder.finish()
}

#[cfg(test)]
mod tests {
    use super::accepts_gzip;

    #[test]
    fn gzip_is_accepted_unless_refused() {
        assert!(accepts_gzip("gzip, deflate"));
        assert!(accepts_gzip("br;q=1.0, gzip;q=0.8"));
        assert!(accepts_gzip("*"));
        assert!(!accepts_gzip("gzip;q=0"));
        assert!(!accepts_gzip("identity"));
        assert!(!accepts_gzip(""));
    }
}
