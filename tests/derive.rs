//! `#[derive(MetricsFamily)]`: field types, names, help, registration.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};

use metrics_runtime::{Family, LabelSet, LabelValue, MetricsFamily};
use prometheus::{
    Counter, CounterVec, Gauge, GaugeVec, Histogram, HistogramVec, IntCounter, IntCounterVec,
    IntGauge, IntGaugeVec, Registry,
};

#[derive(LabelValue, Clone, Copy, Debug)]
enum Status {
    Success,
    RateLimited,
    #[label = "denied_by_policy"]
    Denied,
}

#[derive(LabelSet)]
struct CallLabels<'a> {
    tool: &'a str,
    status: Status,
}

#[derive(MetricsFamily)]
#[metrics(namespace = "every", subsystem = "type")]
struct EveryType {
    /// A float counter.
    counter_total: Counter,
    /// An integer counter.
    int_counter_total: IntCounter,
    /// A float gauge.
    gauge: Gauge,
    /// An integer gauge.
    int_gauge: IntGauge,
    /// A histogram.
    #[metric(buckets = [0.5, 1.0])]
    histogram_seconds: Histogram,
    /// Float counters by kind.
    #[metric(labels(kind))]
    counter_vec_total: CounterVec,
    /// Integer counters by kind.
    #[metric(labels(kind))]
    int_counter_vec_total: IntCounterVec,
    /// Float gauges by kind.
    #[metric(labels(kind))]
    gauge_vec: GaugeVec,
    /// Integer gauges by kind.
    #[metric(labels(kind))]
    int_gauge_vec: IntGaugeVec,
    /// Histograms by kind.
    #[metric(labels(kind))]
    histogram_vec_seconds: HistogramVec,
    /// Calls by tool and status.
    calls_total: Family<CallLabels<'static>, IntCounter>,
    /// Latency by tool and status.
    call_seconds: Family<CallLabels<'static>, Histogram>,
}

#[test]
fn every_field_type_is_created_prefixed_and_described() {
    let registry = Registry::new();
    let m = EveryType::register(&registry).unwrap();
    m.counter_total.inc_by(1.5);
    m.int_counter_total.inc();
    m.gauge.set(-2.5);
    m.int_gauge.set(7);
    m.histogram_seconds.observe(0.7);
    m.counter_vec_total.with_label_values(&["a"]).inc();
    m.int_counter_vec_total.with_label_values(&["a"]).inc_by(3);
    m.gauge_vec.with_label_values(&["a"]).set(0.25);
    m.int_gauge_vec.with_label_values(&["a"]).set(4);
    m.histogram_vec_seconds
        .with_label_values(&["a"])
        .observe(0.001);
    let grep_ok = CallLabels {
        tool: "grep",
        status: Status::Success,
    };
    m.calls_total.with(&grep_ok).inc();
    m.calls_total.with(&grep_ok).inc();
    m.calls_total
        .with(&CallLabels {
            tool: "sed",
            status: Status::Denied,
        })
        .inc();
    m.call_seconds.with(&grep_ok).observe(0.2);

    let text = metrics_runtime::encode_text(&registry);
    let value = |name: &str, labels: &[(&str, &str)]| support::value(&text, name, labels);
    assert_eq!(value("every_type_counter_total", &[]), Some(1.5));
    assert_eq!(value("every_type_int_counter_total", &[]), Some(1.0));
    assert_eq!(value("every_type_gauge", &[]), Some(-2.5));
    assert_eq!(value("every_type_int_gauge", &[]), Some(7.0));
    assert_eq!(
        value("every_type_histogram_seconds_bucket", &[("le", "0.5")]),
        Some(0.0)
    );
    assert_eq!(
        value("every_type_histogram_seconds_bucket", &[("le", "1")]),
        Some(1.0)
    );
    assert_eq!(
        value("every_type_counter_vec_total", &[("kind", "a")]),
        Some(1.0)
    );
    assert_eq!(
        value("every_type_int_counter_vec_total", &[("kind", "a")]),
        Some(3.0)
    );
    assert_eq!(value("every_type_gauge_vec", &[("kind", "a")]), Some(0.25));
    assert_eq!(
        value("every_type_int_gauge_vec", &[("kind", "a")]),
        Some(4.0)
    );
    assert_eq!(
        value("every_type_histogram_vec_seconds_count", &[("kind", "a")]),
        Some(1.0)
    );
    assert_eq!(
        value(
            "every_type_calls_total",
            &[("tool", "grep"), ("status", "success")]
        ),
        Some(2.0)
    );
    assert_eq!(
        value(
            "every_type_calls_total",
            &[("tool", "sed"), ("status", "denied_by_policy")]
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            "every_type_call_seconds_sum",
            &[("tool", "grep"), ("status", "success")]
        ),
        Some(0.2)
    );
    assert!(text.contains("# HELP every_type_calls_total Calls by tool and status.\n"));
    assert!(text.contains("# TYPE every_type_histogram_vec_seconds histogram\n"));
    assert!(text.contains("# TYPE every_type_int_gauge gauge\n"));
}

