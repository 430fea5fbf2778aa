//! Checks of a `MetricsFamily` struct, and the [`Plan`] expansion follows.

use syn::spanned::Spanned;
use syn::{Ident, LitStr, Path, Type, Visibility};

use crate::args::{checked_buckets, PlannedBuckets};
use crate::errors::Errors;
use crate::family::ast::{FamilyStruct, FieldKind, MetricField, MetricType};
use crate::names::{is_metric_name, label_name_problem, PROMETHEUS_RESERVED};

/// Everything expansion needs, decided and checked.
pub struct Plan<'a> {
    pub krate: Path,
    pub ident: &'a Ident,
    pub vis: &'a Visibility,
    /// `namespace` and `subsystem`, when given.
    pub prefix: Vec<String>,
    pub fields: Vec<PlannedField<'a>>,
}

pub struct PlannedField<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    pub role: Role,
}

/// How a field is created.
pub enum Role {
    /// A metric, registered as it is created.
    Metric(MetricSpec),
    /// A gauge set by `path` at every scrape.
    Collected(MetricSpec, Path),
    /// A nested `MetricsFamily`.
    Flatten,
}

pub struct MetricSpec {
    pub name: String,
    pub help: String,
    pub labels: Vec<String>,
    pub buckets: Option<PlannedBuckets>,
    pub max_series: Option<usize>,
    /// `native_histogram`, kept for the span of the type check it adds.
    pub native_histogram: Option<Ident>,
}

pub fn plan<'a>(family: &FamilyStruct<'a>, errors: &mut Errors) -> Plan<'a> {
    let mut prefix = Vec::new();
    for part in [&family.args.namespace, &family.args.subsystem]
        .into_iter()
        .flatten()
    {
        prefix.push(checked_prefix_part(part, errors));
    }
    let mut names: Vec<(String, &Ident)> = Vec::new();
    let fields = family
        .fields
        .iter()
        .map(|field| {
            let role = role(field, errors);
            if let Role::Metric(spec) | Role::Collected(spec, _) = &role {
                if let Some((_, first)) = names.iter().find(|(name, _)| *name == spec.name) {
                    errors.at(
                        name_span(field),
                        format!(
                            "duplicate metric name `{}`: field `{first}` has it already; set another `#[metric(name = \"…\")]`",
                            spec.name
                        ),
                    );
                }
                names.push((spec.name.clone(), field.ident));
            }
            PlannedField {
                ident: field.ident,
                ty: field.ty,
                role,
            }
        })
        .collect();
    Plan {
        krate: family
            .args
            .krate
            .clone()
            .unwrap_or_else(|| syn::parse_quote!(::metrics_runtime)),
        ident: family.ident,
        vis: family.vis,
        prefix,
        fields,
    }
}

fn checked_prefix_part(part: &LitStr, errors: &mut Errors) -> String {
    let value = part.value();
    if !is_metric_name(&value) || value.contains(':') {
        errors.at(
            part.span(),
            format!("invalid name part `{value}`: use letters, digits and `_`, not starting with a digit"),
        );
    }
    value
}

fn role(field: &MetricField, errors: &mut Errors) -> Role {
    let args = &field.args;
    if args.flatten.is_some() {
        for keyword in args.keywords.iter().filter(|keyword| *keyword != "flatten") {
            errors.at(
                keyword.span(),
                format!("`{keyword}` does not go with `flatten`: the metrics of a flattened struct are named and described by that struct"),
            );
        }
        return Role::Flatten;
    }
    if field.kind == FieldKind::Other && !field.generic {
        errors.at(
            field.ty.span(),
            "unsupported metric type; expected a `prometheus` metric (`Counter`, `IntCounter`, `Gauge`, `IntGauge`, `Histogram` or their `…Vec`), a `Family<L, M>`, or a nested `MetricsFamily` with `#[metric(flatten)]`",
        );
    }
    let spec = MetricSpec {
        name: metric_name(field, errors),
        help: help(field, errors),
        labels: labels(field, errors),
        buckets: buckets(field, errors),
        max_series: max_series(field, errors),
        native_histogram: native_histogram(field, errors),
    };
    match &args.collect {
        Some((keyword, path)) => {
            let gauge = |metric: &MetricType| metric.is_gauge();
            let collectable = match &field.kind {
                FieldKind::Scalar(metric) => gauge(metric),
                FieldKind::Family(metric) => metric.as_ref().is_some_and(gauge),
                _ => false,
            };
            if !collectable {
                errors.at(
                    keyword.span(),
                    "`collect` goes on a `Gauge`, `IntGauge` or `Family<L, Gauge | IntGauge>` field: its value is set at every scrape",
                );
            }
            Role::Collected(spec, path.clone())
        }
        None => Role::Metric(spec),
    }
}

