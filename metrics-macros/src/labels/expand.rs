//! Code for `#[derive(LabelValue)]` and `#[derive(LabelSet)]`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

use crate::errors::Errors;
use crate::labels::ast::{crate_path, LabelEnum, LabelStruct};

/// `#[derive(LabelValue)]` on `input`.
///
/// On an error the type still implements `LabelValue`, with bodies that
/// never run, so that its uses as a label add no errors of their own.
pub fn derive_label_value(input: &syn::DeriveInput) -> TokenStream {
    let mut errors = Errors::default();
    let item = LabelEnum::from_input(input, &mut errors);
    match (errors.finish(), item) {
        (Ok(()), Some(item)) => label_value(&item),
        (result, _) => with_errors(label_value_fallback(input), result),
    }
}

/// `#[derive(LabelSet)]` on `input`; on an error, as for `LabelValue`.
pub fn derive_label_set(input: &syn::DeriveInput) -> TokenStream {
    let mut errors = Errors::default();
    let item = LabelStruct::from_input(input, &mut errors);
    match (errors.finish(), item) {
        (Ok(()), Some(item)) => label_set(&item),
        (result, _) => with_errors(label_set_fallback(input), result),
    }
}

fn with_errors(mut tokens: TokenStream, result: syn::Result<()>) -> TokenStream {
    if let Err(error) = result {
        tokens.extend(error.into_compile_error());
    }
    tokens
}

fn label_value_fallback(input: &syn::DeriveInput) -> TokenStream {
    let ident = &input.ident;
    let krate = crate_path(&input.attrs, &mut Errors::default());
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        impl #impl_generics #krate::LabelValue for #ident #type_generics #where_clause {
            fn label_value<'__metrics_a>(
                &'__metrics_a self,
                _: &'__metrics_a mut #krate::LabelBuf,
            ) -> &'__metrics_a str {
                ::core::unreachable!()
            }
        }
    }
}

fn label_set_fallback(input: &syn::DeriveInput) -> TokenStream {
    let ident = &input.ident;
    let krate = crate_path(&input.attrs, &mut Errors::default());
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        impl #impl_generics #krate::LabelSet for #ident #type_generics #where_clause {
            type Static = Self;
            const NAMES: &'static [&'static str] = &[];
            const CARDINALITY: ::core::option::Option<usize> = ::core::option::Option::None;

            fn with_values<__MetricsR>(
                &self,
                _: impl ::core::ops::FnOnce(&[&str]) -> __MetricsR,
            ) -> __MetricsR {
                ::core::unreachable!()
            }

            fn index(&self) -> usize {
                ::core::unreachable!()
            }
        }
    }
}