#[derive(MetricsFamily)]
struct Named {
    /// Doc comments become help text,
    /// joined across lines.
    #[metric(name = "renamed_total")]
    original_total: IntCounter,
    /// Overridden below.
    #[metric(help = "Explicit help wins.")]
    explained: IntGauge,
}

#[test]
fn names_and_help_texts() {
    let registry = Registry::new();
    let m = Named::register(&registry).unwrap();
    m.original_total.inc();
    m.explained.set(1);
    let text = metrics_runtime::encode_text(&registry);
    assert!(
        text.contains("# HELP renamed_total Doc comments become help text, joined across lines.\n")
    );
    assert!(text.contains("renamed_total 1\n"));
    assert!(text.contains("# HELP explained Explicit help wins.\n"));
}

#[derive(MetricsFamily)]
#[metrics(namespace = "db")]
struct DatabaseMetrics {
    /// Queries run.
    queries_total: IntCounter,
}

#[derive(MetricsFamily)]
#[metrics(namespace = "app")]
struct AppMetrics {
    /// Requests served.
    requests_total: IntCounter,
    #[metric(flatten)]
    database: DatabaseMetrics,
}

#[test]
fn flattened_families_keep_their_names_behind_the_outer_prefix() {
    let registry = Registry::new();
    let m = AppMetrics::register(&registry).unwrap();
    m.requests_total.inc();
    m.database.queries_total.inc_by(2);
    let text = metrics_runtime::encode_text(&registry);
    assert_eq!(support::value(&text, "app_requests_total", &[]), Some(1.0));
    assert_eq!(
        support::value(&text, "app_db_queries_total", &[]),
        Some(2.0)
    );
}

static QUEUE_DEPTH: AtomicUsize = AtomicUsize::new(0);

fn queue_depth() -> f64 {
    QUEUE_DEPTH.load(Ordering::Relaxed) as f64
}

fn hit_ratio(metrics: &CacheMetrics) -> f64 {
    let hits = metrics.hits_total.get() as f64;
    let misses = metrics.misses_total.get() as f64;
    if hits + misses == 0.0 {
        0.0
    } else {
        hits / (hits + misses)
    }
}

fn exploding() -> f64 {
    panic!("a collect callback that panics");
}

#[derive(MetricsFamily)]
struct CacheMetrics {
    /// Cache hits.
    hits_total: IntCounter,
    /// Cache misses.
    misses_total: IntCounter,
    /// Hits over lookups, computed at every scrape.
    #[metric(collect = hit_ratio)]
    hit_ratio: Gauge,
    /// Items waiting, read from elsewhere at every scrape.
    #[metric(collect = queue_depth)]
    queue_depth: IntGauge,
    /// A callback that panics keeps the gauge at its last value.
    #[metric(collect = exploding)]
    broken: Gauge,
}

