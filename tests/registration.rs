//! A registration conflict never breaks the caller: the function runs, is
//! measured unexported, and what was registered first stays.

mod support;

use std::sync::Mutex;

use metrics_runtime::instrumented;

/// Every error logged by the runtime, to check each conflict is logged once.
struct Recorder(Mutex<Vec<String>>);

impl log::Log for Recorder {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() <= log::Level::Error
    }

    fn log(&self, record: &log::Record) {
        self.0.lock().unwrap().push(record.args().to_string());
    }

    fn flush(&self) {}
}

static LOGGED: Recorder = Recorder(Mutex::new(Vec::new()));

fn logged_mentioning(text: &str) -> usize {
    let _ = log::set_logger(&LOGGED).map(|()| log::set_max_level(log::LevelFilter::Error));
    LOGGED
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|line| line.contains(text))
        .count()
}

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

    logged_mentioning("");
    assert_eq!(uses_a_taken_name(), 1);
    assert_eq!(uses_a_taken_name(), 1);
    assert_eq!(
        logged_mentioning("uses_a_taken_name"),
        1,
        "logged once, not per call"
    );

    let text = metrics_runtime::gather_text();
    assert_eq!(support::value(&text, "taken_total", &[]), Some(5.0));
    assert_eq!(
        support::value(&text, "taken_duration_seconds_count", &[]),
        None
    );
}

#[test]
fn functions_sharing_a_name_share_its_series_and_a_mismatch_is_refused() {
    logged_mentioning("");
    select("users");
    insert("users");
    insert("orders");
    assert_eq!(conflicting("users"), 5);
    assert_eq!(conflicting("users"), 5);
    assert_eq!(logged_mentioning("`conflicting`"), 1);

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

#[instrumented]
fn plain_default() {}

#[instrumented(labels(region = "eu"))]
fn default_with_label() {}

#[instrumented(in_flight = false, buckets = [0.1, 1.0])]
fn default_with_options() {}

#[test]
fn default_named_functions_with_different_options_are_all_exported() {
    plain_default();
    default_with_label();
    default_with_options();
    let text = metrics_runtime::gather_text();
    let calls = |function| {
        support::value(
            &text,
            "function_calls_total",
            &[("function", function), ("result", "ok")],
        )
    };
    assert_eq!(calls("plain_default"), Some(1.0));
    assert_eq!(calls("default_with_label"), Some(1.0));
    assert_eq!(calls("default_with_options"), Some(1.0));
    assert_eq!(
        support::value(
            &text,
            "function_calls_total",
            &[
                ("function", "default_with_label"),
                ("region", "eu"),
                ("result", "ok")
            ]
        ),
        Some(1.0)
    );
    assert_eq!(
        support::value(
            &text,
            "function_calls_in_flight",
            &[("function", "default_with_options")]
        ),
        None
    );
    assert_eq!(
        support::value(
            &text,
            "function_calls_duration_seconds_bucket",
            &[("function", "default_with_options"), ("le", "0.1")]
        ),
        Some(1.0)
    );
    support::promtool_check(&text);
}