// Input:
//     enum Status { Success, RateLimited }
// Output:
//     impl LabelValue for Status {
//         const CARDINALITY: Option<usize> = Some(2);
//         fn label_value(…) -> &str { match self { Self::Success => "success", … } }
//         fn label_index(&self) -> usize { match self { Self::Success => 0, … } }
//     }
fn label_value(item: &LabelEnum) -> TokenStream {
    let LabelEnum {
        ident,
        generics,
        krate,
        variants,
    } = item;
    let (impl_generics, type_generics, where_clause) = generics.split_for_impl();
    let cardinality = variants.len();
    let names = variants
        .iter()
        .map(|(variant, label)| quote!(Self::#variant => #label));
    let labels = variants.iter().map(|(_, label)| label);
    let indices = variants
        .iter()
        .enumerate()
        .map(|(index, (variant, _))| quote!(Self::#variant => #index));
    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::LabelValue for #ident #type_generics #where_clause {
            const CARDINALITY: ::core::option::Option<usize> = ::core::option::Option::Some(#cardinality);

            #[inline]
            fn label_value<'__metrics_a>(
                &'__metrics_a self,
                _buf: &'__metrics_a mut #krate::LabelBuf,
            ) -> &'__metrics_a str {
                match *self { #(#names,)* }
            }

            #[inline]
            fn label_index(&self) -> usize {
                match *self { #(#indices,)* }
            }

            fn label_at(index: usize) -> ::core::option::Option<&'static str> {
                [#(#labels),*].get(index).copied()
            }

            #[inline]
            fn label_type() -> ::core::option::Option<::core::any::TypeId> {
                ::core::option::Option::Some(::core::any::TypeId::of::<Self>())
            }
        }
    }
}

/// `ident` with its lifetimes `'static` and its other parameters as they
/// are: `CallLabels<'static, T>`.
fn static_type(ident: &syn::Ident, generics: &syn::Generics) -> TokenStream {
    if generics.params.is_empty() {
        return quote!(#ident);
    }
    let arguments = generics.params.iter().map(|param| match param {
        syn::GenericParam::Lifetime(_) => quote!('static),
        syn::GenericParam::Type(param) => param.ident.to_token_stream(),
        syn::GenericParam::Const(param) => param.ident.to_token_stream(),
    });
    quote!(#ident<#(#arguments),*>)
}

// Input:
//     struct CallLabels<'a> { tool: &'a str, status: Status }
// Output:
//     impl LabelSet for CallLabels<'_> {
//         type Static = CallLabels<'static>;
//         const NAMES = &["tool", "status"];
//         const CARDINALITY = product of the fields' cardinalities;
//         fn with_values(&self, f) -> R { f(&[label(&self.tool), label(&self.status)]) }
//         fn index(&self) -> usize { mixed-radix index over the fields }
//     }
fn label_set(item: &LabelStruct) -> TokenStream {
    let LabelStruct {
        ident,
        generics,
        krate,
        fields,
    } = item;
    let (impl_generics, type_generics, where_clause) = generics.split_for_impl();
    let names = fields.iter().map(|(_, name, _)| name);
    let types: Vec<_> = fields.iter().map(|(_, _, ty)| ty).collect();
    let buffers: Vec<_> = (0..fields.len())
        .map(|i| format_ident!("__metrics_buf_{i}"))
        .collect();
    let values = fields.iter().zip(&buffers).map(|((field, _, ty), buffer)| {
        quote_spanned!(ty.span()=> <#ty as #krate::LabelValue>::label_value(&self.#field, &mut #buffer))
    });
    let index_steps = fields.iter().map(|(field, _, ty)| {
        quote! {
            index = index
                .wrapping_mul(<#ty as #krate::LabelValue>::CARDINALITY.unwrap_or(1))
                .wrapping_add(<#ty as #krate::LabelValue>::label_index(&self.#field));
        }
    });
    let decoded: Vec<_> = (0..fields.len())
        .map(|i| format_ident!("__metrics_value_{i}"))
        .collect();
    // The last field varies fastest in `index`: decode from it.
    let decode_steps = fields
        .iter()
        .zip(&decoded)
        .rev()
        .map(|((_, _, ty), value)| {
            quote! {
                let #value = {
                    let count = <#ty as #krate::LabelValue>::CARDINALITY?;
                    let value = <#ty as #krate::LabelValue>::label_at(rest % count)?;
                    rest /= count;
                    value
                };
            }
        });
    let static_type = static_type(ident, generics);
    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::LabelSet for #ident #type_generics #where_clause {
            type Static = #static_type;
            const NAMES: &'static [&'static str] = &[#(#names),*];
            const CARDINALITY: ::core::option::Option<usize> = #krate::__private::cardinality_product(
                &[#(<#types as #krate::LabelValue>::CARDINALITY),*]
            );

            fn with_values<__MetricsR>(
                &self,
                f: impl ::core::ops::FnOnce(&[&str]) -> __MetricsR,
            ) -> __MetricsR {
                #(let mut #buffers = #krate::LabelBuf::new();)*
                f(&[#(#values),*])
            }

            #[allow(unused_mut)]
            fn index(&self) -> usize {
                let mut index: usize = 0;
                #(#index_steps)*
                index
            }

            #[allow(unused_mut, unused_variables)]
            fn values_at<__MetricsR>(
                index: usize,
                f: impl ::core::ops::FnOnce(&[&str]) -> __MetricsR,
            ) -> ::core::option::Option<__MetricsR> {
                let mut rest = index;
                #(#decode_steps)*
                ::core::option::Option::Some(f(&[#(#decoded),*]))
            }
        }
    }
}
