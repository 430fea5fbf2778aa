//! Exemplars from an installed source: in OpenMetrics (accepted by the
//! strict `prometheus_client` parser) and protobuf, never in text 0.0.4,
//! and a real Prometheus with exemplar storage returns them, trace ids
//! intact, from `/api/v1/query_exemplars`.

mod support;

use std::cell::Cell;
use std::time::Duration;

use metrics_runtime::encoding::Format;
use metrics_runtime::exemplars::{self, TraceContext};
use metrics_runtime::{http, instrumented};

use support::protobuf_model::decode_delimited;

thread_local! {
    /// The trace the current thread's call runs in, as a tracer would keep it.
    static TRACE: Cell<Option<TraceContext>> = const { Cell::new(None) };
}

fn install_source() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| exemplars::set_source(|| TRACE.with(Cell::get)).unwrap());
}

#[instrumented(name = "exemplar_checkout", labels(shop), buckets = [0.005, 0.5])]
fn checkout(shop: &str) -> Result<(), ()> {
    let _ = shop;
    Ok(())
}

/// Calls `checkout(shop)` inside the trace `byte` repeated.
fn traced_checkout(shop: &str, byte: u8) {
    let trace = TraceContext {
        trace_id: [byte; 16],
        span_id: [byte.wrapping_add(1); 8],
    };
    TRACE.with(|current| current.set(Some(trace)));
    checkout(shop).unwrap();
    TRACE.with(|current| current.set(None));
}

fn hex(byte: u8, len: usize) -> String {
    format!("{byte:02x}").repeat(len)
}

#[test]
fn exemplars_are_in_openmetrics_and_protobuf_but_not_in_text() {
    install_source();
    traced_checkout("local", 0x1a);
    checkout("local").unwrap(); // outside any trace: the exemplar stays
    let trace = hex(0x1a, 16);
    let span = hex(0x1b, 8);

    let openmetrics = metrics_runtime::encode_openmetrics(metrics_runtime::registry());
    let counter = format!(
        r#"exemplar_checkout_total{{shop="local",result="ok"}} 2 # {{trace_id="{trace}",span_id="{span}"}} 1 "#
    );
    assert!(openmetrics.contains(&counter), "{openmetrics}");
    let bucket = format!(
        r#"exemplar_checkout_duration_seconds_bucket{{shop="local",le="0.005"}} 2 # {{trace_id="{trace}",span_id="{span}"}} "#
    );
    assert!(openmetrics.contains(&bucket), "{openmetrics}");
    // Other parsers read it: Python's strict one, samples unchanged.
    if let Some((samples, _)) = support::prometheus_client::parse_openmetrics(&openmetrics) {
        assert!(samples
            .iter()
            .any(|(name, labels, value)| name == "exemplar_checkout_total"
                && labels.contains(&("result".to_owned(), "ok".to_owned()))
                && value == "2.0"));
    }

    let text = metrics_runtime::gather_text();
    assert!(!text.contains("trace_id"), "{text}");
    support::promtool_check(&text);

    let families = decode_delimited(&Format::Protobuf.encode(metrics_runtime::registry()));
    let metrics = |name: &str| {
        families
            .iter()
            .find(|family| family.name.as_deref() == Some(name))
            .map(|family| family.metric.clone())
            .unwrap_or_default()
    };
    let trace_of = |labels: &[support::protobuf_model::LabelPair]| {
        labels
            .iter()
            .find(|pair| pair.name.as_deref() == Some("trace_id"))
            .and_then(|pair| pair.value.clone())
    };
    let ok = metrics("exemplar_checkout_total")
        .into_iter()
        .find(|m| m.label.iter().any(|p| p.value.as_deref() == Some("ok")))
        .and_then(|m| m.counter?.exemplar)
        .expect("an exemplar on the ok counter");
    assert_eq!(trace_of(&ok.label), Some(trace.clone()));
    assert_eq!(ok.value, Some(1.0));
    let histogram = metrics("exemplar_checkout_duration_seconds")[0]
        .histogram
        .clone()
        .unwrap();
    let first = histogram.bucket[0]
        .exemplar
        .as_ref()
        .expect("a bucket exemplar");
    assert_eq!(trace_of(&first.label), Some(trace));
    assert!(first.value.is_some_and(|seconds| seconds < 0.005));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_stores_the_exemplars_it_scrapes() {
    install_source();
    let ours = http::serve("127.0.0.1:0").await.unwrap();
    let target = ours.local_addr();
    let found = tokio::task::spawn_blocking(move || {
        let server = support::prometheus::start(target, &["--enable-feature=exemplar-storage"])?;
        let mut found = None;
        // Each scrape stores the exemplars it has not seen; a new trace per
        // round until one comes back.
        for round in 0..30u8 {
            traced_checkout("scraped", 0xc0 + round);
            std::thread::sleep(Duration::from_secs(1));
            let selector = r#"exemplar_checkout_duration_seconds_bucket{shop="scraped"}"#;
            let query = format!(
                "/api/v1/query_exemplars?query={}&start=0&end=9999999999",
                support::url_encode(selector)
            );
            let data = support::prometheus::api(&server, &query);
            let traces: Vec<String> = data
                .iter()
                .flat_map(|data| data.as_array().cloned().unwrap_or_default())
                .flat_map(|series| series["exemplars"].as_array().cloned().unwrap_or_default())
                .filter_map(|exemplar| exemplar["labels"]["trace_id"].as_str().map(str::to_owned))
                .collect();
            if !traces.is_empty() {
                found = Some((traces, round));
                break;
            }
        }
        Some((found, server.log()))
    })
    .await
    .unwrap();
    ours.shutdown().await.unwrap();
    let Some((found, log)) = found else {
        return;
    };
    let (traces, last_round) = found.unwrap_or_else(|| panic!("no exemplar stored; log:\n{log}"));
    let sent: Vec<String> = (0..=last_round)
        .map(|round| hex(0xc0 + round, 16))
        .collect();
    assert!(
        traces.iter().all(|trace| sent.contains(trace)),
        "Prometheus returned {traces:?}; we sent {sent:?}"
    );
}
