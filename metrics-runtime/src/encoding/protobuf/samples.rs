//! The toolkit's own series as protobuf metrics, written into one family.

use super::model::Timestamp;
use super::writer::{
    DelimitedFamily, ExemplarSample, HistogramSample, NativeBuckets, Sample, Series,
};
use crate::encoding::direct::{self, Exemplar, Labels, Number, Samples};
use crate::instrument::native;

/// Writes a [`direct::DirectFamily`]'s samples into a delimited family.
pub(crate) struct ProtobufSamples<'f, 'o> {
    pub(crate) family: &'f mut DelimitedFamily<'o>,
    /// Labels the registry adds to every sample.
    pub(crate) common: &'f [(&'f str, &'f str)],
    /// Room kept from one metric to the next.
    pub(crate) scratch: &'f mut ProtobufScratch,
}

/// Buffers kept from one metric to the next, and one encode to the next.
#[derive(Debug, Default)]
pub(crate) struct ProtobufScratch {
    pairs: Vec<(&'static str, &'static str)>,
    spans: Vec<(i32, u32)>,
    deltas: Vec<i64>,
    negative_spans: Vec<(i32, u32)>,
    negative_deltas: Vec<i64>,
}

impl ProtobufSamples<'_, '_> {
    fn metric(&mut self, labels: Labels<'_>, sample: &Sample<'_>) {
        let mut pairs = reborrow(std::mem::take(&mut self.scratch.pairs));
        labels
            .series
            .for_each_pair(&mut |name, value| pairs.push((name, value)));
        if let Some(extra) = labels.extra {
            pairs.push((extra.name, extra.value));
        }
        labels
            .constant
            .for_each_pair(&mut |name, value| pairs.push((name, value)));
        let series = Series {
            labels: &pairs,
            extra: self.common,
            timestamp_ms: None,
        };
        self.family.metric(&series, sample);
        self.scratch.pairs = reborrow(pairs);
    }
}

/// A trace id and span id in hex.
type HexIds = ([u8; 32], [u8; 16]);

/// An exemplar's labels, from its ids in hex.
fn exemplar_labels((trace, span): &HexIds) -> [(&str, &str); 2] {
    [("trace_id", ascii(trace)), ("span_id", ascii(span))]
}

/// Hex digits as text: they are ASCII.
fn ascii(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or_default()
}

/// Seconds since the epoch as a protobuf `Timestamp`.
fn timestamp(seconds: f64) -> Timestamp {
    Timestamp {
        seconds: seconds.floor() as i64,
        nanos: ((seconds - seconds.floor()) * 1e9) as i32,
    }
}

/// `pairs`' allocation, emptied, for pairs of another lifetime: collecting
/// an emptied vector into one of a type of the same layout reuses it.
fn reborrow<'b>(mut pairs: Vec<(&str, &str)>) -> Vec<(&'b str, &'b str)> {
    pairs.clear();
    pairs.into_iter().map(|_| ("", "")).collect()
}

impl Samples for ProtobufSamples<'_, '_> {
    fn counter(&mut self, labels: Labels<'_>, value: Number, exemplar: Option<Exemplar>) {
        let ids = exemplar.map(|exemplar| exemplar.hex_ids());
        let pairs = ids.as_ref().map(exemplar_labels);
        let sample = Sample::Counter {
            value: value.as_f64(),
            exemplar: exemplar
                .zip(pairs.as_ref())
                .map(|(exemplar, pairs)| ExemplarSample {
                    labels: pairs,
                    value: exemplar.value,
                    timestamp: Some(timestamp(exemplar.timestamp)),
                }),
            created: None,
        };
        self.metric(labels, &sample);
    }

    fn gauge(&mut self, labels: Labels<'_>, value: Number) {
        self.metric(labels, &Sample::Gauge(value.as_f64()));
    }

