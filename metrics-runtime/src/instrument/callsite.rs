//! The static that each instrumented function keeps: its description and
//! the series it resolved.

use std::any::TypeId;
use std::sync::OnceLock;

use super::function_family::FunctionFamily;
use super::group::family_for;
use super::guard::Guard;
use super::series::Series;
use super::table::LabelValues;
use crate::LabelValue;

/// What `#[instrumented]` knows about a function at compile time.
#[derive(Debug)]
pub struct Descriptor {
    /// Base metric name, `namespace` argument included (`sentinel_action`).
    pub name: &'static str,
    /// What is measured; each family's HELP text starts with it.
    pub help: &'static str,
    /// Declared label names, in order (`function` and `module` first for
    /// the default name).
    pub labels: &'static [&'static str],
    /// Histogram bounds in seconds (`buckets = …`); `None` for the
    /// defaults of [`crate::builder()`] or Prometheus.
    pub buckets: Option<fn() -> &'static [f64]>,
    /// `sample = p`: the share of calls whose duration is observed.
    pub sample: Option<f64>,
    /// Whether `N_duration_seconds` is kept.
    pub duration: bool,
    /// Whether the duration histogram has native (exponential) buckets too.
    pub native_histogram: bool,
    /// Whether `N_in_flight` is kept.
    pub in_flight: bool,
    /// Whether `N_errors_total{kind}` is kept (`error_kind`).
    pub error_kind: bool,
    /// Label sets kept before new ones overflow; `None` for the default.
    pub max_series: Option<usize>,
    /// The Rust function name.
    pub function: &'static str,
    /// `module_path!()` of the function.
    pub module: &'static str,
    /// `file!()` of the function.
    pub file: &'static str,
    /// `line!()` of the function.
    pub line: u32,
    /// Where each label's value comes from, in the order of `labels`.
    pub label_sources: &'static [LabelSource],
    /// `type_name` of a probe function declared inside the instrumented
    /// one: its path (see [`FunctionName`]).
    pub function_path: fn() -> &'static str,
    /// `objective(success = …, latency = …)`, for alert rules.
    pub objective: Option<Objective>,
    /// `registry = EXPR`: the registry its families live in; `None` for
    /// [`crate::registry()`].
    pub registry: Option<fn() -> &'static prometheus::Registry>,
}

/// Service level objectives of an instrumented function:
/// `objective(success = 99.9, latency = 0.25)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Objective {
    /// Percentage of calls that must succeed (`99.9`).
    pub success: Option<f64>,
    /// Seconds within which `latency_percent` of calls must finish.
    pub latency: Option<f64>,
    /// Percentage of calls that must finish within `latency` (default 99).
    pub latency_percent: f64,
}

/// Where a label's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelSource {
    /// A literal, the same on every call.
    Literal(&'static str),
    /// `module_path!()`.
    Module,
    /// The function's path in its module (`Type::method`).
    FunctionPath,
    /// An argument or expression, known only at the call.
    Argument,
}

impl Descriptor {
    /// The label values, when every one is known without a call.
    pub(crate) fn static_values(&self) -> Option<Vec<String>> {
        self.fixed_values().into_iter().collect()
    }

    /// Per label, its value when known without a call.
    pub(crate) fn fixed_values(&self) -> Vec<Option<String>> {
        self.label_sources
            .iter()
            .map(|source| match source {
                LabelSource::Literal(text) => Some((*text).to_owned()),
                LabelSource::Module => Some(self.module.to_owned()),
                LabelSource::FunctionPath => Some(self.function_label()),
                LabelSource::Argument => None,
            })
            .collect()
    }

    /// The registry this function's families live in.
    pub(crate) fn home_registry(&self) -> &'static prometheus::Registry {
        self.registry
            .map_or_else(crate::registry, |registry| registry())
    }

    /// Whether its families take the settings of [`crate::builder()`]
    /// (namespace, constant labels): those of [`crate::registry()`] do.
    pub(crate) fn uses_builder_settings(&self) -> bool {
        self.registry.is_none()
    }

    /// The `function` label of this function.
    pub(crate) fn function_label(&self) -> String {
        function_label((self.function_path)(), self.module)
    }
}

