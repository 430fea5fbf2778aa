//! The arguments of `#[metrics(...)]` on the struct and `#[metric(...)]` on
//! its fields.

use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{parenthesized, Attribute, Ident, LitStr, Meta, Path, Token};

use crate::args::{parse_buckets, set, skip_to_next_argument, value, Buckets};
use crate::errors::Errors;

/// `#[metrics(namespace = "…", subsystem = "…", crate = path)]`.
#[derive(Default)]
pub struct ContainerArgs {
    pub namespace: Option<LitStr>,
    pub subsystem: Option<LitStr>,
    pub krate: Option<Path>,
}

/// `#[metric(name = "…", help = "…", labels(…), buckets = […], native_histogram,
/// flatten, collect = path, max_series = N)]`.
#[derive(Default)]
pub struct FieldArgs {
    pub name: Option<LitStr>,
    pub help: Option<LitStr>,
    pub labels: Option<(Ident, Vec<Ident>)>,
    pub buckets: Option<(Ident, Buckets)>,
    pub flatten: Option<Ident>,
    pub collect: Option<(Ident, Path)>,
    pub max_series: Option<(Ident, syn::LitInt)>,
    pub native_histogram: Option<Ident>,
    /// Every argument's keyword, in the order written.
    pub keywords: Vec<Ident>,
    /// Whether an argument could not be read: checks that an argument is
    /// missing are then left out, as it may be the one misspelt.
    pub malformed: bool,
}

const CONTAINER_ARGUMENTS: &str = "`namespace`, `subsystem`, `crate`";
const FIELD_ARGUMENTS: &str =
    "`name`, `help`, `labels`, `buckets`, `native_histogram`, `flatten`, `collect`, `max_series`";

impl ContainerArgs {
    pub fn parse(attrs: &[Attribute], errors: &mut Errors) -> Self {
        let mut args = ContainerArgs::default();
        for list in attribute_lists(attrs, "metrics", errors).0 {
            parse_list(list, errors, |keyword, input, errors| {
                match keyword.to_string().as_str() {
                    "namespace" => set(&mut args.namespace, keyword, value(input)?, errors),
                    "subsystem" => set(&mut args.subsystem, keyword, value(input)?, errors),
                    "crate" => set(&mut args.krate, keyword, value(input)?, errors),
                    other => Err(unknown(keyword, other, CONTAINER_ARGUMENTS)),
                }
            });
        }
        args
    }
}

impl FieldArgs {
    pub fn parse(attrs: &[Attribute], errors: &mut Errors) -> Self {
        let mut args = FieldArgs::default();
        let (lists, mut malformed) = attribute_lists(attrs, "metric", errors);
        for list in lists {
            malformed |= !parse_list(list, errors, |keyword, input, errors| {
                args.keywords.push(keyword.clone());
                match keyword.to_string().as_str() {
                    "name" => set(&mut args.name, keyword, value(input)?, errors),
                    "help" => set(&mut args.help, keyword, value(input)?, errors),
                    "labels" => {
                        let labels = parse_label_names(input)?;
                        set(&mut args.labels, keyword, (keyword.clone(), labels), errors)
                    }
                    "buckets" => {
                        let buckets = parse_buckets(input)?;
                        set(
                            &mut args.buckets,
                            keyword,
                            (keyword.clone(), buckets),
                            errors,
                        )
                    }
                    "flatten" => set(&mut args.flatten, keyword, keyword.clone(), errors),
                    "native_histogram" => {
                        set(&mut args.native_histogram, keyword, keyword.clone(), errors)
                    }
                    "max_series" => {
                        let limit = value(input)?;
                        set(
                            &mut args.max_series,
                            keyword,
                            (keyword.clone(), limit),
                            errors,
                        )
                    }
                    "collect" => {
                        let path = value(input)?;
                        set(&mut args.collect, keyword, (keyword.clone(), path), errors)
                    }
                    other => Err(unknown(keyword, other, FIELD_ARGUMENTS)),
                }
            });
        }
        args.malformed = malformed;
        args
    }
}

fn unknown(keyword: &Ident, name: &str, expected: &str) -> syn::Error {
    syn::Error::new(
        keyword.span(),
        format!("unknown argument `{name}`; expected one of {expected}"),
    )
}

/// The token lists of every `#[name(...)]` among `attrs`, and whether
/// any was malformed.
fn attribute_lists(
    attrs: &[Attribute],
    name: &str,
    errors: &mut Errors,
) -> (Vec<proc_macro2::TokenStream>, bool) {
    let mut malformed = false;
    let lists = attrs
        .iter()
        .filter(|attr| attr.path().is_ident(name))
        .filter_map(|attr| match &attr.meta {
            Meta::List(list) => Some(list.tokens.clone()),
            other => {
                errors.at(
                    syn::spanned::Spanned::span(other),
                    format!("expected `#[{name}(...)]`"),
                );
                malformed = true;
                None
            }
        })
        .collect();
    (lists, malformed)
}

/// Reads `key = value, flag, key(...)` one argument at a time, going on
/// after a bad one so that every mistake is reported; `false` if there was
/// one.
fn parse_list(
    tokens: proc_macro2::TokenStream,
    errors: &mut Errors,
    mut argument: impl FnMut(&Ident, ParseStream, &mut Errors) -> syn::Result<()>,
) -> bool {
    let mut clean = true;
    let parser = |input: ParseStream| {
        while !input.is_empty() {
            let parsed =
                Ident::parse_any(input).and_then(|keyword| argument(&keyword, input, errors));
            if let Err(err) = parsed {
                errors.push(err);
                clean = false;
                skip_to_next_argument(input);
            }
            if !input.is_empty() {
                if let Err(err) = input.parse::<Token![,]>() {
                    errors.push(err);
                    clean = false;
                    skip_to_next_argument(input);
                    let _ = input.parse::<Option<Token![,]>>();
                }
            }
        }
        Ok(())
    };
    if let Err(err) = parser.parse2(tokens) {
        errors.push(err);
        clean = false;
    }
    clean
}

fn parse_label_names(input: ParseStream) -> syn::Result<Vec<Ident>> {
    let content;
    parenthesized!(content in input);
    let names = Punctuated::<Ident, Token![,]>::parse_terminated_with(&content, Ident::parse_any)?;
    Ok(names.into_iter().collect())
}
