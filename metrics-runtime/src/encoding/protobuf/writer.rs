//! Delimited `MetricFamily` messages written field by field from a caller's own series:
//! no message is built, and nothing is allocated but `out`'s growth.

use prost::encoding::{
    double, encode_key, encode_varint, encoded_len_varint, int32, int64, key_len, uint64, WireType,
};

use super::model::{MetricType, Timestamp};

mod histogram;

use histogram::{histogram_len, put_histogram};
pub(crate) use histogram::{HistogramSample, NativeBuckets};

// Lengths: everything inside a metric is measured before it is written, from the same
// inputs, so a metric is written once, in place. Only a family's length, known once its
// last metric is in, is back-filled: one byte is reserved for it, and a longer family
// moves right by the bytes its length takes beyond that one.

/// One metric's identity: `labels`, then `extra` pairs written after them (a family's
/// constant labels, say), and a timestamp, which the toolkit's own series leave out.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Series<'a> {
    pub(crate) labels: &'a [(&'a str, &'a str)],
    pub(crate) extra: &'a [(&'a str, &'a str)],
    pub(crate) timestamp_ms: Option<i64>,
}

/// An exemplar: the labels of one sampled observation (its trace id), its value, and when.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ExemplarSample<'a> {
    pub(crate) labels: &'a [(&'a str, &'a str)],
    pub(crate) value: f64,
    pub(crate) timestamp: Option<Timestamp>,
}

/// The values of one metric, of its family's type.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Sample<'a> {
    Counter {
        value: f64,
        exemplar: Option<ExemplarSample<'a>>,
        created: Option<Timestamp>,
    },
    Gauge(f64),
    Untyped(f64),
    Summary(SummarySample<'a>),
    /// For a `HISTOGRAM` or `GAUGE_HISTOGRAM` family.
    Histogram(HistogramSample<'a>),
}

/// A summary's count, sum and `(quantile, value)` pairs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SummarySample<'a> {
    pub(crate) count: u64,
    pub(crate) sum: f64,
    pub(crate) quantiles: &'a [(f64, f64)],
    pub(crate) created: Option<Timestamp>,
}

/// A `MetricFamily` being appended to `out`, length-delimited: its header, then one metric
/// at a time. Its length is filled in by [`finish`](Self::finish), or when it is dropped.
pub(crate) struct DelimitedFamily<'o> {
    out: &'o mut Vec<u8>,
    /// Where the one byte reserved for the family's length is.
    start: usize,
    kind: MetricType,
}

impl<'o> DelimitedFamily<'o> {
    /// Starts a family with its name, help, type and, for OpenMetrics-aware readers, unit.
    pub(crate) fn begin(
        out: &'o mut Vec<u8>,
        name: &str,
        help: &str,
        kind: MetricType,
        unit: Option<&str>,
    ) -> Self {
        let start = out.len();
        out.push(0);
        put_str(1, name, out);
        put_str(2, help, out);
        int32::encode(3, &(kind as i32), out);
        if let Some(unit) = unit {
            put_str(5, unit, out);
        }
        DelimitedFamily { out, start, kind }
    }

    /// Appends one metric.
    pub(crate) fn metric(&mut self, series: &Series<'_>, sample: &Sample<'_>) {
        debug_assert!(
            sample.fits(self.kind),
            "{sample:?} in a {:?} family",
            self.kind
        );
        let pairs = || series.labels.iter().chain(series.extra);
        let (tag, sample_len) = (sample.tag(), sample.len());
        let len = labels_len(1, pairs())
            + nested_len(tag, sample_len)
            + series
                .timestamp_ms
                .map_or(0, |ts| int64::encoded_len(6, &ts));
        let out = &mut *self.out;
        put_header(4, len, out);
        let body = out.len();
        put_labels(1, pairs(), out);
        put_header(tag, sample_len, out);
        sample.put(out);
        if let Some(ts) = series.timestamp_ms {
            int64::encode(6, &ts, out);
        }
        debug_assert_eq!(out.len() - body, len, "measured and written lengths differ");
    }

    /// Ends the family: the same as dropping it, named for the call site.
    pub(crate) fn finish(self) {}
}

impl Drop for DelimitedFamily<'_> {
    fn drop(&mut self) {
        let body = self.start + 1;
        let len = self.out.len() - body;
        let width = encoded_len_varint(len as u64);
        if width > 1 {
            let end = self.out.len();
            self.out.resize(end + width - 1, 0);
            self.out.copy_within(body..end, self.start + width);
        }
        let mut slot = &mut self.out[self.start..self.start + width];
        encode_varint(len as u64, &mut slot);
    }
}

