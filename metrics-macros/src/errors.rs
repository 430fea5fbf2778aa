//! Errors collected across a macro's input, reported together.

use proc_macro2::Span;

/// Every error found so far; reported together.
#[derive(Default)]
pub struct Errors(Vec<syn::Error>);

impl Errors {
    pub fn push(&mut self, error: syn::Error) {
        self.0.push(error);
    }

    /// An error underlining all of `tokens`.
    pub fn spanned(&mut self, tokens: &proc_macro2::TokenStream, message: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    pub fn at(&mut self, span: Span, message: impl std::fmt::Display) {
        self.push(syn::Error::new(span, message));
    }

    /// `Err` with all errors combined, if there is any.
    pub fn finish(self) -> Result<(), syn::Error> {
        let mut errors = self.0.into_iter();
        let Some(mut first) = errors.next() else {
            return Ok(());
        };
        for error in errors {
            first.combine(error);
        }
        Err(first)
    }
}
