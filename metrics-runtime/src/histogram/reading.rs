//! One consistent reading of a histogram's counts, and the samples and
//! `prometheus` protos written from it.

use std::sync::atomic::Ordering;

use prometheus::proto;

use super::Core;
use crate::encoding::direct::{HistogramSample, Labels, Samples};
use crate::instrument::native::NativeReading;

/// Reads of the native buckets before a scrape leaves them out, as for an
/// instrumented function's.
const NATIVE_READS: usize = 4;

/// A reading as [`Core::read_into`] wrote it.
pub(super) struct Reading<'a> {
    sum: f64,
    /// One per finite bound, then `+Inf`.
    cumulative: &'a [u64],
    native: Option<NativeReading<'a>>,
}

impl Core {
    /// Appends the sum's bits, the cumulative counts and, when it has
    /// native buckets, their reading (absent when they did not add up to
    /// the count in a few tries: Prometheus rejects those).
    pub(super) fn read_into(&self, out: &mut Vec<u64>) {
        let start = out.len();
        let classic = 1 + self.buckets.len();
        let Some(native) = &self.native else {
            out.resize(start + classic, 0);
            self.read_classic(&mut out[start..]);
            return;
        };
        for _ in 0..NATIVE_READS {
            out.truncate(start);
            out.resize(start + classic, 0);
            // Native first: the classic count read after holds them all.
            native.read_into(out);
            let count = self.read_classic(&mut out[start..start + classic]);
            let read = NativeReading::split(&out[start + classic..]);
            if read.is_some_and(|(native, _)| native.total() == count) {
                return;
            }
        }
        out.truncate(start + classic);
        NativeReading::write_absent(out);
    }

    /// Writes the sum's bits and the cumulative counts into `record`; the count.
    fn read_classic(&self, record: &mut [u64]) -> u64 {
        let mut total = 0;
        for (bucket, slot) in self.buckets.iter().zip(&mut record[1..]) {
            total += bucket.load(Ordering::Acquire);
            *slot = total;
        }
        record[0] = self.sum.load(Ordering::Relaxed);
        total
    }

    /// The reading at the start of `values`.
    pub(super) fn split<'a>(&self, values: &'a [u64]) -> Option<Reading<'a>> {
        let (sum, rest) = values.split_first()?;
        let cumulative = rest.get(..self.buckets.len())?;
        let native = match self.shape.native {
            true => NativeReading::split_optional(&rest[cumulative.len()..])?.0,
            false => None,
        };
        Some(Reading {
            sum: f64::from_bits(*sum),
            cumulative,
            native,
        })
    }

    /// Writes the reading at the start of `values` as one histogram sample.
    pub(super) fn write_sample(&self, values: &[u64], labels: Labels<'_>, out: &mut dyn Samples) {
        let Some(reading) = self.split(values) else {
            return;
        };
        out.histogram(
            labels,
            HistogramSample {
                bounds: &self.shape.bounds,
                cumulative: reading.cumulative,
                count: reading.count(),
                sum: reading.sum,
                exemplars: None,
                native: reading.native,
            },
        );
    }

    /// The histogram as a `prometheus` metric (classic buckets: its model
    /// has no native ones), labelled `labels`.
    pub(super) fn proto_metric(&self, labels: Vec<proto::LabelPair>) -> proto::Metric {
        let mut values = Vec::new();
        self.read_into(&mut values);
        let mut histogram = proto::Histogram::default();
        if let Some(reading) = self.split(&values) {
            histogram.set_sample_count(reading.count());
            histogram.set_sample_sum(reading.sum);
            let buckets = self
                .shape
                .bounds
                .values()
                .iter()
                .zip(reading.cumulative)
                .map(|(&bound, &count)| {
                    let mut bucket = proto::Bucket::default();
                    bucket.set_upper_bound(bound);
                    bucket.set_cumulative_count(count);
                    bucket
                })
                .collect();
            histogram.set_bucket(buckets);
        }
        let mut metric = proto::Metric::default();
        metric.set_label(labels);
        metric.set_histogram(histogram);
        metric
    }
}

impl Reading<'_> {
    fn count(&self) -> u64 {
        self.cumulative.last().copied().unwrap_or(0)
    }
}

/// `pairs` as `prometheus` label pairs, by name, as its own metrics have them.
pub(super) fn label_pairs<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<proto::LabelPair> {
    let mut pairs = crate::instrument::exposition::label_pairs(pairs);
    pairs.sort_by(|a, b| a.name().cmp(b.name()));
    pairs
}
