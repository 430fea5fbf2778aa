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
    fn label_names() {
        assert!(is_valid_label_name("service"));
        assert!(is_valid_label_name("_x1"));
        assert!(!is_valid_label_name("__name__"));
        assert!(!is_valid_label_name("a:b"));
        assert!(!is_valid_label_name("1a"));
    }
}
