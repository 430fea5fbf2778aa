//! `HistogramVec`: the children of a `Family<L, Histogram>`, by label
//! values, as one `prometheus` collector.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use prometheus::core::{Collector, Desc};
use prometheus::proto::{self, MetricType};

use super::{reading, Histogram, Shape};
use crate::encoding::direct::{Labels, Samples};
use crate::family::FamilyMetric;
use crate::instrument::exposition::metric_family;
use crate::metric_opts::MetricOpts;

/// The histograms of a [`Family`](crate::Family)`<L, Histogram>`, one per
/// label set; the family creates and finds them.
#[derive(Clone)]
pub struct HistogramVec {
    inner: Arc<Children>,
}

struct Children {
    desc: Desc,
    label_names: Vec<String>,
    shape: Arc<Shape>,
    by_values: Mutex<HashMap<Vec<String>, Histogram>>,
}

impl HistogramVec {
    fn new(opts: &MetricOpts, label_names: &[&str]) -> prometheus::Result<HistogramVec> {
        let desc = Desc::new(
            opts.name.clone(),
            opts.help.clone(),
            label_names.iter().map(|name| (*name).to_owned()).collect(),
            opts.const_labels.clone(),
        )?;
        let bounds = opts
            .buckets
            .as_deref()
            .unwrap_or(prometheus::DEFAULT_BUCKETS);
        Ok(HistogramVec {
            inner: Arc::new(Children {
                desc,
                label_names: label_names.iter().map(|name| (*name).to_owned()).collect(),
                shape: Arc::new(Shape::new(bounds, opts.native_histogram)?),
                by_values: Mutex::new(HashMap::new()),
            }),
        })
    }

    fn children(&self) -> std::sync::MutexGuard<'_, HashMap<Vec<String>, Histogram>> {
        // A panic cannot leave the map half-changed: each change is one call.
        self.inner
            .by_values
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Collector for HistogramVec {
    fn desc(&self) -> Vec<&Desc> {
        vec![&self.inner.desc]
    }

    fn collect(&self) -> Vec<proto::MetricFamily> {
        let children: Vec<(Vec<String>, Histogram)> = self
            .children()
            .iter()
            .map(|(values, child)| (values.clone(), child.clone()))
            .collect();
        if children.is_empty() {
            return Vec::new();
        }
        let desc = &self.inner.desc;
        let metrics = children
            .iter()
            .map(|(values, child)| {
                let variable = self.inner.label_names.iter().zip(values);
                let constant = desc
                    .const_label_pairs
                    .iter()
                    .map(|pair| (pair.name(), pair.value()));
                let pairs = variable
                    .map(|(name, value)| (name.as_str(), value.as_str()))
                    .chain(constant);
                child.core.proto_metric(reading::label_pairs(pairs))
            })
            .collect();
        vec![metric_family(
            desc.fq_name.clone(),
            desc.help.clone(),
            MetricType::HISTOGRAM,
            metrics,
        )]
    }
}

impl FamilyMetric for Histogram {
    type Vec = HistogramVec;

    fn new_vec(opts: &MetricOpts, label_names: &[&str]) -> prometheus::Result<HistogramVec> {
        HistogramVec::new(opts, label_names)
    }

    fn child(vec: &HistogramVec, values: &[&str]) -> Histogram {
        let key: Vec<String> = values.iter().map(|value| (*value).to_owned()).collect();
        vec.children()
            .entry(key)
            .or_insert_with(|| Histogram::child(&vec.inner.shape))
            .clone()
    }

    fn remove(vec: &HistogramVec, values: &[&str]) -> bool {
        let key: Vec<String> = values.iter().map(|value| (*value).to_owned()).collect();
        vec.children().remove(&key).is_some()
    }

    fn clear(vec: &HistogramVec) {
        vec.children().clear();
    }

    const SAMPLE_TYPE: Option<MetricType> = Some(MetricType::HISTOGRAM);

    fn as_histogram(&self) -> Option<&Histogram> {
        Some(self)
    }
}

impl Histogram {
    /// The histogram as a `prometheus` metric labelled `pairs`, for a
    /// collector that exports it outside an encode.
    #[cfg(feature = "metrics-facade")]
    pub(crate) fn proto_metric<'a>(
        &self,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> proto::Metric {
        self.core.proto_metric(reading::label_pairs(pairs))
    }

    /// Writes a child's sample, read into `scratch`.
    pub(crate) fn write_child(
        &self,
        labels: Labels<'_>,
        scratch: &mut Vec<u64>,
        out: &mut dyn Samples,
    ) {
        scratch.clear();
        self.core.read_into(scratch);
        self.core.write_sample(scratch, labels, out);
    }
}
