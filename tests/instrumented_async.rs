//! `#[instrumented]` on `async fn`: results, cancellation, panics, `Send`.

mod support;

use std::time::Duration;

use metrics_runtime::instrumented;
use support::read;

#[derive(Debug, PartialEq)]
struct Failed;

#[instrumented(name = "async_result", labels(tool))]
async fn call_tool(tool: &str, succeed: bool) -> Result<u32, Failed> {
    tokio::task::yield_now().await;
    if !succeed {
        return Err(Failed);
    }
    let parsed: u32 = "7".parse().map_err(|_| Failed)?;
    Ok(parsed)
}

#[tokio::test]
async fn result_decides_ok_or_error() {
    assert_eq!(call_tool("fetch", true).await, Ok(7));
    assert_eq!(call_tool("fetch", false).await, Err(Failed));
    assert_eq!(call_tool("fetch", true).await, Ok(7));

    assert_eq!(
        read("async_result_total", &[("tool", "fetch"), ("result", "ok")]),
        2.0
    );
    assert_eq!(
        read(
            "async_result_total",
            &[("tool", "fetch"), ("result", "error")]
        ),
        1.0
    );
    assert_eq!(
        read("async_result_duration_seconds_count", &[("tool", "fetch")]),
        3.0
    );
    assert_eq!(read("async_result_in_flight", &[("tool", "fetch")]), 0.0);
}

#[instrumented(name = "async_slow", labels(waiter))]
async fn wait_forever(waiter: &str) -> u32 {
    let _ = waiter;
    tokio::time::sleep(Duration::from_secs(3600)).await;
    1
}

#[tokio::test(start_paused = true)]
async fn a_dropped_future_counts_as_cancelled() {
    let timed_out = tokio::time::timeout(Duration::from_millis(10), wait_forever("timeout")).await;
    assert!(timed_out.is_err());

    tokio::select! {
        _ = wait_forever("select") => unreachable!("the other branch is ready first"),
        _ = tokio::time::sleep(Duration::from_millis(5)) => {}
    }

    for waiter in ["timeout", "select"] {
        assert_eq!(
            read(
                "async_slow_total",
                &[("waiter", waiter), ("result", "cancelled")]
            ),
            1.0
        );
        assert_eq!(
            read("async_slow_total", &[("waiter", waiter), ("result", "ok")]),
            0.0
        );
        assert_eq!(
            read("async_slow_duration_seconds_count", &[("waiter", waiter)]),
            1.0
        );
        assert_eq!(read("async_slow_in_flight", &[("waiter", waiter)]), 0.0);
    }
}

#[tokio::test(start_paused = true)]
async fn in_flight_counts_a_pending_future() {
    let pending = tokio::spawn(wait_forever("pending"));
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(read("async_slow_in_flight", &[("waiter", "pending")]), 1.0);
    pending.abort();
    assert!(pending.await.unwrap_err().is_cancelled());
    assert_eq!(read("async_slow_in_flight", &[("waiter", "pending")]), 0.0);
    assert_eq!(
        read(
            "async_slow_total",
            &[("waiter", "pending"), ("result", "cancelled")]
        ),
        1.0
    );
}

#[instrumented(name = "async_panic", labels(stage))]
async fn explode(stage: &'static str) -> Result<(), Failed> {
    tokio::task::yield_now().await;
    if stage == "boom" {
        panic!("exploded on purpose");
    }
    Ok(())
}

#[tokio::test]
async fn a_panic_in_a_spawned_task_is_a_panic_not_a_cancellation() {
    let joined = tokio::spawn(explode("boom")).await;
    let error = joined.expect_err("the task panicked");
    assert!(error.is_panic());

    assert_eq!(
        read(
            "async_panic_total",
            &[("stage", "boom"), ("result", "panic")]
        ),
        1.0
    );
    assert_eq!(
        read(
            "async_panic_total",
            &[("stage", "boom"), ("result", "cancelled")]
        ),
        0.0
    );
    assert_eq!(
        read("async_panic_duration_seconds_count", &[("stage", "boom")]),
        1.0
    );
    assert_eq!(read("async_panic_in_flight", &[("stage", "boom")]), 0.0);
}

