//! The writers' output decoded with prost into `model`, field by field.

use prost::Message;

use super::model::{self, MetricType, Timestamp};
use super::*;

pub(crate) mod gathered;
mod histograms;

/// Every length-delimited family of `bytes`, in order; all of `bytes` must be used.
pub(super) fn decode_all(mut bytes: &[u8]) -> Vec<model::MetricFamily> {
    let mut families = Vec::new();
    while !bytes.is_empty() {
        families.push(model::MetricFamily::decode_length_delimited(&mut bytes).unwrap());
    }
    families
}

pub(super) fn labels(pairs: &[(&str, &str)]) -> Vec<model::LabelPair> {
    pairs
        .iter()
        .map(|(name, value)| model::LabelPair {
            name: Some(name.to_string()),
            value: Some(value.to_string()),
        })
        .collect()
}

pub(super) fn family(
    name: &str,
    help: &str,
    kind: MetricType,
    metric: Vec<model::Metric>,
) -> model::MetricFamily {
    model::MetricFamily {
        name: Some(name.into()),
        help: Some(help.into()),
        r#type: Some(kind as i32),
        metric,
        unit: None,
    }
}

pub(super) fn exemplar(
    trace_id: &str,
    value: f64,
    timestamp: Option<Timestamp>,
) -> model::Exemplar {
    model::Exemplar {
        label: labels(&[("trace_id", trace_id)]),
        value: Some(value),
        timestamp,
    }
}

pub(super) const SAMPLED_AT: Timestamp = Timestamp {
    seconds: 1_700_000_000,
    nanos: 250_000_000,
};

#[test]
fn counters_carry_labels_extra_pairs_exemplars_created_and_timestamps() {
    let mut out = Vec::new();
    let mut family_out = DelimitedFamily::begin(
        &mut out,
        "requests_total",
        "Requests.",
        MetricType::Counter,
        Some("requests"),
    );
    let trace = [("trace_id", "4bf92f35")];
    family_out.metric(
        &Series {
            labels: &[("method", "GET"), ("path", "/a\"b")],
            extra: &[("shard", "1")],
            timestamp_ms: Some(-5),
        },
        &Sample::Counter {
            value: 7.5,
            exemplar: Some(ExemplarSample {
                labels: &trace,
                value: 0.25,
                timestamp: Some(SAMPLED_AT),
            }),
            created: Some(Timestamp {
                seconds: 1_600_000_000,
                nanos: 0,
            }),
        },
    );
    family_out.metric(
        &Series::default(),
        &Sample::Counter {
            value: 0.0,
            exemplar: None,
            created: None,
        },
    );
    family_out.finish();

    let mut expected = family("requests_total", "Requests.", MetricType::Counter, vec![]);
    expected.unit = Some("requests".into());
    expected.metric = vec![
        model::Metric {
            label: labels(&[("method", "GET"), ("path", "/a\"b"), ("shard", "1")]),
            counter: Some(model::Counter {
                value: Some(7.5),
                exemplar: Some(exemplar("4bf92f35", 0.25, Some(SAMPLED_AT))),
                created_timestamp: Some(Timestamp {
                    seconds: 1_600_000_000,
                    nanos: 0,
                }),
            }),
            timestamp_ms: Some(-5),
            ..Default::default()
        },
        model::Metric {
            counter: Some(model::Counter {
                value: Some(0.0),
                ..Default::default()
            }),
            ..Default::default()
        },
    ];
    assert_eq!(decode_all(&out), [expected]);
}

