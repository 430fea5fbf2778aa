//! Parsing shared by every attribute: `key = value` lists, duplicate
//! detection, and `buckets = [...]`.

use proc_macro2::Span;
use syn::parse::ParseStream;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{bracketed, Expr, ExprLit, ExprUnary, Ident, Lit, Token, UnOp};

use crate::errors::Errors;

/// `buckets = [...]`: the span of the brackets, and each bound; or
/// `buckets = PATH`, a `const` or `static` checked at start-up.
#[derive(Clone)]
pub struct Buckets {
    pub brackets: Span,
    pub bounds: Vec<Bound>,
    pub path: Option<syn::Path>,
}

/// Checked bucket bounds: written out, or named by a path.
#[derive(Clone)]
pub enum PlannedBuckets {
    Bounds(Vec<f64>),
    Path(syn::Path),
}

impl PlannedBuckets {
    /// An expression of type `&'static [f64]`: a path to an array or a
    /// slice, of any length, is a type error on the path otherwise.
    pub fn to_slice(&self, krate: &syn::Path) -> proc_macro2::TokenStream {
        match self {
            PlannedBuckets::Bounds(bounds) => {
                let bounds = bounds
                    .iter()
                    .map(|b| proc_macro2::Literal::f64_suffixed(*b));
                quote::quote!(&[#(#bounds),*])
            }
            PlannedBuckets::Path(path) => {
                let call = quote::quote_spanned!(path.span()=> #krate::__private::bounds);
                quote::quote_spanned!(path.span()=> #call(&#path))
            }
        }
    }
}

/// One bucket bound, with the text and span it was written with.
#[derive(Clone)]
pub struct Bound {
    pub value: f64,
    pub text: String,
    /// The bound as written, so errors underline all of it (`-0.5`).
    pub tokens: proc_macro2::TokenStream,
}

/// Stores `value` unless the argument was already given; the one place
/// duplicates are detected.
pub fn set<T>(
    slot: &mut Option<T>,
    keyword: &Ident,
    value: T,
    errors: &mut Errors,
) -> syn::Result<()> {
    if slot.is_some() {
        errors.push(syn::Error::new(
            keyword.span(),
            format!("duplicate argument `{keyword}`"),
        ));
    } else {
        *slot = Some(value);
    }
    Ok(())
}

/// `= value`.
pub fn value<T: syn::parse::Parse>(input: ParseStream) -> syn::Result<T> {
    input.parse::<Token![=]>()?;
    input.parse()
}

/// After a bad argument: skips to the next `,` so the rest are still read.
pub fn skip_to_next_argument(input: ParseStream) {
    let _ = input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((tt, next)) = rest.token_tree() {
            if matches!(&tt, proc_macro2::TokenTree::Punct(p) if p.as_char() == ',') {
                return Ok(((), rest));
            }
            rest = next;
        }
        Ok(((), rest))
    });
}

/// The bounds of `buckets = [...]`; every bound that is not a number is
/// reported, not only the first.
pub fn parse_buckets(input: ParseStream) -> syn::Result<Buckets> {
    input.parse::<Token![=]>()?;
    if !input.peek(syn::token::Bracket) {
        let path: syn::Path = input.parse()?;
        return Ok(Buckets {
            brackets: path.span(),
            bounds: Vec::new(),
            path: Some(path),
        });
    }
    let content;
    let brackets = bracketed!(content in input);
    let exprs = Punctuated::<Expr, Token![,]>::parse_terminated(&content)?;
    let mut errors = Errors::default();
    let mut bounds = Vec::new();
    for expr in &exprs {
        match number(expr) {
            Ok((value, text)) => bounds.push(Bound {
                value,
                text,
                tokens: quote::ToTokens::to_token_stream(expr),
            }),
            Err(error) => errors.push(error),
        }
    }
    errors.finish()?;
    Ok(Buckets {
        brackets: brackets.span.join(),
        bounds,
        path: None,
    })
}

/// A bound's value and its text as written (`1e999`, `-0.5`).
/// A number literal's value and its text as written (`1e999`, `-0.5`).
pub fn number(expr: &Expr) -> syn::Result<(f64, String)> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Float(float),
            ..
        }) => Ok((float.base10_parse()?, float.to_string())),
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => Ok((int.base10_parse::<f64>()?, int.to_string())),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => number(expr).map(|(value, text)| (-value, format!("-{text}"))),
        _ => Err(syn::Error::new(
            expr.span(),
            format!(
                "bucket bound `{}` is not a number; write seconds as a number, such as `0.25`",
                quote::ToTokens::to_token_stream(expr)
            ),
        )),
    }
}

/// The bounds, after checking that they are finite and increasing; a path
/// is checked at start-up.
pub fn checked_buckets(buckets: &Buckets, errors: &mut Errors) -> PlannedBuckets {
    if let Some(path) = &buckets.path {
        return PlannedBuckets::Path(path.clone());
    }
    if buckets.bounds.is_empty() {
        errors.at(
            buckets.brackets,
            "`buckets` needs at least one bound, such as `[0.1, 1.0]`",
        );
    }
    let mut previous: Option<&Bound> = None;
    for bound in &buckets.bounds {
        if !bound.value.is_finite() {
            errors.spanned(
                &bound.tokens,
                format!(
                    "bucket bound `{}` is not finite; the `+Inf` bucket is always added",
                    bound.text
                ),
            );
            continue;
        }
        if let Some(previous) = previous.filter(|previous| bound.value <= previous.value) {
            errors.spanned(
                &bound.tokens,
                format!(
                    "bucket bounds must increase: `{}` comes after `{}`",
                    bound.text, previous.text
                ),
            );
        }
        previous = Some(bound);
    }
    PlannedBuckets::Bounds(buckets.bounds.iter().map(|bound| bound.value).collect())
}
