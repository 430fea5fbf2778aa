//! Procedural macros of `metrics-runtime`; use them through that crate.
//!
//! Each macro parses its input (`attr`, `ast`), checks it (`valid`) and
//! generates code (`expand`); on an error the item is emitted unchanged
//! next to the errors (`fallback`).

mod ast;
mod attr;
mod expand;
mod fallback;
mod valid;

use proc_macro::TokenStream;

/// Counts calls by result, observes their duration and keeps an in-flight
/// gauge; documented where users meet it, as `metrics_runtime::instrumented`.
#[proc_macro_attribute]
pub fn instrumented(args: TokenStream, item: TokenStream) -> TokenStream {
    let original = proc_macro2::TokenStream::from(item.clone());
    expand::instrumented(args.into(), item.into())
        .unwrap_or_else(|errors| fallback::item_with_errors(original, errors))
        .into()
}
