//! A `Family` of counters or gauges written straight from its children,
//! with labels rendered when each child was created.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use prometheus::proto::{self, MetricType};

use super::FamilyMetric;
use crate::bounded::{BoundedChildren, Child, ChildLabels};
use crate::encoding::direct::{DirectFamily, Labels, NoLabels, Number, Samples};
use crate::encoding::engine::{self, Announced, Source};
use crate::metric_opts::MetricOpts;

/// What the exposition reads of a family: its children, indexed or hashed.
pub(super) struct DirectChildren<M> {
    name: String,
    help: String,
    kind: MetricType,
    by_index: Option<Arc<[OnceLock<Child<M>>]>>,
    /// Once set, indexed children may live in the vector only: the family
    /// goes back to `collect`.
    index_stale: Arc<AtomicBool>,
    hashed: Arc<BoundedChildren<M>>,
}

impl<M: FamilyMetric> DirectChildren<M> {
    /// The direct view of a family, when `M`'s values can be read.
    pub(super) fn new(
        opts: &MetricOpts,
        by_index: &Option<Arc<[OnceLock<Child<M>>]>>,
        index_stale: &Arc<AtomicBool>,
        hashed: &Arc<BoundedChildren<M>>,
    ) -> Option<Arc<Self>> {
        let kind = M::SAMPLE_TYPE?;
        Some(Arc::new(DirectChildren {
            name: opts.name.clone(),
            help: opts.help.clone(),
            kind,
            by_index: by_index.clone(),
            index_stale: Arc::clone(index_stale),
            hashed: Arc::clone(hashed),
        }))
    }

    /// Inside an encode: the marker of this family (none when it has no
    /// children). `None` outside an encode, or once indexed children may
    /// be missing from the index.
    pub(super) fn defer(self: &Arc<Self>) -> Option<Vec<proto::MetricFamily>> {
        if !engine::deferring() || self.index_stale.load(Ordering::Relaxed) {
            return None;
        }
        let announced = Announced {
            part: 0,
            name: &self.name,
            help: &self.help,
            kind: self.kind,
        };
        let source: Arc<dyn DirectFamily> = self.clone();
        engine::defer(Source::Shared(source), &[announced], |_| {
            self.has_children()
        })
    }

    fn has_children(&self) -> bool {
        match &self.by_index {
            Some(slots) => slots.iter().any(|slot| slot.get().is_some()),
            None => !self.hashed.is_empty(),
        }
    }

    fn write_child(
        &self,
        child: &Child<M>,
        labels: &ChildLabels,
        scratch: &mut Vec<u64>,
        out: &mut dyn Samples,
    ) {
        let pairs = child.pairs(labels);
        let labels = Labels {
            series: &pairs,
            extra: None,
            // Constant labels are part of each child's text.
            constant: &NoLabels,
        };
        if let Some(histogram) = child.metric.as_histogram() {
            return histogram.write_child(labels, scratch, out);
        }
        let value = Number::Float(child.metric.value());
        match self.kind {
            MetricType::COUNTER => out.counter(labels, value, None),
            _ => out.gauge(labels, value),
        }
    }
}

impl<M: FamilyMetric> DirectFamily for DirectChildren<M> {
    fn write_samples(&self, _part: usize, _values: &[u64], out: &mut dyn Samples) {
        let Some(labels) = self.hashed.labels() else {
            return;
        };
        // Histograms are read into it, one child after the other.
        let mut scratch = Vec::new();
        match &self.by_index {
            Some(slots) => {
                for child in slots.iter().filter_map(OnceLock::get) {
                    self.write_child(child, labels, &mut scratch, out);
                }
            }
            None => self
                .hashed
                .for_each(|child| self.write_child(child, labels, &mut scratch, out)),
        }
    }
}
