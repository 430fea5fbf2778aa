//! Children of a metric vector found by their label values, at most a
//! limit of them; past it, new label sets share one `__overflow__` child.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{OnceLock, PoisonError, RwLock};

use crate::instrument::table::{hash_values, LabelValues};

mod child;

use crate::self_metrics::OverflowCount;
pub(crate) use child::{Child, ChildLabels};

/// Children found by a hash of their label values, at most `limit` of them.
#[derive(Debug)]
pub(crate) struct BoundedChildren<M> {
    name: String,
    limit: usize,
    seed: u64,
    children: RwLock<Children<M>>,
    len: AtomicUsize,
    overflow: OnceLock<Child<M>>,
    overflows: OverflowCount,
    /// Renders each child's labels for the exposition, when it is written
    /// straight from the children.
    labels: Option<ChildLabels>,
}

/// Children side by side in one vector, which a scrape walks in order,
/// and an index from the hash of their values to their positions.
#[derive(Debug)]
struct Children<M> {
    list: Vec<Child<M>>,
    by_hash: HashMap<u64, Vec<usize>>,
}

impl<M> Default for Children<M> {
    fn default() -> Self {
        Children {
            list: Vec::new(),
            by_hash: HashMap::new(),
        }
    }
}

impl<M> Children<M> {
    fn find(&self, hash: u64, values: &[&str]) -> Option<&Child<M>> {
        let positions = self.by_hash.get(&hash)?;
        positions
            .iter()
            .map(|&at| &self.list[at])
            .find(|child| child.has_values(values))
    }

    fn push(&mut self, child: Child<M>) {
        self.by_hash
            .entry(child.hash)
            .or_default()
            .push(self.list.len());
        self.list.push(child);
    }

    /// Takes the child for `values` out: the last child moves into its place.
    fn remove(&mut self, hash: u64, values: &[&str]) -> bool {
        let Some(positions) = self.by_hash.get_mut(&hash) else {
            return false;
        };
        let Some(slot) = positions
            .iter()
            .position(|&at| self.list[at].has_values(values))
        else {
            return false;
        };
        let at = positions.swap_remove(slot);
        if positions.is_empty() {
            self.by_hash.remove(&hash);
        }
        let last = self.list.len() - 1;
        self.list.swap_remove(at);
        if at != last {
            let moved = self.list[at].hash;
            if let Some(positions) = self.by_hash.get_mut(&moved) {
                for position in positions.iter_mut().filter(|p| **p == last) {
                    *position = at;
                }
            }
        }
        true
    }
}

impl<M: Clone> BoundedChildren<M> {
    pub(crate) fn new(name: String, limit: usize, labels: Option<ChildLabels>) -> Self {
        BoundedChildren {
            labels,
            limit,
            seed: RandomState::new().hash_one(0x6661_6d69_6c79_u64),
            children: RwLock::new(Children::default()),
            len: AtomicUsize::new(0),
            overflow: OnceLock::new(),
            overflows: OverflowCount::new(&name),
            name,
        }
    }

    /// The child for `values`, made by `make` while there is room.
    pub(crate) fn get(&self, values: &[&str], make: impl Fn(&[&str]) -> M) -> M {
        let hash = hash_values(self.seed, LabelValues::All(values));
        {
            let children = self.children.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(child) = children.find(hash, values) {
                return child.metric.clone();
            }
        }
        let mut children = self
            .children
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(child) = children.find(hash, values) {
            return child.metric.clone();
        }
        if self.len.load(Ordering::Relaxed) >= self.limit {
            drop(children);
            return self.overflow(values.len(), make);
        }
        let metric = make(values);
        let mut child = Child::new(values, metric.clone(), self.labels.as_ref());
        child.hash = hash;
        children.push(child);
        self.len.fetch_add(1, Ordering::Relaxed);
        metric
    }

