//! `#[instrumented]` on plain functions: results, labels, options.

mod support;

use std::borrow::Cow;
use std::panic::catch_unwind;

use metrics_runtime::instrumented;
use support::read;

#[derive(Debug, PartialEq)]
struct Failed;

#[instrumented(name = "sync_result", labels(tool))]
fn run_tool(tool: &str, succeed: bool) -> Result<u32, Failed> {
    if succeed {
        Ok(1)
    } else {
        Err(Failed)
    }
}

#[test]
fn result_decides_ok_or_error() {
    assert_eq!(run_tool("grep", true), Ok(1));
    assert_eq!(run_tool("grep", false), Err(Failed));
    assert_eq!(run_tool("grep", true), Ok(1));
    assert_eq!(run_tool("sed", false), Err(Failed));

    let grep = [("tool", "grep")];
    assert_eq!(
        read("sync_result_total", &[("tool", "grep"), ("result", "ok")]),
        2.0
    );
    assert_eq!(
        read(
            "sync_result_total",
            &[("tool", "grep"), ("result", "error")]
        ),
        1.0
    );
    assert_eq!(
        read("sync_result_total", &[("tool", "sed"), ("result", "error")]),
        1.0
    );
    assert_eq!(
        read("sync_result_total", &[("tool", "sed"), ("result", "panic")]),
        0.0
    );
    assert_eq!(read("sync_result_duration_seconds_count", &grep), 3.0);
    assert_eq!(
        read(
            "sync_result_duration_seconds_bucket",
            &[("tool", "grep"), ("le", "+Inf")]
        ),
        3.0
    );
    assert_eq!(read("sync_result_in_flight", &grep), 0.0);
}

#[instrumented(name = "sync_early_return")]
fn parse_port(text: &str) -> Result<u16, std::num::ParseIntError> {
    if text.is_empty() {
        return Ok(80);
    }
    let port: u16 = text.parse()?;
    Ok(port)
}

#[test]
fn early_return_and_question_mark_are_measured() {
    assert_eq!(parse_port(""), Ok(80));
    assert_eq!(parse_port("8080"), Ok(8080));
    assert!(parse_port("http").is_err());

    assert_eq!(read("sync_early_return_total", &[("result", "ok")]), 2.0);
    assert_eq!(read("sync_early_return_total", &[("result", "error")]), 1.0);
    assert_eq!(read("sync_early_return_duration_seconds_count", &[]), 3.0);
}

#[instrumented(name = "sync_plain")]
fn add(a: u32, b: u32) -> u32 {
    a + b
}

#[instrumented(name = "sync_unit")]
fn nothing() {}

#[test]
fn other_return_types_are_ok() {
    assert_eq!(add(2, 3), 5);
    nothing();
    assert_eq!(read("sync_plain_total", &[("result", "ok")]), 1.0);
    assert_eq!(read("sync_plain_total", &[("result", "error")]), 0.0);
    assert_eq!(read("sync_unit_total", &[("result", "ok")]), 1.0);
}

#[instrumented(name = "sync_panics", labels(stage))]
fn explode(stage: &str) -> Result<(), Failed> {
    if stage == "boom" {
        panic!("exploded on purpose");
    }
    Ok(())
}

#[test]
fn a_panic_is_counted_and_goes_on_unchanged() {
    let caught = catch_unwind(|| explode("boom"));
    let message = caught.expect_err("the panic must propagate");
    assert_eq!(message.downcast_ref::<&str>(), Some(&"exploded on purpose"));
    explode("fine").unwrap();

    let boom = [("stage", "boom")];
    assert_eq!(
        read(
            "sync_panics_total",
            &[("stage", "boom"), ("result", "panic")]
        ),
        1.0
    );
    assert_eq!(
        read("sync_panics_total", &[("stage", "boom"), ("result", "ok")]),
        0.0
    );
    assert_eq!(read("sync_panics_duration_seconds_count", &boom), 1.0);
    assert_eq!(read("sync_panics_in_flight", &boom), 0.0);
    assert_eq!(
        read("sync_panics_total", &[("stage", "fine"), ("result", "ok")]),
        1.0
    );
}

