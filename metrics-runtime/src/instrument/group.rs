//! Every function instrumented under one metric name, registered as one
//! collector.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use prometheus::core::{Collector, Desc};
use prometheus::proto;

use super::callsite::Descriptor;
use super::direct::Part;
use super::function_family::{FunctionFamily, Shape};
use crate::encoding::direct::{DirectFamily, Samples};
use crate::encoding::engine::{self, Source};
use crate::gathered::counter_value;
use crate::self_metrics::OVERFLOW_NAME;

/// The families under one metric name.
///
/// Functions that share a name share its series, so they must agree on
/// labels, buckets and help. The exception is a name whose labels start
/// with `function` and `module` (the default name): every function has its
/// own series there, so each function gets a family of its own (its own
/// series table and limit) and all of them are exported under the one name.
struct NameGroup {
    per_function: bool,
    descs: Vec<Desc>,
    /// Each family with the address of the descriptor that made it.
    families: Mutex<Vec<(usize, &'static FunctionFamily)>>,
}

/// Identifies a function's descriptor: a `static` of its own.
fn key(descriptor: &'static Descriptor) -> usize {
    std::ptr::from_ref(descriptor) as usize
}

/// The name groups of one registry.
#[derive(Default)]
pub(crate) struct Groups {
    by_name: Mutex<HashMap<String, &'static NameGroup>>,
}

/// The groups of each registry that instrumented functions live in, by
/// the registry's address.
static BY_REGISTRY: std::sync::LazyLock<Mutex<HashMap<usize, &'static Groups>>> =
    std::sync::LazyLock::new(Mutex::default);

/// The groups of `registry`.
fn groups_of(registry: &'static prometheus::Registry) -> &'static Groups {
    let key = std::ptr::from_ref(registry) as usize;
    let mut all = BY_REGISTRY.lock().unwrap_or_else(PoisonError::into_inner);
    all.entry(key).or_insert_with(|| Box::leak(Box::default()))
}

/// The family `descriptor` records into, registered in its registry
/// (`registry = …`, or [`crate::registry()`]) when it is new; see
/// [`Groups::family_for`].
pub(crate) fn family_for(descriptor: &'static Descriptor) -> &'static FunctionFamily {
    let registry = descriptor.home_registry();
    groups_of(registry).family_for(descriptor, registry)
}

impl Groups {
    /// The family `descriptor` records into, registered in `registry` when
    /// it is new.
    ///
    /// Never fails: a family the registry refuses (its name taken by
    /// another metric), or one that disagrees with an earlier function of
    /// the same name, is logged and still measured, unregistered.
    pub(crate) fn family_for(
        &self,
        descriptor: &'static Descriptor,
        registry: &prometheus::Registry,
    ) -> &'static FunctionFamily {
        let shape = Shape::of(descriptor);
        let mut groups = self.by_name.lock().unwrap_or_else(PoisonError::into_inner);
        match groups.get(&shape.name) {
            Some(group) => group.join(descriptor, shape),
            None => {
                let (group, family) = NameGroup::register(descriptor, shape, registry);
                groups.insert(family.name().to_owned(), group);
                family
            }
        }
    }

    fn footprint(&self, footprint: &mut Footprint) {
        let groups = self.by_name.lock().unwrap_or_else(PoisonError::into_inner);
        for group in groups.values() {
            for (_, family) in group
                .families
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .iter()
            {
                footprint.families += 1;
                for series in family.all_series() {
                    footprint.series += 1;
                    footprint.bytes += series.allocated_bytes();
                }
            }
        }
    }
}

impl NameGroup {
    /// A new group with `shape`'s family, registered unless it cannot be.
    fn register(
        descriptor: &'static Descriptor,
        shape: Shape,
        registry: &prometheus::Registry,
    ) -> (&'static NameGroup, &'static FunctionFamily) {
        let family = FunctionFamily::leak(shape, descriptor);
        let group: &'static NameGroup = Box::leak(Box::new(NameGroup {
            per_function: descriptor.labels.starts_with(&["function", "module"]),
            descs: family.descs().unwrap_or_default(),
            families: Mutex::new(vec![(key(descriptor), family)]),
        }));
        let refused = match (family.clashing_const_label(), family.descs()) {
            (Some(label), _) => Some(format!(
                "the constant label `{label}` set by `builder()` is also one of its labels"
            )),
            (None, Err(err)) => Some(err.to_string()),
            (None, Ok(_)) => {
                let registry = registry.clone();
                crate::registration::register_soon(move || {
                    if let Err(err) = registry.register(Box::new(GroupCollector(group))) {
                        unexported(descriptor, family.name(), &err.to_string());
                    }
                });
                None
            }
        };
        if let Some(reason) = refused {
            unexported(descriptor, family.name(), &reason);
        }
        (group, family)
    }

    /// The family of this group that `descriptor` records into.
    fn join(
        &'static self,
        descriptor: &'static Descriptor,
        shape: Shape,
    ) -> &'static FunctionFamily {
        let mut families = self.families.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, family)) = families.iter().find(|(owner, family)| {
            *owner == key(descriptor)
                || (!self.per_function && family.shape().is_compatible_with(&shape))
        }) {
            family.share_with(descriptor);
            return family;
        }
        let family = FunctionFamily::leak(shape, descriptor);
        if self.per_function && family.clashing_const_label().is_none() {
            families.push((key(descriptor), family));
        } else {
            unexported(
                descriptor,
                family.name(),
                "an earlier function declares it with other labels, buckets, help or families",
            );
        }
        family
    }
}

