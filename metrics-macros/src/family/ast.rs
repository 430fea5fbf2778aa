//! The struct under `#[derive(MetricsFamily)]` as the macro sees it.

use syn::spanned::Spanned;
use syn::{
    Attribute, Data, DeriveInput, Expr, ExprLit, Fields, GenericArgument, Ident, Lit, Meta,
    PathArguments, Type, Visibility,
};

use crate::errors::Errors;
use crate::family::attr::{ContainerArgs, FieldArgs};
use crate::labels::ast::keyword_span;

/// The struct: its container arguments and fields.
pub struct FamilyStruct<'a> {
    pub ident: &'a Ident,
    pub vis: &'a Visibility,
    pub args: ContainerArgs,
    pub fields: Vec<MetricField<'a>>,
}

/// One field: a metric, a nested family, or a mistake.
pub struct MetricField<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    pub kind: FieldKind,
    pub args: FieldArgs,
    pub doc: Option<String>,
    /// The type is one of the struct's type parameters, already reported.
    pub generic: bool,
}

/// What the field's type says it is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// `Counter`, `IntGauge`, …
    Scalar(MetricType),
    /// `CounterVec`, `IntGaugeVec`, …
    Vector(MetricType),
    /// `Family<L, M>`; `M` when it is one of the `prometheus` types.
    Family(Option<MetricType>),
    /// Anything else: a nested `MetricsFamily` with `flatten`, or an error.
    Other,
}

/// The `prometheus` metric types.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum MetricType {
    Counter,
    IntCounter,
    Gauge,
    IntGauge,
    Histogram,
}

impl MetricType {
    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "Counter" => MetricType::Counter,
            "IntCounter" => MetricType::IntCounter,
            "Gauge" => MetricType::Gauge,
            "IntGauge" => MetricType::IntGauge,
            "Histogram" => MetricType::Histogram,
            _ => return None,
        })
    }

    pub fn is_counter(self) -> bool {
        matches!(self, MetricType::Counter | MetricType::IntCounter)
    }

    pub fn is_gauge(self) -> bool {
        matches!(self, MetricType::Gauge | MetricType::IntGauge)
    }

    /// `counter`, `gauge` or `histogram`, for messages.
    pub fn kind_name(self) -> &'static str {
        match self {
            MetricType::Counter | MetricType::IntCounter => "counter",
            MetricType::Gauge | MetricType::IntGauge => "gauge",
            MetricType::Histogram => "histogram",
        }
    }

    pub fn is_histogram(self) -> bool {
        self == MetricType::Histogram
    }
}

impl FieldKind {
    fn of(ty: &Type) -> Self {
        let Type::Path(path) = ty else {
            return FieldKind::Other;
        };
        let Some(last) = path.path.segments.last() else {
            return FieldKind::Other;
        };
        let name = last.ident.to_string();
        if name == "Family" {
            return FieldKind::Family(family_metric(&last.arguments));
        }
        if let Some(metric) = MetricType::from_name(&name) {
            return FieldKind::Scalar(metric);
        }
        match name.strip_suffix("Vec").and_then(MetricType::from_name) {
            Some(metric) => FieldKind::Vector(metric),
            None => FieldKind::Other,
        }
    }

    /// The metric type behind the field, if it is one.
    pub fn metric_type(self) -> Option<MetricType> {
        match self {
            FieldKind::Scalar(metric) | FieldKind::Vector(metric) => Some(metric),
            FieldKind::Family(metric) => metric,
            FieldKind::Other => None,
        }
    }
}

/// `M` in `Family<L, M>`.
fn family_metric(arguments: &PathArguments) -> Option<MetricType> {
    let PathArguments::AngleBracketed(arguments) = arguments else {
        return None;
    };
    let types: Vec<&Type> = arguments
        .args
        .iter()
        .filter_map(|argument| match argument {
            GenericArgument::Type(ty) => Some(ty),
            _ => None,
        })
        .collect();
    match types.get(1) {
        Some(Type::Path(path)) => path
            .path
            .segments
            .last()
            .and_then(|segment| MetricType::from_name(&segment.ident.to_string())),
        _ => None,
    }
}

impl<'a> FamilyStruct<'a> {
    pub fn from_input(input: &'a DeriveInput, errors: &mut Errors) -> Option<Self> {
        let args = ContainerArgs::parse(&input.attrs, errors);
        let named = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => named,
                Fields::Unnamed(_) => {
                    errors.at(
                        data.fields.span(),
                        "`#[derive(MetricsFamily)]` needs named fields: a field's name is its metric's name",
                    );
                    return None;
                }
                Fields::Unit => {
                    errors.at(
                        input.ident.span(),
                        "`#[derive(MetricsFamily)]` needs a struct with named metric fields",
                    );
                    return None;
                }
            },
            _ => {
                errors.at(
                    keyword_span(input),
                    "`#[derive(MetricsFamily)]` goes on a struct whose fields are metrics",
                );
                return None;
            }
        };
        if let Some(param) = input.generics.params.first() {
            errors.at(
                param.span(),
                "a `MetricsFamily` struct cannot be generic: `global()` keeps one instance of it",
            );
        }
        let fields = named
            .named
            .iter()
            .filter_map(|field| {
                Some(MetricField {
                    ident: field.ident.as_ref()?,
                    ty: &field.ty,
                    kind: FieldKind::of(&field.ty),
                    args: FieldArgs::parse(&field.attrs, errors),
                    doc: doc_comment(&field.attrs),
                    generic: is_type_parameter(&field.ty, &input.generics),
                })
            })
            .collect();
        Some(FamilyStruct {
            ident: &input.ident,
            vis: &input.vis,
            args,
            fields,
        })
    }
}

/// The doc comment's text, lines joined by spaces.
fn doc_comment(attrs: &[Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            Meta::NameValue(meta) => match &meta.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(text),
                    ..
                }) => Some(text.value().trim().to_owned()),
                _ => None,
            },
            _ => None,
        })
        .filter(|line| !line.is_empty())
        .collect();
    (!lines.is_empty()).then(|| lines.join(" "))
}

/// Whether `ty` is `T` for a type parameter `T` of `generics`.
fn is_type_parameter(ty: &Type, generics: &syn::Generics) -> bool {
    let Type::Path(path) = ty else { return false };
    path.qself.is_none()
        && generics
            .type_params()
            .any(|param| path.path.is_ident(&param.ident))
}