#[test]
fn gauges_untyped_and_summaries_follow_one_another() {
    let mut out = b"already here".to_vec();
    let series = Series {
        labels: &[("pool", "main")],
        ..Series::default()
    };
    let mut gauges = DelimitedFamily::begin(&mut out, "queued", "", MetricType::Gauge, None);
    gauges.metric(&series, &Sample::Gauge(-2.5));
    gauges.metric(&Series::default(), &Sample::Gauge(f64::INFINITY));
    gauges.finish();
    let mut untyped = DelimitedFamily::begin(&mut out, "legacy", "Old.", MetricType::Untyped, None);
    untyped.metric(&series, &Sample::Untyped(42.0));
    untyped.finish();
    let mut summaries =
        DelimitedFamily::begin(&mut out, "rpc_seconds", "RPCs.", MetricType::Summary, None);
    summaries.metric(
        &series,
        &Sample::Summary(SummarySample {
            count: 10,
            sum: 4.5,
            quantiles: &[(0.5, 0.25), (0.99, f64::NAN)],
            created: Some(SAMPLED_AT),
        }),
    );
    summaries.finish();

    assert_eq!(&out[..12], b"already here");
    let families = decode_all(&out[12..]);
    let pool = labels(&[("pool", "main")]);
    let gauge = |value| model::Gauge { value: Some(value) };
    assert_eq!(
        families[0],
        family(
            "queued",
            "",
            MetricType::Gauge,
            vec![
                model::Metric {
                    label: pool.clone(),
                    gauge: Some(gauge(-2.5)),
                    ..Default::default()
                },
                model::Metric {
                    gauge: Some(gauge(f64::INFINITY)),
                    ..Default::default()
                },
            ]
        )
    );
    assert_eq!(
        families[1],
        family(
            "legacy",
            "Old.",
            MetricType::Untyped,
            vec![model::Metric {
                label: pool.clone(),
                untyped: Some(model::Untyped { value: Some(42.0) }),
                ..Default::default()
            }]
        )
    );
    let summary = families[2].metric[0].summary.as_ref().unwrap();
    assert_eq!(families[2].name(), "rpc_seconds");
    assert_eq!(families[2].r#type(), MetricType::Summary);
    assert_eq!(families[2].metric[0].label, pool);
    assert_eq!(summary.sample_count, Some(10));
    assert_eq!(summary.sample_sum, Some(4.5));
    assert_eq!(summary.created_timestamp, Some(SAMPLED_AT));
    assert_eq!(summary.quantile.len(), 2);
    assert_eq!(summary.quantile[0].quantile, Some(0.5));
    assert_eq!(summary.quantile[0].value, Some(0.25));
    assert_eq!(summary.quantile[1].quantile, Some(0.99));
    assert!(summary.quantile[1].value.unwrap().is_nan());
    assert_eq!(families.len(), 3);
}

#[test]
fn family_lengths_of_every_width_are_back_filled() {
    // The body is the name (3 bytes), the help (2 + its length) and the type (2).
    let mut out = Vec::new();
    for help_len in [0, 120, 121, 20_000, 3_000_000] {
        let help = "h".repeat(help_len);
        DelimitedFamily::begin(&mut out, "a", &help, MetricType::Gauge, None)
            .metric(&Series::default(), &Sample::Gauge(1.0));
    }
    let families = decode_all(&out);
    let helps: Vec<usize> = families.iter().map(|f| f.help().len()).collect();
    assert_eq!(helps, [0, 120, 121, 20_000, 3_000_000]);
    assert!(families.iter().all(|f| f.metric.len() == 1));

    let mut out = Vec::new();
    DelimitedFamily::begin(&mut out, "a", &"h".repeat(120), MetricType::Gauge, None).finish();
    assert_eq!((out[0], out.len()), (127, 128), "one byte up to 127");
    let mut out = Vec::new();
    DelimitedFamily::begin(&mut out, "a", &"h".repeat(121), MetricType::Gauge, None).finish();
    assert_eq!(
        (&out[..2], out.len()),
        (&[0x80, 0x01][..], 130),
        "two from 128"
    );
}

#[test]
fn the_content_type_is_the_one_prometheus_asks_for() {
    assert_eq!(
        PROTOBUF_CONTENT_TYPE,
        "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
    );
}

#[test]
fn model_field_numbers_match_metrics_proto() {
    // One field each, by number: a mistyped tag would decode into the wrong field or none.
    let histogram = model::Histogram {
        sample_count_float: Some(1.5),
        zero_count_float: Some(2.5),
        negative_count: vec![3.5],
        positive_count: vec![4.5],
        ..Default::default()
    };
    let bytes = histogram.encode_to_vec();
    let expected: Vec<u8> = [
        &[4 << 3 | 1][..],
        &1.5f64.to_le_bytes(),
        &[8 << 3 | 1],
        &2.5f64.to_le_bytes(),
        &[11 << 3 | 1],
        &3.5f64.to_le_bytes(),
        &[14 << 3 | 1],
        &4.5f64.to_le_bytes(),
    ]
    .concat();
    assert_eq!(bytes, expected, "unpacked doubles in declaration order");
}
