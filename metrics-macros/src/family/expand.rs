//! Code for `#[derive(MetricsFamily)]`; every decision was made in `valid`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::DeriveInput;

use crate::errors::Errors;
use crate::family::ast::FamilyStruct;
use crate::family::valid::{self, MetricSpec, Plan, PlannedField, Role};

/// `#[derive(MetricsFamily)]` on `input`.
///
/// On an error the struct still gets the derive's items, with bodies that
/// never run, so that the only errors the user sees are the derive's own.
pub fn metrics_family(input: &DeriveInput) -> TokenStream {
    let mut errors = Errors::default();
    let family = FamilyStruct::from_input(input, &mut errors);
    let plan = family
        .as_ref()
        .map(|family| valid::plan(family, &mut errors));
    match (errors.finish(), plan) {
        (Ok(()), Some(plan)) => expand(&plan),
        (result, _) => {
            let krate = family
                .and_then(|family| family.args.krate)
                .unwrap_or_else(|| syn::parse_quote!(::metrics_runtime));
            let mut tokens = fallback(input, &krate);
            if let Err(error) = result {
                tokens.extend(error.into_compile_error());
            }
            tokens
        }
    }
}

/// The derive's items with bodies that never run: emitted only next to a
/// compile error.
fn fallback(input: &DeriveInput, krate: &syn::Path) -> TokenStream {
    let ident = &input.ident;
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        impl #impl_generics #krate::MetricsFamily for #ident #type_generics #where_clause {
            fn build(
                _: &str,
                _: &mut #krate::__private::Registrar,
            ) -> ::core::result::Result<Self, #krate::Error> {
                ::core::unreachable!()
            }
            fn share(&self) -> Self {
                ::core::unreachable!()
            }
            fn catalog(_: &str, _: &mut ::std::vec::Vec<#krate::__private::MetricInfo>) {
                ::core::unreachable!()
            }
        }
        #[allow(dead_code)]
        impl #impl_generics #ident #type_generics #where_clause {
            fn register(
                _: &#krate::prometheus::Registry,
            ) -> ::core::result::Result<Self, #krate::Error> {
                ::core::unreachable!()
            }
            fn global() -> &'static Self {
                ::core::unreachable!()
            }
            fn unregistered() -> Self {
                ::core::unreachable!()
            }
        }
    }
}