    fn histogram(&mut self, labels: Labels<'_>, histogram: direct::HistogramSample<'_>) {
        let (mut spans, mut deltas) = (
            std::mem::take(&mut self.scratch.spans),
            std::mem::take(&mut self.scratch.deltas),
        );
        let (mut negative_spans, mut negative_deltas) = (
            std::mem::take(&mut self.scratch.negative_spans),
            std::mem::take(&mut self.scratch.negative_deltas),
        );
        let native = histogram.native.map(|native| {
            spans_and_deltas(native.buckets(), &mut spans, &mut deltas);
            spans_and_deltas(
                native.negative_buckets(),
                &mut negative_spans,
                &mut negative_deltas,
            );
            NativeBuckets {
                schema: native::SCHEMA,
                zero_threshold: native::ZERO_THRESHOLD,
                zero_count: native.zero_count,
                negative_spans: &negative_spans,
                negative_deltas: &negative_deltas,
                positive_spans: &spans,
                positive_deltas: &deltas,
                exemplars: &[],
            }
        });
        let bounds = histogram.bounds.values();
        // Allocated only for a series with exemplars.
        let kept: Vec<Option<(Exemplar, HexIds)>> = match histogram.exemplars {
            // The finite buckets', then `+Inf`'s (native only: the classic
            // buckets leave `+Inf` out).
            Some(exemplars) => (0..=bounds.len())
                .map(|index| exemplars.bucket(index).map(|e| (e, e.hex_ids())))
                .collect(),
            None => Vec::new(),
        };
        let pairs: Vec<Option<[(&str, &str); 2]>> = kept
            .iter()
            .map(|kept| kept.as_ref().map(|(_, ids)| exemplar_labels(ids)))
            .collect();
        let bucket_exemplars: Vec<Option<ExemplarSample<'_>>> = kept
            .iter()
            .zip(&pairs)
            .map(|(kept, pairs)| {
                let ((exemplar, _), pairs) = kept.as_ref().zip(pairs.as_ref())?;
                Some(ExemplarSample {
                    labels: pairs,
                    value: exemplar.value,
                    timestamp: Some(timestamp(exemplar.timestamp)),
                })
            })
            .collect();
        let native_exemplars: Vec<ExemplarSample<'_>> =
            bucket_exemplars.iter().flatten().copied().collect();
        let bucket_exemplars = &bucket_exemplars[..bucket_exemplars.len().min(bounds.len())];
        let native = native.map(|native| NativeBuckets {
            exemplars: &native_exemplars,
            ..native
        });
        let sample = Sample::Histogram(HistogramSample {
            count: histogram.count,
            sum: histogram.sum,
            upper_bounds: bounds,
            // The `+Inf` bucket is the count.
            cumulative_counts: &histogram.cumulative[..bounds.len()],
            bucket_exemplars,
            created: None,
            native,
        });
        self.metric(labels, &sample);
        self.scratch.spans = spans;
        self.scratch.deltas = deltas;
        self.scratch.negative_spans = negative_spans;
        self.scratch.negative_deltas = negative_deltas;
    }
}

/// Prometheus' encoding of `buckets` (index, count by index): runs of
/// consecutive buckets as `(offset, length)` spans, the first offset an
/// index and the others gaps, and each count as its difference from the
/// previous bucket's.
pub(crate) fn spans_and_deltas(
    buckets: impl Iterator<Item = (i32, u64)>,
    spans: &mut Vec<(i32, u32)>,
    deltas: &mut Vec<i64>,
) {
    spans.clear();
    deltas.clear();
    let (mut next_index, mut previous) = (None::<i32>, 0i64);
    for (index, count) in buckets {
        match (next_index, spans.last_mut()) {
            (Some(expected), Some(span)) if expected == index => span.1 += 1,
            (Some(expected), _) => spans.push((index - expected, 1)),
            (None, _) => spans.push((index, 1)),
        }
        let count = count as i64;
        deltas.push(count - previous);
        previous = count;
        next_index = Some(index + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_cover_runs_and_deltas_difference_counts() {
        let (mut spans, mut deltas) = (Vec::new(), Vec::new());
        let buckets = [(-3, 2), (-2, 5), (4, 1), (5, 1), (6, 4)];
        spans_and_deltas(buckets.into_iter(), &mut spans, &mut deltas);
        assert_eq!(spans, [(-3, 2), (5, 3)]);
        assert_eq!(deltas, [2, 3, -4, 0, 3]);
        spans_and_deltas(std::iter::empty(), &mut spans, &mut deltas);
        assert!(spans.is_empty() && deltas.is_empty());
    }
}
