//! Children of a metric vector found by their label values, at most a
//! limit of them; past it, new label sets share one `__overflow__` child.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{OnceLock, PoisonError, RwLock};

use crate::encoding::direct::{render_pair, LabelPairs};
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
    overflow: OnceLock<Child<M>>,
    overflows: OverflowCount,
    /// Renders each child's labels for the exposition, when it is written
    /// straight from the children.
    labels: Option<ChildLabels>,
}

/// A child, the label values it was made for, and their text.
#[derive(Debug)]
pub(crate) struct Child<M> {
    values: Box<[Box<str>]>,
    pub(crate) metric: M,
    /// Every label pair of its samples, constant ones included, sorted by
    /// name as the `prometheus` crate writes them; empty when not rendered.
    text: Box<str>,
}

impl<M> Child<M> {
    pub(crate) fn new(values: &[&str], metric: M, labels: Option<&ChildLabels>) -> Self {
        Child {
            values: values.iter().map(|value| Box::from(*value)).collect(),
            metric,
            text: labels
                .map(|labels| labels.render(values))
                .unwrap_or_default(),
        }
    }

    fn has_values(&self, values: &[&str]) -> bool {
        self.values.iter().map(|v| &**v).eq(values.iter().copied())
    }

    /// Its labels as the exposition writes them, under `labels`.
    pub(crate) fn pairs<'a>(&'a self, labels: &'a ChildLabels) -> ChildPairs<'a> {
        ChildPairs {
            values: &self.values,
            text: &self.text,
            labels,
        }
    }
}

/// The label names of a family's children and its constant labels.
#[derive(Debug, Clone)]
pub(crate) struct ChildLabels {
    names: Box<[Box<str>]>,
    constant: Box<[(Box<str>, Box<str>)]>,
}

impl ChildLabels {
    pub(crate) fn new(names: &[&str], constant: &HashMap<String, String>) -> Self {
        ChildLabels {
            names: names.iter().map(|name| Box::from(*name)).collect(),
            constant: constant
                .iter()
                .map(|(name, value)| (Box::from(name.as_str()), Box::from(value.as_str())))
                .collect(),
        }
    }

    /// `name="value",…` of `values` and the constant labels, by name.
    fn render(&self, values: &[&str]) -> Box<str> {
        let mut pairs: Vec<(&str, &str)> = self
            .names
            .iter()
            .map(|n| &**n)
            .zip(values.iter().copied())
            .collect();
        pairs.extend(
            self.constant
                .iter()
                .map(|(name, value)| (&**name, &**value)),
        );
        pairs.sort_unstable_by_key(|&(name, _)| name);
        let mut text = String::new();
        for (name, value) in pairs {
            render_pair(&mut text, name, value);
        }
        text.into()
    }
}

/// The labels of one child, as [`LabelPairs`].
#[cfg_attr(not(feature = "protobuf"), allow(dead_code))]
pub(crate) struct ChildPairs<'a> {
    values: &'a [Box<str>],
    text: &'a str,
    labels: &'a ChildLabels,
}

impl LabelPairs for ChildPairs<'_> {
    fn text(&self) -> &str {
        self.text
    }

    fn for_each_pair<'p>(&'p self, each: &mut dyn FnMut(&'p str, &'p str)) {
        for (name, value) in self.labels.names.iter().zip(self.values) {
            each(name, value);
        }
        for (name, value) in self.labels.constant.iter() {
            each(name, value);
        }
    }
}

impl<M: Clone> BoundedChildren<M> {
    pub(crate) fn new(name: String, limit: usize, labels: Option<ChildLabels>) -> Self {
        BoundedChildren {
            labels,
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
        let same = |child: &&Child<M>| child.has_values(values);
        {
            let index = self.index.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(child) = index
                .get(&hash)
                .and_then(|children| children.iter().find(same))
            {
                return child.metric.clone();
            }
        }
        let mut index = self.index.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(child) = index
            .get(&hash)
            .and_then(|children| children.iter().find(same))
        {
            return child.metric.clone();
        }
        if self.len.load(Ordering::Relaxed) >= self.limit {
            drop(index);
            return self.overflow(values.len(), make);
        }
        let metric = make(values);
        let child = Child::new(values, metric.clone(), self.labels.as_ref());
        index.entry(hash).or_default().push(child);
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
        let mut index = self.index.write().unwrap_or_else(PoisonError::into_inner);
        let Some(children) = index.get_mut(&hash) else {
            return false;
        };
        let before = children.len();
        children.retain(|child| !child.has_values(values));
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

    /// Calls `each` with every child, the overflow child last, under the
    /// index's read lock.
    pub(crate) fn for_each(&self, mut each: impl FnMut(&Child<M>)) {
        let index = self.index.read().unwrap_or_else(PoisonError::into_inner);
        index.values().flatten().for_each(&mut each);
        drop(index);
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