/// Registers `descriptor`'s families and, when its labels are all static,
/// its series; see [`crate::init`].
pub(crate) fn register(descriptor: &'static Descriptor) {
    let family = family_for(descriptor);
    if let Some(values) = descriptor.static_values() {
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        family.series(LabelValues::All(&values));
    }
}

/// One instrumented function: a `static` in its body.
#[derive(Debug)]
pub struct CallSite {
    descriptor: &'static Descriptor,
    family: OnceLock<&'static FunctionFamily>,
    static_series: OnceLock<&'static Series>,
    indexed: OnceLock<IndexedSeries>,
}

/// The series of a call site whose one argument label has a fixed
/// cardinality (a derived enum), by the label's index: no hashing.
#[derive(Debug)]
struct IndexedSeries {
    /// The label's type: in a generic function one call site serves
    /// several types, and only the first is indexed. (`type_name` would not
    /// do: two block-local enums of one name share it.)
    label_type: TypeId,
    series: Box<[OnceLock<&'static Series>]>,
}

/// Above this many values a fixed-cardinality label is hashed instead.
const MAX_INDEXED: usize = 1024;

impl CallSite {
    /// A call site that registers its families on first use.
    pub const fn new(descriptor: &'static Descriptor) -> Self {
        CallSite {
            descriptor,
            family: OnceLock::new(),
            static_series: OnceLock::new(),
            indexed: OnceLock::new(),
        }
    }

    /// Starts a call whose label values are the same on every call;
    /// `values` is evaluated on the first call only.
    #[inline]
    pub fn enter_static<const N: usize>(
        &'static self,
        values: impl FnOnce() -> [&'static str; N],
    ) -> Guard {
        #[cfg(feature = "testing")]
        if let Some(capture) = crate::testing::active() {
            return Guard::start_shared(
                capture
                    .family(self.descriptor)
                    .series(LabelValues::All(&values())),
            );
        }
        let series = match self.static_series.get() {
            Some(series) => series,
            None => self
                .static_series
                .get_or_init(|| self.family().series(LabelValues::All(&values()))),
        };
        Guard::start(series)
    }

    /// Starts a call with label values computed at entry, one per declared
    /// label.
    #[inline]
    pub fn enter(&'static self, values: &[&str]) -> Guard {
        #[cfg(feature = "testing")]
        if let Some(capture) = crate::testing::active() {
            return Guard::start_shared(
                capture
                    .family(self.descriptor)
                    .series(LabelValues::All(values)),
            );
        }
        Guard::start(self.family().series(LabelValues::All(values)))
    }

    /// Starts a call whose one argument label is `value`, at `position`
    /// among the call site's static `template` values. A fixed-cardinality
    /// type (derived enum) finds its series by index, without hashing.
    #[inline]
    pub fn enter_keyed<T: LabelValue + ?Sized>(
        &'static self,
        value: &T,
        position: usize,
        template: &[&str],
    ) -> Guard {
        #[cfg(feature = "testing")]
        if let Some(capture) = crate::testing::active() {
            let mut buf = crate::LabelBuf::new();
            let values = LabelValues::Spliced {
                template,
                position,
                value: value.label_value(&mut buf),
            };
            return Guard::start_shared(capture.family(self.descriptor).series(values));
        }
        if let Some(cardinality) = T::CARDINALITY.filter(|&n| n <= MAX_INDEXED) {
            if let Some(slot) = self.indexed_slot(value, cardinality) {
                let series = match slot.get() {
                    Some(series) => series,
                    None => slot.get_or_init(|| self.keyed_series(value, position, template)),
                };
                return Guard::start(series);
            }
        }
        Guard::start(self.keyed_series(value, position, template))
    }

    #[inline]
    fn indexed_slot<T: LabelValue + ?Sized>(
        &'static self,
        value: &T,
        cardinality: usize,
    ) -> Option<&'static OnceLock<&'static Series>> {
        let label_type = T::label_type()?;
        let indexed = self.indexed.get_or_init(|| IndexedSeries {
            label_type,
            series: (0..cardinality).map(|_| OnceLock::new()).collect(),
        });
        if indexed.label_type != label_type {
            return None;
        }
        indexed.series.get(value.label_index())
    }

    #[inline]
    fn keyed_series<T: LabelValue + ?Sized>(
        &'static self,
        value: &T,
        position: usize,
        template: &[&str],
    ) -> &'static Series {
        let mut buf = crate::LabelBuf::new();
        let value = value.label_value(&mut buf);
        self.family().series(LabelValues::Spliced {
            template,
            position,
            value,
        })
    }

