//! The toolkit's own series as protobuf metrics, written into one family.

use super::writer::{DelimitedFamily, HistogramSample, Sample, Series};
use crate::encoding::direct::{self, Labels, Number, Samples};

/// Writes a [`direct::DirectFamily`]'s samples into a delimited family.
pub(crate) struct ProtobufSamples<'f, 'o> {
    pub(crate) family: &'f mut DelimitedFamily<'o>,
    /// Labels the registry adds to every sample.
    pub(crate) common: &'f [(&'f str, &'f str)],
    /// Room for one metric's label pairs, kept from one metric to the next.
    pub(crate) spare: &'f mut Vec<(&'static str, &'static str)>,
}

impl ProtobufSamples<'_, '_> {
    fn metric(&mut self, labels: Labels<'_>, sample: &Sample<'_>) {
        let mut pairs = reborrow(std::mem::take(self.spare));
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
        *self.spare = reborrow(pairs);
    }
}

/// `pairs`' allocation, emptied, for pairs of another lifetime: collecting
/// an emptied vector into one of a type of the same layout reuses it.
fn reborrow<'b>(mut pairs: Vec<(&str, &str)>) -> Vec<(&'b str, &'b str)> {
    pairs.clear();
    pairs.into_iter().map(|_| ("", "")).collect()
}

impl Samples for ProtobufSamples<'_, '_> {
    fn counter(&mut self, labels: Labels<'_>, value: Number) {
        let sample = Sample::Counter {
            value: value.as_f64(),
            exemplar: None,
            created: None,
        };
        self.metric(labels, &sample);
    }

    fn gauge(&mut self, labels: Labels<'_>, value: Number) {
        self.metric(labels, &Sample::Gauge(value.as_f64()));
    }

    fn histogram(&mut self, labels: Labels<'_>, histogram: direct::HistogramSample<'_>) {
        let bounds = histogram.bounds.values();
        let sample = Sample::Histogram(HistogramSample {
            count: histogram.count,
            sum: histogram.sum,
            upper_bounds: bounds,
            // The `+Inf` bucket is the count.
            cumulative_counts: &histogram.cumulative[..bounds.len()],
            bucket_exemplars: &[],
            created: None,
            native: None,
        });
        self.metric(labels, &sample);
    }
}
