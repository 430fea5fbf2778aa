//! The static that each instrumented function keeps: its description and
//! the series it resolved.

use std::sync::OnceLock;

use super::family::{family_for, FunctionFamily};
use super::guard::Guard;
use super::series::Series;

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
}

impl CallSite {
    /// A call site that registers its families on first use.
    pub const fn new(descriptor: &'static Descriptor) -> Self {
        CallSite {
            descriptor,
            family: OnceLock::new(),
            static_series: OnceLock::new(),
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
                .get_or_init(|| self.family().series(&values())),
        };
        Guard::start(series)
    }

    /// Starts a call with label values computed at entry, one per declared
    /// label.
    #[inline]
    pub fn enter(&'static self, values: &[&str]) -> Guard {
        Guard::start(self.family().series(values))
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
