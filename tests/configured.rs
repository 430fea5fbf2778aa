//! Settings read at start-up: histogram bounds and the sampled share of
//! durations come from the service's configuration, not only from the
//! source. One test per binary: the settings are process-wide.

mod support;

use metrics_runtime::{instrumented, Error, MetricsFamily};
use prometheus::Registry;

/// What an observer reads from its configuration file.
struct ObserverConfig {
    histogram_buckets: Vec<f64>,
    event_buckets: Vec<f64>,
    sample_rate: f64,
}

const PAGE_BUCKETS: [f64; 3] = [0.5, 1.0, 2.0];
static UPLOAD_BUCKETS: &[f64] = &[1.0, 10.0, 60.0];

#[instrumented(name = "cfg_events", buckets = [0.1, 1.0])]
fn handle_event() {}

#[instrumented(name = "cfg_actions")]
fn run_action() {}

#[instrumented(name = "cfg_pages", buckets = PAGE_BUCKETS)]
fn render_page() {}

#[instrumented(name = "cfg_polls", sample = 0.5)]
fn poll() -> Result<(), ()> {
    Ok(())
}

#[derive(MetricsFamily)]
struct Uploads {
    /// Upload time.
    #[metric(buckets = UPLOAD_BUCKETS)]
    cfg_upload_seconds: prometheus::Histogram,
    /// Queue wait, with the configured default bounds.
    cfg_wait_seconds: prometheus::Histogram,
}

fn bounds(text: &str, histogram: &str) -> Vec<String> {
    support::samples(text, &format!("{histogram}_bucket"))
        .into_iter()
        .filter_map(|sample| {
            sample
                .labels
                .into_iter()
                .find(|(name, _)| name == "le")
                .map(|(_, le)| le)
        })
        .collect()
}

#[test]
fn bounds_and_sampling_come_from_the_configuration() {
    let bad = metrics_runtime::builder()
        .buckets("cfg_events_duration_seconds", &[1.0, 0.5])
        .install();
    assert!(matches!(bad, Err(Error::InvalidSetting(_))), "{bad:?}");
    let bad = metrics_runtime::builder()
        .sample("cfg_polls", 0.0)
        .install();
    assert!(matches!(bad, Err(Error::InvalidSetting(_))), "{bad:?}");

    let config = ObserverConfig {
        histogram_buckets: vec![0.01, 0.1, 1.0, 10.0],
        event_buckets: vec![0.25, 2.5],
        sample_rate: 0.25,
    };
    metrics_runtime::builder()
        .buckets("cfg_events_duration_seconds", &config.event_buckets)
        .default_buckets(&config.histogram_buckets)
        .sample("cfg_polls", config.sample_rate)
        .install()
        .expect("nothing was recorded yet");

    handle_event();
    run_action();
    render_page();
    let registry = Registry::new();
    let uploads = Uploads::register(&registry).unwrap();
    uploads.cfg_upload_seconds.observe(5.0);
    uploads.cfg_wait_seconds.observe(0.5);

    let text = metrics_runtime::gather_text();
    // Per name, from the configuration, over the compile-time bounds.
    assert_eq!(
        bounds(&text, "cfg_events_duration_seconds"),
        ["0.25", "2.5", "+Inf"]
    );
    // No compile-time bounds: the configured default.
    assert_eq!(
        bounds(&text, "cfg_actions_duration_seconds"),
        ["0.01", "0.1", "1", "10", "+Inf"]
    );
    // `buckets = PATH`.
    assert_eq!(
        bounds(&text, "cfg_pages_duration_seconds"),
        ["0.5", "1", "2", "+Inf"]
    );
    let own = metrics_runtime::encode_text(&registry);
    assert_eq!(
        bounds(&own, "cfg_upload_seconds"),
        ["1", "10", "60", "+Inf"]
    );
    assert_eq!(
        bounds(&own, "cfg_wait_seconds"),
        ["0.01", "0.1", "1", "10", "+Inf"]
    );

    // Sampling: every call counted, a quarter of them observed (the
    // configuration wins over `sample = 0.5`).
    for _ in 0..20_000 {
        poll().unwrap();
    }
    let text = metrics_runtime::gather_text();
    assert_eq!(
        support::value(&text, "cfg_polls_total", &[("result", "ok")]),
        Some(20_000.0)
    );
    let observed = support::value(&text, "cfg_polls_duration_seconds_count", &[]).unwrap();
    assert!(
        (4_000.0..6_000.0).contains(&observed),
        "{observed} of 20,000 observed"
    );
    let inf = support::value(
        &text,
        "cfg_polls_duration_seconds_bucket",
        &[("le", "+Inf")],
    );
    assert_eq!(inf, Some(observed));
    assert_eq!(support::value(&text, "cfg_polls_in_flight", &[]), Some(0.0));
    support::promtool_check(&text);
}
