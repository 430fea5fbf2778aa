//! Prometheus' protobuf exposition read back: the `io.prometheus.client`
//! messages the tests look at, declared with `prost` from
//! `metrics-runtime/proto/metrics.proto` (field numbers and proto2
//! presence as there), and a reader of length-delimited `MetricFamily`s.
//! Fields left out here (created timestamps, float counts, units) are
//! skipped when decoding.

use prost::Message;

#[derive(Clone, PartialEq, Message)]
pub struct MetricFamily {
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    #[prost(string, optional, tag = "2")]
    pub help: Option<String>,
    #[prost(enumeration = "MetricType", optional, tag = "3")]
    pub r#type: Option<i32>,
    #[prost(message, repeated, tag = "4")]
    pub metric: Vec<Metric>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, prost::Enumeration)]
#[repr(i32)]
pub enum MetricType {
    Counter = 0,
    Gauge = 1,
    Summary = 2,
    Untyped = 3,
    Histogram = 4,
    GaugeHistogram = 5,
}

#[derive(Clone, PartialEq, Message)]
pub struct Metric {
    #[prost(message, repeated, tag = "1")]
    pub label: Vec<LabelPair>,
    #[prost(message, optional, tag = "2")]
    pub gauge: Option<Gauge>,
    #[prost(message, optional, tag = "3")]
    pub counter: Option<Counter>,
    #[prost(message, optional, tag = "4")]
    pub summary: Option<Summary>,
    #[prost(message, optional, tag = "5")]
    pub untyped: Option<Untyped>,
    #[prost(message, optional, tag = "7")]
    pub histogram: Option<Histogram>,
    #[prost(int64, optional, tag = "6")]
    pub timestamp_ms: Option<i64>,
}