fn unexported(descriptor: &Descriptor, name: &str, reason: &str) {
    log::error!(
        "#[instrumented] `{}` ({}:{}): metric `{name}` is measured but not exported: {reason}",
        descriptor.function,
        descriptor.file,
        descriptor.line,
    );
}

/// Exposes a group to a `prometheus` registry: each metric family once,
/// with the samples of every member.
struct GroupCollector(&'static NameGroup);

impl Collector for GroupCollector {
    fn desc(&self) -> Vec<&Desc> {
        self.0.descs.iter().collect()
    }

    fn collect(&self) -> Vec<proto::MetricFamily> {
        let families: Vec<&'static FunctionFamily> = self
            .0
            .families
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(_, family)| *family)
            .collect();
        if engine::deferring() {
            return self.defer(&families);
        }
        merge_families(families.iter().flat_map(|family| family.collect()))
    }
}

impl GroupCollector {
    /// Inside an encode: markers for the series families, written later
    /// from one read of every series; errors by kind and overflow counts
    /// as usual.
    fn defer(&self, families: &[&'static FunctionFamily]) -> Vec<proto::MetricFamily> {
        let announced: Vec<_> = Part::ALL
            .into_iter()
            .filter_map(|part| {
                let family = families.iter().find(|family| family.has(part))?;
                Some(family.announced(part))
            })
            .collect();
        let read = |arena: &mut Vec<u64>| {
            let mut any = false;
            for family in families {
                any |= family.read_records(arena);
            }
            any
        };
        let mut all = engine::defer(Source::Static(self.0), &announced, read).unwrap_or_default();
        all.extend(merge_families(
            families.iter().flat_map(|family| family.collect_extras()),
        ));
        all
    }
}

impl DirectFamily for NameGroup {
    fn write_samples(&self, part: usize, values: &[u64], out: &mut dyn Samples) {
        let Some(part) = Part::from_index(part) else {
            return;
        };
        let families = self.families.lock().unwrap_or_else(PoisonError::into_inner);
        let mut rest = values;
        for (_, family) in families.iter() {
            if rest.is_empty() {
                break;
            }
            rest = family.write_part(part, rest, out);
        }
    }
}

/// Families of one name from several functions, as one family each.
pub(crate) fn merge_families(
    families: impl IntoIterator<Item = proto::MetricFamily>,
) -> Vec<proto::MetricFamily> {
    let mut merged: Vec<proto::MetricFamily> = Vec::new();
    for family in families {
        match merged
            .iter_mut()
            .find(|existing| existing.name() == family.name())
        {
            // Functions of one name each count their own overflows
            // under the name: one series, their sum.
            Some(existing) if family.name() == OVERFLOW_NAME => add_counts(existing, &family),
            Some(existing) => existing
                .mut_metric()
                .extend(family.get_metric().iter().cloned()),
            None => merged.push(family),
        }
    }
    merged
}

/// Adds the counters of `more` to those of `into` with the same labels.
fn add_counts(into: &mut proto::MetricFamily, more: &proto::MetricFamily) {
    for metric in more.get_metric() {
        let same_labels = |own: &&mut proto::Metric| {
            own.get_label()
                .iter()
                .map(|pair| (pair.name(), pair.value()))
                .eq(metric
                    .get_label()
                    .iter()
                    .map(|pair| (pair.name(), pair.value())))
        };
        match into.mut_metric().iter_mut().find(same_labels) {
            Some(own) => {
                let mut counter = proto::Counter::default();
                counter.set_value(counter_value(own) + counter_value(metric));
                own.set_counter(counter);
            }
            None => into.mut_metric().push(metric.clone()),
        }
    }
}

/// Memory held by the series of every instrumented function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Footprint {
    /// Metric families (sets of options under one name) in use.
    pub families: usize,
    /// Label sets across all families.
    pub series: usize,
    /// Bytes of series: counters, label values and bookkeeping.
    pub bytes: usize,
}

/// The [`Footprint`] of everything instrumented so far.
pub(crate) fn footprint() -> Footprint {
    let mut footprint = Footprint::default();
    let all: Vec<&'static Groups> = BY_REGISTRY
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .values()
        .copied()
        .collect();
    for groups in all {
        groups.footprint(&mut footprint);
    }
    footprint
}
