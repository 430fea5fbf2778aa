//! The arguments of `#[instrumented(...)]`.

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{
    bracketed, parenthesized, Expr, ExprLit, ExprUnary, Ident, Lit, LitBool, LitStr, Path, Token,
    UnOp,
};

use crate::valid::Errors;

/// Every argument of `#[instrumented(...)]`, each with the span it came from.
#[derive(Default, Clone)]
pub struct Args {
    pub name: Option<LitStr>,
    pub namespace: Option<LitStr>,
    pub labels: Option<Labels>,
    pub buckets: Option<Buckets>,
    pub ok_if: Option<Predicate>,
    pub error_if: Option<Predicate>,
    pub in_flight: Option<LitBool>,
    pub duration: Option<LitBool>,
    pub help: Option<LitStr>,
    pub krate: Option<Path>,
    pub skip: Option<Ident>,
}

/// `labels(...)`: what it lists.
#[derive(Clone)]
pub struct Labels {
    pub list: Vec<Label>,
}

/// One entry of `labels(...)`.
#[derive(Clone)]
pub struct Label {
    pub name: Ident,
    pub value: LabelValue,
}

/// Where a label's value comes from.
#[derive(Clone)]
pub enum LabelValue {
    /// `labels(tool)`: the parameter of that name.
    Param(Ident),
    /// `labels(region = "eu")`: the same on every call.
    Literal(LitStr),
    /// `labels(queue = expr)`: evaluated at entry.
    Expr(Box<Expr>),
}

/// `ok_if = path` or `error_if = path`.
#[derive(Clone)]
pub struct Predicate {
    pub keyword: Ident,
    pub path: Path,
}

/// `buckets = [...]`: the span of the brackets, and each bound.
#[derive(Clone)]
pub struct Buckets {
    pub brackets: Span,
    pub bounds: Vec<Bound>,
}

/// One bucket bound, with the text and span it was written with.
#[derive(Clone)]
pub struct Bound {
    pub value: f64,
    pub text: String,
    pub span: Span,
}

const ARGUMENTS: &str = "`name`, `namespace`, `labels`, `buckets`, `ok_if`, `error_if`, \
                         `in_flight`, `duration`, `help`, `crate`, `skip`";

impl Args {
    /// Parses the arguments, collecting an error for each bad one.
    pub fn parse(tokens: TokenStream, errors: &mut Errors) -> Args {
        let mut args = Args::default();
        let parser = |input: ParseStream| {
            while !input.is_empty() {
                if let Err(err) = args.parse_one(input, errors) {
                    errors.push(err);
                    skip_to_next_argument(input);
                }
                if !input.is_empty() {
                    if let Err(err) = input.parse::<Token![,]>() {
                        errors.push(err);
                        skip_to_next_argument(input);
                        let _ = input.parse::<Option<Token![,]>>();
                    }
                }
            }
            Ok(())
        };
        if let Err(err) = parser.parse2(tokens) {
            errors.push(err);
        }
        args
    }

    fn parse_one(&mut self, input: ParseStream, errors: &mut Errors) -> syn::Result<()> {
        let keyword = Ident::parse_any(input)?;
        match keyword.to_string().as_str() {
            "name" => set(&mut self.name, &keyword, value(input)?, errors),
            "namespace" => set(&mut self.namespace, &keyword, value(input)?, errors),
            "labels" => set(&mut self.labels, &keyword, parse_labels(input)?, errors),
            "buckets" => set(&mut self.buckets, &keyword, parse_buckets(input)?, errors),
            "ok_if" => set(&mut self.ok_if, &keyword, predicate(&keyword, input)?, errors),
            "error_if" => set(&mut self.error_if, &keyword, predicate(&keyword, input)?, errors),
            "in_flight" => set(&mut self.in_flight, &keyword, value(input)?, errors),
            "duration" => set(&mut self.duration, &keyword, value(input)?, errors),
            "help" => set(&mut self.help, &keyword, value(input)?, errors),
            "crate" => set(&mut self.krate, &keyword, value(input)?, errors),
            "skip" => set(&mut self.skip, &keyword, keyword.clone(), errors),
            "error_kind" => Err(syn::Error::new(
                keyword.span(),
                "`error_kind` is not supported yet; count errors by kind with a derived `MetricsFamily`",
            )),
            other => Err(syn::Error::new(
                keyword.span(),
                format!("unknown argument `{other}`; expected one of {ARGUMENTS}"),
            )),
        }
    }