// Input:
//     #[metrics(namespace = "shop")]
//     struct ShopMetrics { /// Orders. #[metric(labels(method))] orders_total: IntCounterVec }
// Output:
//     impl MetricsFamily for ShopMetrics {
//         fn build(prefix, registrar) -> Result<Self, Error> {
//             let prefix = metric_name(prefix, &["shop"]);
//             let orders_total = registrar.metric(metric_name(&prefix, &["orders_total"]), "Orders.", &["method"], None)?;
//             Ok(Self { orders_total })
//         }
//         fn share(&self) -> Self { Self { orders_total: self.orders_total.clone() } }
//     }
//     impl ShopMetrics { fn register(…), fn global(), fn unregistered() }
fn expand(plan: &Plan) -> TokenStream {
    let Plan {
        krate,
        ident,
        vis,
        prefix,
        fields,
    } = plan;
    let idents: Vec<_> = fields.iter().map(|field| field.ident).collect();
    let locals: Vec<_> = idents
        .iter()
        .map(|ident| format_ident!("__metrics_{}", ident))
        .collect();
    let creations = fields.iter().zip(&locals).map(|(field, local)| {
        let ty = field.ty;
        let creation = match &field.role {
            Role::Metric(spec) => {
                let (name, help, labels, buckets) = spec_tokens(spec, krate);
                let max_series = match spec.max_series {
                    Some(limit) => quote!(::core::option::Option::Some(#limit)),
                    None => quote!(::core::option::Option::None),
                };
                let native = spec.native_histogram.is_some();
                let check = spec.native_histogram.as_ref().map(|_| {
                    quote_spanned!(ty.span()=> const _: () = #krate::__private::assert_native_histogram_field::<#ty>();)
                });
                quote_spanned!(ty.span()=> {
                    #check
                    registrar.metric::<#ty>(
                        #krate::__private::metric_name(&prefix, &[#name]), #help, &[#(#labels),*], #buckets, #max_series, #native,
                    )
                })
            }
            Role::Collected(spec, _) => {
                let (name, help, ..) = spec_tokens(spec, krate);
                quote_spanned!(ty.span()=> registrar.detached::<#ty>(
                    #krate::__private::metric_name(&prefix, &[#name]), #help,
                ))
            }
            Role::Flatten => quote_spanned!(ty.span()=>
                <#ty as #krate::MetricsFamily>::build(&prefix, registrar)
            ),
        };
        quote!(let #local = #creation?;)
    });
    let collections = fields.iter().filter_map(|field| match &field.role {
        Role::Collected(_, path) => Some(collection(krate, ident, field, path)),
        _ => None,
    });
    let shares = fields.iter().map(|field| {
        let field_ident = field.ident;
        match field.role {
            Role::Flatten => quote!(#field_ident: #krate::MetricsFamily::share(&self.#field_ident)),
            _ => quote!(#field_ident: ::core::clone::Clone::clone(&self.#field_ident)),
        }
    });
    let catalog_entries = fields.iter().map(|field| {
        let ty = field.ty;
        match &field.role {
            Role::Metric(spec) | Role::Collected(spec, _) => {
                let (name, help, labels, _) = spec_tokens(spec, krate);
                quote! {
                    out.push(#krate::__private::MetricInfo::new(
                        #krate::__private::metric_name(&prefix, &[#name]),
                        <#ty as #krate::__private::FieldMetric>::KIND,
                        <#ty as #krate::__private::FieldMetric>::label_names(&[#(#labels),*]),
                        #help.to_owned(),
                        source,
                    ));
                }
            }
            Role::Flatten => quote!(<#ty as #krate::MetricsFamily>::catalog(&prefix, out);),
        }
    });
    let flattened = fields.iter().filter_map(|field| match field.role {
        Role::Flatten => {
            let ty = field.ty;
            Some(quote!(::core::any::type_name::<#ty>))
        }
        _ => None,
    });
    let line = quote_spanned!(ident.span()=> ::core::line!());
    quote! {
        const _: () = {
            #[#krate::__private::linkme::distributed_slice(#krate::__private::FAMILIES)]
            #[linkme(crate = #krate::__private::linkme)]
            static ENTRY: #krate::__private::FamilyEntry = #krate::__private::FamilyEntry {
                type_name: ::core::any::type_name::<#ident>,
                flattened: &[#(#flattened),*],
                register: || {
                    let _ = #ident::global();
                },
                catalog: <#ident as #krate::MetricsFamily>::catalog,
                file: ::core::file!(),
                line: #line,
            };
        };

        #[automatically_derived]
        impl #krate::MetricsFamily for #ident {
            fn catalog(prefix: &str, out: &mut ::std::vec::Vec<#krate::__private::MetricInfo>) {
                let prefix = #krate::__private::metric_name(prefix, &[#(#prefix),*]);
                let source = #krate::__private::Source { file: ::core::file!(), line: #line };
                #(#catalog_entries)*
            }

            fn build(
                prefix: &str,
                registrar: &mut #krate::__private::Registrar,
            ) -> ::core::result::Result<Self, #krate::Error> {
                let prefix = #krate::__private::metric_name(prefix, &[#(#prefix),*]);
                #(#creations)*
                let this = Self { #(#idents: #locals),* };
                #(#collections)*
                ::core::result::Result::Ok(this)
            }

            fn share(&self) -> Self {
                Self { #(#shares),* }
            }
        }

        #[automatically_derived]
        impl #ident {
            /// Creates these metrics and registers them in `registry`: all of
            /// them, or none and an error (a name already taken, or this
            /// struct registered there before).
            #vis fn register(
                registry: &#krate::prometheus::Registry,
            ) -> ::core::result::Result<Self, #krate::Error> {
                #krate::__private::Registrar::register(registry)
            }

            /// The one instance registered in `metrics_runtime::registry()`,
            /// under the namespace and labels of `metrics_runtime::builder()`;
            /// created on first use. A failed registration is logged, never a
            /// panic: the metrics then work unexported.
            ///
            /// Inside `metrics_runtime::testing::capture`, the capture's own
            /// instance instead, registered in the capture's registry.
            #vis fn global() -> &'static Self {
                static GLOBAL: ::std::sync::OnceLock<#ident> = ::std::sync::OnceLock::new();
                if let ::core::option::Option::Some(captured) = #krate::__private::captured_family::<Self>() {
                    return captured;
                }
                GLOBAL.get_or_init(#krate::__private::Registrar::global)
            }

            /// These metrics, registered nowhere.
            #vis fn unregistered() -> Self {
                #krate::__private::Registrar::unregistered()
            }
        }
    }
}

// Input:
//     #[metric(collect = queue_depth)] queue_depth: Gauge
// Output:
//     {
//         trait CollectFn<M> { fn compute(&self, state: &ShopMetrics) -> <Gauge as CollectedGauge>::Value; }
//         impl<F: Fn(&ShopMetrics) -> Value> CollectFn<WithState> for F { … }
//         impl<F: Fn() -> Value> CollectFn<WithoutState> for F { … }
//         let state = MetricsFamily::share(&this);
//         registrar.collect(&this.queue_depth, move || CollectFn::compute(&queue_depth, &state))?;
//     }
// The value is `f64` for a gauge and `Vec<(L, f64)>` for a `Family<L, _>`.
// The trait is the field's own so that a function of the wrong signature
// is one error, on the path, in the struct's terms.
fn collection(
    krate: &syn::Path,
    ident: &syn::Ident,
    field: &PlannedField,
    path: &syn::Path,
) -> TokenStream {
    let (field_ident, ty) = (field.ident, field.ty);
    let value_text = collected_value_text(ty);
    let message = format!(
        "`collect = {}` needs a function `fn(&{ident}) -> {value_text}` or `fn() -> {value_text}`",
        path_text(path)
    );
    let label = format!("expected `fn(&{ident}) -> {value_text}` or `fn() -> {value_text}`");
    let state = syn::Ident::new("__metrics_state", Span::mixed_site());
    let compute: TokenStream = quote!(CollectFn::compute)
        .into_iter()
        .map(|mut token| {
            token.set_span(token.span().located_at(path.span()));
            token
        })
        .collect();
    let reference = quote_spanned!(path.span()=> &);
    let value = quote!(<#ty as #krate::__private::CollectedGauge>::Value);
    quote! {{
        #[diagnostic::on_unimplemented(message = #message, label = #label)]
        trait CollectFn<M> {
            fn compute(&self, state: &#ident) -> #value;
        }
        struct __MetricsWithState;
        struct __MetricsWithoutState;
        impl<F: ::core::ops::Fn(&#ident) -> #value> CollectFn<__MetricsWithState> for F {
            fn compute(&self, state: &#ident) -> #value {
                self(state)
            }
        }
        impl<F: ::core::ops::Fn() -> #value> CollectFn<__MetricsWithoutState> for F {
            fn compute(&self, _: &#ident) -> #value {
                self()
            }
        }
        let #state = #krate::MetricsFamily::share(&this);
        registrar.collect(
            &this.#field_ident,
            move || #compute(#reference #path, &#state),
        )?;
    }}
}

/// What a `collect` function of a field of type `ty` returns, as the user
/// writes it: `f64`, or `Vec<(L, f64)>` for a `Family<L, _>`.
fn collected_value_text(ty: &syn::Type) -> String {
    let syn::Type::Path(path) = ty else {
        return "f64".to_owned();
    };
    let Some(last) = path.path.segments.last().filter(|s| s.ident == "Family") else {
        return "f64".to_owned();
    };
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return "f64".to_owned();
    };
    match args.args.first() {
        Some(labels) => format!(
            "Vec<({}, f64)>",
            quote!(#labels).to_string().replace(' ', "")
        ),
        None => "f64".to_owned(),
    }
}

/// `path` as written, without the spaces `to_string` puts around `::`.
fn path_text(path: &syn::Path) -> String {
    quote!(#path).to_string().replace(' ', "")
}

fn spec_tokens<'s>(
    spec: &'s MetricSpec,
    krate: &syn::Path,
) -> (&'s str, &'s str, &'s [String], TokenStream) {
    let buckets = match &spec.buckets {
        Some(planned) => {
            let slice = planned.to_slice(krate);
            quote!(::core::option::Option::Some(#slice))
        }
        None => quote!(::core::option::Option::None),
    };
    (&spec.name, &spec.help, &spec.labels, buckets)
}
