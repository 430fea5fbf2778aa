//! The model and the content type.

use prost::Message;

use super::model;
use super::*;

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
