//! Every metric the program links: for a catalog, dashboards and alerts.

use std::fmt::Write;

mod dashboard;
mod http_server;
mod json;
mod promql;
mod rules;

pub use crate::instrument::callsite::Objective;
use crate::instrument::callsite::{Descriptor, LabelSource};
use crate::instrument::function_family::Shape;
use crate::linked::{root_families, INSTRUMENTED};

/// The kind of a metric family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    /// Only goes up.
    Counter,
    /// Goes up and down.
    Gauge,
    /// Observations in buckets.
    Histogram,
}

impl MetricKind {
    /// `counter`, `gauge` or `histogram`.
    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
            MetricKind::Histogram => "histogram",
        }
    }
}

/// Where a metric is declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    /// Source file.
    pub file: &'static str,
    /// Line in it.
    pub line: u32,
}

/// One metric family the program links.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricInfo {
    /// Its full name, namespaces included.
    pub name: String,
    /// Counter, gauge or histogram.
    pub kind: MetricKind,
    /// Label names (`le` of histograms left out).
    pub labels: Vec<String>,
    /// HELP text.
    pub help: String,
    /// The unit its name ends in, if any.
    pub unit: Option<&'static str>,
    /// Where it is declared; several functions can share one name.
    pub sources: Vec<Source>,
}

impl MetricInfo {
    /// A metric declared at `source`.
    #[doc(hidden)]
    pub fn new(
        name: String,
        kind: MetricKind,
        labels: Vec<String>,
        help: String,
        source: Source,
    ) -> Self {
        MetricInfo {
            unit: crate::names::unit_of(&name),
            name,
            kind,
            labels,
            help,
            sources: vec![source],
        }
    }
}

/// An instrumented function, as dashboards and alert rules see it.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionInfo {
    /// The `function` label (`Type::method`), or the Rust name.
    pub function: String,
    /// `module_path!()`.
    pub module: &'static str,
    /// Base metric name: `N` of `N_total`.
    pub metric: String,
    /// The labels with a value fixed at compile time, that select this
    /// function's series.
    pub selector: Vec<(String, String)>,
    /// The labels whose values come from arguments.
    pub argument_labels: Vec<String>,
    /// Whether `N_duration_seconds` is kept.
    pub duration: bool,
    /// Whether `N_in_flight` is kept.
    pub in_flight: bool,
    /// Its objectives, if any.
    pub objective: Option<Objective>,
    /// Where it is declared.
    pub source: Source,
}

impl FunctionInfo {
    /// The PromQL selector of this function's series: `{function="f",…}`.
    pub fn promql_selector(&self) -> String {
        let pairs: Vec<String> = self
            .selector
            .iter()
            .map(|(name, value)| {
                format!("{name}=\"{}\"", crate::encoding::escape_label_value(value))
            })
            .collect();
        format!("{{{}}}", pairs.join(","))
    }
}

/// Every metric and instrumented function the program links.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    /// Metric families, sorted by name.
    pub metrics: Vec<MetricInfo>,
    /// Instrumented functions, sorted by metric and function.
    pub functions: Vec<FunctionInfo>,
}

/// The [`Catalog`] of everything the program links, named as registered
/// under the namespace of [`crate::builder()`].
///
/// ```
/// #[metrics_runtime::instrumented(name = "cache_lookup")]
/// fn lookup() {}
///
/// let catalog = metrics_runtime::catalog();
/// let total = catalog.metrics.iter().find(|m| m.name == "cache_lookup_total").unwrap();
/// assert_eq!(total.labels, ["result"]);
/// assert!(catalog.to_markdown().contains("| `cache_lookup_duration_seconds` | histogram |"));
/// ```
pub fn catalog() -> Catalog {
    let mut catalog = Catalog::default();
    for descriptor in INSTRUMENTED {
        catalog.add_function(descriptor);
    }
    let prefix = crate::config::config().name_prefix();
    for entry in root_families() {
        let mut metrics = Vec::new();
        (entry.catalog)(&prefix, &mut metrics);
        for metric in metrics {
            catalog.add_metric(metric);
        }
    }
    #[cfg(feature = "http")]
    {
        let mut metrics = Vec::new();
        crate::http::layer_catalog(&prefix, &mut metrics);
        for metric in metrics {
            catalog.add_metric(metric);
        }
    }
    catalog.metrics.sort_by(|a, b| a.name.cmp(&b.name));
    catalog
        .functions
        .sort_by(|a, b| (&a.metric, &a.function).cmp(&(&b.metric, &b.function)));
    catalog
}

impl Catalog {
    fn add_metric(&mut self, metric: MetricInfo) {
        match self
            .metrics
            .iter_mut()
            .find(|known| known.name == metric.name)
        {
            Some(known) => {
                for source in metric.sources {
                    if !known.sources.contains(&source) {
                        known.sources.push(source);
                    }
                }
            }
            None => self.metrics.push(metric),
        }
    }

