//! On an error: the item unchanged, so that the only errors the user sees
//! are the macro's own.

use proc_macro2::TokenStream;
use quote::ToTokens;

use crate::instrumented::ast;

/// `item` as written (less any nested `#[instrumented]`, which would report
/// the same mistakes again), followed by `errors`.
pub fn item_with_errors(item: TokenStream, errors: syn::Error) -> TokenStream {
    let mut tokens = match syn::parse2::<syn::ItemImpl>(item.clone()) {
        Ok(mut block) => {
            for item in &mut block.items {
                if let syn::ImplItem::Fn(method) = item {
                    method.attrs.retain(|attr| !ast::is_instrumented_attr(attr));
                }
            }
            block.into_token_stream()
        }
        Err(_) => item,
    };
    tokens.extend(errors.to_compile_error());
    tokens
}