    /// These arguments, with every one that `overrides` sets taken from it.
    /// `ok_if` and `error_if` are one choice: a method's `error_if` replaces
    /// the block's `ok_if`.
    pub fn overridden_by(&self, overrides: &Args) -> Args {
        fn pick<T: Clone>(over: &Option<T>, base: &Option<T>) -> Option<T> {
            over.clone().or_else(|| base.clone())
        }
        let predicates = if overrides.ok_if.is_some() || overrides.error_if.is_some() {
            overrides
        } else {
            self
        };
        Args {
            name: pick(&overrides.name, &self.name),
            namespace: pick(&overrides.namespace, &self.namespace),
            labels: pick(&overrides.labels, &self.labels),
            buckets: pick(&overrides.buckets, &self.buckets),
            ok_if: predicates.ok_if.clone(),
            error_if: predicates.error_if.clone(),
            in_flight: pick(&overrides.in_flight, &self.in_flight),
            duration: pick(&overrides.duration, &self.duration),
            help: pick(&overrides.help, &self.help),
            krate: pick(&overrides.krate, &self.krate),
            skip: overrides.skip.clone(),
        }
    }
}

/// Stores `value` unless the argument was already given; the one place
/// duplicates are detected.
fn set<T>(slot: &mut Option<T>, keyword: &Ident, value: T, errors: &mut Errors) -> syn::Result<()> {
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

fn value<T: syn::parse::Parse>(input: ParseStream) -> syn::Result<T> {
    input.parse::<Token![=]>()?;
    input.parse()
}

fn predicate(keyword: &Ident, input: ParseStream) -> syn::Result<Predicate> {
    Ok(Predicate {
        keyword: keyword.clone(),
        path: value(input)?,
    })
}

fn skip_to_next_argument(input: ParseStream) {
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

fn parse_labels(input: ParseStream) -> syn::Result<Labels> {
    let content;
    parenthesized!(content in input);
    let entries = Punctuated::<Label, Token![,]>::parse_terminated_with(&content, parse_label)?;
    Ok(Labels {
        list: entries.into_iter().collect(),
    })
}

fn parse_label(input: ParseStream) -> syn::Result<Label> {
    let name = Ident::parse_any(input)?;
    if !input.peek(Token![=]) {
        return Ok(Label {
            value: LabelValue::Param(name.clone()),
            name,
        });
    }
    input.parse::<Token![=]>()?;
    let value = match input.parse::<Expr>()? {
        Expr::Lit(ExprLit {
            lit: Lit::Str(literal),
            ..
        }) => LabelValue::Literal(literal),
        expr => LabelValue::Expr(Box::new(expr)),
    };
    Ok(Label { name, value })
}

/// The bounds of `buckets = [...]`; every bound that is not a number is
/// reported, not only the first.
fn parse_buckets(input: ParseStream) -> syn::Result<Buckets> {
    input.parse::<Token![=]>()?;
    let content;
    let brackets = bracketed!(content in input);
    let exprs = Punctuated::<Expr, Token![,]>::parse_terminated(&content)?;
    let mut errors = Errors::default();
    let mut bounds = Vec::new();
    for expr in &exprs {
        match bucket_bound(expr) {
            Ok((value, text)) => bounds.push(Bound {
                value,
                text,
                span: expr.span(),
            }),
            Err(error) => errors.push(error),
        }
    }
    errors.finish()?;
    Ok(Buckets {
        brackets: brackets.span.join(),
        bounds,
    })
}

/// A bound's value and its text as written (`1e999`, `-0.5`).
fn bucket_bound(expr: &Expr) -> syn::Result<(f64, String)> {
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
        }) => bucket_bound(expr).map(|(value, text)| (-value, format!("-{text}"))),
        _ => Err(syn::Error::new(
            expr.span(),
            format!(
                "bucket bound `{}` is not a number; write seconds as a number, such as `0.25`",
                quote::ToTokens::to_token_stream(expr)
            ),
        )),
    }
}
