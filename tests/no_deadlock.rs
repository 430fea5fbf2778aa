//! Nothing the toolkit does while a registry is being gathered registers
//! into it: each scenario below hung `gather()` forever before, and runs
//! under a watchdog that fails the test instead of hanging it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use metrics_runtime::{instrumented, Family, LabelSet, MetricsFamily};
use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{Gauge, IntCounter};

/// Runs `f` on a thread of its own; fails if it takes over 30 s.
fn within_30s<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, answer) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(f());
    });
    match answer.recv_timeout(Duration::from_secs(30)) {
        Ok(value) => value,
        Err(RecvTimeoutError::Timeout) => panic!("{what} hung for 30 s"),
        Err(RecvTimeoutError::Disconnected) => panic!("{what} panicked"),
    }
}

/// A collector of the user's own that runs `action` the first time it is
/// collected, then exports nothing.
struct RunsOnce {
    desc: Desc,
    done: AtomicBool,
    action: fn(),
}

impl RunsOnce {
    fn register(name: &str, action: fn()) {
        let desc = Desc::new(
            name.into(),
            "A hand-made collector.".into(),
            vec![],
            Default::default(),
        )
        .unwrap();
        let collector = RunsOnce {
            desc,
            done: AtomicBool::new(false),
            action,
        };
        metrics_runtime::registry()
            .register(Box::new(collector))
            .unwrap();
    }
}

impl Collector for RunsOnce {
    fn desc(&self) -> Vec<&Desc> {
        vec![&self.desc]
    }

    fn collect(&self) -> Vec<MetricFamily> {
        if !self.done.swap(true, Ordering::SeqCst) {
            (self.action)();
        }
        Vec::new()
    }
}

fn exploding() -> f64 {
    panic!("a collect function that panics");
}

fn sluggish() -> f64 {
    std::thread::sleep(Duration::from_millis(600));
    1.0
}

#[derive(MetricsFamily)]
struct ModuleMetrics {
    /// Requests, counted as usual.
    module_requests_total: IntCounter,
    /// Panics at every scrape.
    #[metric(collect = exploding)]
    module_broken: Gauge,
    /// Slower than a scrape waits.
    #[metric(collect = sluggish)]
    module_sluggish: Gauge,
}

#[test]
fn global_family_with_panicking_and_slow_collect_answers_concurrent_scrapes() {
    ModuleMetrics::global().module_requests_total.inc();
    let texts = within_30s("two concurrent scrapes, three times", || {
        (0..3)
            .flat_map(|_| {
                let scrapes: Vec<_> = (0..2)
                    .map(|_| std::thread::spawn(metrics_runtime::gather_text))
                    .collect();
                scrapes.into_iter().map(|scrape| scrape.join().unwrap())
            })
            .collect::<Vec<String>>()
    });
    let last = texts.last().unwrap();
    assert!(last.contains("module_requests_total 1"), "{last}");
    // Skipped, as `panic`, or as `slow` when printing the panic's backtrace
    // (RUST_BACKTRACE) outlasts the scrape's budget.
    assert!(
        last.contains(r#"metrics_runtime_collect_skipped_total{metric="module_broken",reason="#),
        "{last}"
    );
    // An instrumented function's first call after all that still registers.
    within_30s("a first call after the scrapes", first_after_scrapes);
    assert!(metrics_runtime::gather_text().contains("first_after_scrapes_total{result=\"ok\"} 1"));
}

#[instrumented(name = "first_after_scrapes")]
fn first_after_scrapes() {}

#[instrumented(name = "first_inside_collect")]
fn first_inside_collect() {}

#[test]
fn collector_calling_an_instrumented_function_for_the_first_time() {
    RunsOnce::register("calls_first_inside_collect", first_inside_collect);
    within_30s("a gather whose collector calls a new function", || {
        metrics_runtime::registry().gather();
    });
    // The registration lands once that gather is over; a gather waits for
    // it at most a second, and the other tests' scrapes (whose collectors
    // panic, slowly with RUST_BACKTRACE) can hold it up longer: ask again.
    let text = within_30s("the gathers after it", || {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let text = metrics_runtime::gather_text();
            if text.contains("first_inside_collect_total") || std::time::Instant::now() > deadline {
                return text;
            }
        }
    });
    assert!(
        text.contains("first_inside_collect_total{result=\"ok\"} 1"),
        "{text}"
    );
}

#[derive(LabelSet)]
struct Tenant<'a> {
    tenant: &'a str,
}

#[derive(MetricsFamily)]
struct TenantMetrics {
    /// Requests by tenant.
    #[metric(max_series = 1)]
    tenant_requests_total: Family<Tenant<'static>, IntCounter>,
}

#[test]
fn first_overflow_and_first_global_inside_a_collect() {
    RunsOnce::register("overflows_inside_collect", || {
        let metrics = TenantMetrics::global(); // registered on first use
        for tenant in ["a", "b", "c"] {
            metrics.tenant_requests_total.with(&Tenant { tenant }).inc();
        }
    });
    within_30s("a gather whose collector overflows a family", || {
        metrics_runtime::registry().gather();
    });
    let text = within_30s("the next gather", metrics_runtime::gather_text);
    assert!(
        text.contains(r#"tenant_requests_total{tenant="__overflow__"} 2"#),
        "{text}"
    );
    assert!(
        text.contains(r#"metrics_runtime_series_overflow_total{family="tenant_requests_total"} 2"#),
        "{text}"
    );
}
