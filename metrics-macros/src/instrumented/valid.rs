//! Checks that need more than one argument, and the resolved [`Plan`] that
//! expansion follows.

use proc_macro2::Span;
use syn::{Block, Expr, Ident, LitStr, Path, Signature};

use crate::args::{checked_buckets, Buckets, PlannedBuckets};
use crate::errors::Errors;
use crate::instrumented::ast::{self, ErrorSource};
use crate::instrumented::attr::{Args, LabelValue, ObjectiveArgs};
use crate::names::{is_metric_name, label_name_problem, INSTRUMENTED_RESERVED};

const DEFAULT_NAME: &str = "function_calls";

/// Everything expansion needs for one function, decided and checked.
pub struct Plan {
    pub krate: Path,
    pub metric_name: String,
    pub help: String,
    pub labels: Vec<PlannedLabel>,
    pub buckets: Option<PlannedBuckets>,
    /// `sample = p`: the share of calls whose duration is observed.
    pub sample: Option<f64>,
    pub duration: bool,
    /// `native_histogram`: exponential buckets beside the classic ones.
    pub native_histogram: bool,
    pub in_flight: bool,
    /// `error_kind`: the span of the error type `E` (or of the return type
    /// when `E` cannot be read from it), where an `E` that is no label
    /// value is reported.
    pub error_kind: Option<Span>,
    /// `max_series = N`: label sets kept before new ones overflow.
    pub max_series: Option<usize>,
    pub objective: Option<PlannedObjective>,
    /// `registry = EXPR`: where the families live instead of `registry()`.
    pub registry: Option<Expr>,
    pub outcome: OutcomeRule,
    pub function: String,
}

pub struct PlannedLabel {
    pub name: String,
    pub value: PlannedValue,
}

pub enum PlannedValue {
    /// The same text on every call.
    Literal(String),
    /// `module_path!()`.
    Module,
    /// The function's path in its module, known only at run time
    /// (`Type::method` for a method outside an instrumented `impl`).
    FunctionPath,
    /// A parameter, by name.
    Param(Ident),
    /// An expression over the parameters.
    Expr(Box<Expr>),
}

impl PlannedValue {
    pub fn is_static(&self) -> bool {
        matches!(
            self,
            PlannedValue::Literal(_) | PlannedValue::Module | PlannedValue::FunctionPath
        )
    }
}

/// A checked `objective(...)`.
pub struct PlannedObjective {
    pub success: Option<f64>,
    pub latency: Option<f64>,
    pub latency_percent: f64,
}

pub enum OutcomeRule {
    /// `Err` is an error, anything else is ok.
    ByType,
    /// The function returns `impl Trait`, which is never a `Result` to its
    /// callers; also spares classifying a value whose type may be unknown.
    AlwaysOk,
    OkIf(Path),
    ErrorIf(Path),
}

/// Where the function stands: alone, or in an instrumented `impl Type`.
pub struct Context<'a> {
    pub self_type: Option<&'a str>,
    pub in_instrumented_impl: bool,
    /// The function's own attributes.
    pub attrs: &'a [syn::Attribute],
    /// The generics of the instrumented `impl` block around it.
    pub impl_generics: Option<&'a syn::Generics>,
}

/// Checks `args` against `sig` and resolves them into a [`Plan`]. Errors
/// come in the order the arguments are usually written, the item's last.
pub fn plan(
    args: &Args,
    sig: &Signature,
    block: &Block,
    context: &Context,
    errors: &mut Errors,
) -> Plan {
    let function = sig.ident.to_string();
    let default_name = args.name.is_none();
    let base = args
        .name
        .as_ref()
        .map_or(DEFAULT_NAME.to_owned(), |name| checked_name(name, errors));
    let metric_name = match &args.namespace {
        Some(namespace) => format!("{}_{base}", checked_namespace(namespace, errors)),
        None => base.clone(),
    };

    let mut labels = Vec::new();
    if default_name {
        labels.push(PlannedLabel {
            name: "function".to_owned(),
            value: function_label(sig, context),
        });
        labels.push(PlannedLabel {
            name: "module".to_owned(),
            value: PlannedValue::Module,
        });
    }
    labels.extend(declared_labels(args, sig, &labels, errors));

    let plan = Plan {
        krate: args
            .krate
            .clone()
            .unwrap_or_else(|| syn::parse_quote!(::metrics_runtime)),
        help: help(args, &base, default_name, errors),
        metric_name,
        labels,
        buckets: args
            .buckets
            .as_ref()
            .map(|buckets| checked_duration_buckets(buckets, errors)),
        duration: args.duration.as_ref().is_none_or(|flag| flag.value),
        native_histogram: native_histogram(args, errors),
        in_flight: args.in_flight.as_ref().is_none_or(|flag| flag.value),
        error_kind: args
            .error_kind
            .as_ref()
            .and_then(|keyword| error_kind(keyword, sig, block, errors)),
        max_series: args
            .max_series
            .as_ref()
            .and_then(|n| checked_max_series(n, errors)),
        objective: args
            .objective
            .as_ref()
            .map(|objective| checked_objective(objective, args, errors)),
        registry: args.registry.clone(),
        sample: args
            .sample
            .as_ref()
            .and_then(|share| checked_sample(share, errors)),
        outcome: outcome_rule(args, sig, block, context, errors),
        function,
    };
    check_function(args, sig, context, errors);
    plan
}

