//! ns per request of an axum `Router` called in process as a tower
//! service, bare and with `http::MetricsLayer`.
//!
//! `cargo bench -p metrics-benches --bench http_layer`; `benches/report`
//! adds the rows to the README's table.

use std::hint::black_box;

use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use axum::Router;
use criterion::{criterion_group, criterion_main, Criterion};
use metrics_runtime::http::MetricsLayer;
use tower::ServiceExt;

fn router() -> Router {
    Router::new()
        .route("/users/{id}", get(|| async { "a user" }))
        .route("/health", get(|| async { "ok" }))
}

/// One `GET /users/42` through a clone of `app`, answered in process.
async fn one_request(app: &Router) {
    let request = Request::get("/users/42").body(Body::empty()).unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    black_box(response.status());
}

fn layer(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let registry = prometheus::Registry::new();
    let bare = router();
    let measured = router().layer(MetricsLayer::with_registry(&registry).unwrap());
    let mut group = c.benchmark_group("layer");
    group.bench_function("bare_router", |b| {
        b.iter(|| runtime.block_on(one_request(&bare)))
    });
    group.bench_function("with_metrics_layer", |b| {
        b.iter(|| runtime.block_on(one_request(&measured)))
    });
    group.finish();
    assert!(metrics_runtime::encode_text(&registry).contains("route=\"/users/{id}\""));
}

criterion_group!(benches, layer);
criterion_main!(benches);
