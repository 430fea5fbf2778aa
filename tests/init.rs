//! `init()` registers what the program links before any call, and with
//! the `process` feature the process metrics; `build_info!` says which
//! build runs. One binary: the registry is process-wide.

mod support;

use metrics_runtime::{instrumented, MetricsFamily};
use prometheus::IntCounter;

#[instrumented(name = "init_never_called", labels(region = "eu"))]
fn never_called() {}

#[instrumented(name = "init_argument_label", labels(key))]
fn argument_label(key: &str) {
    let _ = key;
}

#[derive(MetricsFamily)]
#[metrics(namespace = "init")]
struct LinkedFamily {
    /// Registered by `init()`, before any use.
    linked_total: IntCounter,
}

#[test]
fn init_registers_everything_linked_at_zero() {
    let _ = (never_called as fn(), argument_label as fn(&str));
    assert!(!metrics_runtime::gather_text().contains("init_never_called_total"));
    metrics_runtime::init();
    metrics_runtime::init();
    let text = metrics_runtime::gather_text();
    for result in ["ok", "error", "panic", "cancelled"] {
        assert_eq!(
            support::value(
                &text,
                "init_never_called_total",
                &[("region", "eu"), ("result", result)]
            ),
            Some(0.0),
            "{result}"
        );
    }
    assert_eq!(
        support::value(&text, "init_never_called_in_flight", &[("region", "eu")]),
        Some(0.0)
    );
    assert_eq!(support::value(&text, "init_linked_total", &[]), Some(0.0));
    // Its label values come from calls: registered, but no series yet.
    assert!(!text.contains("init_argument_label_total"));
    assert!(metrics_runtime::catalog()
        .metrics
        .iter()
        .any(|m| m.name == "init_argument_label_total"));
    LinkedFamily::global().linked_total.inc();
    assert_eq!(support::read("init_linked_total", &[]), 1.0);
    assert!(
        text.contains("process_cpu_seconds_total"),
        "the process feature's metrics"
    );

    metrics_runtime::build_info!().unwrap();
    let text = metrics_runtime::gather_text();
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        support::value(
            &text,
            "build_info",
            &[("crate", "metrics-toolkit-tests"), ("version", version)]
        ),
        Some(1.0)
    );
    support::promtool_check(&text);
}
