//! With the runtime's `disabled` feature every call site is the bare
//! function: nothing is registered, no label is evaluated.
//! Run with `cargo test --test disabled --features disabled`.
#![cfg(feature = "disabled")]
#![deny(warnings)]

use std::sync::atomic::{AtomicUsize, Ordering};

use metrics_runtime::instrumented;

static LABELS_EVALUATED: AtomicUsize = AtomicUsize::new(0);

fn counted(value: &str) -> &str {
    LABELS_EVALUATED.fetch_add(1, Ordering::Relaxed);
    value
}

#[instrumented(name = "disabled_sync", labels(tool, copy = counted(tool)))]
fn sync_call(tool: &str) -> Result<usize, ()> {
    Ok(tool.len())
}

#[instrumented(name = "disabled_async")]
async fn async_call(value: u8) -> u8 {
    value + 1
}

fn is_small<T: PartialOrd<u8>>(value: &T) -> bool {
    *value < 10
}

#[instrumented(name = "disabled_generic_ok_if", ok_if = is_small)]
fn generic_ok_if(value: u8) -> u8 {
    value
}

// Regression: the `disabled` expansion once wrapped bodies in a second
// block, an `unused_braces` warning on one-line bodies.
#[rustfmt::skip]
#[instrumented(name = "disabled_one_line")]
fn one_line(s: &str) -> &str { s }

struct Service;

#[instrumented]
impl Service {
    fn method(&self) -> u8 {
        1
    }
}

#[tokio::test]
async fn call_sites_are_the_bare_functions() {
    assert_eq!(sync_call("grep"), Ok(4));
    assert_eq!(async_call(1).await, 2);
    assert_eq!(Service.method(), 1);
    assert_eq!(generic_ok_if(3), 3);
    assert_eq!(one_line("x"), "x");

    assert_eq!(LABELS_EVALUATED.load(Ordering::Relaxed), 0);
    // Only what the `prometheus` crate registers itself (its process
    // collector, with the `process` feature) may be there.
    let text = metrics_runtime::gather_text();
    let ours: Vec<&str> = text
        .lines()
        .filter(|line| !line.starts_with('#') && !line.starts_with("process_"))
        .collect();
    assert!(ours.is_empty(), "nothing may be registered, found:\n{text}");
}
