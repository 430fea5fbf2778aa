//! `write_gathered` over a registry with every metric type, under whichever model of
//! `prometheus::proto` is in use, and against the `prometheus` crate's own encoder.

use prometheus::core::{Collector, Desc};
use prometheus::proto::{LabelPair, Metric, MetricFamily, MetricType as Gathered, Untyped};
use prometheus::proto::{Quantile, Summary};
use prost::Message;

use super::super::model::{self, MetricType};
use super::super::write_gathered;
use super::{decode_all, family, labels};

/// What only the `protobuf` model of `prometheus::proto` can do, found by autoref
/// specialisation (only that model implements the `protobuf` crate's `Message`):
/// `Some` under it, `None` under the plain model.
#[allow(dead_code)] // read by `ProtobufModel` alone, unused under the plain model
struct Probe<'a, T>(&'a T);

#[allow(dead_code)] // unused under the plain model
trait ProtobufModel<T> {
    fn delimited(&self) -> Option<Vec<u8>>;
    fn parse(&self, bytes: &[u8]) -> Option<T>;
}

impl<T: protobuf::Message> ProtobufModel<T> for Probe<'_, T> {
    fn delimited(&self) -> Option<Vec<u8>> {
        Some(self.0.write_length_delimited_to_bytes().unwrap())
    }
    fn parse(&self, bytes: &[u8]) -> Option<T> {
        Some(T::parse_from_bytes(bytes).unwrap())
    }
}

#[allow(dead_code)] // unused under the protobuf model
trait PlainModel<T> {
    fn delimited(&self) -> Option<Vec<u8>>;
    fn parse(&self, bytes: &[u8]) -> Option<T>;
}

impl<T> PlainModel<T> for &Probe<'_, T> {
    fn delimited(&self) -> Option<Vec<u8>> {
        None
    }
    fn parse(&self, _: &[u8]) -> Option<T> {
        None
    }
}

/// What `prometheus::ProtobufEncoder` writes for `family` (it checks the family, then calls
/// this same `write_length_delimited_*`), under the protobuf model.
#[allow(clippy::needless_borrow)] // the `&` reaches `PlainModel` where `ProtobufModel` cannot
fn encoded_by_prometheus(family: &MetricFamily) -> Option<Vec<u8>> {
    (&Probe(family)).delimited()
}

/// `bytes` parsed into a metric, under the protobuf model.
#[allow(clippy::needless_borrow)] // as above
fn parsed_by_prometheus(bytes: &[u8]) -> Option<Metric> {
    (&Probe(&Metric::default())).parse(bytes)
}

/// The plain model's `Metric::set_untyped`, named for the protobuf model too, which lacks
/// it: there `untyped_metric` parses the metric instead and never gets here.
#[allow(dead_code)] // unused under the plain model, whose inherent method wins
trait SetUntyped {
    fn set_untyped(&mut self, untyped: Untyped);
}

impl SetUntyped for Metric {
    fn set_untyped(&mut self, _: Untyped) {
        unreachable!("the protobuf model's untyped metric is parsed")
    }
}

fn label_pairs(pairs: &[(&str, &str)]) -> Vec<LabelPair> {
    pairs
        .iter()
        .map(|(name, value)| {
            let mut pair = LabelPair::default();
            pair.set_name(name.to_string());
            pair.set_value(value.to_string());
            pair
        })
        .collect()
}

#[allow(deprecated)] // the plain model's `Untyped` setters
fn untyped_metric(pairs: &[(&str, &str)], value: f64, timestamp_ms: i64) -> Metric {
    let encoded = model::Metric {
        label: labels(pairs),
        untyped: Some(model::Untyped { value: Some(value) }),
        timestamp_ms: Some(timestamp_ms),
        ..Default::default()
    }
    .encode_to_vec();
    if let Some(metric) = parsed_by_prometheus(&encoded) {
        return metric;
    }
    let mut metric = Metric::default();
    metric.set_label(label_pairs(pairs));
    let mut untyped = Untyped::default();
    untyped.set_value(value);
    metric.set_untyped(untyped);
    metric.set_timestamp_ms(timestamp_ms);
    metric
}

fn summary_metric(
    pairs: &[(&str, &str)],
    count: u64,
    sum: f64,
    quantiles: &[(f64, f64)],
) -> Metric {
    let mut summary = Summary::default();
    summary.set_sample_count(count);
    summary.set_sample_sum(sum);
    summary.set_quantile(
        quantiles
            .iter()
            .map(|&(q, v)| {
                let mut quantile = Quantile::default();
                quantile.set_quantile(q);
                quantile.set_value(v);
                quantile
            })
            .collect(),
    );
    let mut metric = Metric::default();
    metric.set_label(label_pairs(pairs));
    metric.set_summary(summary);
    metric
}

/// A foreign collector's families, as they come.
struct Fixed(Vec<MetricFamily>);

