//! Guards the exposition while the encoders change: one program using
//! every kind of series passes `promtool` and the strict OpenMetrics parser
//! of Python's `prometheus_client`, and `encode_text`, `encode_openmetrics`
//! and the `prometheus` crate's own `TextEncoder` say the same thing, in
//! whatever order (an order may change, a sample or a label value may not).

mod support;

use metrics_runtime::MetricsFamily;
use prometheus::{Histogram, Registry};

use program::{program, ODD};
use support::content::{self, Format};

#[path = "support/program.rs"]
mod program;

/// Samples the program must have, each given by its name, some of its
/// labels and its value: proof that the expositions compared below hold
/// every kind of series.
const EXPECTED: [(usize, &str); 12] = [
    (0, r#"parsers_lookup_errors_total{kind="not_found"} 1"#),
    (
        0,
        r#"parsers_lookup_duration_seconds_bucket{key="x",le="1"} 2"#,
    ),
    (0, r#"stuck_in_flight 1"#),
    (0, r#"stuck_total{result="cancelled"} 1"#),
    (0, r#"hold_in_flight 1"#),
    (0, r#"crash_total{result="panic"} 1"#),
    (
        0,
        r#"tenant_calls_total{tenant="__overflow__",result="ok"} 7"#,
    ),
    (0, r#"function_calls_total{function="plain",result="ok"} 1"#),
    (
        0,
        r#"foreign_rpc_seconds{method="say \"hi\"",quantile="0.99"} 0.125"#,
    ),
    (0, r#"parsers_derived_connections{method="get"} 0"#),
    (
        1,
        r#"prefix_parsers_derived_peers_total{peer="__overflow__"} 7"#,
    ),
    (
        1,
        r#"prefix_metrics_runtime_series_overflow_total{zone="eu \"1\" \\ ✓"} 7"#,
    ),
];

#[test]
fn the_program_exposes_every_kind_of_series() {
    let texts = program().map(metrics_runtime::encode_text);
    for key in ODD {
        let ok = [("key", key), ("store", "kv"), ("result", "ok")];
        let value = support::value(&texts[0], "parsers_lookup_total", &ok);
        assert_eq!(value, Some(1.0), "{key:?}");
        let ok = [("key", key), ("zone", "eu \"1\" \\ ✓"), ("result", "ok")];
        let value = support::value(&texts[1], "prefix_prefixed_call_total", &ok);
        assert_eq!(value, Some(1.0), "{key:?}");
    }
    for (registry, line) in EXPECTED {
        let [expected] = <[support::Sample; 1]>::try_from(support::parse(line)).unwrap();
        let labels: Vec<(&str, &str)> = expected
            .labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let value = support::value(&texts[registry], &expected.name, &labels);
        assert_eq!(
            value,
            Some(expected.value),
            "{line} in:\n{}",
            texts[registry]
        );
    }
}

#[test]
fn promtool_accepts_the_text_exposition() {
    for registry in program() {
        support::promtool_check(&metrics_runtime::encode_text(registry));
    }
}

#[test]
fn prometheus_client_reads_the_openmetrics_exposition_as_we_do() {
    for registry in program() {
        let text = metrics_runtime::encode_openmetrics(registry);
        let Some((samples, families)) = support::prometheus_client::parse_openmetrics(&text) else {
            return;
        };
        let (ours, our_families) = content::openmetrics(&text);
        content::assert_same("prometheus_client's samples and ours", &samples, &ours);
        content::assert_same(
            "prometheus_client's families and ours",
            &families,
            &our_families,
        );
    }
}

#[test]
fn encode_text_says_what_the_prometheus_text_encoder_says() {
    for registry in program() {
        let ours = metrics_runtime::encode_text(registry);
        let theirs = prometheus::TextEncoder::new()
            .encode_to_string(&registry.gather())
            .unwrap();
        let samples = (content::samples(&ours), content::samples(&theirs));
        content::assert_same(
            "samples of encode_text and TextEncoder",
            &samples.0,
            &samples.1,
        );
        let (ours, theirs) = (
            content::families(&ours, Format::Text),
            content::families(&theirs, Format::Text),
        );
        content::assert_same("families of encode_text and TextEncoder", &ours, &theirs);
    }
}

#[test]
fn encode_openmetrics_says_what_encode_text_says() {
    for registry in program() {
        let text = metrics_runtime::encode_text(registry);
        let (text_samples, text_families) = content::text_as_openmetrics(&text);
        let (samples, families) =
            content::openmetrics(&metrics_runtime::encode_openmetrics(registry));
        content::assert_same(
            "samples of encode_text and encode_openmetrics",
            &text_samples,
            &samples,
        );
        content::assert_same(
            "families of encode_text and encode_openmetrics",
            &text_families,
            &families,
        );
    }
}

#[test]
fn the_comparison_sees_a_changed_label_value_but_not_a_changed_order() {
    let text = "# TYPE a counter\na{x=\"1\",y=\"a\\\\nb\"} 1\na{x=\"2\",y=\"\"} 2\n";
    let reordered = "# TYPE a counter\na{x=\"2\",y=\"\"} 2.0\na{y=\"a\\\\nb\",x=\"1\"} 1\n";
    let unescaped = "# TYPE a counter\na{x=\"1\",y=\"a\\nb\"} 1\na{x=\"2\",y=\"\"} 2\n";
    assert_eq!(content::samples(text), content::samples(reordered));
    assert_ne!(content::samples(text), content::samples(unescaped));
    let openmetrics =
        "# TYPE a counter\na_total{x=\"1\",y=\"a\\\\nb\"} 1\na_total{x=\"2\",y=\"\"} 2\n# EOF\n";
    assert_eq!(
        content::text_as_openmetrics(text).0,
        content::openmetrics(openmetrics).0
    );
}

/// Regression: `encode_text` panicked on an untyped family (`not
/// implemented`, from the `prometheus` crate's `TextEncoder`), where
/// `encode_openmetrics` writes the family as `unknown`.
#[test]
fn an_untyped_family_is_in_both_expositions() {
    let registry = Registry::new();
    support::foreign::register_untyped(&registry, &ODD);
    let text = metrics_runtime::encode_text(&registry);
    support::promtool_check(&text);
    let (samples, families) = content::text_as_openmetrics(&text);
    let openmetrics = content::openmetrics(&metrics_runtime::encode_openmetrics(&registry));
    content::assert_same("untyped samples", &samples, &openmetrics.0);
    content::assert_same("untyped families", &families, &openmetrics.1);
}

#[derive(MetricsFamily)]
struct Drift {
    /// Clock drift, either way.
    #[metric(buckets = [-0.1, 0.0, 0.1])]
    clock_drift_seconds: Histogram,
}

/// Regression: OpenMetrics 1.0 says a histogram with a negative bucket
/// bound "MUST NOT contain a sum value", and `prometheus_client` rejected
/// `encode_openmetrics`'s output: "Counter-like samples cannot be negative:
/// clock_drift_seconds_sum -0.05" here, "Cannot have _sum with negative
/// buckets" where the sum is positive. Without a sum, OpenMetrics allows
/// no `_count` either: the `+Inf` bucket holds it.
#[test]
fn a_histogram_with_negative_bounds_is_valid_openmetrics() {
    let registry = Registry::new();
    Drift::register(&registry)
        .unwrap()
        .clock_drift_seconds
        .observe(-0.05);
    let text = metrics_runtime::encode_openmetrics(&registry);
    let Some((samples, _)) = support::prometheus_client::parse_openmetrics(&text) else {
        return;
    };
    assert!(
        samples
            .iter()
            .any(|(name, labels, value)| name == "clock_drift_seconds_bucket"
                && labels.iter().any(|(k, v)| k == "le" && v == "+Inf")
                && value == "1.0"),
        "{text}"
    );
    assert!(!text.contains("clock_drift_seconds_sum"), "{text}");
    assert!(metrics_runtime::encode_text(&registry).contains("clock_drift_seconds_sum -0.05"));
}
