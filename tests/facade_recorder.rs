//! What the `metrics` facade recorder makes of names, kinds, label sets
//! past the limit, threads and late descriptions, in `registry()`.
//! Every test installs the same settings once: they are process-wide.

mod support;

use std::sync::Once;

/// At most this many label sets per name.
const MAX_SERIES: usize = 3;

fn installed() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        metrics_runtime::builder()
            .max_series(MAX_SERIES)
            .install()
            .expect("nothing recorded yet");
        metrics_runtime::facade::install().expect("the first recorder");
    });
}

#[test]
fn names_are_made_valid_and_counters_end_in_total() {
    installed();
    metrics::counter!("http.server.requests", "http.method" => "GET").increment(2);
    metrics::counter!("jobs_done_total").increment(1);
    metrics::gauge!("9lives-left").set(3.0);
    let text = metrics_runtime::gather_text();
    assert_eq!(
        support::value(
            &text,
            "http_server_requests_total",
            &[("http_method", "GET")]
        ),
        Some(2.0)
    );
    assert_eq!(support::value(&text, "jobs_done_total", &[]), Some(1.0));
    assert!(!text.contains("jobs_done_total_total"));
    assert_eq!(support::value(&text, "_9lives_left", &[]), Some(3.0));
}

#[test]
fn a_name_used_as_two_kinds_keeps_the_first_without_panicking() {
    installed();
    metrics::gauge!("clash.depth").set(4.0);
    metrics::counter!("clash.depth").increment(1);
    metrics::histogram!("clash.depth").record(1.0);
    metrics::gauge!("clash.depth").increment(1.0);
    let text = metrics_runtime::gather_text();
    assert_eq!(support::value(&text, "clash_depth", &[]), Some(5.0));
    assert_eq!(support::value(&text, "clash_depth_total", &[]), None);
    assert_eq!(
        support::value(
            &text,
            "metrics_runtime_facade_dropped_total",
            &[("family", "clash_depth")]
        ),
        Some(2.0)
    );
}

#[test]
fn label_sets_past_the_limit_share_the_overflow_series() {
    installed();
    for user in ["a", "b", "c", "d", "e"] {
        metrics::counter!("logins", "user" => user).increment(1);
    }
    // A handle onto the overflow series counts each of its updates.
    let late = metrics::counter!("logins", "user" => "f");
    late.increment(5);
    late.increment(5);
    let text = metrics_runtime::gather_text();
    assert_eq!(
        support::samples(&text, "logins_total").len(),
        MAX_SERIES + 1
    );
    assert_eq!(
        support::value(&text, "logins_total", &[("user", "__overflow__")]),
        Some(12.0)
    );
    assert_eq!(
        support::value(
            &text,
            "metrics_runtime_series_overflow_total",
            &[("family", "logins_total")]
        ),
        Some(4.0)
    );
}

#[test]
fn increments_from_four_threads_are_all_counted() {
    installed();
    const EACH: u64 = 25_000;
    std::thread::scope(|scope| {
        for thread in 0..4 {
            scope.spawn(move || {
                let handle = metrics::counter!("parallel.handle");
                for i in 0..EACH {
                    handle.increment(1);
                    metrics::counter!("parallel.macro", "odd" => (i % 2 == 1).to_string())
                        .increment(1);
                    metrics::histogram!("parallel.seconds").record(f64::from(thread));
                }
            });
        }
    });
    let text = metrics_runtime::gather_text();
    let total = (4 * EACH) as f64;
    assert_eq!(
        support::value(&text, "parallel_handle_total", &[]),
        Some(total)
    );
    for odd in ["true", "false"] {
        assert_eq!(
            support::value(&text, "parallel_macro_total", &[("odd", odd)]),
            Some(total / 2.0)
        );
    }
    assert_eq!(
        support::value(&text, "parallel_seconds_count", &[]),
        Some(total)
    );
    assert_eq!(
        support::value(&text, "parallel_seconds_sum", &[]),
        Some(EACH as f64 * 6.0)
    );
}

#[test]
fn a_description_after_the_first_use_becomes_the_help() {
    installed();
    metrics::histogram!("late.described_seconds").record(0.1);
    let before = metrics_runtime::gather_text();
    assert!(before.contains("# HELP late_described_seconds `late.described_seconds`"));
    metrics::describe_histogram!(
        "late.described_seconds",
        metrics::Unit::Seconds,
        "Described after its first use."
    );
    let after = metrics_runtime::gather_text();
    assert!(
        after.contains("# HELP late_described_seconds Described after its first use.\n"),
        "{after}"
    );
    support::promtool_check(&after);
}

#[test]
fn a_name_another_collector_has_is_dropped_without_panicking() {
    installed();
    let taken = prometheus::IntCounter::new("taken_total", "Registered by hand.").unwrap();
    metrics_runtime::registry()
        .register(Box::new(taken.clone()))
        .unwrap();
    taken.inc();
    metrics::counter!("taken").increment(7);
    metrics::counter!("taken", "k" => "v").increment(7);
    let text = metrics_runtime::gather_text();
    assert_eq!(support::samples(&text, "taken_total").len(), 1, "{text}");
    assert_eq!(support::value(&text, "taken_total", &[]), Some(1.0));
}