impl Collector for Fixed {
    fn desc(&self) -> Vec<&Desc> {
        Vec::new()
    }
    fn collect(&self) -> Vec<MetricFamily> {
        self.0.clone()
    }
}

fn fixed_family(name: &str, help: &str, kind: Gathered, metrics: Vec<Metric>) -> MetricFamily {
    let mut family = MetricFamily::default();
    family.set_name(name.to_string());
    family.set_help(help.to_string());
    family.set_field_type(kind);
    family.set_metric(metrics);
    family
}

/// A registry with a counter vector, a gauge, a histogram, a summary and an untyped value.
pub(crate) fn every_type() -> prometheus::Registry {
    let registry = prometheus::Registry::new();
    let requests = prometheus::IntCounterVec::new(
        prometheus::Opts::new("requests_total", "Requests."),
        &["method"],
    )
    .unwrap();
    requests.with_label_values(&["GET"]).inc_by(3);
    requests.with_label_values(&["POST"]).inc();
    let temperature = prometheus::Gauge::new("temperature_celsius", "Temperature.").unwrap();
    temperature.set(-2.5);
    let wait = prometheus::Histogram::with_opts(
        prometheus::HistogramOpts::new("wait_seconds", "Waits.").buckets(vec![0.5, 1.0]),
    )
    .unwrap();
    wait.observe(0.7);
    wait.observe(3.0);
    let rpc = summary_metric(&[("service", "a")], 10, 4.5, &[(0.5, 0.3), (0.99, 0.9)]);
    let legacy = untyped_metric(&[("source", "x")], 42.5, 1_700_000_000_000);
    let foreign = Fixed(vec![
        fixed_family("rpc_seconds", "RPCs.", Gathered::SUMMARY, vec![rpc]),
        fixed_family("legacy_value", "Legacy.", Gathered::UNTYPED, vec![legacy]),
    ]);
    registry.register(Box::new(requests)).unwrap();
    registry.register(Box::new(temperature)).unwrap();
    registry.register(Box::new(wait)).unwrap();
    registry.register(Box::new(foreign)).unwrap();
    registry
}

#[test]
fn every_metric_type_of_a_registry_is_converted() {
    let mut out = Vec::new();
    for gathered in every_type().gather() {
        write_gathered(&mut out, &gathered);
    }
    let metric = |pairs: &[(&str, &str)]| model::Metric {
        label: labels(pairs),
        ..Default::default()
    };
    let expected = [
        family(
            "legacy_value",
            "Legacy.",
            MetricType::Untyped,
            vec![model::Metric {
                untyped: Some(model::Untyped { value: Some(42.5) }),
                timestamp_ms: Some(1_700_000_000_000),
                ..metric(&[("source", "x")])
            }],
        ),
        family(
            "requests_total",
            "Requests.",
            MetricType::Counter,
            [("GET", 3.0), ("POST", 1.0)]
                .map(|(method, value)| model::Metric {
                    counter: Some(model::Counter {
                        value: Some(value),
                        ..Default::default()
                    }),
                    ..metric(&[("method", method)])
                })
                .into(),
        ),
        family(
            "rpc_seconds",
            "RPCs.",
            MetricType::Summary,
            vec![model::Metric {
                summary: Some(model::Summary {
                    sample_count: Some(10),
                    sample_sum: Some(4.5),
                    quantile: [(0.5, 0.3), (0.99, 0.9)]
                        .map(|(q, v)| model::Quantile {
                            quantile: Some(q),
                            value: Some(v),
                        })
                        .into(),
                    created_timestamp: None,
                }),
                ..metric(&[("service", "a")])
            }],
        ),
        family(
            "temperature_celsius",
            "Temperature.",
            MetricType::Gauge,
            vec![model::Metric {
                gauge: Some(model::Gauge { value: Some(-2.5) }),
                ..metric(&[])
            }],
        ),
        family(
            "wait_seconds",
            "Waits.",
            MetricType::Histogram,
            vec![model::Metric {
                histogram: Some(model::Histogram {
                    sample_count: Some(2),
                    sample_sum: Some(3.7),
                    bucket: [(0.5, 0), (1.0, 1)]
                        .map(|(bound, count)| model::Bucket {
                            cumulative_count: Some(count),
                            upper_bound: Some(bound),
                            ..Default::default()
                        })
                        .into(),
                    ..Default::default()
                }),
                ..metric(&[])
            }],
        ),
    ];
    assert_eq!(decode_all(&out), expected);
}

#[test]
fn matches_the_prometheus_protobuf_encoder_when_its_protobuf_model_is_on() {
    for gathered in every_type().gather() {
        // `None` under the plain model, which has no protobuf encoder to compare with.
        let Some(theirs) = encoded_by_prometheus(&gathered) else {
            continue;
        };
        let mut ours = Vec::new();
        write_gathered(&mut ours, &gathered);
        assert_eq!(
            decode_all(&ours),
            decode_all(&theirs),
            "{}",
            gathered.name()
        );
        assert_eq!(ours, theirs, "{}: same fields, same order", gathered.name());
    }
}
