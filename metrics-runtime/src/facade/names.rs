//! Names from the `metrics` facade made into names Prometheus accepts.

use super::Kind;

/// The exported name of a metric called `name` through the facade:
/// `namespace_` first when the builder set one, every character Prometheus
/// rejects as `_`, `_` before a leading digit, and `_total` after a
/// counter's name that lacks it.
///
/// A unit given to `describe_*!` is not appended: descriptions may come
/// after the first use, and a name must not change once exported.
pub(super) fn metric_name(kind: Kind, name: &str, namespace: Option<&str>) -> String {
    let mut out = String::with_capacity(name.len() + 16);
    if let Some(namespace) = namespace {
        out.push_str(namespace);
        out.push('_');
    }
    push_sanitized(&mut out, name, |c| {
        c.is_ascii_alphanumeric() || c == '_' || c == ':'
    });
    if kind == Kind::Counter && !out.ends_with("_total") {
        out.push_str("_total");
    }
    out
}

/// The name families are told apart by: a counter `x_total` and a gauge
/// `x` would be one family to OpenMetrics, so they share it (and clash).
pub(super) fn family_key(metric_name: &str) -> &str {
    metric_name.strip_suffix("_total").unwrap_or(metric_name)
}

/// `name` as a label name: invalid characters as `_`, `_` before a leading
/// digit, a reserved leading `__` cut to `_`; on a histogram, `le` (the
/// bucket label) becomes `_le`.
pub(super) fn label_name(kind: Kind, name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 1);
    if kind == Kind::Histogram && name == "le" {
        out.push('_');
    }
    push_sanitized(&mut out, name, |c| c.is_ascii_alphanumeric() || c == '_');
    while out.starts_with("__") {
        out.remove(0);
    }
    out
}

/// Appends `name` with each character `valid` rejects as `_`, and `_`
/// first when it would start with a digit (or be empty).
fn push_sanitized(out: &mut String, name: &str, valid: impl Fn(char) -> bool) {
    let starts_with_digit = name.starts_with(|c: char| c.is_ascii_digit());
    if name.is_empty() || (out.is_empty() && starts_with_digit) {
        out.push('_');
    }
    out.extend(name.chars().map(|c| if valid(c) { c } else { '_' }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::{is_valid_label_name, is_valid_metric_name};

    #[test]
    fn metric_names_are_made_valid() {
        let name = |kind, raw| metric_name(kind, raw, None);
        assert_eq!(name(Kind::Counter, "http.requests"), "http_requests_total");
        assert_eq!(name(Kind::Counter, "jobs_total"), "jobs_total");
        assert_eq!(name(Kind::Gauge, "queue-depth"), "queue_depth");
        assert_eq!(name(Kind::Gauge, "9lives"), "_9lives");
        assert_eq!(name(Kind::Histogram, "wait.séconds"), "wait_s_conds");
        assert_eq!(name(Kind::Gauge, "rule:ratio"), "rule:ratio");
        assert_eq!(name(Kind::Gauge, ""), "_");
        assert_eq!(metric_name(Kind::Gauge, "9.x", Some("shop")), "shop_9_x");
        for raw in ["a.b", "1", "ü", "", " x "] {
            assert!(is_valid_metric_name(&name(Kind::Counter, raw)), "{raw}");
        }
    }

    #[test]
    fn label_names_are_made_valid() {
        assert_eq!(label_name(Kind::Counter, "http.method"), "http_method");
        assert_eq!(label_name(Kind::Counter, "1st"), "_1st");
        assert_eq!(label_name(Kind::Counter, "__name__"), "_name__");
        assert_eq!(label_name(Kind::Histogram, "le"), "_le");
        assert_eq!(label_name(Kind::Gauge, "le"), "le");
        for raw in ["a.b", "1", "__x", "", "le", "a:b"] {
            assert!(
                is_valid_label_name(&label_name(Kind::Counter, raw)),
                "{raw}"
            );
        }
    }

    #[test]
    fn a_counter_and_a_gauge_of_one_name_share_a_family_key() {
        let counter = metric_name(Kind::Counter, "jobs", None);
        let gauge = metric_name(Kind::Gauge, "jobs", None);
        assert_eq!(family_key(&counter), family_key(&gauge));
    }
}