    #[cold]
    fn overflow(&self, labels: usize, make: impl Fn(&[&str]) -> M) -> M {
        let child = self.overflow.get_or_init(|| {
            log::warn!(
                "metric `{}` holds {} label sets, its limit; further ones are recorded as `{}`",
                self.name,
                self.limit,
                crate::OVERFLOW_VALUE
            );
            let values = vec![crate::OVERFLOW_VALUE; labels];
            Child::new(&values, make(&values), self.labels.as_ref())
        });
        self.overflows.inc();
        child.metric.clone()
    }

    /// Forgets the child for `values`; whether there was one.
    pub(crate) fn remove(&self, values: &[&str]) -> bool {
        let hash = hash_values(self.seed, LabelValues::All(values));
        let mut children = self
            .children
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let removed = children.remove(hash, values);
        if removed {
            self.len.fetch_sub(1, Ordering::Relaxed);
        }
        removed
    }

    /// Forgets every child but the overflow one.
    pub(crate) fn clear(&self) {
        let mut children = self
            .children
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        *children = Children::default();
        self.len.store(0, Ordering::Relaxed);
    }

    /// Calls `each` with every child, oldest first (but for removals), the
    /// overflow child last, under the read lock.
    pub(crate) fn for_each(&self, mut each: impl FnMut(&Child<M>)) {
        let children = self.children.read().unwrap_or_else(PoisonError::into_inner);
        children.list.iter().for_each(&mut each);
        drop(children);
        if let Some(overflow) = self.overflow.get() {
            each(overflow);
        }
    }

    /// Whether it has any child, the overflow child included.
    pub(crate) fn is_empty(&self) -> bool {
        self.len.load(Ordering::Relaxed) == 0 && self.overflow.get().is_none()
    }

    /// How its children's labels are rendered, if they are.
    pub(crate) fn labels(&self) -> Option<&ChildLabels> {
        self.labels.as_ref()
    }

    /// `metrics_runtime_series_overflow_total` for these children.
    pub(crate) fn collect_overflows(&self) -> Option<prometheus::proto::MetricFamily> {
        self.overflows.collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn child(hash: u64, value: &str) -> Child<u32> {
        let mut child = Child::new(&[value], value.len() as u32, None);
        child.hash = hash;
        child
    }

    #[test]
    fn removing_moves_the_last_child_and_keeps_every_other_findable() {
        let mut children = Children::default();
        // "b" and "c" share a hash, as colliding values would.
        for (hash, value) in [(1, "a"), (2, "b"), (2, "c"), (3, "dd")] {
            children.push(child(hash, value));
        }
        assert!(children.remove(1, &["a"]));
        assert!(!children.remove(1, &["a"]));
        assert!(!children.remove(2, &["zz"]));
        for (hash, value) in [(2, "b"), (2, "c"), (3, "dd")] {
            assert_eq!(
                children.find(hash, &[value]).unwrap().metric,
                value.len() as u32
            );
        }
        assert!(children.remove(2, &["b"]));
        assert!(children.find(2, &["b"]).is_none());
        assert!(children.find(2, &["c"]).is_some());
        assert!(children.find(3, &["dd"]).is_some());
        let left: Vec<u32> = children.list.iter().map(|child| child.metric).collect();
        assert_eq!(left.len(), 2);
        assert!(children.remove(3, &["dd"]) && children.remove(2, &["c"]));
        assert!(children.list.is_empty() && children.by_hash.is_empty());
    }

    #[test]
    fn a_full_family_shares_its_overflow_child() {
        let bounded = BoundedChildren::new("f".into(), 2, None);
        let make = |values: &[&str]| values[0].len();
        assert_eq!(bounded.get(&["a"], make), 1);
        assert_eq!(bounded.get(&["bb"], make), 2);
        assert_eq!(bounded.get(&["ccc"], make), crate::OVERFLOW_VALUE.len());
        assert!(bounded.remove(&["a"]));
        assert_eq!(bounded.get(&["dddd"], make), 4);
        let mut seen = Vec::new();
        bounded.for_each(|child| seen.push(child.metric));
        assert_eq!(seen, [2, 4, crate::OVERFLOW_VALUE.len()]);
    }
}
