//! Children of a metric vector found by their label values, at most a
//! limit of them; past it, new label sets share one `__overflow__` child.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{OnceLock, PoisonError, RwLock};

use crate::instrument::table::{hash_values, LabelValues};
use crate::self_metrics::OverflowCount;

/// Children found by a hash of their label values, at most `limit` of them.
#[derive(Debug)]
pub(crate) struct BoundedChildren<M> {
    name: String,
    limit: usize,
    seed: u64,
    index: RwLock<HashMap<u64, Vec<Child<M>>>>,
    len: AtomicUsize,
    overflow: OnceLock<M>,
    overflows: OverflowCount,
}

/// A child and the label values it was made for.
type Child<M> = (Box<[Box<str>]>, M);

impl<M: Clone> BoundedChildren<M> {
    pub(crate) fn new(name: String, limit: usize) -> Self {
        BoundedChildren {
            limit,
            seed: RandomState::new().hash_one(0x6661_6d69_6c79_u64),
            index: RwLock::new(HashMap::new()),
            len: AtomicUsize::new(0),
            overflow: OnceLock::new(),
            overflows: OverflowCount::new(&name),
            name,
        }
    }

    /// The child for `values`, made by `make` while there is room.
    pub(crate) fn get(&self, values: &[&str], make: impl Fn(&[&str]) -> M) -> M {
        let hash = hash_values(self.seed, LabelValues::All(values));
        let same =
            |(own, _): &&(Box<[Box<str>]>, M)| own.iter().map(|v| &**v).eq(values.iter().copied());
        {
            let index = self.index.read().unwrap_or_else(PoisonError::into_inner);
            if let Some((_, child)) = index
                .get(&hash)
                .and_then(|children| children.iter().find(same))
            {
                return child.clone();
            }
        }
        let mut index = self.index.write().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, child)) = index
            .get(&hash)
            .and_then(|children| children.iter().find(same))
        {
            return child.clone();
        }
        if self.len.load(Ordering::Relaxed) >= self.limit {
            drop(index);
            return self.overflow(values.len(), make);
        }
        let child = make(values);
        let key = values.iter().map(|value| Box::from(*value)).collect();
        index.entry(hash).or_default().push((key, child.clone()));
        self.len.fetch_add(1, Ordering::Relaxed);
        child
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
            make(&values)
        });
        self.overflows.inc();
        child.clone()
    }

    /// Forgets the child for `values`; whether there was one.
    pub(crate) fn remove(&self, values: &[&str]) -> bool {
        let hash = hash_values(self.seed, LabelValues::All(values));
        let mut index = self.index.write().unwrap_or_else(PoisonError::into_inner);
        let Some(children) = index.get_mut(&hash) else {
            return false;
        };
        let before = children.len();
        children.retain(|(own, _)| !own.iter().map(|v| &**v).eq(values.iter().copied()));
        let removed = children.len() < before;
        if children.is_empty() {
            index.remove(&hash);
        }
        if removed {
            self.len.fetch_sub(1, Ordering::Relaxed);
        }
        removed
    }

    /// Forgets every child but the overflow one.
    pub(crate) fn clear(&self) {
        let mut index = self.index.write().unwrap_or_else(PoisonError::into_inner);
        index.clear();
        self.len.store(0, Ordering::Relaxed);
    }

    /// `metrics_runtime_series_overflow_total` for these children.
    pub(crate) fn collect_overflows(&self) -> Option<prometheus::proto::MetricFamily> {
        self.overflows.collect()
    }
}