#[instrumented(name = "async_send", labels(worker))]
async fn shared_work(worker: usize) -> Result<usize, Failed> {
    tokio::task::yield_now().await;
    Ok(worker)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn futures_are_send_and_exact_across_threads() {
    const TASKS: usize = 64;
    const CALLS: usize = 200;
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            tokio::spawn(async move {
                for call in 0..CALLS {
                    shared_work((task + call) % 3).await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let text = metrics_runtime::gather_text();
    let ok: f64 = support::samples(&text, "async_send_total")
        .iter()
        .filter(|s| s.labels.iter().any(|(k, v)| k == "result" && v == "ok"))
        .map(|s| s.value)
        .sum();
    assert_eq!(ok, (TASKS * CALLS) as f64);
}

#[instrumented(name = "async_impl_trait")]
async fn numbers() -> impl Iterator<Item = u8> {
    [1, 2, 3].into_iter()
}

#[instrumented(name = "async_borrowed", labels(key = key.len()))]
async fn first_word(key: &str) -> &str {
    key.split(' ').next().unwrap_or_default()
}

#[tokio::test]
async fn impl_trait_and_borrowed_returns() {
    assert_eq!(numbers().await.sum::<u8>(), 6);
    assert_eq!(first_word("hello world").await, "hello");
    assert_eq!(read("async_impl_trait_total", &[("result", "ok")]), 1.0);
    assert_eq!(
        read("async_borrowed_total", &[("key", "11"), ("result", "ok")]),
        1.0
    );
}

#[test]
fn labels_are_evaluated_when_the_future_starts() {
    let future = call_tool("lazy", true);
    assert_eq!(
        support::value(
            &metrics_runtime::gather_text(),
            "async_result_total",
            &[("tool", "lazy")]
        ),
        None
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(runtime.block_on(future), Ok(7));
    assert_eq!(
        read("async_result_total", &[("tool", "lazy"), ("result", "ok")]),
        1.0
    );
}

#[test]
fn a_panic_caught_around_poll_is_a_panic_even_if_the_future_is_dropped_later() {
    use std::future::Future;
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::task::{Context, Waker};

    let mut future = Box::pin(explode_at_once("caught-by-executor"));
    let mut context = Context::from_waker(Waker::noop());
    let polled = catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(&mut context)));
    assert!(polled.is_err());
    drop(future);

    let labels = [("stage", "caught-by-executor")];
    assert_eq!(
        read(
            "async_panic_at_once_total",
            &[labels[0], ("result", "panic")]
        ),
        1.0
    );
    assert_eq!(
        read(
            "async_panic_at_once_total",
            &[labels[0], ("result", "cancelled")]
        ),
        0.0
    );
    assert_eq!(read("async_panic_at_once_in_flight", &labels), 0.0);
}

#[instrumented(name = "async_panic_at_once", labels(stage))]
async fn explode_at_once(stage: &'static str) {
    panic!("{stage}");
}

#[test]
fn a_pending_future_dropped_by_an_unrelated_panic_is_cancelled() {
    use std::future::Future;
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::task::{Context, Waker};

    let unwound = catch_unwind(AssertUnwindSafe(|| {
        let mut pending = Box::pin(pending_forever("unrelated-panic"));
        let mut context = Context::from_waker(Waker::noop());
        assert!(pending.as_mut().poll(&mut context).is_pending());
        // `pending` is dropped while this panic unwinds, but its body did not panic.
        panic!("elsewhere");
    }));
    assert!(unwound.is_err());
    let waiter = [("waiter", "unrelated-panic")];
    assert_eq!(
        read("async_pending_total", &[waiter[0], ("result", "cancelled")]),
        1.0
    );
    assert_eq!(
        read("async_pending_total", &[waiter[0], ("result", "panic")]),
        0.0
    );
    assert_eq!(read("async_pending_in_flight", &waiter), 0.0);
}

#[test]
fn a_future_never_polled_is_not_counted() {
    let never_polled = call_tool("never-polled", true);
    drop(never_polled);
    let text = metrics_runtime::gather_text();
    assert_eq!(
        support::value(&text, "async_result_total", &[("tool", "never-polled")]),
        None
    );
}

#[instrumented(name = "async_pending", labels(waiter))]
async fn pending_forever(waiter: &str) {
    let _ = waiter;
    std::future::pending::<()>().await;
}
