//! [`MetricsLayer`]: HTTP server metrics for axum and hyper services.

mod families;
mod future;
mod labels;

use std::sync::Arc;
use std::task::{Context, Poll};

use axum::http::{Request, Response};
use prometheus::Registry;
use tower::{Layer, Service};

use crate::Error;
pub(crate) use families::catalog;
use families::HttpServerMetrics;
use future::Measured;
pub use future::ResponseFuture;

/// A [`tower::Layer`] that measures every request of an axum or hyper
/// service, following OpenTelemetry's HTTP server conventions in
/// Prometheus' names.
///
/// | metric | type | labels |
/// | --- | --- | --- |
/// | `http_server_requests_total` | counter | `method`, `route`, `status` |
/// | `http_server_request_duration_seconds` | histogram | `method`, `route` |
/// | `http_server_requests_in_flight` | gauge | `method`, `route` |
///
/// The histogram is OpenTelemetry's `http.server.request.duration` (its
/// `_count` by `method` and `route` is also the request count); the
/// counter adds the status, which Prometheus puts in a label of its own
/// rather than on every bucket. Labels are named as Prometheus names them:
///
/// - `method` is `http.request.method`: `GET`, `HEAD`, `POST`, `PUT`,
///   `DELETE`, `CONNECT`, `OPTIONS`, `TRACE` or `PATCH`, and `_OTHER` for
///   any other method, so that made-up methods cannot add series.
/// - `route` is `http.route`: axum's matched path template
///   ([`MatchedPath`](axum::extract::MatchedPath), `/users/{id}`), never
///   the raw path. Requests no route matched (the 404 fallback, scanners)
///   all have `route=""`: OpenTelemetry leaves `http.route` out then, and
///   in Prometheus an empty label is an absent one.
/// - `status` is `http.response.status_code`, three digits (`200`), or,
///   where no response was sent, OpenTelemetry's `error.type` instead:
///   `cancelled` when the request's future was dropped first (the client
///   went away, a timeout above the layer gave up), `panic` when the
///   service panicked (the panic goes on), `error` when it returned an
///   `Err`. Each request is counted exactly once.
///
/// The duration runs from the call of the service to the response head
/// (the future resolving), not to the end of the body: a streamed body
/// is not waited for. Cancelled and failed requests are observed too.
///
/// # Where to apply it
///
/// With [`Router::layer`](axum::Router::layer), last: axum applies it to
/// every route and to the fallback, inside its routing, where the matched
/// route is known. With `route_layer` unmatched requests are not counted
/// at all; around the whole router (`ServiceBuilder` or
/// `Layer::layer(router)`) it runs before routing, so every request has
/// `route=""`. Apply it once: a layer on a nested router and on its
/// parent counts those requests twice.
///
/// ```
/// use axum::{routing::get, Router};
/// use metrics_runtime::http::MetricsLayer;
/// use tower::ServiceExt;
///
/// let app = Router::new()
///     .route("/users/{id}", get(|| async { "a user" }))
///     .layer(MetricsLayer::new());
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let request = axum::http::Request::get("/users/42").body(axum::body::Body::empty()).unwrap();
/// app.oneshot(request).await.unwrap();
/// # });
///
/// let text = metrics_runtime::gather_text();
/// assert!(text.contains(r#"http_server_requests_total{method="GET",route="/users/{id}",status="200"} 1"#));
/// assert!(text.contains(r#"http_server_requests_in_flight{method="GET",route="/users/{id}"} 0"#));
/// ```
///
/// # Series and buckets
///
/// Each family keeps at most `max_series` label sets (see
/// [`Builder::max_series`](crate::Builder::max_series)); further ones share
/// the `__overflow__` series. Bounds default to OpenTelemetry's advice
/// (5 ms to 10 s); [`MetricsLayer::builder`]`().buckets(…)` sets others,
/// as does [`builder()`](crate::builder)`.buckets("http_server_request_duration_seconds", …)`
/// for [`crate::registry()`]. With the `http` feature, the families are
/// listed by [`catalog()`](crate::catalog()).
#[derive(Clone)]
pub struct MetricsLayer {
    metrics: Arc<HttpServerMetrics>,
}

