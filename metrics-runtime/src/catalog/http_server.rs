//! The dashboard row and the alert of `http::MetricsLayer`'s families,
//! when the catalog lists them.

use std::fmt::Write;

use super::promql::{series, with};
use super::Catalog;

/// The request counter's name without it: the builder's namespace and `_`,
/// or nothing.
const TOTAL: &str = "http_server_requests_total";
/// Statuses that are the server's fault.
const FAILED: &str = "status=~\"5..|panic|error\"";
/// Share of failed requests of a route that the alert fires above.
pub(super) const ALERT_RATIO: f64 = 0.05;
/// Requests a second a route needs before its ratio can alert.
pub(super) const ALERT_MIN_RATE: f64 = 0.1;

/// The names of the layer's families, when the catalog lists them.
pub(super) struct HttpNames {
    pub(super) total: String,
    pub(super) bucket: String,
    pub(super) in_flight: String,
}

impl HttpNames {
    pub(super) fn of(catalog: &Catalog) -> Option<HttpNames> {
        let total = catalog
            .metrics
            .iter()
            .find(|metric| metric.name.ends_with(TOTAL))?;
        let prefix = total.name.strip_suffix(TOTAL).unwrap_or_default();
        Some(HttpNames {
            total: total.name.clone(),
            bucket: format!("{prefix}http_server_request_duration_seconds_bucket"),
            in_flight: format!("{prefix}http_server_requests_in_flight"),
        })
    }

    /// `(sum by (by) (rate(failed[w])) or … * 0) / sum by (by) (rate(all[w]))`:
    /// 0, not nothing, while no request has failed.
    pub(super) fn error_ratio(&self, by: &str, matchers: &[String], window: &str) -> String {
        let all = format!(
            "sum by ({by}) (rate({}[{window}]))",
            series(&self.total, matchers)
        );
        let failed = format!(
            "sum by ({by}) (rate({}[{window}]))",
            series(&self.total, &with(matchers, &[FAILED]))
        );
        format!("({failed} or {all} * 0) / {all}")
    }

    /// The rule group of the layer: the error ratio of each route, and an
    /// alert when it stays above [`ALERT_RATIO`] with some traffic.
    pub(super) fn write_rules(&self, out: &mut String) {
        let record = "metrics_runtime:http_server:error_ratio_rate5m";
        let by = "job, route";
        let rate = format!("sum by ({by}) (rate({}[5m]))", series(&self.total, &[]));
        out.push_str("  - name: 'metrics-runtime http_server'\n    rules:\n");
        let _ = writeln!(out, "      - record: {record}");
        let expr = self.error_ratio(by, &[], "5m");
        let _ = writeln!(out, "        expr: {}", super::rules::quote(&expr));
        out.push_str("      - alert: HttpServerErrorRatioHigh\n");
        let expr = format!("{record} > {ALERT_RATIO} and {rate} > {ALERT_MIN_RATE}");
        let _ = writeln!(out, "        expr: {}", super::rules::quote(&expr));
        out.push_str("        for: 10m\n        labels:\n          severity: 'ticket'\n");
        out.push_str("        annotations:\n");
        let summary = format!(
            "More than {}% of the requests to {{{{ $labels.route }}}} failed for 10 minutes",
            ALERT_RATIO * 100.0
        );
        let _ = writeln!(out, "          summary: {}", super::rules::quote(&summary));
        let description = "{{ $value | humanizePercentage }} of the requests to \
                           {{ $labels.route }} ended in a 5xx, a panic or an error \
                           over the last 5 minutes.";
        let _ = writeln!(
            out,
            "          description: {}",
            super::rules::quote(description)
        );
    }
}
