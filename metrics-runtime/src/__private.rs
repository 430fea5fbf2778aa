//! Support for the code the macros generate. Not a stable API: anything
//! here may change in any release.

pub use crate::build_info::register_build_info;
pub use crate::catalog::{MetricInfo, MetricKind, Objective, Source};
pub use crate::collected::CollectedGauge;
pub use crate::config::is_enabled;
pub use crate::instrument::callsite::{CallSite, Descriptor, FunctionName, LabelSource};
pub use crate::instrument::future::Instrumented;
pub use crate::instrument::group::Footprint;
pub use crate::instrument::guard::{
    Classify, ClassifyAny, ClassifyResult, ErrorKind, Guard, Outcome,
};
pub use crate::label::{LabelBuf, LabelValue};
pub use crate::linked::{FamilyEntry, FAMILIES, INSTRUMENTED};
pub use crate::metric_opts::MetricOpts;
pub use crate::registrar::{
    assert_native_histogram_field, metric_name, FieldMetric, NativeHistogramField, Registrar,
};
pub use linkme;

/// The product of label cardinalities, `None` if any is unbounded or the
/// product overflows: the cardinality of a derived `LabelSet`.
pub const fn cardinality_product(cardinalities: &[Option<usize>]) -> Option<usize> {
    let mut product: usize = 1;
    let mut i = 0;
    while i < cardinalities.len() {
        match cardinalities[i] {
            Some(n) => match product.checked_mul(n) {
                Some(next) => product = next,
                None => return None,
            },
            None => return None,
        }
        i += 1;
    }
    Some(product)
}

/// Inside `testing::capture`, the capture's own instance of family `T`,
/// registered in the capture's registry on first use; `None` elsewhere
/// (and always without the `testing` feature).
#[inline(always)]
pub fn captured_family<T: crate::MetricsFamily + Send + Sync + 'static>() -> Option<&'static T> {
    #[cfg(feature = "testing")]
    if let Some(capture) = crate::testing::active() {
        return Some(capture.family_instance::<T>());
    }
    None
}

/// `buckets = PATH`: the bounds of a `const` or `static` array or slice.
#[inline]
pub fn bounds<B: Bounds + ?Sized>(bounds: &'static B) -> &'static [f64] {
    bounds.as_bounds()
}

/// What `buckets = PATH` may name: `[f64; N]`, `[f64]` or `&[f64]`.
#[diagnostic::on_unimplemented(
    message = "`buckets = …` needs a `const` or `static` of type `[f64; N]` or `&[f64]`, not `{Self}`",
    label = "not bucket bounds"
)]
pub trait Bounds {
    /// The bounds as a slice.
    fn as_bounds(&'static self) -> &'static [f64];
}

impl<const N: usize> Bounds for [f64; N] {
    fn as_bounds(&'static self) -> &'static [f64] {
        self
    }
}

impl Bounds for [f64] {
    fn as_bounds(&'static self) -> &'static [f64] {
        self
    }
}

impl Bounds for &'static [f64] {
    fn as_bounds(&'static self) -> &'static [f64] {
        self
    }
}

/// Memory held by every instrumented function's series (for benchmarks).
pub fn footprint() -> Footprint {
    crate::instrument::group::footprint()
}

/// With the `disabled` feature, keeps label expressions type-checked (and
/// their variables used) without evaluating them.
#[inline(always)]
pub fn check_label<T: LabelValue + ?Sized>(_value: &T) {}

/// Runs the body of an instrumented function. Taking `FnOnce` lets the
/// body move its captures out, as a method returning `self` does.
#[inline(always)]
pub fn call_once<R>(body: impl FnOnce() -> R) -> R {
    body()
}

/// The type name of `probe`, a function item declared inside an
/// instrumented function: its path (see [`FunctionName`]).
#[inline(always)]
pub fn probe_path<T>(probe: &T) -> &'static str {
    core::any::type_name_of_val(probe)
}

#[cfg(not(feature = "disabled"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __metrics_runtime_select {
    (enabled $enabled:block disabled $disabled:block) => {
        $enabled
    };
}

#[cfg(feature = "disabled")]
#[doc(hidden)]
#[macro_export]
macro_rules! __metrics_runtime_select {
    (enabled $enabled:block disabled $disabled:block) => {
        $disabled
    };
}

/// Keeps the instrumented body, or with the `disabled` feature the bare one.
pub use crate::__metrics_runtime_select as select;
