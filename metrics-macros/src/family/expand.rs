//! Code for `#[derive(MetricsFamily)]`; every decision was made in `valid`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::DeriveInput;

use crate::errors::Errors;
use crate::family::ast::FamilyStruct;
use crate::family::valid::{self, MetricSpec, Plan, Role};

/// `#[derive(MetricsFamily)]` on `input`.
pub fn metrics_family(input: &DeriveInput) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let family = FamilyStruct::from_input(input, &mut errors);
    let plan = family
        .as_ref()
        .map(|family| valid::plan(family, &mut errors));
    errors.finish()?;
    Ok(plan.map(|plan| expand(&plan)).unwrap_or_default())
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
                let (name, help, labels, buckets) = spec_tokens(spec);
                quote_spanned!(ty.span()=> registrar.metric::<#ty>(
                    #krate::__private::metric_name(&prefix, &[#name]), #help, &[#(#labels),*], #buckets,
                ))
            }
            Role::Collected(spec, _) => {
                let (name, help, ..) = spec_tokens(spec);
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
        Role::Collected(_, path) => {
            let field_ident = field.ident;
            Some(quote_spanned!(path.span()=>
                registrar.collect(
                    &this.#field_ident,
                    #krate::__private::bind_collect(#path, #krate::MetricsFamily::share(&this)),
                )?;
            ))
        }
        _ => None,
    });
    let shares = fields.iter().map(|field| {
        let field_ident = field.ident;
        match field.role {
            Role::Flatten => quote!(#field_ident: #krate::MetricsFamily::share(&self.#field_ident)),
            _ => quote!(#field_ident: ::core::clone::Clone::clone(&self.#field_ident)),
        }
    });
    quote! {
        #[automatically_derived]
        impl #krate::MetricsFamily for #ident {
            fn build(
                prefix: &str,
                registrar: &mut #krate::__private::Registrar<'_>,
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
            #vis fn global() -> &'static Self {
                static GLOBAL: ::std::sync::OnceLock<#ident> = ::std::sync::OnceLock::new();
                GLOBAL.get_or_init(#krate::__private::Registrar::global)
            }

            /// These metrics, registered nowhere.
            #vis fn unregistered() -> Self {
                #krate::__private::Registrar::unregistered()
            }
        }
    }
}

fn spec_tokens(spec: &MetricSpec) -> (&str, &str, &[String], TokenStream) {
    let buckets = match &spec.buckets {
        Some(bounds) => {
            let bounds = bounds
                .iter()
                .map(|bound| proc_macro2::Literal::f64_suffixed(*bound));
            quote!(::core::option::Option::Some(&[#(#bounds),*]))
        }
        None => quote!(::core::option::Option::None),
    };
    (&spec.name, &spec.help, &spec.labels, buckets)
}
