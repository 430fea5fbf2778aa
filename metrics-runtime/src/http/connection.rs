//! One connection: a first byte soon, a bounded number of requests and a
//! bounded life, and a close that waits only for a request in progress.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::response::Response;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpStream;
use tokio::sync::{watch, OwnedSemaphorePermit};

use super::write_deadline::WriteDeadline;

/// How long a new connection may stay silent before its first byte.
const FIRST_BYTE_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a client may take to send a request head (and to start the next).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest request head accepted, in bytes.
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// Requests answered on one connection, pipelined or not, before it closes.
const MAX_REQUESTS: usize = 100;
/// How long one connection may stay open; a keep-alive scraper reconnects.
const MAX_LIFETIME: Duration = Duration::from_secs(60);
/// How long a closing connection may take to answer the request in progress.
pub(super) const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// What a connection is doing, as far as closing it is concerned.
///
/// Updated only from the connection's own task (its service and its
/// socket are polled there), so relaxed atomics are enough.
#[derive(Debug, Default)]
pub(super) struct Activity {
    /// Requests received in all.
    received: AtomicUsize,
    /// Requests received and not yet answered.
    answering: AtomicUsize,
    /// Whether response bytes still wait for the client to take them.
    unflushed: AtomicBool,
}

impl Activity {
    /// Records whether response bytes wait for the client.
    pub(super) fn set_unflushed(&self, unflushed: bool) {
        self.unflushed.store(unflushed, Ordering::Relaxed);
    }

    /// No request waits for its answer and no answer for its client: closing
    /// now loses nothing (a half-sent request head is not a request yet).
    fn is_quiet(&self) -> bool {
        self.answering.load(Ordering::Relaxed) == 0 && !self.unflushed.load(Ordering::Relaxed)
    }
}

/// Serves one connection until it ends, its life is up, or `stopping`.
pub(super) async fn serve(
    stream: TcpStream,
    router: Router,
    mut stopping: watch::Receiver<bool>,
    slot: OwnedSemaphorePermit,
) {
    let _slot = slot;
    tokio::select! {
        spoke = first_byte(&stream) => if !spoke { return },
        _ = stopping.wait_for(|stop| *stop) => return,
    }
    let activity = Arc::new(Activity::default());
    let io = TokioIo::new(WriteDeadline::new(stream, activity.clone()));
    let service = Counted {
        router,
        activity: activity.clone(),
    };
    let connection = builder().serve_connection(io, service);
    let mut connection = std::pin::pin!(connection);
    tokio::select! {
        ended = connection.as_mut() => return log_end(ended),
        _ = stopping.wait_for(|stop| *stop) => {}
        () = tokio::time::sleep(MAX_LIFETIME) => {}
    }
    if !activity.is_quiet() {
        finish(connection).await;
    }
}

/// A connection of this server, as hyper serves it.
type Connection = http1::Connection<TokioIo<WriteDeadline>, Counted>;

/// Lets the request in progress be answered, within [`SHUTDOWN_GRACE`].
async fn finish(mut connection: Pin<&mut Connection>) {
    connection.as_mut().graceful_shutdown();
    match tokio::time::timeout(SHUTDOWN_GRACE, connection).await {
        Ok(ended) => log_end(ended),
        Err(_) => log::debug!("metrics server: connection closed unfinished after the grace"),
    }
}

fn log_end(ended: hyper::Result<()>) {
    if let Err(err) = ended {
        log::debug!("metrics server: connection ended: {err}");
    }
}

/// Whether the client sends a byte soon: a connection that never speaks
/// must not hold a slot for the whole head timeout.
async fn first_byte(stream: &TcpStream) -> bool {
    let mut byte = [0u8; 1];
    let peeked = tokio::time::timeout(FIRST_BYTE_TIMEOUT, stream.peek(&mut byte)).await;
    matches!(peeked, Ok(Ok(read)) if read > 0)
}

fn builder() -> http1::Builder {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .max_buf_size(MAX_HEAD_BYTES);
    http
}

/// The router, counting the requests of one connection and closing it
/// after [`MAX_REQUESTS`].
#[derive(Clone)]
struct Counted {
    router: Router,
    activity: Arc<Activity>,
}

impl hyper::service::Service<Request<Incoming>> for Counted {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let received = self.activity.received.fetch_add(1, Ordering::Relaxed) + 1;
        let answering = Answering::start(self.activity.clone());
        let response = tower::ServiceExt::oneshot(self.router.clone(), request);
        Box::pin(async move {
            let mut response = response.await?;
            if received >= MAX_REQUESTS {
                // hyper reads no further request and closes after this one.
                response
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            drop(answering);
            Ok(response)
        })
    }
}

/// A request being answered; dropped with its answer, or with the request
/// when the client leaves.
struct Answering(Arc<Activity>);

impl Answering {
    fn start(activity: Arc<Activity>) -> Answering {
        activity.answering.fetch_add(1, Ordering::Relaxed);
        Answering(activity)
    }
}

impl Drop for Answering {
    fn drop(&mut self) {
        self.0.answering.fetch_sub(1, Ordering::Relaxed);
    }
}