#[test]
fn collect_gauges_are_computed_at_every_scrape() {
    let registry = Registry::new();
    let m = CacheMetrics::register(&registry).unwrap();
    m.hits_total.inc_by(3);
    m.misses_total.inc();
    QUEUE_DEPTH.store(12, Ordering::Relaxed);
    let text = metrics_runtime::encode_text(&registry);
    assert_eq!(support::value(&text, "hit_ratio", &[]), Some(0.75));
    assert_eq!(support::value(&text, "queue_depth", &[]), Some(12.0));
    assert_eq!(support::value(&text, "broken", &[]), Some(0.0));

    m.misses_total.inc_by(4);
    QUEUE_DEPTH.store(5, Ordering::Relaxed);
    let text = metrics_runtime::encode_text(&registry);
    assert_eq!(support::value(&text, "hit_ratio", &[]), Some(0.375));
    assert_eq!(support::value(&text, "queue_depth", &[]), Some(5.0));
    // The panicking callback was skipped at both scrapes, and counted in
    // the family's own registry: as `panic`, or as `slow` when printing
    // the panic's backtrace (RUST_BACKTRACE) outlasted the scrape's budget.
    let skipped = |reason| {
        support::value(
            &text,
            "metrics_runtime_collect_skipped_total",
            &[("metric", "broken"), ("reason", reason)],
        )
        .unwrap_or(0.0)
    };
    assert_eq!(skipped("panic") + skipped("slow"), 2.0, "{text}");
}

fn sluggish() -> f64 {
    std::thread::sleep(std::time::Duration::from_secs(2));
    1.0
}

#[derive(MetricsFamily)]
struct SlowMetrics {
    /// Read from somewhere that takes seconds to answer.
    #[metric(collect = sluggish)]
    sluggish_value: Gauge,
    /// Counted as usual.
    sluggish_requests_total: IntCounter,
}

#[test]
fn a_slow_collect_callback_does_not_stall_the_scrape() {
    let registry = Registry::new();
    let m = SlowMetrics::register(&registry).unwrap();
    m.sluggish_requests_total.inc();
    for _ in 0..2 {
        let started = std::time::Instant::now();
        let text = metrics_runtime::encode_text(&registry);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(
            support::value(&text, "sluggish_requests_total", &[]),
            Some(1.0)
        );
        assert_eq!(support::value(&text, "sluggish_value", &[]), Some(0.0));
    }
    let text = metrics_runtime::encode_text(&registry);
    assert!(
        support::value(
            &text,
            "metrics_runtime_collect_skipped_total",
            &[("metric", "sluggish_value"), ("reason", "slow")]
        )
        .is_some_and(|skipped| skipped >= 2.0),
        "{text}"
    );
}

#[derive(MetricsFamily)]
struct Jobs {
    /// Jobs run.
    jobs_total: IntCounter,
    /// Jobs waiting.
    jobs_waiting: IntGauge,
}

#[test]
fn registering_twice_in_one_registry_is_an_error_that_leaves_it_unchanged() {
    let registry = Registry::new();
    let first = Jobs::register(&registry).unwrap();
    first.jobs_total.inc();
    let second = Jobs::register(&registry);
    assert!(matches!(
        second,
        Err(metrics_runtime::Error::Registration(_))
    ));
    assert_eq!(registry.gather().len(), 2);

    let other = Registry::new();
    let elsewhere = Jobs::register(&other).unwrap();
    elsewhere.jobs_total.inc_by(5);
    assert_eq!(
        support::value(&metrics_runtime::encode_text(&registry), "jobs_total", &[]),
        Some(1.0)
    );
    assert_eq!(
        support::value(&metrics_runtime::encode_text(&other), "jobs_total", &[]),
        Some(5.0)
    );
}

