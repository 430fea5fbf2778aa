//! A `/metrics` endpoint on tokio and axum (feature `http`).
//!
//! [`serve`] runs a small server of its own; [`router`] is an
//! [`axum::Router`] to merge into an application's. Both answer `GET
//! /metrics` in the format the scraper's `Accept` header prefers
//! (OpenMetrics, protobuf when named, or text 0.0.4 when in doubt; see
//! [`Format::from_accept`](crate::encoding::Format::from_accept)), gzipped
//! when asked, 404 elsewhere and 405 for other methods.
//!
//! The server defends itself: see [`serve_router`] for its limits.

mod connection;
mod encoder;
mod layer;
mod listener;
mod scrape;
mod write_deadline;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::routing::get;
use axum::Router;
use prometheus::Registry;
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use encoder::Encoder;
pub(crate) use layer::catalog as layer_catalog;
pub use layer::{MetricsLayer, MetricsLayerBuilder, MetricsService, ResponseFuture};

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
///
/// Each router encodes at most a couple of expositions at once; scrapes
/// arriving while one waits its turn share it, and an encode nobody waits
/// for any more is dropped.
pub fn router_for(registry: Registry) -> Router {
    Router::new()
        .route("/metrics", get(scrape::metrics))
        .with_state(Arc::new(Encoder::new(registry)))
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

/// Serves `router` on `addr`, with the limits of [`serve`].
///
/// A bounded number of connections (256); each must send its first byte
/// within 2 s and its request head (16 KiB at most) within 10 s, take each
/// response within 10 s, and closes after 100 requests or 60 s. Shutdown
/// closes idle connections at once and the rest after a 5 s grace.
pub async fn serve_router(addr: impl ToSocketAddrs, router: Router) -> io::Result<Server> {
    let listener = TcpListener::bind(addr).await?;
    let local_addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel();
    let task = tokio::spawn(listener::run(listener, router, stopped));
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

    /// Stops accepting connections, closes the idle ones, waits (5 s at
    /// most) for requests in progress to be answered, then closes the rest:
    /// when it returns, no connection of this server is left.
    pub async fn shutdown(self) -> io::Result<()> {
        let _ = self.stop.send(());
        self.task.await.map_err(io::Error::other)
    }
}
