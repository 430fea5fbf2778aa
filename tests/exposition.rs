//! The exposition of a program using every kind of instrumentation is
//! accepted by `promtool check metrics`, Prometheus' own parser and linter.

mod support;

use std::time::Duration;

use metrics_runtime::instrumented;

#[derive(Debug)]
struct Failed;

#[instrumented(name = "expo_request", namespace = "shop", labels(route, method = "GET"), buckets = [0.001, 0.1, 1])]
fn request(route: &str, fail: bool) -> Result<(), Failed> {
    if fail {
        Err(Failed)
    } else {
        Ok(())
    }
}

#[instrumented(name = "expo_job", labels(attempt), help = "Background job runs")]
async fn job(attempt: u32) -> u32 {
    attempt
}

#[instrumented]
fn plain() {}

#[instrumented(name = "expo_slow")]
async fn slow() {
    tokio::time::sleep(Duration::from_secs(3600)).await;
}

#[instrumented(name = "expo_panics")]
fn panics() {
    panic!("for the exposition");
}

fn exercise() {
    request("/", false).unwrap();
    request("/cart\"quoted\"\\back\nslash", true).unwrap_err();
    request("/ünïcødé", false).unwrap();
    plain();
    let _ = std::panic::catch_unwind(panics);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(job(1));
    let timed_out =
        runtime.block_on(async { tokio::time::timeout(Duration::from_millis(1), slow()).await });
    assert!(timed_out.is_err());
}

#[test]
fn promtool_accepts_the_exposition() {
    exercise();
    let text = metrics_runtime::gather_text();
    support::parse(&text);
    assert!(text.contains("shop_expo_request_total"));
    assert_eq!(
        support::value(&text, "expo_slow_total", &[("result", "cancelled")]),
        Some(1.0)
    );

    support::promtool_check(&text);
}
