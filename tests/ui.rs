//! Compile errors of `#[instrumented]` and of the `MetricsFamily`,
//! `LabelValue` and `LabelSet` derives: each case in `tests/ui/` is one
//! mistake, with the message and span the user sees in its `.stderr`.
//! `tests/ui/pass/` holds programs that look close to a mistake but are not.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
