//! The toolkit as a user's crate meets it: default `prometheus` features
//! (its `protobuf` model), the default registry, a real `/metrics` socket.

use std::time::Duration;

use consumer::{find_order, place_order, Declined};
use metrics_runtime::testing::{capture, Snapshot};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[test]
fn text_and_openmetrics_show_every_kind_of_sample() {
    place_order("card", 10).unwrap();
    assert_eq!(place_order("card", 500), Err(Declined));
    let text = metrics_runtime::gather_text();
    assert!(
        text.contains(r#"shop_place_order_total{method="card",result="error"}"#),
        "{text}"
    );
    assert!(
        text.contains(r#"shop_orders_total{method="card",outcome="placed"}"#),
        "{text}"
    );
    assert!(text.contains("shop_backlog 3"), "{text}");
    let summary = consumer::summary();
    assert!(summary.ends_with("declined"), "{summary}");
    assert!(!summary.starts_with("0 orders"), "{summary}");
    let open = metrics_runtime::encode_openmetrics(metrics_runtime::registry());
    assert!(open.contains("# TYPE shop_orders counter"), "{open}");
    assert!(open.contains("shop_backlog 3\n"), "{open}");
    assert!(
        open.contains("# TYPE shop_place_order_duration_seconds histogram"),
        "{open}"
    );
    assert!(open.ends_with("# EOF\n"));
}

#[test]
fn snapshots_read_counters_gauges_and_histograms() {
    let snapshot = capture(|| {
        place_order("cash", 1).unwrap();
        place_order("cash", 2).unwrap();
    });
    assert_eq!(
        snapshot.counter(
            "shop_place_order_total",
            &[("method", "cash"), ("result", "ok")]
        ),
        2.0
    );
    assert_eq!(
        snapshot
            .histogram("shop_place_order_duration_seconds", &[])
            .count,
        2
    );
    assert_eq!(snapshot.gauge("shop_place_order_in_flight", &[]), 0.0);
    // The module-level `ShopMetrics::global()` was the capture's own.
    assert_eq!(
        snapshot.counter("shop_orders_total", &[("method", "cash")]),
        2.0
    );
    assert_eq!(snapshot.gauge("shop_backlog", &[]), 3.0);
    let amounts = snapshot.histogram("shop_order_amount_euros", &[]);
    assert_eq!((amounts.count, amounts.sum), (2, 3.0));
    let global = Snapshot::take();
    assert_eq!(
        global.counter(
            "shop_orders_total",
            &[("method", "cash"), ("outcome", "placed")]
        ),
        0.0
    );
}

/// An untyped sample, which only a hand-made collector produces; built
/// here with the `protobuf` model's public fields.
#[test]
fn untyped_samples_of_hand_made_collectors_are_read() {
    use prometheus::core::{Collector, Desc};
    use prometheus::proto::{LabelPair, Metric, MetricFamily, MetricType};

    struct Legacy(Desc);
    impl Collector for Legacy {
        fn desc(&self) -> Vec<&Desc> {
            vec![&self.0]
        }
        fn collect(&self) -> Vec<MetricFamily> {
            let mut label = LabelPair::default();
            label.set_name("source".to_owned());
            label.set_value("legacy".to_owned());
            let mut metric = Metric::from_label(vec![label]);
            metric.untyped.mut_or_insert_default().set_value(42.5);
            let mut family = MetricFamily::default();
            family.set_name("legacy_temperature".to_owned());
            family.set_help("Temperature.".to_owned());
            family.set_field_type(MetricType::UNTYPED);
            family.set_metric(vec![metric]);
            vec![family]
        }
    }

    let registry = prometheus::Registry::new();
    let desc = Desc::new(
        "legacy_temperature".into(),
        "Temperature.".into(),
        vec![],
        Default::default(),
    )
    .unwrap();
    registry.register(Box::new(Legacy(desc))).unwrap();
    let open = metrics_runtime::encode_openmetrics(&registry);
    assert!(
        open.contains("# TYPE legacy_temperature unknown\n"),
        "{open}"
    );
    assert!(
        open.contains("legacy_temperature{source=\"legacy\"} 42.5\n"),
        "{open}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_socket_serves_metrics() {
    assert_eq!(find_order(4).await, Some(4));
    let server = metrics_runtime::http::serve("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr();
    let body = tokio::time::timeout(Duration::from_secs(10), async {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        response
    })
    .await
    .expect("the scrape answers within 10 s");
    assert!(body.starts_with("HTTP/1.1 200"), "{body}");
    assert!(
        body.contains("shop_find_order_total{result=\"ok\"}"),
        "{body}"
    );
    server.shutdown().await.unwrap();
}
