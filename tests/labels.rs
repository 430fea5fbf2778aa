//! Typed labels: derived `LabelValue` enums, `LabelSet` structs, the
//! fixed-cardinality path of `#[instrumented]`, and `error_kind`.

mod support;

use metrics_runtime::{instrumented, LabelBuf, LabelSet, LabelValue};
use support::read;

#[derive(LabelValue, Clone, Copy, Debug, PartialEq)]
enum Status {
    Success,
    RateLimited,
    CircuitOpen,
    #[label = "denied_by_policy"]
    Denied,
}

#[test]
fn derived_label_values_are_snake_case_with_a_fixed_cardinality() {
    let all = [
        Status::Success,
        Status::RateLimited,
        Status::CircuitOpen,
        Status::Denied,
    ];
    let texts: Vec<String> = all
        .iter()
        .map(|status| status.label_value(&mut LabelBuf::new()).to_owned())
        .collect();
    assert_eq!(
        texts,
        [
            "success",
            "rate_limited",
            "circuit_open",
            "denied_by_policy"
        ]
    );
    assert_eq!(<Status as LabelValue>::CARDINALITY, Some(4));
    let indices: Vec<usize> = all.iter().map(LabelValue::label_index).collect();
    assert_eq!(indices, [0, 1, 2, 3]);
    assert_eq!(<&Status as LabelValue>::CARDINALITY, Some(4));
}

#[derive(LabelValue, Clone, Copy)]
enum Region {
    Eu,
    Us,
}

#[derive(LabelSet)]
struct Route<'a> {
    region: Region,
    status: Status,
    retried: bool,
    path: &'a str,
}

#[derive(LabelSet)]
struct Fixed {
    region: Region,
    status: Status,
    retried: bool,
}

#[test]
fn label_sets_name_their_fields_and_index_every_combination_once() {
    assert_eq!(Route::NAMES, ["region", "status", "retried", "path"]);
    assert_eq!(Route::CARDINALITY, None);
    assert_eq!(Fixed::CARDINALITY, Some(2 * 4 * 2));
    let route = Route {
        region: Region::Us,
        status: Status::CircuitOpen,
        retried: true,
        path: "/a",
    };
    route.with_values(|values| assert_eq!(values, ["us", "circuit_open", "true", "/a"]));

    let mut seen = std::collections::HashSet::new();
    for region in [Region::Eu, Region::Us] {
        for status in [
            Status::Success,
            Status::RateLimited,
            Status::CircuitOpen,
            Status::Denied,
        ] {
            for retried in [false, true] {
                let index = Fixed {
                    region,
                    status,
                    retried,
                }
                .index();
                assert!(index < 16);
                assert!(seen.insert(index), "index {index} given twice");
            }
        }
    }
}

#[instrumented(name = "labels_enum", labels(status, region = "eu"))]
fn respond(status: Status) -> u8 {
    status as u8
}

#[test]
fn an_enum_label_counts_each_variant_apart() {
    for _ in 0..3 {
        respond(Status::Success);
    }
    respond(Status::Denied);
    respond(Status::RateLimited);
    respond(Status::Denied);
    let count = |status| {
        read(
            "labels_enum_total",
            &[("status", status), ("region", "eu"), ("result", "ok")],
        )
    };
    assert_eq!(count("success"), 3.0);
    assert_eq!(count("denied_by_policy"), 2.0);
    assert_eq!(count("rate_limited"), 1.0);
    let text = metrics_runtime::gather_text();
    assert_eq!(
        support::value(&text, "labels_enum_total", &[("status", "circuit_open")]),
        None
    );
}

#[instrumented(name = "labels_generic", labels(value))]
fn any_label<T: LabelValue>(value: T) {
    let _ = value;
}

#[test]
fn a_generic_label_of_several_types_keeps_them_apart() {
    // One call site, three label types: only the first is indexed, the
    // others are hashed, and none may take another's series.
    any_label(Region::Eu);
    any_label(Status::RateLimited);
    any_label(true);
    any_label(Region::Eu);
    any_label(Status::Success);
    any_label("text");
    let count = |value| {
        read(
            "labels_generic_total",
            &[("value", value), ("result", "ok")],
        )
    };
    assert_eq!(count("eu"), 2.0);
    assert_eq!(count("rate_limited"), 1.0);
    assert_eq!(count("success"), 1.0);
    assert_eq!(count("true"), 1.0);
    assert_eq!(count("text"), 1.0);
}

#[derive(LabelValue, Debug, PartialEq)]
enum ActionError {
    Timeout,
    Killed,
    InvalidArgs,
}

#[instrumented(name = "labels_action", labels(tool), error_kind)]
fn run_action(tool: &str, outcome: Result<u32, ActionError>) -> Result<u32, ActionError> {
    let _ = tool;
    outcome
}

#[instrumented(name = "labels_action_async", error_kind)]
async fn run_action_async(outcome: Result<(), ActionError>) -> Result<(), ActionError> {
    tokio::task::yield_now().await;
    outcome
}

#[tokio::test]
async fn error_kind_counts_errors_by_their_label() {
    run_action("grep", Ok(1)).unwrap();
    run_action("grep", Err(ActionError::Timeout)).unwrap_err();
    run_action("grep", Err(ActionError::Timeout)).unwrap_err();
    run_action("sed", Err(ActionError::InvalidArgs)).unwrap_err();
    run_action_async(Err(ActionError::Killed))
        .await
        .unwrap_err();
    run_action_async(Ok(())).await.unwrap();

    let errors = |tool, kind| {
        read(
            "labels_action_errors_total",
            &[("tool", tool), ("kind", kind)],
        )
    };
    assert_eq!(errors("grep", "timeout"), 2.0);
    assert_eq!(errors("sed", "invalid_args"), 1.0);
    assert_eq!(
        read(
            "labels_action_total",
            &[("tool", "grep"), ("result", "error")]
        ),
        2.0
    );
    assert_eq!(
        read("labels_action_total", &[("tool", "grep"), ("result", "ok")]),
        1.0
    );
    assert_eq!(
        read("labels_action_async_errors_total", &[("kind", "killed")]),
        1.0
    );
    let text = metrics_runtime::gather_text();
    assert!(text.contains("# TYPE labels_action_errors_total counter\n"));
    assert_eq!(
        support::value(&text, "labels_action_errors_total", &[("kind", "killed")]),
        None
    );
    support::promtool_check(&text);
}