    #[inline]
    fn family(&'static self) -> &'static FunctionFamily {
        self.family.get_or_init(|| family_for(self.descriptor))
    }
}

/// The `function` label of a function instrumented on its own (not through
/// an instrumented `impl` block, whose type the macro can read): its path
/// relative to its module, read on first use from the type name of a probe
/// function declared inside it. `handle`, `Service::handle`, `Cache::new`.
#[derive(Debug)]
pub struct FunctionName {
    label: OnceLock<String>,
}

impl FunctionName {
    /// A name computed on first use.
    pub const fn new() -> Self {
        FunctionName {
            label: OnceLock::new(),
        }
    }

    /// The label, from `probe`, the `type_name_of_val` of a function item
    /// declared in the instrumented function, and `module_path!()`.
    #[inline]
    pub fn label(&'static self, probe: &str, module: &str) -> &'static str {
        self.label.get_or_init(|| function_label(probe, module))
    }
}

impl Default for FunctionName {
    fn default() -> Self {
        Self::new()
    }
}

/// `Type::method` or `function` from a probe's path: module, generic
/// arguments, closures and the probe itself left out.
fn function_label(probe: &str, module: &str) -> String {
    let path = without_generics(probe);
    let mut segments: Vec<&str> = path
        .split("::")
        .filter(|segment| !segment.is_empty() && !segment.starts_with("{{"))
        .collect();
    segments.pop(); // the probe
    if let Some(self_type) = trait_impl_self_type(probe) {
        let method = segments.last().copied().unwrap_or_default();
        return format!("{self_type}::{method}");
    }
    let module: Vec<&str> = module.split("::").collect();
    if segments.starts_with(&module) {
        segments.drain(..module.len());
    }
    segments.join("::")
}

/// `A` in `<crate::m::A as crate::m::Trait>::method::probe`; `Trait` in
/// the `<_ as crate::m::Trait>` of a blanket `impl<T> Trait for T`, whose
/// self type has no name.
fn trait_impl_self_type(probe: &str) -> Option<&str> {
    let inner = probe.strip_prefix('<')?;
    let (self_type, rest) = inner.split_once(" as ")?;
    let self_type = self_type.split('<').next().unwrap_or(self_type);
    let self_type = self_type
        .trim_start_matches(['&', '*'])
        .trim_start_matches("mut ");
    let self_type = self_type.rsplit("::").next()?;
    if self_type != "_" {
        return Some(self_type);
    }
    let trait_path = rest.split(['<', '>']).next()?;
    trait_path.rsplit("::").next()
}

/// `path` with every `<…>` removed, and the `<A as B>` of a trait impl.
fn without_generics(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut depth = 0usize;
    for c in path.chars() {
        match c {
            '<' => depth += 1,
            '>' => depth = depth.saturating_sub(1),
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::function_label;

    #[test]
    fn probes_name_functions_by_their_path_in_the_module() {
        let label = |probe| function_label(probe, "app::db");
        assert_eq!(label("app::db::connect::__metrics_probe"), "connect");
        assert_eq!(label("app::db::Pool::get::__metrics_probe"), "Pool::get");
        assert_eq!(label("app::db::Pool<_>::get::__metrics_probe"), "Pool::get");
        assert_eq!(
            label("<app::db::Pool<u8> as app::Store>::get::__metrics_probe"),
            "Pool::get"
        );
        assert_eq!(
            label("app::db::Store::describe::__metrics_probe"),
            "Store::describe"
        );
        assert_eq!(label("app::db::run::{{closure}}::__metrics_probe"), "run");
        assert_eq!(
            label("<_ as app::Describe>::describe::__metrics_probe"),
            "Describe::describe"
        );
        assert_eq!(
            label("<_ as app::Convert<u8>>::convert::__metrics_probe"),
            "Convert::convert"
        );
        assert_eq!(label("elsewhere::f::__metrics_probe"), "elsewhere::f");
    }
}
