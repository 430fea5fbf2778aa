//! The call site of an instrumented function: its `static`s, and how a
//! call enters it with its label values.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Signature;

use crate::instrumented::valid::{Plan, PlannedValue};

fn site_ident() -> syn::Ident {
    format_ident!("__METRICS_SITE")
}

fn method_ident() -> syn::Ident {
    format_ident!("__METRICS_METHOD")
}

/// The `static`s behind a call site: its descriptor, the site, and for a
/// method named from `Self`, the cached name.
pub(super) fn statics(plan: &Plan, sig: &Signature) -> TokenStream {
    let krate = &plan.krate;
    let site = site_ident();
    let Plan {
        metric_name,
        help,
        function,
        duration,
        native_histogram,
        in_flight,
        ..
    } = plan;
    let error_kind = plan.error_kind.is_some();
    let label_names = plan.labels.iter().map(|label| &label.name);
    let (buckets, buckets_fn) = match &plan.buckets {
        Some(planned) => {
            let slice = planned.to_slice(krate);
            (
                quote!(::core::option::Option::Some(__metrics_buckets)),
                quote! {
                    fn __metrics_buckets() -> &'static [f64] {
                        #slice
                    }
                },
            )
        }
        None => (quote!(::core::option::Option::None), quote!()),
    };
    let sample = match plan.sample {
        Some(share) => quote!(::core::option::Option::Some(#share)),
        None => quote!(::core::option::Option::None),
    };
    let line = quote_spanned!(sig.ident.span()=> ::core::line!());
    let max_series = match plan.max_series {
        Some(limit) => quote!(::core::option::Option::Some(#limit)),
        None => quote!(::core::option::Option::None),
    };
    let method = plan.labels.iter().find_map(|label| match &label.value {
        PlannedValue::FunctionPath => {
            let ident = method_ident();
            Some(quote! {
                static #ident: #krate::__private::FunctionName = #krate::__private::FunctionName::new();
            })
        }
        _ => None,
    });
    let sources = plan.labels.iter().map(|label| match &label.value {
        PlannedValue::Literal(text) => quote!(#krate::__private::LabelSource::Literal(#text)),
        PlannedValue::Module => quote!(#krate::__private::LabelSource::Module),
        PlannedValue::FunctionPath => quote!(#krate::__private::LabelSource::FunctionPath),
        PlannedValue::Param(_) | PlannedValue::Expr(_) => {
            quote!(#krate::__private::LabelSource::Argument)
        }
    });
    let objective = match &plan.objective {
        Some(objective) => {
            let option = |value: Option<f64>| match value {
                Some(value) => quote!(::core::option::Option::Some(#value)),
                None => quote!(::core::option::Option::None),
            };
            let success = option(objective.success);
            let latency = option(objective.latency);
            let percent = objective.latency_percent;
            quote! {
                ::core::option::Option::Some(#krate::__private::Objective {
                    success: #success,
                    latency: #latency,
                    latency_percent: #percent,
                })
            }
        }
        None => quote!(::core::option::Option::None),
    };
    // The expression is checked where it was written: a value that is no
    // `&'static Registry` after deref coercion is an error on it.
    let (registry, registry_fn) = match &plan.registry {
        Some(expr) => {
            let coerced = registry_binding(krate, expr);
            (
                quote!(::core::option::Option::Some(__metrics_registry)),
                quote! {
                    fn __metrics_registry() -> &'static #krate::prometheus::Registry {
                        #coerced
                        __metrics_registry
                    }
                },
            )
        }
        None => (quote!(::core::option::Option::None), quote!()),
    };
    quote! {
        #registry_fn
        #buckets_fn
        static __METRICS_DESCRIPTOR: #krate::__private::Descriptor = #krate::__private::Descriptor {
            name: #metric_name,
            help: #help,
            labels: &[#(#label_names),*],
            buckets: #buckets,
            duration: #duration,
            native_histogram: #native_histogram,
            in_flight: #in_flight,
            error_kind: #error_kind,
            max_series: #max_series,
            function: #function,
            module: ::core::module_path!(),
            file: ::core::file!(),
            line: #line,
            label_sources: &[#(#sources),*],
            function_path: __metrics_function_path,
            objective: #objective,
            registry: #registry,
            sample: #sample,
        };
        static #site: #krate::__private::CallSite = #krate::__private::CallSite::new(&__METRICS_DESCRIPTOR);
        #[#krate::__private::linkme::distributed_slice(#krate::__private::INSTRUMENTED)]
        #[linkme(crate = #krate::__private::linkme)]
        static __METRICS_LINKED: &#krate::__private::Descriptor = &__METRICS_DESCRIPTOR;
        fn __metrics_probe() {}
        fn __metrics_function_path() -> &'static str {
            #krate::__private::probe_path(&__metrics_probe)
        }
        #method
    }
}

/// `let __metrics_registry: &'static Registry = EXPR;`, spanned on `EXPR`
/// so that a value of another type is an error where it was written.
pub(super) fn registry_binding(krate: &syn::Path, expr: &syn::Expr) -> TokenStream {
    quote_spanned! {expr.span()=>
        let __metrics_registry: &'static #krate::prometheus::Registry = #expr;
    }
}

/// The guard of this call: with every label static, the series is resolved
/// once; otherwise it is looked up from the values computed here.
pub(super) fn enter(plan: &Plan) -> TokenStream {
    let krate = &plan.krate;
    let site = site_ident();
    let dynamic: Vec<usize> = plan
        .labels
        .iter()
        .enumerate()
        .filter(|(_, label)| !label.value.is_static())
        .map(|(position, _)| position)
        .collect();
    let mut buffers = Vec::new();
    let enter = match dynamic[..] {
        [] => {
            let values = label_values(plan, &mut buffers);
            quote!(#site.enter_static(|| [#(#values),*]))
        }
        [position] => keyed_enter(plan, position),
        _ => {
            let values = label_values(plan, &mut buffers);
            quote! {{
                #(let mut #buffers = #krate::__private::LabelBuf::new();)*
                #site.enter(&[#(#values),*])
            }}
        }
    };
    quote! {
        if #krate::__private::is_enabled() {
            #enter
        } else {
            #krate::__private::Guard::DISABLED
        }
    }
}

// Input:
//     labels(status) on `status: Status`
// Output:
//     {
//         let status_value = &status;
//         if false { LabelValue::label_index(status_value); }
//         SITE.enter_keyed(status_value, position, &[template…])
//     }
// One argument label is passed as the value itself, so that a type with a
// fixed cardinality is found by index. The dead `label_index` call puts a
// missing `LabelValue` on the label alone: `enter_keyed`'s own bound, at
// the same span, is then not reported again with a note into the runtime.
fn keyed_enter(plan: &Plan, position: usize) -> TokenStream {
    let site = site_ident();
    let mut unused = Vec::new();
    let template = plan.labels.iter().enumerate().map(|(i, label)| {
        if i == position {
            quote!("")
        } else {
            label_value(plan, &label.value, &mut unused)
        }
    });
    let (value, span) = match &plan.labels[position].value {
        PlannedValue::Param(param) => (quote_spanned!(param.span()=> &#param), param.span()),
        PlannedValue::Expr(expr) => (quote_spanned!(expr.span()=> &(#expr)), expr.span()),
        _ => unreachable!("position is that of the one argument label"),
    };
    // At the label's own span, so that errors on it are the user's, not
    // "in this macro expansion".
    let local = syn::Ident::new("__metrics_label", span);
    let check = label_call(&plan.krate, span, quote!(LabelValue::label_index));
    quote! {{
        let #local = #value;
        if false {
            #check(#local);
        }
        #site.enter_keyed(#local, #position, &[#(#template),*])
    }}
}

fn label_values(plan: &Plan, buffers: &mut Vec<syn::Ident>) -> Vec<TokenStream> {
    plan.labels
        .iter()
        .map(|label| label_value(plan, &label.value, buffers))
        .collect()
}

fn label_value(plan: &Plan, value: &PlannedValue, buffers: &mut Vec<syn::Ident>) -> TokenStream {
    let krate = &plan.krate;
    let mut buffer = || {
        let ident = syn::Ident::new(
            &format!("__metrics_label_{}", buffers.len()),
            Span::mixed_site(),
        );
        buffers.push(ident.clone());
        ident
    };
    match value {
        PlannedValue::Literal(text) => quote!(#text),
        PlannedValue::Module => quote!(::core::module_path!()),
        PlannedValue::FunctionPath => {
            let method = method_ident();
            quote! {
                #method.label(__metrics_function_path(), ::core::module_path!())
            }
        }
        PlannedValue::Param(param) => {
            let call = label_call(krate, param.span(), quote!(LabelValue::label_value));
            let buffer = buffer();
            quote_spanned!(param.span()=> #call(&#param, &mut #buffer))
        }
        PlannedValue::Expr(expr) => {
            let call = label_call(krate, expr.span(), quote!(LabelValue::label_value));
            let buffer = buffer();
            quote_spanned!(expr.span()=> #call(&(#expr), &mut #buffer))
        }
    }
}

/// A trait method of `__private` (`LabelValue::label_value`) located at the
/// label: a type that does not implement `LabelValue` is then reported on
/// the label alone, not on the whole attribute nor inside the runtime.
pub(super) fn label_call(krate: &syn::Path, span: Span, function: TokenStream) -> TokenStream {
    located(quote!(#krate::__private::#function), span)
}

/// `tokens`, every one reported at `span`.
pub(super) fn located(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            token.set_span(token.span().located_at(span));
            token
        })
        .collect()
}