impl Sample<'_> {
    fn fits(&self, kind: MetricType) -> bool {
        matches!(
            (self, kind),
            (Sample::Counter { .. }, MetricType::Counter)
                | (Sample::Gauge(_), MetricType::Gauge)
                | (Sample::Untyped(_), MetricType::Untyped)
                | (Sample::Summary(_), MetricType::Summary)
                | (
                    Sample::Histogram(_),
                    MetricType::Histogram | MetricType::GaugeHistogram
                )
        )
    }

    /// Its field in `Metric`.
    fn tag(&self) -> u32 {
        match self {
            Sample::Gauge(_) => 2,
            Sample::Counter { .. } => 3,
            Sample::Summary(_) => 4,
            Sample::Untyped(_) => 5,
            Sample::Histogram(_) => 7,
        }
    }

    /// The length of its message's body.
    fn len(&self) -> usize {
        match self {
            Sample::Counter {
                value,
                exemplar,
                created,
            } => {
                double::encoded_len(1, value)
                    + exemplar
                        .as_ref()
                        .map_or(0, |e| nested_len(2, exemplar_len(e)))
                    + created
                        .as_ref()
                        .map_or(0, |t| nested_len(3, timestamp_len(t)))
            }
            Sample::Gauge(value) | Sample::Untyped(value) => double::encoded_len(1, value),
            Sample::Summary(summary) => summary_len(summary),
            Sample::Histogram(histogram) => histogram_len(histogram),
        }
    }

    fn put(&self, out: &mut Vec<u8>) {
        match self {
            Sample::Counter {
                value,
                exemplar,
                created,
            } => {
                double::encode(1, value, out);
                if let Some(exemplar) = exemplar {
                    put_exemplar(2, exemplar, out);
                }
                if let Some(created) = created {
                    put_timestamp(3, created, out);
                }
            }
            Sample::Gauge(value) | Sample::Untyped(value) => double::encode(1, value, out),
            Sample::Summary(summary) => put_summary(summary, out),
            Sample::Histogram(histogram) => put_histogram(histogram, out),
        }
    }
}

const QUANTILE_LEN: usize = 2 * (1 + 8);

fn summary_len(summary: &SummarySample<'_>) -> usize {
    uint64::encoded_len(1, &summary.count)
        + double::encoded_len(2, &summary.sum)
        + summary.quantiles.len() * nested_len(3, QUANTILE_LEN)
        + summary
            .created
            .as_ref()
            .map_or(0, |t| nested_len(4, timestamp_len(t)))
}

fn put_summary(summary: &SummarySample<'_>, out: &mut Vec<u8>) {
    uint64::encode(1, &summary.count, out);
    double::encode(2, &summary.sum, out);
    for (quantile, value) in summary.quantiles {
        put_header(3, QUANTILE_LEN, out);
        double::encode(1, quantile, out);
        double::encode(2, value, out);
    }
    if let Some(created) = &summary.created {
        put_timestamp(4, created, out);
    }
}

fn exemplar_len(exemplar: &ExemplarSample<'_>) -> usize {
    labels_len(1, exemplar.labels.iter())
        + double::encoded_len(2, &exemplar.value)
        + exemplar
            .timestamp
            .as_ref()
            .map_or(0, |t| nested_len(3, timestamp_len(t)))
}

fn put_exemplar(tag: u32, exemplar: &ExemplarSample<'_>, out: &mut Vec<u8>) {
    put_header(tag, exemplar_len(exemplar), out);
    put_labels(1, exemplar.labels.iter(), out);
    double::encode(2, &exemplar.value, out);
    if let Some(timestamp) = &exemplar.timestamp {
        put_timestamp(3, timestamp, out);
    }
}

/// `google.protobuf.Timestamp` is proto3: its zero fields are left out.
fn timestamp_len(timestamp: &Timestamp) -> usize {
    let seconds = if timestamp.seconds == 0 {
        0
    } else {
        int64::encoded_len(1, &timestamp.seconds)
    };
    let nanos = if timestamp.nanos == 0 {
        0
    } else {
        int32::encoded_len(2, &timestamp.nanos)
    };
    seconds + nanos
}

fn put_timestamp(tag: u32, timestamp: &Timestamp, out: &mut Vec<u8>) {
    put_header(tag, timestamp_len(timestamp), out);
    if timestamp.seconds != 0 {
        int64::encode(1, &timestamp.seconds, out);
    }
    if timestamp.nanos != 0 {
        int32::encode(2, &timestamp.nanos, out);
    }
}

fn label_pair_len(name: &str, value: &str) -> usize {
    nested_len(1, name.len()) + nested_len(2, value.len())
}

fn labels_len<'p>(tag: u32, pairs: impl Iterator<Item = &'p (&'p str, &'p str)>) -> usize {
    pairs
        .map(|(name, value)| nested_len(tag, label_pair_len(name, value)))
        .sum()
}

fn put_labels<'p>(
    tag: u32,
    pairs: impl Iterator<Item = &'p (&'p str, &'p str)>,
    out: &mut Vec<u8>,
) {
    for (name, value) in pairs {
        put_header(tag, label_pair_len(name, value), out);
        put_str(1, name, out);
        put_str(2, value, out);
    }
}

/// The whole length of a length-delimited field whose body is `len` bytes.
fn nested_len(tag: u32, len: usize) -> usize {
    key_len(tag) + encoded_len_varint(len as u64) + len
}

/// The key and length of a length-delimited field; its body follows.
fn put_header(tag: u32, len: usize, out: &mut Vec<u8>) {
    encode_key(tag, WireType::LengthDelimited, out);
    encode_varint(len as u64, out);
}

fn put_str(tag: u32, value: &str, out: &mut Vec<u8>) {
    put_header(tag, value.len(), out);
    out.extend_from_slice(value.as_bytes());
}
