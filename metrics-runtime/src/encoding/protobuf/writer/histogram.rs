//! The `Histogram` message: classic buckets, and the native ones beside them.

use prost::encoding::{double, sint32, sint64, uint32, uint64};

use super::super::model::Timestamp;
use super::ExemplarSample;
use super::{exemplar_len, nested_len, put_exemplar, put_header, put_timestamp, timestamp_len};

/// A histogram: classic buckets, native ones, or both.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HistogramSample<'a> {
    pub(crate) count: u64,
    pub(crate) sum: f64,
    /// Classic buckets' inclusive upper bounds, ascending; `+Inf` may be left out.
    pub(crate) upper_bounds: &'a [f64],
    /// The cumulative count of each bound of `upper_bounds`.
    pub(crate) cumulative_counts: &'a [u64],
    /// An exemplar for each classic bucket (`None` where it has none), or empty.
    pub(crate) bucket_exemplars: &'a [Option<ExemplarSample<'a>>],
    pub(crate) created: Option<Timestamp>,
    pub(crate) native: Option<NativeBuckets<'a>>,
}

/// The exponential buckets of a native histogram, as Prometheus reads them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NativeBuckets<'a> {
    pub(crate) schema: i32,
    pub(crate) zero_threshold: f64,
    pub(crate) zero_count: u64,
    /// `(offset, length)` runs of buckets: the first offset is an index, the others gaps.
    pub(crate) negative_spans: &'a [(i32, u32)],
    /// Each bucket's count minus the previous bucket's (the first minus zero).
    pub(crate) negative_deltas: &'a [i64],
    pub(crate) positive_spans: &'a [(i32, u32)],
    pub(crate) positive_deltas: &'a [i64],
    /// Exemplars of the native buckets; Prometheus requires each to carry a timestamp.
    pub(crate) exemplars: &'a [ExemplarSample<'a>],
}

/// The classic buckets as `(upper bound, cumulative count, exemplar)`.
fn buckets<'h>(
    histogram: &'h HistogramSample<'_>,
) -> impl Iterator<Item = (&'h f64, &'h u64, Option<&'h ExemplarSample<'h>>)> {
    debug_assert_eq!(
        histogram.upper_bounds.len(),
        histogram.cumulative_counts.len()
    );
    debug_assert!(
        histogram.bucket_exemplars.is_empty()
            || histogram.bucket_exemplars.len() == histogram.upper_bounds.len()
    );
    let exemplars = histogram.bucket_exemplars.iter().map(Option::as_ref);
    histogram
        .upper_bounds
        .iter()
        .zip(histogram.cumulative_counts)
        .zip(exemplars.chain(std::iter::repeat(None)))
        .map(|((bound, count), exemplar)| (bound, count, exemplar))
}

fn bucket_len(count: &u64, bound: &f64, exemplar: Option<&ExemplarSample<'_>>) -> usize {
    uint64::encoded_len(1, count)
        + double::encoded_len(2, bound)
        + exemplar.map_or(0, |e| nested_len(3, exemplar_len(e)))
}

pub(super) fn histogram_len(histogram: &HistogramSample<'_>) -> usize {
    let mut len = uint64::encoded_len(1, &histogram.count) + double::encoded_len(2, &histogram.sum);
    for (bound, count, exemplar) in buckets(histogram) {
        len += nested_len(3, bucket_len(count, bound, exemplar));
    }
    len += histogram
        .created
        .as_ref()
        .map_or(0, |t| nested_len(15, timestamp_len(t)));
    if let Some(native) = &histogram.native {
        len += native_len(native);
    }
    len
}

pub(super) fn put_histogram(histogram: &HistogramSample<'_>, out: &mut Vec<u8>) {
    uint64::encode(1, &histogram.count, out);
    double::encode(2, &histogram.sum, out);
    for (bound, count, exemplar) in buckets(histogram) {
        put_header(3, bucket_len(count, bound, exemplar), out);
        uint64::encode(1, count, out);
        double::encode(2, bound, out);
        if let Some(exemplar) = exemplar {
            put_exemplar(3, exemplar, out);
        }
    }
    if let Some(created) = &histogram.created {
        put_timestamp(15, created, out);
    }
    if let Some(native) = &histogram.native {
        put_native(native, out);
    }
}

/// Written for a native histogram without spans: with no span and a zero threshold of 0,
/// Prometheus would read a classic histogram (`metrics.proto` asks for this no-op span).
const NO_OP_SPAN: &[(i32, u32)] = &[(0, 0)];

fn positive_spans<'a>(native: &NativeBuckets<'a>) -> &'a [(i32, u32)] {
    if native.positive_spans.is_empty() && native.negative_spans.is_empty() {
        NO_OP_SPAN
    } else {
        native.positive_spans
    }
}

fn span_len((offset, length): &(i32, u32)) -> usize {
    sint32::encoded_len(1, offset) + uint32::encoded_len(2, length)
}

fn spans_len(tag: u32, spans: &[(i32, u32)]) -> usize {
    spans
        .iter()
        .map(|span| nested_len(tag, span_len(span)))
        .sum()
}

fn put_spans(tag: u32, spans: &[(i32, u32)], out: &mut Vec<u8>) {
    for span @ (offset, length) in spans {
        put_header(tag, span_len(span), out);
        sint32::encode(1, offset, out);
        uint32::encode(2, length, out);
    }
}

// `repeated sint64` in proto2 is unpacked: one key per delta.
fn native_len(native: &NativeBuckets<'_>) -> usize {
    sint32::encoded_len(5, &native.schema)
        + double::encoded_len(6, &native.zero_threshold)
        + uint64::encoded_len(7, &native.zero_count)
        + spans_len(9, native.negative_spans)
        + sint64::encoded_len_repeated(10, native.negative_deltas)
        + spans_len(12, positive_spans(native))
        + sint64::encoded_len_repeated(13, native.positive_deltas)
        + native
            .exemplars
            .iter()
            .map(|e| nested_len(16, exemplar_len(e)))
            .sum::<usize>()
}

fn put_native(native: &NativeBuckets<'_>, out: &mut Vec<u8>) {
    sint32::encode(5, &native.schema, out);
    double::encode(6, &native.zero_threshold, out);
    uint64::encode(7, &native.zero_count, out);
    put_spans(9, native.negative_spans, out);
    sint64::encode_repeated(10, native.negative_deltas, out);
    put_spans(12, positive_spans(native), out);
    sint64::encode_repeated(13, native.positive_deltas, out);
    for exemplar in native.exemplars {
        put_exemplar(16, exemplar, out);
    }
}