fn check_function(args: &Args, sig: &Signature, context: &Context, errors: &mut Errors) {
    if let Some(constness) = &sig.constness {
        errors.at(
            constness.span,
            "`#[instrumented]` cannot go on a `const fn`: measuring reads the clock at run time",
        );
    }
    if let Some(track_caller) = context
        .attrs
        .iter()
        .find(|attr| attr.path().is_ident("track_caller"))
    {
        errors.at(
            syn::spanned::Spanned::span(track_caller.path()),
            "`#[instrumented]` cannot keep `#[track_caller]`: the body runs in a closure, so `Location::caller()` would point inside the function",
        );
    }
    if let Some(skip) = &args.skip {
        if !context.in_instrumented_impl {
            errors.at(
                skip.span(),
                "`skip` goes on a method of an `impl` block that carries `#[instrumented]`",
            );
        }
    }
}

fn function_label(sig: &Signature, context: &Context) -> PlannedValue {
    let method = sig.ident.to_string();
    match context.self_type {
        Some(ty) => PlannedValue::Literal(format!("{ty}::{method}")),
        None => PlannedValue::FunctionPath,
    }
}

fn declared_labels(
    args: &Args,
    sig: &Signature,
    implicit: &[PlannedLabel],
    errors: &mut Errors,
) -> Vec<PlannedLabel> {
    let Some(labels) = &args.labels else {
        return Vec::new();
    };
    let parameters = ast::parameter_names(sig);
    let mut seen: Vec<String> = implicit.iter().map(|label| label.name.clone()).collect();
    let mut planned = Vec::new();
    for label in &labels.list {
        let name = label.name.to_string();
        let name = name.strip_prefix("r#").unwrap_or(&name).to_owned();
        if let Some(problem) = label_name_problem(&name, INSTRUMENTED_RESERVED) {
            errors.at(label.name.span(), problem);
        } else if implicit.iter().any(|label| label.name == name) {
            errors.at(
                label.name.span(),
                format!(
                    "duplicate label `{name}`: without a `name`, `#[instrumented]` labels every call \
                     with `function` and `module` itself; set `name = \"…\"` to choose the labels"
                ),
            );
        } else if seen.contains(&name) {
            errors.at(label.name.span(), format!("duplicate label `{name}`"));
        }
        seen.push(name.clone());
        let value = match &label.value {
            LabelValue::Param(param) => {
                if !parameters.contains(&param) {
                    errors.at(
                        param.span(),
                        format!(
                            "label `{param}` names no parameter of `{}`; give it a value: `{param} = \"…\"`",
                            sig.ident
                        ),
                    );
                }
                PlannedValue::Param(param.clone())
            }
            LabelValue::Literal(literal) => PlannedValue::Literal(literal.value()),
            LabelValue::Expr(expr) => PlannedValue::Expr(expr.clone()),
        };
        planned.push(PlannedLabel { name, value });
    }
    planned
}

fn checked_name(name: &LitStr, errors: &mut Errors) -> String {
    let value = name.value();
    if !is_metric_name(&value) {
        errors.at(
            name.span(),
            format!("invalid metric name `{value}`: use letters, digits, `_` and `:`, not starting with a digit"),
        );
    } else if let Some(suffix) = ["_total", "_duration_seconds", "_in_flight"]
        .into_iter()
        .find(|suffix| value.ends_with(suffix))
    {
        errors.at(
            name.span(),
            format!("metric name `{value}` ends in `{suffix}`, which `#[instrumented]` adds itself; write `{}`", &value[..value.len() - suffix.len()]),
        );
    }
    value
}

