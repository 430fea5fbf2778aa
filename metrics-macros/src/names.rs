//! Prometheus naming rules, checked at compile time.

/// Label names Prometheus gives a meaning to: histogram and summary samples.
pub const PROMETHEUS_RESERVED: &[&str] = &["le", "quantile"];

/// Those, and the labels `#[instrumented]` adds itself.
pub const INSTRUMENTED_RESERVED: &[&str] = &["le", "quantile", "result", "kind"];

/// Why `name` cannot be a label name, if it cannot; `reserved` are the
/// names taken where it is used.
pub fn label_name_problem(name: &str, reserved: &[&str]) -> Option<String> {
    if reserved.contains(&name) {
        return Some(format!(
            "label name `{name}` is reserved; choose another name"
        ));
    }
    if name.starts_with("__") {
        return Some(format!(
            "label name `{name}` is reserved: names starting with `__` belong to Prometheus"
        ));
    }
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    (!valid).then(|| format!("invalid label name `{name}`: use letters, digits and `_`"))
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`
pub fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}