#[instrumented(name = "sync_gauge", labels(probe = "inside"))]
fn reads_its_own_gauge() -> f64 {
    read("sync_gauge_in_flight", &[("probe", "inside")])
}

#[test]
fn in_flight_counts_the_running_call() {
    assert_eq!(reads_its_own_gauge(), 1.0);
    assert_eq!(read("sync_gauge_in_flight", &[("probe", "inside")]), 0.0);
}

fn is_even(value: &u32) -> bool {
    value.is_multiple_of(2)
}

fn is_negative(value: &i64) -> bool {
    *value < 0
}

#[instrumented(name = "sync_ok_if", ok_if = is_even)]
fn status(code: u32) -> u32 {
    code
}

#[instrumented(name = "sync_error_if", error_if = is_negative)]
fn balance(amount: i64) -> i64 {
    amount
}

#[test]
fn ok_if_and_error_if_decide_instead_of_the_type() {
    status(2);
    status(3);
    status(4);
    balance(-1);
    balance(5);
    assert_eq!(read("sync_ok_if_total", &[("result", "ok")]), 2.0);
    assert_eq!(read("sync_ok_if_total", &[("result", "error")]), 1.0);
    assert_eq!(read("sync_error_if_total", &[("result", "ok")]), 1.0);
    assert_eq!(read("sync_error_if_total", &[("result", "error")]), 1.0);
}

struct Job {
    queue: String,
}

#[instrumented(
    name = "sync_label_kinds",
    labels(owned, shard, retry, grade, cow, region = "eu", queue = job.queue.as_str(), len = owned.len())
)]
fn label_kinds(owned: String, shard: i16, retry: bool, grade: char, cow: Cow<'_, str>, job: &Job) {
    let _ = (owned, shard, retry, grade, cow, job);
}

#[test]
fn every_label_value_type() {
    let job = Job {
        queue: "high".to_owned(),
    };
    label_kinds("own".to_owned(), -3, true, 'β', Cow::Borrowed("c"), &job);
    let labels = [
        ("owned", "own"),
        ("shard", "-3"),
        ("retry", "true"),
        ("grade", "β"),
        ("cow", "c"),
        ("region", "eu"),
        ("queue", "high"),
        ("len", "3"),
        ("result", "ok"),
    ];
    assert_eq!(read("sync_label_kinds_total", &labels), 1.0);
}

#[instrumented(name = "sync_escaping", labels(path))]
fn open(path: &str) {
    let _ = path;
}

#[test]
fn label_values_are_escaped() {
    let nasty = "C:\\dir\\\"quoted\"\nnext line ✓";
    open(nasty);
    let text = metrics_runtime::gather_text();
    assert!(
        text.contains(
            r#"sync_escaping_total{path="C:\\dir\\\"quoted\"\nnext line ✓",result="ok"} 1"#
        ),
        "{text}"
    );
    assert_eq!(
        read("sync_escaping_total", &[("path", nasty), ("result", "ok")]),
        1.0
    );
}

#[instrumented(
    name = "options",
    namespace = "sync",
    buckets = [0.5, 1, 2.5],
    help = "Work done by the options test"
)]
fn with_options() {}

#[instrumented(name = "sync_no_gauge", in_flight = false)]
fn without_gauge() {}

#[instrumented(name = "sync_no_histogram", duration = false)]
fn without_histogram() {}

#[test]
fn namespace_buckets_and_help() {
    with_options();
    let text = metrics_runtime::gather_text();
    assert!(text.contains(
        "# HELP sync_options_total Work done by the options test: completed calls by result.\n"
    ));
    assert!(text.contains("# TYPE sync_options_duration_seconds histogram\n"));
    let bounds: Vec<String> = support::samples(&text, "sync_options_duration_seconds_bucket")
        .into_iter()
        .map(|sample| sample.labels[0].1.clone())
        .collect();
    assert_eq!(bounds, ["0.5", "1", "2.5", "+Inf"]);
}