/// The field's metric name, checked against Prometheus' rules and naming
/// conventions.
fn metric_name(field: &MetricField, errors: &mut Errors) -> String {
    let name = match &field.args.name {
        Some(name) => name.value(),
        None => field.ident.to_string().trim_start_matches("r#").to_owned(),
    };
    let span = name_span(field);
    if !is_metric_name(&name) {
        errors.at(
            span,
            format!("invalid metric name `{name}`: use letters, digits, `_` and `:`, not starting with a digit"),
        );
        return name;
    }
    let Some(metric) = field.kind.metric_type() else {
        return name;
    };
    if metric.is_counter() && !name.ends_with("_total") {
        errors.at(
            span,
            format!("counter `{name}` should end in `_total` (Prometheus naming); rename it `{name}_total`, or set `#[metric(name = \"{name}_total\")]`"),
        );
    } else if let Some(base) = name.strip_suffix("_total").filter(|_| !metric.is_counter()) {
        errors.at(
            span,
            format!(
                "{} `{name}` ends in `_total`, which Prometheus keeps for counters; rename it `{base}`, or set `#[metric(name = \"{base}\")]`",
                metric.kind_name()
            ),
        );
    }
    name
}

fn name_span(field: &MetricField) -> proc_macro2::Span {
    field
        .args
        .name
        .as_ref()
        .map_or_else(|| field.ident.span(), LitStr::span)
}

fn help(field: &MetricField, errors: &mut Errors) -> String {
    match (&field.args.help, &field.doc) {
        (Some(help), _) if help.value().trim().is_empty() => {
            errors.at(help.span(), "`help` text is empty");
            String::new()
        }
        (Some(help), _) => help.value(),
        (None, Some(doc)) => doc.clone(),
        (None, None) if field.args.malformed => String::new(),
        (None, None) => {
            errors.at(
                field.ident.span(),
                format!(
                    "metric `{}` has no help text; add a doc comment (`/// what it counts`) or `#[metric(help = \"…\")]`",
                    field.ident
                ),
            );
            String::new()
        }
    }
}

fn labels(field: &MetricField, errors: &mut Errors) -> Vec<String> {
    match (&field.args.labels, field.kind) {
        (None, FieldKind::Vector(_)) if field.args.malformed => Vec::new(),
        (None, FieldKind::Vector(_)) => {
            errors.at(
                field.ty.span(),
                "a metric vector needs `#[metric(labels(...))]` to name its labels",
            );
            Vec::new()
        }
        (Some((keyword, _)), FieldKind::Family(_)) => {
            errors.at(
                keyword.span(),
                "a `Family` takes its labels from its `LabelSet` type; remove `labels(...)`",
            );
            Vec::new()
        }
        (Some((keyword, _)), FieldKind::Scalar(_) | FieldKind::Other) => {
            errors.at(
                keyword.span(),
                "`labels` go on a metric vector (`IntCounterVec`, …) or a `Family`, not on a single metric",
            );
            Vec::new()
        }
        (Some((_, names)), FieldKind::Vector(_)) => checked_labels(names, errors),
        (None, _) => Vec::new(),
    }
}

fn checked_labels(names: &[Ident], errors: &mut Errors) -> Vec<String> {
    let mut seen = Vec::new();
    for ident in names {
        let name = ident.to_string().trim_start_matches("r#").to_owned();
        if let Some(problem) = label_name_problem(&name, PROMETHEUS_RESERVED) {
            errors.at(ident.span(), problem);
        } else if seen.contains(&name) {
            errors.at(ident.span(), format!("duplicate label `{name}`"));
        }
        seen.push(name);
    }
    seen
}

fn buckets(field: &MetricField, errors: &mut Errors) -> Option<PlannedBuckets> {
    let (keyword, buckets) = field.args.buckets.as_ref()?;
    if !field
        .kind
        .metric_type()
        .is_some_and(|metric| metric.is_histogram())
    {
        errors.at(keyword.span(), "`buckets` go on a histogram field");
    }
    Some(checked_buckets(buckets, errors))
}

/// `native_histogram` on a histogram field; whether the type can keep
/// native buckets is checked by the compiler, at the type.
fn native_histogram(field: &MetricField, errors: &mut Errors) -> Option<Ident> {
    let keyword = field.args.native_histogram.as_ref()?;
    let message = match field.kind {
        FieldKind::Scalar(MetricType::Histogram) | FieldKind::Family(Some(MetricType::Histogram)) => {
            return Some(keyword.clone())
        }
        FieldKind::Vector(MetricType::Histogram) => "a `prometheus` `HistogramVec` has no native buckets; use `Family<L, metrics_runtime::Histogram>` with `native_histogram`",
        _ => "`native_histogram` goes on a histogram field: `metrics_runtime::Histogram` or `Family<L, metrics_runtime::Histogram>`",
    };
    errors.at(keyword.span(), message);
    None
}

/// `max_series = N` on a `Family` field: the only kind whose children the
/// runtime creates, and so can count.
fn max_series(field: &MetricField, errors: &mut Errors) -> Option<usize> {
    let (keyword, limit) = field.args.max_series.as_ref()?;
    if !matches!(field.kind, FieldKind::Family(_)) {
        errors.at(
            keyword.span(),
            "`max_series` goes on a `Family` field; a `prometheus` vector creates its children itself",
        );
    }
    crate::instrumented::valid::checked_max_series(limit, errors)
}