    fn add_function(&mut self, descriptor: &'static Descriptor) {
        let shape = Shape::of(descriptor);
        let source = Source {
            file: descriptor.file,
            line: descriptor.line,
        };
        let labels: Vec<String> = descriptor.labels.iter().map(|l| (*l).to_owned()).collect();
        let with = |extra: &str| labels.iter().cloned().chain([extra.to_owned()]).collect();
        let help = shape.help_texts();
        self.add_metric(MetricInfo::new(
            shape.total_name(),
            MetricKind::Counter,
            with("result"),
            help.total,
            source,
        ));
        if descriptor.duration {
            let name = shape.duration_name();
            self.add_metric(MetricInfo::new(
                name,
                MetricKind::Histogram,
                labels.clone(),
                help.duration,
                source,
            ));
        }
        if descriptor.in_flight {
            let name = shape.in_flight_name();
            self.add_metric(MetricInfo::new(
                name,
                MetricKind::Gauge,
                labels.clone(),
                help.in_flight,
                source,
            ));
        }
        if descriptor.error_kind {
            let name = shape.errors_name();
            self.add_metric(MetricInfo::new(
                name,
                MetricKind::Counter,
                with("kind"),
                help.errors,
                source,
            ));
        }
        let mut selector = Vec::new();
        let mut argument_labels = Vec::new();
        for (name, source) in descriptor.labels.iter().zip(descriptor.label_sources) {
            let value = match source {
                LabelSource::Literal(text) => (*text).to_owned(),
                LabelSource::Module => descriptor.module.to_owned(),
                LabelSource::FunctionPath => descriptor.function_label(),
                LabelSource::Argument => {
                    argument_labels.push((*name).to_owned());
                    continue;
                }
            };
            selector.push(((*name).to_owned(), value));
        }
        let function = selector
            .iter()
            .find(|(name, _)| name == "function")
            .map_or_else(
                || descriptor.function.to_owned(),
                |(_, value)| value.clone(),
            );
        self.functions.push(FunctionInfo {
            function,
            module: descriptor.module,
            metric: shape.name.clone(),
            selector,
            argument_labels,
            duration: descriptor.duration,
            in_flight: descriptor.in_flight,
            objective: descriptor.objective,
            source,
        });
    }

    /// A Markdown table of every metric: name, type, labels, unit, help and
    /// where it is declared.
    pub fn to_markdown(&self) -> String {
        let mut out = String::from(
            "| metric | type | labels | unit | help | declared at |\n| --- | --- | --- | --- | --- | --- |\n",
        );
        for metric in &self.metrics {
            let labels: Vec<String> = metric.labels.iter().map(|l| format!("`{l}`")).collect();
            let sources: Vec<String> = metric
                .sources
                .iter()
                .map(|source| format!("{}:{}", source.file, source.line))
                .collect();
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} | {} |",
                metric.name,
                metric.kind.as_str(),
                labels.join(", "),
                metric.unit.unwrap_or(""),
                metric.help.replace('|', "\\|").replace('\n', " "),
                sources.join(", "),
            );
        }
        out
    }

    /// A Grafana dashboard (JSON, Grafana 10 and later) titled `title`, with
    /// a row per instrumented function: calls per second by result, error
    /// ratio, p50/p90/p99 latency and calls in flight. It reads a
    /// `$datasource` picked on import and filters by `$job` and `$instance`.
    ///
    /// ```
    /// #[metrics_runtime::instrumented(name = "checkout", labels(region = "eu"))]
    /// fn checkout() {}
    ///
    /// let json = metrics_runtime::catalog().grafana_dashboard("Shop");
    /// assert!(json.contains(r#"· checkout{region=\"eu\"}""#)); // a row: `checkout (its module) · …`
    /// assert!(json.contains("histogram_quantile(0.99, sum by (le) (rate(checkout_duration_seconds_bucket{"));
    /// ```
    pub fn grafana_dashboard(&self, title: &str) -> String {
        dashboard::grafana_dashboard(self, title)
    }

    /// Prometheus alerting rules (a YAML rule file) for every function with
    /// an `objective(...)`: recording rules for its error ratio or share of
    /// slow calls over 5m to 3d, and multi-window, multi-burn-rate alerts
    /// (`severity: page` at 14.4× over 1h and 6× over 6h, `ticket` at 3×
    /// over 1d and 1× over 3d). The file passes `promtool check rules`.
    ///
    /// ```
    /// #[metrics_runtime::instrumented(name = "payments", objective(success = 99.9, latency = 0.25))]
    /// fn pay() {}
    ///
    /// let rules = metrics_runtime::catalog().alert_rules();
    /// assert!(rules.contains("- record: metrics_runtime:payments:error_ratio_rate5m"));
    /// assert!(rules.contains("- alert: PayErrorBudgetBurn"));
    /// assert!(rules.contains(r#"rate(payments_duration_seconds_bucket{le="0.25"}[1h])"#));
    /// ```
    pub fn alert_rules(&self) -> String {
        rules::alert_rules(self)
    }
}
