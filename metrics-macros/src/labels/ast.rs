//! The enum or struct under a label derive, checked.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{
    Attribute, Data, DeriveInput, Expr, ExprLit, Fields, Generics, Ident, Lit, Meta, Path, Type,
};

use crate::args::set;
use crate::errors::Errors;
use crate::names::{label_name_problem, PROMETHEUS_RESERVED};

/// A field-less enum under `#[derive(LabelValue)]`.
pub struct LabelEnum<'a> {
    pub ident: &'a Ident,
    pub generics: &'a Generics,
    pub krate: Path,
    pub variants: Vec<(&'a Ident, String)>,
}

/// A struct under `#[derive(LabelSet)]`.
pub struct LabelStruct<'a> {
    pub ident: &'a Ident,
    pub generics: &'a Generics,
    pub krate: Path,
    pub fields: Vec<(&'a Ident, String, &'a Type)>,
}

impl<'a> LabelEnum<'a> {
    pub fn from_input(input: &'a DeriveInput, errors: &mut Errors) -> Option<Self> {
        let Data::Enum(data) = &input.data else {
            errors.at(
                keyword_span(input),
                "`#[derive(LabelValue)]` goes on an enum whose variants have no fields",
            );
            return None;
        };
        let mut variants: Vec<(&Ident, String)> = Vec::new();
        for variant in &data.variants {
            if !matches!(variant.fields, Fields::Unit) {
                errors.at(
                    variant.fields.span(),
                    format!(
                        "variant `{}` has fields; a label value is one of a fixed set of names",
                        variant.ident
                    ),
                );
            }
            let (label, span) = explicit_label(&variant.attrs, errors)
                .unwrap_or_else(|| (snake_case(&variant.ident.to_string()), variant.ident.span()));
            if let Some((other, _)) = variants.iter().find(|(_, existing)| *existing == label) {
                errors.at(
                    span,
                    format!(
                        "variant `{}` has the same label `{label}` as `{other}`; give one of them another `#[label = \"…\"]`",
                        variant.ident
                    ),
                );
            }
            variants.push((&variant.ident, label));
        }
        Some(LabelEnum {
            ident: &input.ident,
            generics: &input.generics,
            krate: crate_path(&input.attrs, errors),
            variants,
        })
    }
}

impl<'a> LabelStruct<'a> {
    pub fn from_input(input: &'a DeriveInput, errors: &mut Errors) -> Option<Self> {
        let named = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => named,
                other => {
                    errors.at(
                        other.span(),
                        "`#[derive(LabelSet)]` needs named fields: each field name is a label name",
                    );
                    return None;
                }
            },
            _ => {
                errors.at(
                    keyword_span(input),
                    "`#[derive(LabelSet)]` goes on a struct with named fields",
                );
                return None;
            }
        };
        let mut fields = Vec::new();
        for field in &named.named {
            let Some(ident) = &field.ident else { continue };
            let name = ident.to_string().trim_start_matches("r#").to_owned();
            if let Some(problem) = label_name_problem(&name, PROMETHEUS_RESERVED) {
                errors.at(ident.span(), problem);
            }
            fields.push((ident, name, &field.ty));
        }
        Some(LabelStruct {
            ident: &input.ident,
            generics: &input.generics,
            krate: crate_path(&input.attrs, errors),
            fields,
        })
    }
}

/// `struct`, `enum` or `union`: where a wrong-kind error points.
pub fn keyword_span(input: &DeriveInput) -> proc_macro2::Span {
    match &input.data {
        Data::Struct(data) => data.struct_token.span,
        Data::Enum(data) => data.enum_token.span,
        Data::Union(data) => data.union_token.span,
    }
}

/// `#[label = "…"]` on a variant: the text, and where it is written.
fn explicit_label(attrs: &[Attribute], errors: &mut Errors) -> Option<(String, Span)> {
    let mut labels = attrs.iter().filter(|attr| attr.path().is_ident("label"));
    let attr = labels.next()?;
    for duplicate in labels {
        errors.at(
            duplicate.path().span(),
            "duplicate `#[label = \"…\"]`: a variant has one label value",
        );
    }
    match &attr.meta {
        Meta::NameValue(meta) => match &meta.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(text),
                ..
            }) => {
                if text.value().is_empty() {
                    errors.at(text.span(), "a label value cannot be empty");
                }
                Some((text.value(), text.span()))
            }
            other => {
                errors.at(
                    other.span(),
                    format!(
                        "expected a string: `#[label = \"…\"]`, not `{}`",
                        quote::ToTokens::to_token_stream(other)
                    ),
                );
                None
            }
        },
        other => {
            errors.at(other.span(), "expected `#[label = \"…\"]`");
            None
        }
    }
}

/// `crate = path` from `#[metrics(...)]`, else `::metrics_runtime`.
pub fn crate_path(attrs: &[Attribute], errors: &mut Errors) -> Path {
    let mut krate = None;
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("metrics")) {
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                let keyword = Ident::new("crate", meta.path.span());
                let path = meta.value()?.parse::<Path>()?;
                set(&mut krate, &keyword, path, errors)
            } else {
                Err(meta.error(format!(
                    "unknown argument `{}`; a label derive takes only `crate`",
                    meta.path
                        .get_ident()
                        .map_or_else(String::new, Ident::to_string)
                )))
            }
        });
        if let Err(error) = parsed {
            errors.push(error);
        }
    }
    krate.unwrap_or_else(|| syn::parse_quote!(::metrics_runtime))
}

/// `RateLimited` → `rate_limited`, `HTTPError` → `http_error`.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut snake = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let after_lower =
                i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let acronym_end = i > 0
                && chars[i - 1].is_uppercase()
                && chars.get(i + 1).is_some_and(|next| next.is_lowercase());
            if after_lower || acronym_end {
                snake.push('_');
            }
            snake.extend(c.to_lowercase());
        } else {
            snake.push(c);
        }
    }
    snake
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn variant_names_become_snake_case() {
        assert_eq!(snake_case("Success"), "success");
        assert_eq!(snake_case("RateLimited"), "rate_limited");
        assert_eq!(snake_case("HTTPError"), "http_error");
        assert_eq!(snake_case("Status404"), "status404");
        assert_eq!(snake_case("already_snake"), "already_snake");
    }
}