fn checked_namespace(namespace: &LitStr, errors: &mut Errors) -> String {
    let value = namespace.value();
    if !is_metric_name(&value) || value.contains(':') {
        errors.at(
            namespace.span(),
            format!("invalid namespace `{value}`: use letters, digits and `_`, not starting with a digit"),
        );
    }
    value
}

fn help(args: &Args, base: &str, default_name: bool, errors: &mut Errors) -> String {
    match &args.help {
        Some(help) if help.value().trim().is_empty() => {
            errors.at(help.span(), "`help` text is empty");
            String::new()
        }
        Some(help) => help.value().trim_end_matches('.').to_owned(),
        None if default_name => "Calls of functions marked #[instrumented]".to_owned(),
        None => format!("Calls measured as `{base}` by #[instrumented]"),
    }
}

fn outcome_rule(
    args: &Args,
    sig: &Signature,
    block: &Block,
    context: &Context,
    errors: &mut Errors,
) -> OutcomeRule {
    // `impl Future<Output = T>` is measured through its future, whose `T`
    // is classified; any other `impl Trait` is never a `Result`.
    let opaque = ast::returns_impl_trait(sig) && ast::impl_future_output(sig).is_none();
    match (&args.ok_if, &args.error_if) {
        (Some(_), Some(error_if)) => {
            errors.at(
                error_if.keyword.span(),
                "use either `ok_if` or `error_if`, not both",
            );
            OutcomeRule::ByType
        }
        (Some(ok_if), None) => OutcomeRule::OkIf(ok_if.path.clone()),
        (None, Some(error_if)) => OutcomeRule::ErrorIf(error_if.path.clone()),
        (None, None) if opaque || returns_never(sig) => OutcomeRule::AlwaysOk,
        (None, None) => {
            generic_outcome_check(ast::value_type(sig, block), sig, context, errors);
            OutcomeRule::ByType
        }
    }
}

/// A result of a type parameter's type (`-> R`, `-> T::Output`) is a
/// `Result` for some callers and not for others, which the call site
/// cannot tell apart: it asks for `ok_if` or `error_if` instead.
fn generic_outcome_check(
    returned: Option<&syn::Type>,
    sig: &Signature,
    context: &Context,
    errors: &mut Errors,
) {
    let Some(returned) = returned else { return };
    let params: Vec<&Ident> = sig
        .generics
        .type_params()
        .chain(
            context
                .impl_generics
                .into_iter()
                .flat_map(|g| g.type_params()),
        )
        .map(|param| &param.ident)
        .collect();
    let Some(param) = ast::type_parameter_of(returned, &params) else {
        return;
    };
    let tokens = quote::ToTokens::to_token_stream(returned);
    let text = tokens.to_string().replace(' ', "");
    let what = if *param == text {
        format!("the return type `{text}` is a type parameter")
    } else {
        format!("the return type `{text}` depends on the type parameter `{param}`")
    };
    errors.spanned(
        &tokens,
        format!(
            "{what}: whether a call returned `Err` differs between callers and cannot be \
             told here; decide with `ok_if = path` or `error_if = path` (a `fn(&{text}) -> bool`)"
        ),
    );
}

/// `sample = p`: a share of calls, in (0, 1].
fn checked_sample(share: &Expr, errors: &mut Errors) -> Option<f64> {
    let tokens = quote::ToTokens::to_token_stream(share);
    match crate::args::number(share) {
        Ok((value, _)) if value > 0.0 && value <= 1.0 => Some(value),
        Ok((_, text)) => {
            errors.spanned(
                &tokens,
                format!(
                    "`sample = {text}` is no share of calls: it must be in (0, 1], such as `0.01`"
                ),
            );
            None
        }
        Err(_) => {
            errors.spanned(
                &tokens,
                format!("`sample = {tokens}` must be a number in (0, 1], such as `0.01`"),
            );
            None
        }
    }
}

/// Bucket bounds of a duration: checked as any bounds, and not negative.
fn checked_duration_buckets(buckets: &Buckets, errors: &mut Errors) -> PlannedBuckets {
    for bound in buckets.bounds.iter().filter(|bound| bound.value < 0.0) {
        errors.spanned(
            &bound.tokens,
            format!(
                "bucket bound `{}` is negative; a duration is at least 0 seconds",
                bound.text
            ),
        );
    }
    checked_buckets(buckets, errors)
}

