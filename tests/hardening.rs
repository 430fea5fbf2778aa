//! Regression tests for faults an adversarial review reproduced: each
//! failed on the code before its fix.

mod support;

use metrics_runtime::testing::capture;
use metrics_runtime::{instrumented, Family, LabelSet, LabelValue, MetricsFamily, OVERFLOW_VALUE};
use std::future::Future;

use prometheus::{IntCounter, IntGauge, Registry};

/// A generic function instrumented with a label of its type parameter.
#[instrumented(name = "hardening_graded", labels(grade))]
fn graded<G: LabelValue>(grade: G) {
    let _ = grade;
}

/// Two block-local enums of one name share their `type_name`: the indexed
/// series of the first must not serve the second.
#[test]
fn block_local_label_types_of_one_name_keep_their_own_series() {
    let first = {
        #[derive(LabelValue, Clone, Copy)]
        enum Grade {
            Low,
            #[allow(dead_code)]
            High,
        }
        Grade::Low
    };
    let second = {
        #[derive(LabelValue, Clone, Copy)]
        enum Grade {
            #[allow(dead_code)]
            Red,
            Amber,
        }
        Grade::Amber
    };
    let snapshot = capture(|| {
        graded(first);
        graded(second);
        graded(second);
    });
    let calls = |grade| snapshot.counter("hardening_graded_total", &[("grade", grade)]);
    assert_eq!(
        (calls("low"), calls("amber"), calls("high")),
        (1.0, 2.0, 0.0)
    );
    // The same outside a capture, on the indexed path.
    graded(first);
    graded(second);
    let text = metrics_runtime::gather_text();
    assert!(
        text.contains(r#"hardening_graded_total{grade="amber",result="ok"} 1"#),
        "{text}"
    );
    assert!(!text.contains(r#"grade="high""#), "{text}");
}

fn error_is_tolerable(result: &Result<(), String>) -> bool {
    matches!(result, Err(kind) if kind == "retry")
}

#[instrumented(name = "hardening_tolerant", error_kind, ok_if = error_is_tolerable_or_ok)]
fn tolerant(kind: Option<&str>) -> Result<(), String> {
    match kind {
        Some(kind) => Err(kind.to_owned()),
        None => Ok(()),
    }
}

fn error_is_tolerable_or_ok(result: &Result<(), String>) -> bool {
    result.is_ok() || error_is_tolerable(result)
}

/// `ok_if` judged the `retry` error ok: it is not counted as an error kind.
#[test]
fn error_kinds_count_only_calls_that_are_errors() {
    let snapshot = capture(|| {
        tolerant(None).unwrap();
        tolerant(Some("retry")).unwrap_err();
        tolerant(Some("fatal")).unwrap_err();
    });
    assert_eq!(
        snapshot.counter("hardening_tolerant_total", &[("result", "error")]),
        1.0
    );
    assert_eq!(
        snapshot.counter("hardening_tolerant_errors_total", &[]),
        1.0
    );
    assert_eq!(
        snapshot.counter("hardening_tolerant_errors_total", &[("kind", "fatal")]),
        1.0
    );
}

#[instrumented(name = "hardening_kinds", error_kind, max_series = 10)]
fn failing(kind: u32) -> Result<(), String> {
    Err(format!("error number {kind}"))
}

/// 50,000 kinds made 50,000 series: the errors family is bounded too.
#[test]
fn error_kinds_are_bounded_by_max_series() {
    let snapshot = capture(|| {
        for kind in 0..5_000 {
            failing(kind).unwrap_err();
        }
    });
    let kinds = snapshot.query("hardening_kinds_errors_total").count();
    assert!(
        kinds <= 11.0,
        "{kinds} series of error kinds for max_series = 10"
    );
    assert_eq!(
        snapshot.counter("hardening_kinds_errors_total", &[]),
        5_000.0
    );
    assert_eq!(
        snapshot.counter("hardening_kinds_errors_total", &[("kind", OVERFLOW_VALUE)]),
        4_990.0
    );
}

#[derive(LabelValue, Clone, Copy)]
enum Disk {
    Sda,
    Sdb,
}

#[derive(LabelSet)]
struct DiskLabels {
    disk: Disk,
}

#[derive(LabelSet)]
struct BoxLabels<'a> {
    host: &'a str,
}

#[derive(MetricsFamily)]
struct Inventory {
    /// Writes by disk: every disk is exported from the start.
    disk_writes_total: Family<DiskLabels, IntCounter>,
    /// Utilization by box, following the boxes that exist.
    box_utilization: Family<BoxLabels<'static>, IntGauge>,
}

/// A family registered in an explicit registry exports every label set
/// of a fixed cardinality at zero before its first use.
#[test]
fn register_creates_fixed_cardinality_children_at_zero() {
    let registry = Registry::new();
    let _inventory = Inventory::register(&registry).unwrap();
    let text = metrics_runtime::encode_text(&registry);
    assert!(
        text.contains(r#"disk_writes_total{disk="sda"} 0"#),
        "{text}"
    );
    assert!(
        text.contains(r#"disk_writes_total{disk="sdb"} 0"#),
        "{text}"
    );
}

/// A gauge per box, re-set at each poll; boxes that went away disappear.
#[test]
fn family_children_can_be_removed_and_cleared() {
    let registry = Registry::new();
    let inventory = Inventory::register(&registry).unwrap();
    let poll = |boxes: &[(&str, i64)]| {
        inventory.box_utilization.clear();
        for (host, used) in boxes {
            let host = host.to_string(); // borrowed from a value of the poll
            inventory
                .box_utilization
                .with(&BoxLabels { host: &host })
                .set(*used);
        }
    };
    poll(&[("a", 10), ("b", 20)]);
    poll(&[("b", 30), ("c", 40)]);
    let text = metrics_runtime::encode_text(&registry);
    assert!(!text.contains(r#"host="a""#), "{text}");
    assert!(text.contains(r#"box_utilization{host="b"} 30"#), "{text}");
    assert!(text.contains(r#"box_utilization{host="c"} 40"#), "{text}");
    assert!(inventory.box_utilization.remove(&BoxLabels { host: "c" }));
    assert!(!inventory.box_utilization.remove(&BoxLabels { host: "c" }));
    // An indexed family too: removed children come back at zero on use.
    inventory
        .disk_writes_total
        .with(&DiskLabels { disk: Disk::Sda })
        .inc_by(5);
    assert!(inventory
        .disk_writes_total
        .remove(&DiskLabels { disk: Disk::Sdb }));
    inventory
        .disk_writes_total
        .with(&DiskLabels { disk: Disk::Sda })
        .inc();
    let text = metrics_runtime::encode_text(&registry);
    assert!(!text.contains(r#"host="c""#), "{text}");
    assert!(
        text.contains(r#"disk_writes_total{disk="sda"} 6"#),
        "{text}"
    );
    assert!(!text.contains(r#"disk="sdb""#), "{text}");
    inventory
        .disk_writes_total
        .with(&DiskLabels { disk: Disk::Sdb })
        .inc();
    let text = metrics_runtime::encode_text(&registry);
    assert!(
        text.contains(r#"disk_writes_total{disk="sdb"} 1"#),
        "{text}"
    );
}

#[instrumented(name = "hardening_cancelled")]
async fn pending_once() {
    let mut yielded = false;
    std::future::poll_fn(|_| {
        if std::mem::replace(&mut yielded, true) {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
}

/// Scrapes during cancellations showed `_total` a call ahead of `_count`.
#[test]
fn total_and_count_agree_in_every_scrape_during_cancellations() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::task::{Context, Waker};

    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let cancelling = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let mut call = Box::pin(pending_once());
                let _ = call.as_mut().poll(&mut Context::from_waker(Waker::noop()));
                drop(call); // cancelled
            }
        })
    };
    for _ in 0..500 {
        let text = metrics_runtime::gather_text();
        let total: f64 = support::samples(&text, "hardening_cancelled_total")
            .iter()
            .map(|sample| sample.value)
            .sum();
        let count = support::value(&text, "hardening_cancelled_duration_seconds_count", &[]);
        assert_eq!(Some(total), count.or(Some(0.0)), "{text}");
    }
    stop.store(true, Ordering::Relaxed);
    cancelling.join().unwrap();
}

#[derive(Debug)]
struct Refused;

/// The usual way to write a `Send` async trait method by hand.
#[instrumented(name = "hardening_send_future")]
fn send_future(fail: bool) -> impl Future<Output = Result<(), Refused>> + Send {
    async move {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        if fail {
            Err(Refused)
        } else {
            Ok(())
        }
    }
}

/// It was measured when the future was built: `ok`, in no time.
#[tokio::test]
async fn a_function_returning_impl_future_is_measured_when_its_future_runs() {
    let snapshot = metrics_runtime::testing::capture_async(async {
        send_future(true).await.unwrap_err();
        send_future(false).await.unwrap();
        drop(send_future(false)); // never polled: cancelled
    })
    .await;
    let calls = |result| snapshot.counter("hardening_send_future_total", &[("result", result)]);
    assert_eq!(
        (calls("ok"), calls("error"), calls("cancelled")),
        (1.0, 1.0, 1.0)
    );
    let durations = snapshot.histogram("hardening_send_future_duration_seconds", &[]);
    assert_eq!(durations.count, 3);
    assert!(durations.sum >= 0.4, "{durations:?}");
    assert_eq!(snapshot.gauge("hardening_send_future_in_flight", &[]), 0.0);
}

trait Describe {
    fn describe(&self) -> String;
}

impl<T: std::fmt::Debug> Describe for T {
    #[instrumented]
    fn describe(&self) -> String {
        format!("{self:?}")
    }
}

/// A blanket impl's method was labelled `_::describe`.
#[test]
fn a_blanket_impl_method_is_labelled_by_its_trait() {
    let snapshot = capture(|| {
        assert_eq!(7u8.describe(), "7");
    });
    assert_eq!(
        snapshot.counter(
            "function_calls_total",
            &[("function", "Describe::describe")]
        ),
        1.0
    );
}
