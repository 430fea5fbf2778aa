//! Procedural macros of `metrics-runtime`; use them through that crate.
//!
//! Each macro parses its input (`attr`, `ast`), checks it (`valid`) and
//! generates code (`expand`); on an error the item is emitted unchanged
//! next to the errors (`fallback`).

mod args;
mod errors;
mod fallback;
mod family;
mod instrumented;
mod labels;
mod names;

use proc_macro::TokenStream;

/// Counts calls by result, observes their duration and keeps an in-flight
/// gauge; documented where users meet it, as `metrics_runtime::instrumented`.
#[proc_macro_attribute]
pub fn instrumented(args: TokenStream, item: TokenStream) -> TokenStream {
    let original = proc_macro2::TokenStream::from(item.clone());
    instrumented::expand::instrumented(args.into(), item.into())
        .unwrap_or_else(|errors| fallback::item_with_errors(original, errors))
        .into()
}

/// Registers a struct of metrics as one; documented as
/// `metrics_runtime::MetricsFamily`.
#[proc_macro_derive(MetricsFamily, attributes(metrics, metric))]
pub fn derive_metrics_family(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    family::expand::metrics_family(&input).into()
}

/// A field-less enum as a label value; documented as
/// `metrics_runtime::LabelValue`.
#[proc_macro_derive(LabelValue, attributes(label, metrics))]
pub fn derive_label_value(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    labels::expand::derive_label_value(&input).into()
}

/// A struct of label values as a label set; documented as
/// `metrics_runtime::LabelSet`.
#[proc_macro_derive(LabelSet, attributes(metrics))]
pub fn derive_label_set(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    labels::expand::derive_label_set(&input).into()
}
