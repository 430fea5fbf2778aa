//! A registration conflict never breaks the caller: the function runs, is
//! measured unexported, and what was registered first stays.

mod support;

use metrics_runtime::instrumented;

#[instrumented(name = "taken")]
fn uses_a_taken_name() -> u32 {
    1
}

#[instrumented(name = "shared", labels(table))]
fn select(table: &str) -> usize {
    table.len()
}

#[instrumented(name = "shared", labels(table))]
fn insert(table: &str) -> usize {
    table.len()
}

#[instrumented(name = "shared", labels(region = "eu"))]
fn conflicting(table: &str) -> usize {
    table.len()
}

#[test]
fn a_name_registered_by_someone_else_is_logged_not_fatal() {
    let counter = prometheus::IntCounter::new("taken_total", "Registered by hand first.").unwrap();
    metrics_runtime::registry()
        .register(Box::new(counter.clone()))
        .unwrap();
    counter.inc_by(5);

    assert_eq!(uses_a_taken_name(), 1);
    assert_eq!(uses_a_taken_name(), 1);

    let text = metrics_runtime::gather_text();
    assert_eq!(support::value(&text, "taken_total", &[]), Some(5.0));
    assert_eq!(
        support::value(&text, "taken_duration_seconds_count", &[]),
        None
    );
}

#[test]
fn functions_sharing_a_name_share_its_series_and_a_mismatch_is_refused() {
    select("users");
    insert("users");
    insert("orders");
    assert_eq!(conflicting("users"), 5);

    let text = metrics_runtime::gather_text();
    assert_eq!(
        support::value(
            &text,
            "shared_total",
            &[("table", "users"), ("result", "ok")]
        ),
        Some(2.0)
    );
    assert_eq!(
        support::value(
            &text,
            "shared_total",
            &[("table", "orders"), ("result", "ok")]
        ),
        Some(1.0)
    );
    assert_eq!(
        support::value(&text, "shared_total", &[("region", "eu")]),
        None
    );
}
