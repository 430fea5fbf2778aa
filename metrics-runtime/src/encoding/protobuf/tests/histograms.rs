//! Classic and native histograms through the writers.

use super::super::model::{self, MetricType};
use super::super::{
    DelimitedFamily, ExemplarSample, HistogramSample, NativeBuckets, Sample, Series,
};
use super::{decode_all, exemplar, family, labels, SAMPLED_AT};

#[test]
fn classic_histograms_have_cumulative_buckets_with_exemplars() {
    let mut out = Vec::new();
    let trace = [("trace_id", "00f067aa")];
    let mut histograms = DelimitedFamily::begin(
        &mut out,
        "wait_seconds",
        "Waits.",
        MetricType::Histogram,
        None,
    );
    histograms.metric(
        &Series {
            labels: &[("queue", "q1")],
            ..Series::default()
        },
        &Sample::Histogram(HistogramSample {
            count: 5,
            sum: 7.25,
            upper_bounds: &[0.5, 1.0, f64::INFINITY],
            cumulative_counts: &[1, 4, 5],
            bucket_exemplars: &[
                None,
                Some(ExemplarSample {
                    labels: &trace,
                    value: 0.75,
                    timestamp: None,
                }),
                None,
            ],
            created: Some(SAMPLED_AT),
            native: None,
        }),
    );
    histograms.finish();

    let bucket = |bound, count, exemplar| model::Bucket {
        cumulative_count: Some(count),
        upper_bound: Some(bound),
        exemplar,
        cumulative_count_float: None,
    };
    let expected = model::Histogram {
        sample_count: Some(5),
        sample_sum: Some(7.25),
        bucket: vec![
            bucket(0.5, 1, None),
            bucket(1.0, 4, Some(exemplar("00f067aa", 0.75, None))),
            bucket(f64::INFINITY, 5, None),
        ],
        created_timestamp: Some(SAMPLED_AT),
        ..Default::default()
    };
    let families = decode_all(&out);
    assert_eq!(
        families,
        [family(
            "wait_seconds",
            "Waits.",
            MetricType::Histogram,
            vec![model::Metric {
                label: labels(&[("queue", "q1")]),
                histogram: Some(expected),
                ..Default::default()
            }]
        )]
    );
}

#[test]
fn native_histograms_have_spans_deltas_and_exemplars_beside_classic_buckets() {
    let mut out = Vec::new();
    let trace = [("trace_id", "a1")];
    let native = NativeBuckets {
        schema: -2,
        zero_threshold: 1e-128,
        zero_count: 2,
        negative_spans: &[(-3, 1)],
        negative_deltas: &[1],
        positive_spans: &[(0, 2), (3, 1)],
        positive_deltas: &[2, -1, 4],
        exemplars: &[ExemplarSample {
            labels: &trace,
            value: 3.5,
            timestamp: Some(SAMPLED_AT),
        }],
    };
    let mut histograms = DelimitedFamily::begin(
        &mut out,
        "size_bytes",
        "Sizes.",
        MetricType::GaugeHistogram,
        None,
    );
    let sample = HistogramSample {
        count: 9,
        sum: 20.0,
        upper_bounds: &[1.0],
        cumulative_counts: &[3],
        bucket_exemplars: &[],
        created: None,
        native: Some(native),
    };
    histograms.metric(&Series::default(), &Sample::Histogram(sample));
    // No observation yet and no zero bucket: the no-op span keeps it a native histogram.
    let empty = NativeBuckets {
        zero_threshold: 0.0,
        zero_count: 0,
        negative_spans: &[],
        negative_deltas: &[],
        positive_spans: &[],
        positive_deltas: &[],
        exemplars: &[],
        ..native
    };
    let empty = HistogramSample {
        count: 0,
        sum: 0.0,
        upper_bounds: &[],
        cumulative_counts: &[],
        native: Some(empty),
        ..sample
    };
    histograms.metric(&Series::default(), &Sample::Histogram(empty));
    histograms.finish();

    let families = decode_all(&out);
    assert_eq!(families[0].r#type(), MetricType::GaugeHistogram);
    let histogram = families[0].metric[0].histogram.clone().unwrap();
    let span = |offset, length| model::BucketSpan {
        offset: Some(offset),
        length: Some(length),
    };
    let expected = model::Histogram {
        sample_count: Some(9),
        sample_sum: Some(20.0),
        bucket: vec![model::Bucket {
            cumulative_count: Some(3),
            upper_bound: Some(1.0),
            ..Default::default()
        }],
        schema: Some(-2),
        zero_threshold: Some(1e-128),
        zero_count: Some(2),
        negative_span: vec![span(-3, 1)],
        negative_delta: vec![1],
        positive_span: vec![span(0, 2), span(3, 1)],
        positive_delta: vec![2, -1, 4],
        exemplars: vec![exemplar("a1", 3.5, Some(SAMPLED_AT))],
        ..Default::default()
    };
    assert_eq!(histogram, expected);
    let empty = families[0].metric[1].histogram.clone().unwrap();
    let expected_empty = model::Histogram {
        sample_count: Some(0),
        sample_sum: Some(0.0),
        schema: Some(-2),
        zero_threshold: Some(0.0),
        zero_count: Some(0),
        positive_span: vec![span(0, 0)],
        ..Default::default()
    };
    assert_eq!(empty, expected_empty);
}
