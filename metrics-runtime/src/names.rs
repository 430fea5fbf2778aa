//! Prometheus naming rules, shared by the builder and the registration path.

/// Label names the toolkit or Prometheus itself gives a meaning to.
pub(crate) const RESERVED_LABELS: &[&str] = &["le", "quantile", "result", "kind"];

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`
pub(crate) fn is_valid_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`.
pub(crate) fn is_valid_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with("__")
}

/// Units OpenMetrics knows by name, as metric name suffixes.
const UNITS: &[&str] = &[
    "seconds", "bytes", "ratio", "meters", "grams", "joules", "volts", "amperes", "celsius",
];

/// The unit a metric name ends in (`_seconds`, `_bytes`, …), before any
/// `_total`, `_bucket`, `_count` or `_sum`: the unit of a sample name.
pub(crate) fn unit_of(name: &str) -> Option<&'static str> {
    let base = ["_total", "_bucket", "_count", "_sum"]
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix))
        .unwrap_or(name);
    unit_suffix(base)
}

/// The unit `name` itself ends in, as `_<unit>`, with nothing after it.
///
/// OpenMetrics' `# UNIT` must be a suffix of the family name (Prometheus
/// drops the whole scrape otherwise), so a gauge `sent_bytes_total` has none.
pub(crate) fn unit_suffix(name: &str) -> Option<&'static str> {
    UNITS.iter().copied().find(|unit| {
        name.strip_suffix(unit)
            .is_some_and(|rest| rest.ends_with('_'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_names() {
        assert!(is_valid_metric_name("http_requests_total"));
        assert!(is_valid_metric_name("ns:rule_name"));
        assert!(!is_valid_metric_name("9lives"));
        assert!(!is_valid_metric_name("dash-name"));
        assert!(!is_valid_metric_name(""));
    }

    #[test]
    fn units_come_from_the_name() {
        assert_eq!(unit_of("request_duration_seconds"), Some("seconds"));
        assert_eq!(unit_of("request_duration_seconds_bucket"), Some("seconds"));
        assert_eq!(unit_of("sent_bytes_total"), Some("bytes"));
        assert_eq!(unit_of("bytes"), None);
        assert_eq!(unit_of("queue_depth"), None);
    }

    #[test]
    fn a_unit_suffix_ends_the_name() {
        assert_eq!(unit_suffix("request_duration_seconds"), Some("seconds"));
        assert_eq!(unit_suffix("sent_bytes_total"), None);
        assert_eq!(unit_suffix("wait_seconds_bucket"), None);
        assert_eq!(unit_suffix("bytes"), None);
    }

    #[test]
    fn label_names() {
        assert!(is_valid_label_name("service"));
        assert!(is_valid_label_name("_x1"));
        assert!(!is_valid_label_name("__name__"));
        assert!(!is_valid_label_name("a:b"));
        assert!(!is_valid_label_name("1a"));
    }
}
