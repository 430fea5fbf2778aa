//! A constant label of `builder()` that a function also declares is
//! refused for that function (logged), never exported as an invalid sample.
//! One test per binary: the settings are process-wide.

mod support;

use metrics_runtime::instrumented;

#[instrumented(name = "clash_tool", labels(tool))]
fn uses_tool(tool: &str) {
    let _ = tool;
}

#[instrumented(name = "clash_free")]
fn free_of_clashes() {}

#[test]
fn a_clashing_constant_label_keeps_only_that_family_out() {
    assert!(metrics_runtime::builder()
        .const_label("function", "x")
        .install()
        .is_err());
    metrics_runtime::builder()
        .const_label("tool", "everywhere")
        .install()
        .unwrap();
    uses_tool("grep");
    free_of_clashes();
    let text = metrics_runtime::gather_text();
    assert!(!text.contains("clash_tool_total"), "{text}");
    assert_eq!(
        support::value(
            &text,
            "clash_free_total",
            &[("tool", "everywhere"), ("result", "ok")]
        ),
        Some(1.0)
    );
    support::promtool_check(&text);
}
