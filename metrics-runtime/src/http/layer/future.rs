//! The future of one request: records it once, however it ends.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::MatchedPath;
use axum::http::Response;
use prometheus::IntGauge;

use super::families::{HttpServerMetrics, RequestLabels, RouteLabels};
use super::labels::{CANCELLED, ERROR, PANIC, UNMATCHED_ROUTE};
use crate::instrument::clock;

pin_project_lite::pin_project! {
    /// The response future of [`MetricsService`](super::MetricsService):
    /// the inner service's, measured.
    #[must_use = "futures do nothing unless polled"]
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        request: Option<Measured>,
    }
}

/// What is known of a request while it is served; records it when
/// finished or dropped.
pub(crate) struct Measured {
    metrics: Arc<HttpServerMetrics>,
    method: &'static str,
    route: Option<MatchedPath>,
    start: u64,
    in_flight: IntGauge,
    /// Whether the inner service is running (`call` or `poll`): dropped
    /// then, it panicked, even if the executor drops the future later.
    polling: bool,
    recorded: bool,
}

impl Measured {
    /// A request starting now, counted in flight.
    pub(crate) fn start(
        metrics: Arc<HttpServerMetrics>,
        method: &'static str,
        route: Option<MatchedPath>,
    ) -> Measured {
        let labels = RouteLabels {
            method,
            route: route.as_ref().map_or(UNMATCHED_ROUTE, MatchedPath::as_str),
        };
        let in_flight = metrics.in_flight.with(&labels);
        in_flight.inc();
        Measured {
            metrics,
            method,
            route,
            start: clock::now(),
            in_flight,
            polling: true,
            recorded: false,
        }
    }

    /// Counts the request under `status`, observes its duration and takes
    /// it out of flight, once.
    fn record(&mut self, status: &str) {
        if self.recorded {
            return;
        }
        self.recorded = true;
        let method = self.method;
        let route = self
            .route
            .as_ref()
            .map_or(UNMATCHED_ROUTE, MatchedPath::as_str);
        let seconds = clock::nanos_since(self.start) as f64 / 1e9;
        let labels = RequestLabels {
            method,
            route,
            status,
        };
        self.metrics.requests_total.with(&labels).inc();
        self.metrics
            .duration_seconds
            .with(&RouteLabels { method, route })
            .observe(seconds);
        self.in_flight.dec();
    }
}

impl Drop for Measured {
    fn drop(&mut self) {
        self.record(if self.polling { PANIC } else { CANCELLED });
    }
}

impl<F> ResponseFuture<F> {
    /// Measures `inner`; `request` is `None` while recording is off.
    pub(crate) fn new(inner: F, mut request: Option<Measured>) -> Self {
        if let Some(request) = &mut request {
            request.polling = false;
        }
        ResponseFuture { inner, request }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Some(request) = this.request.as_mut() {
            request.polling = true;
        }
        let polled = this.inner.poll(cx);
        match (&polled, this.request.take()) {
            (Poll::Pending, Some(mut request)) => {
                request.polling = false;
                *this.request = Some(request);
            }
            (Poll::Ready(Ok(response)), Some(mut request)) => {
                request.record(response.status().as_str());
            }
            (Poll::Ready(Err(_)), Some(mut request)) => request.record(ERROR),
            (_, None) => {}
        }
        polled
    }
}
