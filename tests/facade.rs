//! The `metrics` facade next to `#[instrumented]`: a dependency that only
//! knows `metrics::counter!`, `gauge!` and `histogram!` shares the program's
//! `/metrics`, read over a real socket, with the builder's bounds.
//! One test: the builder's settings are process-wide.

mod support;

use metrics_runtime::{http, instrumented};

/// A library instrumented with the `metrics` crate only.
mod dependency {
    pub fn describe() {
        metrics::describe_counter!("dep.requests", "Requests the dependency handled.");
        metrics::describe_gauge!("dep.pool_size", "Connections in the pool.");
        metrics::describe_histogram!("dep.fetch_seconds", "Time to fetch a page.");
    }

    pub fn handle(route: &str, seconds: f64) {
        metrics::counter!("dep.requests", "route" => route.to_owned()).increment(1);
        metrics::histogram!("dep.fetch_seconds").record(seconds);
    }

    pub fn resize(size: f64) {
        metrics::gauge!("dep.pool_size").set(size);
    }
}

#[instrumented(name = "checkout")]
fn checkout() {}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dependency_on_the_facade_shares_the_programs_metrics() {
    metrics_runtime::builder()
        .buckets("dep_fetch_seconds", &[0.1, 0.5, 1.0])
        .install()
        .expect("nothing recorded yet");
    metrics_runtime::facade::install().expect("the first recorder");
    assert!(matches!(
        metrics_runtime::facade::install(),
        Err(metrics_runtime::Error::RecorderAlreadySet)
    ));

    dependency::describe();
    for (route, seconds) in [("/a", 0.05), ("/a", 0.3), ("/b", 0.7), ("/a", 2.0)] {
        dependency::handle(route, seconds);
    }
    dependency::resize(8.0);
    checkout();
    checkout();

    let server = http::serve("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/metrics", server.local_addr());
    let (status, body) = tokio::task::spawn_blocking(move || support::http_get(&url))
        .await
        .unwrap()
        .expect("the server answers");
    assert_eq!(status, 200);

    let value = |name, labels: &[(&str, &str)]| support::value(&body, name, labels);
    assert_eq!(value("dep_requests_total", &[("route", "/a")]), Some(3.0));
    assert_eq!(value("dep_requests_total", &[("route", "/b")]), Some(1.0));
    assert_eq!(value("dep_pool_size", &[]), Some(8.0));
    let buckets = [("0.1", 1.0), ("0.5", 2.0), ("1", 3.0), ("+Inf", 4.0)];
    for (le, count) in buckets {
        assert_eq!(
            value("dep_fetch_seconds_bucket", &[("le", le)]),
            Some(count),
            "le={le}\n{body}"
        );
    }
    assert_eq!(
        support::samples(&body, "dep_fetch_seconds_bucket").len(),
        4,
        "the configured bounds only\n{body}"
    );
    assert_eq!(value("dep_fetch_seconds_count", &[]), Some(4.0));
    assert_eq!(value("dep_fetch_seconds_sum", &[]), Some(3.05));
    assert_eq!(value("checkout_total", &[("result", "ok")]), Some(2.0));
    assert!(body.contains("# HELP dep_requests_total Requests the dependency handled.\n"));
    assert!(body.contains("# TYPE dep_fetch_seconds histogram\n"));
    assert!(body.contains("# TYPE dep_pool_size gauge\n"));
    support::promtool_check(&body);

    server.shutdown().await.unwrap();
}
