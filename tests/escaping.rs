//! Any label value and help text survives both encoders: generated
//! strings round-trip through a parser of each format, and a sample of
//! them passes `promtool check metrics`.

mod support;

use prometheus::{IntCounterVec, Opts, Registry};
use proptest::prelude::*;

/// Parses one OpenMetrics sample line's label value back.
fn openmetrics_label_value(text: &str, name: &str) -> Option<String> {
    let line = text
        .lines()
        .find(|line| line.starts_with(&format!("{name}_total{{")))?;
    let start = line.find("{value=\"")? + "{value=\"".len();
    let mut value = String::new();
    let mut chars = line[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(value),
            '\\' => match chars.next()? {
                'n' => value.push('\n'),
                '\\' => value.push('\\'),
                '"' => value.push('"'),
                _ => return None,
            },
            c => value.push(c),
        }
    }
    None
}

fn registry_with(value: &str, help: &str) -> Registry {
    let registry = Registry::new();
    let counter = IntCounterVec::new(Opts::new("escaped_total", help), &["value"]).unwrap();
    registry.register(Box::new(counter.clone())).unwrap();
    counter.with_label_values(&[value]).inc();
    registry
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn label_values_round_trip_through_both_formats(value in any::<String>(), help in "[^\u{0}]{1,40}") {
        let registry = registry_with(&value, &help);
        let text = metrics_runtime::encode_text(&registry);
        let parsed = support::parse(&text);
        prop_assert_eq!(parsed.len(), 1);
        prop_assert_eq!(&parsed[0].labels[0].1, &value);

        let openmetrics = metrics_runtime::encode_openmetrics(&registry);
        prop_assert!(openmetrics.ends_with("# EOF\n"));
        prop_assert_eq!(openmetrics_label_value(&openmetrics, "escaped"), Some(value.clone()));
        // Each sample stays on one line whatever the value holds.
        prop_assert_eq!(openmetrics.lines().filter(|l| !l.starts_with('#')).count(), 1);
    }
}

#[test]
fn promtool_accepts_hostile_values_and_help() {
    let registry = Registry::new();
    let counter = IntCounterVec::new(
        Opts::new(
            "hostile_total",
            "Help with \\ backslash, \"quotes\"\nand a newline ✓",
        ),
        &["value"],
    )
    .unwrap();
    registry.register(Box::new(counter.clone())).unwrap();
    for value in [
        "",
        "\\",
        "\"",
        "\n",
        "\\n",
        "}{",
        "a=\"b\",c=\"d\"",
        "# HELP x y",
        "ünï\u{1F980}",
        "\t\r",
    ] {
        counter.with_label_values(&[value]).inc();
    }
    let text = metrics_runtime::encode_text(&registry);
    assert_eq!(support::parse(&text).len(), 10);
    support::promtool_check(&text);
}
