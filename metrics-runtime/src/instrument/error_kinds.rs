//! `N_errors_total{…, kind}` (`error_kind`): bounded like every family.

use prometheus::core::{Collector, Desc};
use prometheus::{proto, IntCounter, IntCounterVec};

use crate::bounded::BoundedChildren;

/// Errors by kind of one family, at most its `max_series` label sets;
/// further kinds share one `__overflow__` child.
#[derive(Debug)]
pub(crate) struct ErrorKinds {
    vec: IntCounterVec,
    children: BoundedChildren<IntCounter>,
}

impl ErrorKinds {
    pub(crate) fn new(vec: IntCounterVec, name: String, limit: usize) -> Self {
        ErrorKinds {
            vec,
            children: BoundedChildren::new(name, limit, None),
        }
    }

    /// Counts one error; `values` are the declared labels' and the kind.
    pub(crate) fn inc(&self, values: &[&str]) {
        self.children
            .get(values, |values| self.vec.with_label_values(values))
            .inc();
    }

    pub(crate) fn desc(&self) -> Vec<&Desc> {
        self.vec.desc()
    }

    /// Its samples, and its overflow count once it overflowed.
    pub(crate) fn collect(&self) -> Vec<proto::MetricFamily> {
        let mut families = self.vec.collect();
        families.extend(self.children.collect_overflows());
        families
    }
}
