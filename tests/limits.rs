//! Series limits: past `max_series`, new label sets share one
//! `__overflow__` series, are counted, and memory stays bounded.

mod support;

use std::sync::Mutex;

use metrics_runtime::{instrumented, OVERFLOW_VALUE};

/// The footprint is process-wide: these tests take turns.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

#[instrumented(name = "limited", labels(key, region = "eu"), max_series = 3)]
fn limited(key: &str) -> Result<(), ()> {
    let _ = key;
    Ok(())
}

#[test]
fn label_sets_past_the_limit_share_the_overflow_series() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    for key in ["a", "b", "c", "d", "e", "a", "f"] {
        limited(key).unwrap();
    }
    let text = metrics_runtime::gather_text();
    let ok = |key| support::value(&text, "limited_total", &[("key", key), ("result", "ok")]);
    assert_eq!(
        (ok("a"), ok("b"), ok("c")),
        (Some(2.0), Some(1.0), Some(1.0))
    );
    assert_eq!(ok("d"), None);
    assert_eq!(
        support::value(
            &text,
            "limited_total",
            &[
                ("key", OVERFLOW_VALUE),
                ("region", "eu"), // a literal label keeps its value
                ("result", "ok")
            ]
        ),
        Some(3.0)
    );
    assert_eq!(
        support::value(
            &text,
            "metrics_runtime_series_overflow_total",
            &[("family", "limited")]
        ),
        Some(3.0)
    );
    let total: f64 = support::samples(&text, "limited_total")
        .iter()
        .map(|s| s.value)
        .sum();
    assert_eq!(total, 7.0, "no call is lost");
    support::promtool_check(&text);
}

#[instrumented(name = "flooded", labels(id), max_series = 100)]
fn flooded(id: u64) {
    let _ = id;
}

#[test]
fn a_million_distinct_label_values_keep_memory_bounded() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let before = metrics_runtime::__private::footprint();
    for id in 0..1_000_000u64 {
        flooded(id);
    }
    let after = metrics_runtime::__private::footprint();
    let added = after.series - before.series;
    assert!(added <= 101, "{added} series for a limit of 100");
    assert!(
        after.bytes - before.bytes < 200 * 1024,
        "{} bytes for 100 series",
        after.bytes - before.bytes
    );
    let text = metrics_runtime::gather_text();
    assert_eq!(
        support::value(
            &text,
            "flooded_total",
            &[("id", OVERFLOW_VALUE), ("result", "ok")]
        ),
        Some(999_900.0)
    );
}

#[derive(metrics_runtime::LabelSet)]
struct Customer<'a> {
    customer: &'a str,
}

#[derive(metrics_runtime::MetricsFamily)]
struct PerCustomer {
    /// Orders by customer, a label of unbounded cardinality.
    #[metric(max_series = 3)]
    limited_orders_total: metrics_runtime::Family<Customer<'static>, prometheus::IntCounter>,
}

#[test]
fn a_family_past_its_limit_shares_the_overflow_child() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let registry = prometheus::Registry::new();
    let metrics = PerCustomer::register(&registry).unwrap();
    for customer in ["a", "b", "c", "d", "e", "a", "f"] {
        let name = customer.to_owned(); // borrowed for this iteration only
        metrics
            .limited_orders_total
            .with(&Customer { customer: &name })
            .inc();
    }
    let text = metrics_runtime::encode_text(&registry);
    let orders =
        |customer| support::value(&text, "limited_orders_total", &[("customer", customer)]);
    assert_eq!(
        (orders("a"), orders("b"), orders("c"), orders("d")),
        (Some(2.0), Some(1.0), Some(1.0), None)
    );
    assert_eq!(orders(OVERFLOW_VALUE), Some(3.0));
    assert_eq!(
        support::value(
            &text,
            "metrics_runtime_series_overflow_total",
            &[("family", "limited_orders_total")]
        ),
        Some(3.0),
        "counted in the family's own registry"
    );
}

#[instrumented(max_series = 1, labels(key))]
fn tight(key: &str) {
    let _ = key;
}

#[instrumented(labels(key))]
fn roomy(key: &str) {
    let _ = key;
}

#[instrumented(max_series = 1, labels(key))]
fn also_tight(key: &str) {
    let _ = key;
}

/// Regression: every function under the default name shared one series
/// table and the first one's limit; and overflow series replaced the
/// `function` and `module` labels too, so two overflowing functions wrote
/// the same series twice.
#[test]
fn default_name_functions_keep_their_own_limit_and_overflow_series() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    for key in ["a", "b", "c"] {
        tight(key);
        roomy(key);
        also_tight(key);
    }
    let text = metrics_runtime::gather_text();
    let calls = |function, key| {
        support::value(
            &text,
            "function_calls_total",
            &[("function", function), ("key", key), ("result", "ok")],
        )
    };
    assert_eq!(
        (
            calls("roomy", "a"),
            calls("roomy", "b"),
            calls("roomy", "c")
        ),
        (Some(1.0), Some(1.0), Some(1.0)),
        "roomy keeps the default limit"
    );
    for function in ["tight", "also_tight"] {
        assert_eq!(calls(function, "a"), Some(1.0));
        assert_eq!(calls(function, OVERFLOW_VALUE), Some(2.0), "{function}");
    }
    let mut keys: Vec<&str> = text
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.rsplit_once(' ').map(|(key, _)| key))
        .collect();
    let all = keys.len();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), all, "a series appears twice in:\n{text}");
}