const DEFAULT_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// `objective(success = %, latency = seconds, latency_percent = %)`: the
/// percentages strictly between 0 and 100, the latency one of the
/// histogram's bucket bounds (the only latencies it can tell apart).
fn checked_objective(
    objective: &ObjectiveArgs,
    args: &Args,
    errors: &mut Errors,
) -> PlannedObjective {
    let mut planned = PlannedObjective {
        success: None,
        latency: None,
        latency_percent: 99.0,
    };
    let percent = |value: f64, tokens: &proc_macro2::TokenStream, errors: &mut Errors| {
        if !(value > 0.0 && value < 100.0) {
            errors.spanned(
                tokens,
                format!("an objective is a percentage between 0 and 100, not `{tokens}`"),
            );
        }
    };
    for (name, value, tokens) in &objective.entries {
        match name.to_string().as_str() {
            "success" => {
                percent(*value, tokens, errors);
                planned.success = Some(*value);
            }
            "latency_percent" => {
                percent(*value, tokens, errors);
                planned.latency_percent = *value;
            }
            "latency" => {
                let buckets: Vec<f64> = args
                    .buckets
                    .as_ref()
                    .map_or_else(|| DEFAULT_BUCKETS.to_vec(), |b| b.bounds.iter().map(|b| b.value).collect());
                // Bounds behind a path are only known at start-up.
                let known = args.buckets.as_ref().is_none_or(|b| b.path.is_none());
                if args.duration.as_ref().is_some_and(|flag| !flag.value) {
                    errors.at(name.span(), "a `latency` objective needs the duration histogram; remove `duration = false`");
                } else if known && !buckets.contains(value) {
                    errors.spanned(
                        tokens,
                        format!("latency objective `{tokens}` must be one of the histogram's bucket bounds: add it to `buckets`"),
                    );
                }
                planned.latency = Some(*value);
            }
            other => errors.at(
                name.span(),
                format!("unknown objective `{other}`; expected `success`, `latency` or `latency_percent`"),
            ),
        }
    }
    if planned.success.is_none() && planned.latency.is_none() {
        errors.at(
            objective.keyword.span(),
            "`objective` needs `success = …` or `latency = …`",
        );
    }
    planned
}

/// `max_series = N` with `N` a whole number above 0.
pub fn checked_max_series(limit: &syn::LitInt, errors: &mut Errors) -> Option<usize> {
    match limit.base10_parse::<usize>() {
        Ok(0) | Err(_) => {
            errors.at(
                limit.span(),
                format!("`max_series` is a number of label sets above 0, not `{limit}`"),
            );
            None
        }
        Ok(n) => Some(n),
    }
}

fn returns_never(sig: &Signature) -> bool {
    matches!(&sig.output, syn::ReturnType::Type(_, ty) if matches!(**ty, syn::Type::Never(_)))
}

/// `native_histogram`, which needs the duration histogram.
fn native_histogram(args: &Args, errors: &mut Errors) -> bool {
    let Some(keyword) = &args.native_histogram else {
        return false;
    };
    if args.duration.as_ref().is_some_and(|flag| !flag.value) {
        errors.push(syn::Error::new(
            keyword.span(),
            "`native_histogram` needs the duration histogram, which `duration = false` turns off",
        ));
        return false;
    }
    true
}

/// Where `error_kind` reports an error type that is no label value; an
/// error now if the function cannot return a `Result` at all.
fn error_kind(
    keyword: &Ident,
    sig: &Signature,
    block: &Block,
    errors: &mut Errors,
) -> Option<Span> {
    let needs = "`error_kind` needs a function returning `Result<T, E>` where `E: LabelValue`";
    let Some(ty) = ast::value_type(sig, block) else {
        errors.at(
            keyword.span(),
            format!("{needs}; `{}` returns `()`", sig.ident),
        );
        return None;
    };
    match ErrorSource::of(ty) {
        ErrorSource::Written(error) => Some(ast::name_span(error)),
        ErrorSource::Path(ty) => Some(ast::name_span(ty)),
        ErrorSource::NotResult(ty) => {
            let written = quote::ToTokens::to_token_stream(ty).to_string();
            errors.at(
                syn::spanned::Spanned::span(ty),
                format!("{needs}, not `{written}`"),
            );
            None
        }
    }
}
