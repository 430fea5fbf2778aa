//! The arguments of `#[instrumented(...)]`.

use proc_macro2::TokenStream;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{parenthesized, Expr, ExprLit, Ident, Lit, LitBool, LitStr, Path, Token};

use crate::args::{parse_buckets, set, skip_to_next_argument, value, Buckets};
use crate::errors::Errors;

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
    pub error_kind: Option<Ident>,
    pub max_series: Option<syn::LitInt>,
    pub objective: Option<ObjectiveArgs>,
    pub registry: Option<Expr>,
    pub sample: Option<Expr>,
    pub native_histogram: Option<Ident>,
}

/// `objective(success = 99.9, latency = 0.25, latency_percent = 99)`: each
/// value with the tokens it was written as.
#[derive(Clone)]
pub struct ObjectiveArgs {
    pub keyword: Ident,
    pub entries: Vec<(Ident, f64, TokenStream)>,
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

const ARGUMENTS: &str = "`name`, `namespace`, `labels`, `buckets`, `ok_if`, `error_if`, \
                         `in_flight`, `duration`, `error_kind`, `max_series`, `native_histogram`, `objective`, \
                         `registry`, `sample`, \
                         `help`, \
                         `crate`, `skip`";

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
            "ok_if" => set(
                &mut self.ok_if,
                &keyword,
                predicate(&keyword, input)?,
                errors,
            ),
            "error_if" => set(
                &mut self.error_if,
                &keyword,
                predicate(&keyword, input)?,
                errors,
            ),
            "in_flight" => set(&mut self.in_flight, &keyword, value(input)?, errors),
            "duration" => set(&mut self.duration, &keyword, value(input)?, errors),
            "help" => set(&mut self.help, &keyword, value(input)?, errors),
            "crate" => set(&mut self.krate, &keyword, value(input)?, errors),
            "skip" => set(&mut self.skip, &keyword, keyword.clone(), errors),
            "error_kind" => set(&mut self.error_kind, &keyword, keyword.clone(), errors),
            "max_series" => set(&mut self.max_series, &keyword, value(input)?, errors),
            "registry" => set(&mut self.registry, &keyword, value(input)?, errors),
            "sample" => set(&mut self.sample, &keyword, value(input)?, errors),
            "native_histogram" => set(
                &mut self.native_histogram,
                &keyword,
                keyword.clone(),
                errors,
            ),
            "objective" => {
                let objective = parse_objective(&keyword, input)?;
                set(&mut self.objective, &keyword, objective, errors)
            }
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
            error_kind: pick(&overrides.error_kind, &self.error_kind),
            max_series: pick(&overrides.max_series, &self.max_series),
            objective: pick(&overrides.objective, &self.objective),
            registry: pick(&overrides.registry, &self.registry),
            sample: pick(&overrides.sample, &self.sample),
            native_histogram: pick(&overrides.native_histogram, &self.native_histogram),
        }
    }
}

fn predicate(keyword: &Ident, input: ParseStream) -> syn::Result<Predicate> {
    Ok(Predicate {
        keyword: keyword.clone(),
        path: value(input)?,
    })
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

fn parse_objective(keyword: &Ident, input: ParseStream) -> syn::Result<ObjectiveArgs> {
    let content;
    parenthesized!(content in input);
    let entries = Punctuated::<(Ident, f64, TokenStream), Token![,]>::parse_terminated_with(
        &content,
        |input| {
            let name = Ident::parse_any(input)?;
            input.parse::<Token![=]>()?;
            let expr: Expr = input.parse()?;
            let (value, _) = crate::args::number(&expr)?;
            Ok((name, value, quote::ToTokens::to_token_stream(&expr)))
        },
    )?;
    Ok(ObjectiveArgs {
        keyword: keyword.clone(),
        entries: entries.into_iter().collect(),
    })
}