#[derive(Clone, PartialEq, Message)]
pub struct LabelPair {
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    #[prost(string, optional, tag = "2")]
    pub value: Option<String>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Counter {
    #[prost(double, optional, tag = "1")]
    pub value: Option<f64>,
    #[prost(message, optional, tag = "2")]
    pub exemplar: Option<Exemplar>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Gauge {
    #[prost(double, optional, tag = "1")]
    pub value: Option<f64>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Untyped {
    #[prost(double, optional, tag = "1")]
    pub value: Option<f64>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Summary {
    #[prost(uint64, optional, tag = "1")]
    pub sample_count: Option<u64>,
    #[prost(double, optional, tag = "2")]
    pub sample_sum: Option<f64>,
    #[prost(message, repeated, tag = "3")]
    pub quantile: Vec<Quantile>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Quantile {
    #[prost(double, optional, tag = "1")]
    pub quantile: Option<f64>,
    #[prost(double, optional, tag = "2")]
    pub value: Option<f64>,
}

/// Classic buckets, and the native ones (schema 5 to positive deltas 13;
/// 8, 11 and 14 are float counts, not read here).
#[derive(Clone, PartialEq, Message)]
pub struct Histogram {
    #[prost(uint64, optional, tag = "1")]
    pub sample_count: Option<u64>,
    #[prost(double, optional, tag = "2")]
    pub sample_sum: Option<f64>,
    #[prost(message, repeated, tag = "3")]
    pub bucket: Vec<Bucket>,
    #[prost(sint32, optional, tag = "5")]
    pub schema: Option<i32>,
    #[prost(double, optional, tag = "6")]
    pub zero_threshold: Option<f64>,
    #[prost(uint64, optional, tag = "7")]
    pub zero_count: Option<u64>,
    #[prost(message, repeated, tag = "9")]
    pub negative_span: Vec<BucketSpan>,
    #[prost(sint64, repeated, packed = "false", tag = "10")]
    pub negative_delta: Vec<i64>,
    #[prost(message, repeated, tag = "12")]
    pub positive_span: Vec<BucketSpan>,
    #[prost(sint64, repeated, packed = "false", tag = "13")]
    pub positive_delta: Vec<i64>,
    #[prost(message, repeated, tag = "16")]
    pub exemplars: Vec<Exemplar>,
}

impl Histogram {
    /// Whether Prometheus would read native buckets here (and so ignore
    /// the classic ones): any span, or a zero bucket.
    pub fn is_native(&self) -> bool {
        self.schema.is_some()
            || !self.negative_span.is_empty()
            || !self.positive_span.is_empty()
            || self.zero_threshold.is_some_and(|t| t > 0.0)
            || self.zero_count.is_some_and(|c| c > 0)
    }

    /// The positive native buckets as (index, count), from their spans
    /// and deltas.
    pub fn positive_buckets(&self) -> Vec<(i32, u64)> {
        native_buckets(&self.positive_span, &self.positive_delta)
    }

    /// The same of the negative values' buckets, by magnitude.
    pub fn negative_buckets(&self) -> Vec<(i32, u64)> {
        native_buckets(&self.negative_span, &self.negative_delta)
    }
}

/// Native buckets as (index, count) from Prometheus' spans (the first
/// offset an index, the others gaps) and deltas (each count's difference
/// from the previous one's).
fn native_buckets(spans: &[BucketSpan], deltas: &[i64]) -> Vec<(i32, u64)> {
    let mut buckets = Vec::new();
    let mut deltas = deltas.iter();
    let (mut index, mut count) = (0i32, 0i64);
    for (n, span) in spans.iter().enumerate() {
        let offset = span.offset.unwrap_or(0);
        index = if n == 0 { offset } else { index + offset };
        for _ in 0..span.length.unwrap_or(0) {
            count += deltas.next().copied().expect("a delta per bucket");
            buckets.push((index, u64::try_from(count).expect("a count")));
            index += 1;
        }
    }
    assert!(deltas.next().is_none(), "more deltas than buckets");
    buckets
}

#[derive(Clone, PartialEq, Message)]
pub struct Bucket {
    #[prost(uint64, optional, tag = "1")]
    pub cumulative_count: Option<u64>,
    #[prost(double, optional, tag = "2")]
    pub upper_bound: Option<f64>,
    #[prost(message, optional, tag = "3")]
    pub exemplar: Option<Exemplar>,
}

#[derive(Clone, PartialEq, Message)]
pub struct BucketSpan {
    #[prost(sint32, optional, tag = "1")]
    pub offset: Option<i32>,
    #[prost(uint32, optional, tag = "2")]
    pub length: Option<u32>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Exemplar {
    #[prost(message, repeated, tag = "1")]
    pub label: Vec<LabelPair>,
    #[prost(double, optional, tag = "2")]
    pub value: Option<f64>,
}

/// Every length-delimited `MetricFamily` of `body`, in order. Panics,
/// saying where, on a truncated or malformed message.
pub fn decode_delimited(mut body: &[u8]) -> Vec<MetricFamily> {
    let mut families = Vec::new();
    while !body.is_empty() {
        let at = families.len();
        let family = MetricFamily::decode_length_delimited(&mut body)
            .unwrap_or_else(|err| panic!("metric family #{at} does not decode: {err}"));
        families.push(family);
    }
    families
}

/// The histogram of the first series of family `name` in `body` (a
/// delimited protobuf exposition) that has every pair of `labels`.
pub fn histogram(body: &[u8], name: &str, labels: &[(&str, &str)]) -> Histogram {
    decode_delimited(body)
        .into_iter()
        .find(|family| family.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no family {name}"))
        .metric
        .into_iter()
        .find(|metric| {
            labels.iter().all(|(label, value)| {
                metric.label.iter().any(|pair| {
                    pair.name.as_deref() == Some(*label) && pair.value.as_deref() == Some(*value)
                })
            })
        })
        .and_then(|metric| metric.histogram)
        .unwrap_or_else(|| panic!("no histogram {name}{labels:?}"))
}
