//! Prometheus' protobuf exposition: length-delimited `io.prometheus.client.MetricFamily`
//! messages of prometheus/client_model, with the native histograms and exemplars that
//! the `prometheus` crate's own model lacks.

pub(crate) mod model;
mod samples;
mod writer;

#[cfg(test)]
pub(crate) mod tests;

use prometheus::proto::{Histogram, Metric, MetricType as GatheredType, Summary};

pub(crate) use samples::{ProtobufSamples, ProtobufScratch};
#[cfg_attr(not(test), allow(unused_imports))]
pub(crate) use writer::{
    DelimitedFamily, ExemplarSample, HistogramSample, NativeBuckets, Sample, Series, SummarySample,
};

use model::MetricType;

/// `Content-Type` of the protobuf exposition, as Prometheus asks for it in `Accept`.
pub const PROTOBUF_CONTENT_TYPE: &str =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

/// Appends `family`, gathered from a foreign collector, to `out` as one length-delimited
/// `MetricFamily`: every metric with its labels, timestamp and values.
///
/// A timestamp of 0 is taken as none, as the `prometheus` crate's plain model cannot tell
/// them apart. A few buffers are allocated per family and reused for its metrics; the
/// toolkit's own series go through [`DelimitedFamily`] without them.
#[cfg(test)]
pub(crate) fn write_gathered(out: &mut Vec<u8>, family: &prometheus::proto::MetricFamily) {
    let kind = model_type(family.get_field_type());
    let mut delimited = DelimitedFamily::begin(out, family.name(), family.help(), kind, None);
    let mut scratch = GatheredScratch::default();
    for metric in family.get_metric() {
        write_gathered_metric(&mut delimited, kind, metric, &mut scratch);
    }
    delimited.finish();
}

/// The model's type for a gathered family's.
pub(crate) fn model_type(kind: GatheredType) -> MetricType {
    match kind {
        GatheredType::COUNTER => MetricType::Counter,
        GatheredType::GAUGE => MetricType::Gauge,
        GatheredType::SUMMARY => MetricType::Summary,
        GatheredType::UNTYPED => MetricType::Untyped,
        GatheredType::HISTOGRAM => MetricType::Histogram,
    }
}

/// Buffers reused from one gathered metric of a family to the next.
#[derive(Default)]
pub(crate) struct GatheredScratch<'m> {
    labels: Vec<(&'m str, &'m str)>,
    upper_bounds: Vec<f64>,
    cumulative_counts: Vec<u64>,
    quantiles: Vec<(f64, f64)>,
}

/// Appends one gathered `metric` of a family of type `kind`.
pub(crate) fn write_gathered_metric<'m>(
    delimited: &mut DelimitedFamily<'_>,
    kind: MetricType,
    metric: &'m Metric,
    scratch: &mut GatheredScratch<'m>,
) {
    let GatheredScratch {
        labels,
        upper_bounds,
        cumulative_counts,
        quantiles,
    } = scratch;
    labels.clear();
    labels.extend(metric.get_label().iter().map(|l| (l.name(), l.value())));
    let timestamp_ms = Some(metric.timestamp_ms()).filter(|&ms| ms != 0);
    let series = Series {
        labels,
        extra: &[],
        timestamp_ms,
    };
    let sample = match kind {
        MetricType::Counter => Sample::Counter {
            value: crate::gathered::counter_value(metric),
            exemplar: None,
            created: None,
        },
        MetricType::Gauge => Sample::Gauge(crate::gathered::gauge_value(metric)),
        MetricType::Untyped => Sample::Untyped(crate::gathered::untyped_value(metric)),
        MetricType::Summary => {
            let summary: &Summary = metric.get_summary();
            quantiles.clear();
            quantiles.extend(
                summary
                    .get_quantile()
                    .iter()
                    .map(|q| (q.quantile(), q.value())),
            );
            Sample::Summary(SummarySample {
                count: summary.sample_count(),
                sum: summary.sample_sum(),
                quantiles,
                created: None,
            })
        }
        MetricType::Histogram | MetricType::GaugeHistogram => {
            let histogram: &Histogram = metric.get_histogram();
            upper_bounds.clear();
            cumulative_counts.clear();
            for bucket in histogram.get_bucket() {
                upper_bounds.push(bucket.upper_bound());
                cumulative_counts.push(bucket.cumulative_count());
            }
            Sample::Histogram(HistogramSample {
                count: histogram.get_sample_count(),
                sum: histogram.get_sample_sum(),
                upper_bounds,
                cumulative_counts,
                bucket_exemplars: &[],
                created: None,
                native: None,
            })
        }
    };
    delimited.metric(&series, &sample);
}