#[test]
fn a_failed_registration_takes_back_what_it_registered() {
    let registry = Registry::new();
    // Takes the second field's name, so the first field is registered
    // before the failure and must be rolled back.
    let squatter = IntGauge::new("jobs_waiting", "Someone else's.").unwrap();
    registry.register(Box::new(squatter)).unwrap();
    assert!(Jobs::register(&registry).is_err());
    let names: Vec<String> = registry
        .gather()
        .iter()
        .map(|f| f.name().to_owned())
        .collect();
    assert_eq!(names, ["jobs_waiting"]);
}

#[derive(MetricsFamily)]
struct GlobalOnly {
    /// Registered once in the default registry.
    derive_global_total: IntCounter,
}

#[test]
fn global_registers_once_in_the_default_registry() {
    GlobalOnly::global().derive_global_total.inc();
    GlobalOnly::global().derive_global_total.inc();
    assert!(std::ptr::eq(GlobalOnly::global(), GlobalOnly::global()));
    assert_eq!(support::read("derive_global_total", &[]), 2.0);
}

#[test]
fn unregistered_metrics_work_and_are_exported_nowhere() {
    let m = Jobs::unregistered();
    m.jobs_total.inc();
    assert_eq!(m.jobs_total.get(), 1);
    assert!(!metrics_runtime::gather_text().contains("\njobs_total"));
}

#[derive(MetricsFamily)]
#[metrics(namespace = "sentinel")]
struct GatewayShape {
    /// Requests handled, by tool and status.
    requests_total: Family<CallLabels<'static>, IntCounter>,
    /// Request latency by tool.
    #[metric(labels(tool), buckets = [0.01, 0.1, 1.0])]
    request_duration_seconds: HistogramVec,
    /// 1 when the backend answers its health check.
    #[metric(labels(backend))]
    backend_healthy: IntGaugeVec,
}

#[test]
fn the_gateway_shape_passes_promtool() {
    let registry = Registry::new();
    let m = GatewayShape::register(&registry).unwrap();
    m.requests_total
        .with(&CallLabels {
            tool: "quote\"d\\",
            status: Status::RateLimited,
        })
        .inc();
    m.request_duration_seconds
        .with_label_values(&["grep"])
        .observe(0.05);
    m.backend_healthy.with_label_values(&["primary"]).set(1);
    let text = metrics_runtime::encode_text(&registry);
    assert_eq!(
        support::value(
            &text,
            "sentinel_requests_total",
            &[("tool", "quote\"d\\"), ("status", "rate_limited")]
        ),
        Some(1.0)
    );
    support::promtool_check(&text);
}

const UNSORTED_BOUNDS: [f64; 2] = [1.0, 0.5];

#[derive(MetricsFamily)]
struct BadBounds {
    /// Waits, with bounds behind a path that are not increasing.
    #[metric(buckets = UNSORTED_BOUNDS)]
    bad_bounds_wait_seconds: prometheus::Histogram,
}

/// Bounds behind a path are only checked at start-up: invalid ones are an
/// error from `register`, and `unregistered()` and `global()` log them and
/// take the default bounds, never a panic.
#[test]
fn invalid_bounds_behind_a_path_are_an_error_not_a_panic() {
    let registered = BadBounds::register(&Registry::new()).err();
    assert!(
        matches!(registered, Some(metrics_runtime::Error::InvalidSetting(_))),
        "{registered:?}"
    );
    let unregistered = BadBounds::unregistered();
    unregistered.bad_bounds_wait_seconds.observe(0.7);
    let families = prometheus::core::Collector::collect(&unregistered.bad_bounds_wait_seconds);
    let buckets = families[0].get_metric()[0]
        .get_histogram()
        .get_bucket()
        .len();
    assert_eq!(
        buckets,
        prometheus::DEFAULT_BUCKETS.len(),
        "the default bounds"
    );
    // `global()` logs the failure and measures unexported, as for any other.
    BadBounds::global().bad_bounds_wait_seconds.observe(0.7);
    assert!(!metrics_runtime::gather_text().contains("bad_bounds_wait_seconds"));
}