#[test]
fn families_can_be_left_out() {
    without_gauge();
    without_histogram();
    let text = metrics_runtime::gather_text();
    assert!(text.contains("sync_no_gauge_total{result=\"ok\"} 1"));
    assert!(text.contains("sync_no_gauge_duration_seconds_count 1"));
    assert!(!text.contains("sync_no_gauge_in_flight"));
    assert!(text.contains("sync_no_histogram_in_flight 0"));
    assert!(!text.contains("sync_no_histogram_duration"));
}

#[instrumented]
fn default_named() -> usize {
    7
}

#[test]
fn the_default_name_labels_function_and_module() {
    default_named();
    let labels = [
        ("function", "default_named"),
        ("module", "instrumented_sync"),
        ("result", "ok"),
    ];
    assert_eq!(read("function_calls_total", &labels), 1.0);
    let text = metrics_runtime::gather_text();
    assert!(text.contains(
        "# HELP function_calls_total Calls of functions marked #[instrumented]: completed calls by result.\n"
    ));
}

#[instrumented(name = "sync_generic", labels(ty = std::any::type_name::<T>()))]
fn describe<T: std::fmt::Debug>(value: T) -> String {
    format!("{value:?}")
}

#[instrumented(name = "sync_impl_trait")]
fn evens(limit: u32) -> impl Iterator<Item = u32> {
    (0..limit).filter(|n| n.is_multiple_of(2))
}

#[instrumented(name = "sync_impl_trait_result")]
fn checked_evens(limit: u32) -> Result<impl Iterator<Item = u32>, Failed> {
    if limit == 0 {
        return Err(Failed);
    }
    Ok((0..limit).filter(|n| n.is_multiple_of(2)))
}

#[test]
fn generic_and_impl_trait_functions() {
    assert_eq!(describe(1u8), "1");
    assert_eq!(describe("x"), "\"x\"");
    assert_eq!(evens(5).collect::<Vec<_>>(), [0, 2, 4]);
    assert!(checked_evens(0).is_err());
    assert_eq!(checked_evens(3).map(|it| it.count()), Ok(2));

    assert_eq!(
        read("sync_generic_total", &[("ty", "u8"), ("result", "ok")]),
        1.0
    );
    assert_eq!(
        read("sync_generic_total", &[("ty", "&str"), ("result", "ok")]),
        1.0
    );
    assert_eq!(read("sync_impl_trait_total", &[("result", "ok")]), 1.0);
    assert_eq!(
        read("sync_impl_trait_result_total", &[("result", "ok")]),
        1.0
    );
    assert_eq!(
        read("sync_impl_trait_result_total", &[("result", "error")]),
        1.0
    );
}

#[instrumented(name = "sync_threads", labels(worker))]
fn work(worker: usize) -> usize {
    worker
}

#[test]
fn concurrent_calls_lose_no_increment() {
    const THREADS: usize = 8;
    const CALLS: usize = 10_000;
    std::thread::scope(|scope| {
        for thread in 0..THREADS {
            scope.spawn(move || {
                for call in 0..CALLS {
                    work((thread + call) % 4);
                }
            });
        }
    });
    let text = metrics_runtime::gather_text();
    let total: f64 = support::samples(&text, "sync_threads_total")
        .iter()
        .map(|s| s.value)
        .sum();
    assert_eq!(total, (THREADS * CALLS) as f64);
    let counts: f64 = support::samples(&text, "sync_threads_duration_seconds_count")
        .iter()
        .map(|s| s.value)
        .sum();
    assert_eq!(counts, (THREADS * CALLS) as f64);
}

#[instrumented(name = "sync_never")]
fn never_returns(message: &str) -> ! {
    panic!("{message}")
}

#[test]
fn a_function_that_never_returns_counts_its_panic() {
    assert!(catch_unwind(|| never_returns("gone")).is_err());
    assert_eq!(read("sync_never_total", &[("result", "panic")]), 1.0);
}
