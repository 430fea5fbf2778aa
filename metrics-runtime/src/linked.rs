//! What the program links, collected at link time: every instrumented
//! function and every derived family, and [`init`] to register them all.

use crate::catalog::MetricInfo;
use crate::instrument::callsite::Descriptor;

/// Every `#[instrumented]` function the program links.
#[doc(hidden)]
#[linkme::distributed_slice]
pub static INSTRUMENTED: [&'static Descriptor];

/// Every `#[derive(MetricsFamily)]` struct the program links.
#[doc(hidden)]
#[linkme::distributed_slice]
pub static FAMILIES: [FamilyEntry];

/// A derived family, as the derive records it.
#[doc(hidden)]
#[derive(Debug)]
pub struct FamilyEntry {
    /// `type_name` of the struct.
    pub type_name: fn() -> &'static str,
    /// `type_name`s of the families it nests with `flatten`.
    pub flattened: &'static [fn() -> &'static str],
    /// Registers its `global()` instance.
    pub register: fn(),
    /// Adds its metrics to a catalog, named behind a prefix.
    pub catalog: fn(&str, &mut Vec<MetricInfo>),
    /// Where the struct is declared.
    pub file: &'static str,
    /// Where the struct is declared.
    pub line: u32,
}

/// Registers every instrumented function and derived family the program
/// links, so that every series a dashboard needs exists, at zero, before
/// the first call: for functions whose labels are all known at compile
/// time, each `result` series too. Call it once, early in `main` (after
/// [`crate::builder()`]); calling it again does nothing new.
///
/// ```
/// #[metrics_runtime::instrumented(name = "nightly_report")]
/// fn nightly_report() {}
///
/// metrics_runtime::init();
/// // Not called yet, but already exported at zero:
/// assert!(metrics_runtime::gather_text().contains(r#"nightly_report_total{result="ok"} 0"#));
/// ```
pub fn init() {
    for descriptor in INSTRUMENTED {
        crate::instrument::callsite::register(descriptor);
    }
    for entry in root_families() {
        (entry.register)();
    }
}

/// The derived families that no other family nests: those registered on
/// their own.
pub(crate) fn root_families() -> impl Iterator<Item = &'static FamilyEntry> {
    let nested: Vec<&str> = FAMILIES
        .iter()
        .flat_map(|entry| entry.flattened.iter().map(|type_name| type_name()))
        .collect();
    FAMILIES
        .iter()
        .filter(move |entry| !nested.contains(&(entry.type_name)()))
}