impl MetricsLayer {
    /// A layer recording into [`crate::registry()`], under
    /// [`crate::builder()`]'s namespace and constant labels. Every such
    /// layer shares the same families.
    pub fn new() -> MetricsLayer {
        match families::for_registry(None, None) {
            Ok(metrics) => MetricsLayer { metrics },
            // Only bounds set by `builder()` could fail, and `install`
            // checked them.
            Err(err) => unreachable!("the HTTP server families of registry(): {err}"),
        }
    }

    /// A layer recording into `registry`: into the families an earlier
    /// layer registered there, else into new ones.
    ///
    /// Fails when `registry` holds other metrics of the same names.
    ///
    /// ```
    /// use metrics_runtime::http::MetricsLayer;
    ///
    /// let registry = prometheus::Registry::new();
    /// let api = MetricsLayer::with_registry(&registry).unwrap();
    /// let admin = MetricsLayer::with_registry(&registry).unwrap(); // shares them
    /// # let _ = (api, admin);
    /// ```
    pub fn with_registry(registry: &Registry) -> Result<MetricsLayer, Error> {
        MetricsLayer::builder().registry(registry).build()
    }

    /// A layer with a registry or histogram bounds of its own.
    ///
    /// ```
    /// use metrics_runtime::http::MetricsLayer;
    ///
    /// let registry = prometheus::Registry::new();
    /// let layer = MetricsLayer::builder()
    ///     .registry(&registry)
    ///     .buckets(&[0.01, 0.1, 1.0])
    ///     .build()
    ///     .unwrap();
    /// # let _ = layer;
    /// ```
    pub fn builder() -> MetricsLayerBuilder {
        MetricsLayerBuilder::default()
    }
}

/// Settings of a [`MetricsLayer`]; see [`MetricsLayer::builder`].
#[derive(Debug, Clone, Default)]
pub struct MetricsLayerBuilder {
    registry: Option<Registry>,
    buckets: Option<Vec<f64>>,
}

impl MetricsLayerBuilder {
    /// Records into `registry` rather than [`crate::registry()`].
    pub fn registry(mut self, registry: &Registry) -> Self {
        self.registry = Some(registry.clone());
        self
    }

    /// Bounds of `http_server_request_duration_seconds`, in seconds,
    /// increasing. One registry has one set: the first layer made for it
    /// sets them, and a later one asking for others fails.
    pub fn buckets(mut self, bounds: &[f64]) -> Self {
        self.buckets = Some(bounds.to_vec());
        self
    }

    /// The layer, recording into the registry's families (made now if no
    /// layer made them before). Fails on bounds that are not finite and
    /// increasing, bounds other than those of the registry's families,
    /// or a registry holding other metrics of the same names.
    pub fn build(self) -> Result<MetricsLayer, Error> {
        let metrics = families::for_registry(self.registry.as_ref(), self.buckets.as_deref())?;
        Ok(MetricsLayer { metrics })
    }
}

impl Default for MetricsLayer {
    fn default() -> Self {
        MetricsLayer::new()
    }
}

impl std::fmt::Debug for MetricsLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsLayer").finish_non_exhaustive()
    }
}

impl<S> Layer<S> for MetricsLayer {
    type Service = MetricsService<S>;

    fn layer(&self, inner: S) -> MetricsService<S> {
        MetricsService {
            inner,
            metrics: Arc::clone(&self.metrics),
        }
    }
}

/// The service of a [`MetricsLayer`]: `inner`, measured.
#[derive(Clone)]
pub struct MetricsService<S> {
    inner: S,
    metrics: Arc<HttpServerMetrics>,
}

impl<S: std::fmt::Debug> std::fmt::Debug for MetricsService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsService")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<S, B, ResBody> Service<Request<B>> for MetricsService<S>
where
    S: Service<Request<B>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // Started before `inner.call`, so that a panic there is counted.
        let measured = crate::is_enabled().then(|| {
            Measured::start(
                Arc::clone(&self.metrics),
                labels::method(request.method()),
                labels::route(&request),
            )
        });
        let inner = self.inner.call(request);
        ResponseFuture::new(inner, measured)
    }
}
