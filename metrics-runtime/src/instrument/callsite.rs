//! The static that each instrumented function keeps: its description and
//! the series it resolved.

use std::sync::OnceLock;

use super::family::FunctionFamily;
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
    /// Histogram bounds in seconds; `None` for Prometheus' default buckets.
    pub buckets: Option<&'static [f64]>,
    /// Whether `N_duration_seconds` is kept.
    pub duration: bool,
    /// Whether `N_in_flight` is kept.
    pub in_flight: bool,
    /// Whether `N_errors_total{kind}` is kept (`error_kind`).
    pub error_kind: bool,
    /// The Rust function name.
    pub function: &'static str,
    /// `module_path!()` of the function.
    pub module: &'static str,
    /// `file!()` of the function.
    pub file: &'static str,
    /// `line!()` of the function.
    pub line: u32,
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
    /// `type_name` of the label's type: in a generic function one call site
    /// serves several types, and only the first is indexed.
    label_type: &'static str,
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
        let label_type = std::any::type_name::<T>();
        let indexed = self.indexed.get_or_init(|| IndexedSeries {
            label_type,
            series: (0..cardinality).map(|_| OnceLock::new()).collect(),
        });
        if !std::ptr::eq(indexed.label_type, label_type) {
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

/// The `function` label of a method instrumented on its own, outside an
/// instrumented `impl` block: `Type::method`, the type read from
/// `type_name::<Self>()` on the first call.
#[derive(Debug)]
pub struct MethodName {
    method: &'static str,
    label: OnceLock<String>,
}

impl MethodName {
    /// For the method called `method`.
    pub const fn new(method: &'static str) -> Self {
        MethodName {
            method,
            label: OnceLock::new(),
        }
    }

    /// `Type::method`, where `self_type` is `type_name::<Self>()`; module
    /// path and generic arguments are left out.
    #[inline]
    pub fn label(&'static self, self_type: &str) -> &'static str {
        self.label
            .get_or_init(|| format!("{}::{}", short_type_name(self_type), self.method))
    }
}

fn short_type_name(type_name: &str) -> &str {
    let path = type_name.split('<').next().unwrap_or(type_name);
    let path = path
        .trim_start_matches(['&', '*'])
        .trim_start_matches("mut ");
    path.rsplit("::").next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::short_type_name;

    #[test]
    fn type_names_lose_their_path_and_generics() {
        assert_eq!(
            short_type_name("app::db::Pool<alloc::string::String>"),
            "Pool"
        );
        assert_eq!(short_type_name("&mut app::Service"), "Service");
        assert_eq!(short_type_name("Local"), "Local");
    }
}
