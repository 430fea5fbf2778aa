//! PromQL pieces shared by the dashboard and the alert rules: selectors,
//! grouping, bucket bounds.

use super::FunctionInfo;

/// `name{m1,m2}`, or `name` alone when there are no matchers.
pub(super) fn series(name: &str, matchers: &[String]) -> String {
    if matchers.is_empty() {
        name.to_owned()
    } else {
        format!("{name}{{{}}}", matchers.join(","))
    }
}

/// The matchers that select `function`'s series: `function="f"`, `module="m"`, …
pub(super) fn matchers(function: &FunctionInfo) -> Vec<String> {
    function
        .selector
        .iter()
        .map(|(name, value)| format!("{name}=\"{}\"", crate::encoding::escape_label_value(value)))
        .collect()
}

/// `matchers` followed by `extra`.
pub(super) fn with(matchers: &[String], extra: &[&str]) -> Vec<String> {
    matchers
        .iter()
        .cloned()
        .chain(extra.iter().map(|m| (*m).to_owned()))
        .collect()
}

/// The labels an objective is judged by: the job, then the labels that
/// select the function, so that functions sharing a metric stay apart.
pub(super) fn grouping(function: &FunctionInfo) -> String {
    let mut labels = vec!["job"];
    for (name, _) in &function.selector {
        if !labels.contains(&name.as_str()) {
            labels.push(name);
        }
    }
    labels.join(", ")
}

/// A matcher for the bucket of bound `bound`, written as the exposition
/// writes it (Rust's `Display`: `0.25`, `1`). Prometheus 3 stores whole
/// bounds as `1.0` whatever the exposition says, so those match both.
pub(super) fn le_matcher(bound: f64) -> String {
    let written = bound.to_string();
    if bound.fract() == 0.0 && !written.contains(['.', 'e']) {
        format!("le=~\"{written}|{written}\\\\.0\"")
    } else {
        format!("le=\"{written}\"")
    }
}

/// The functions grouped by the series they write: two functions with the
/// same metric and selector cannot be told apart, so they share one row or
/// one set of rules. In the catalog's order.
pub(super) fn distinct(functions: &[FunctionInfo]) -> Vec<Vec<&FunctionInfo>> {
    let mut groups: Vec<Vec<&FunctionInfo>> = Vec::new();
    for function in functions {
        match groups.iter_mut().find(|group| {
            group[0].metric == function.metric && group[0].selector == function.selector
        }) {
            Some(group) => group.push(function),
            None => groups.push(vec![function]),
        }
    }
    groups
}

/// The names of a group's functions, for titles: `a, b`.
pub(super) fn names(group: &[&FunctionInfo]) -> String {
    let names: Vec<&str> = group.iter().map(|f| f.function.as_str()).collect();
    names.join(", ")
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::catalog::{Objective, Source};

    /// A function as the catalog describes it, for the generators' tests.
    pub(in crate::catalog) fn function(
        metric: &str,
        selector: &[(&str, &str)],
        objective: Option<Objective>,
    ) -> FunctionInfo {
        FunctionInfo {
            function: selector
                .iter()
                .find(|(name, _)| *name == "function")
                .map_or("handle", |(_, value)| value)
                .to_owned(),
            module: "shop::api",
            metric: metric.to_owned(),
            selector: selector
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            argument_labels: Vec::new(),
            duration: true,
            in_flight: true,
            objective,
            source: Source {
                file: "src/api.rs",
                line: 7,
            },
        }
    }

    #[test]
    fn series_without_matchers_has_no_braces() {
        assert_eq!(series("calls_total", &[]), "calls_total");
        let m = vec!["a=\"1\"".to_owned(), "b!=\"2\"".to_owned()];
        assert_eq!(series("calls_total", &m), "calls_total{a=\"1\",b!=\"2\"}");
    }

    #[test]
    fn matchers_escape_label_values() {
        let f = function("calls", &[("function", "say \"hi\"\\now")], None);
        assert_eq!(matchers(&f), [r#"function="say \"hi\"\\now""#]);
    }

    #[test]
    fn bounds_are_written_as_the_exposition_writes_them() {
        assert_eq!(le_matcher(0.25), r#"le="0.25""#);
        assert_eq!(le_matcher(2.5), r#"le="2.5""#);
        assert_eq!(le_matcher(1.0), r#"le=~"1|1\\.0""#);
        assert_eq!(le_matcher(10.0), r#"le=~"10|10\\.0""#);
    }

    #[test]
    fn grouping_keeps_the_job_and_the_selector_once() {
        let f = function("calls", &[("function", "f"), ("module", "m")], None);
        assert_eq!(grouping(&f), "job, function, module");
        let g = function("calls", &[("job", "x")], None);
        assert_eq!(grouping(&g), "job");
    }

    #[test]
    fn functions_writing_the_same_series_share_a_group() {
        let functions = [
            function("db", &[], None),
            function("calls", &[("function", "a")], None),
            function("db", &[], None),
            function("calls", &[("function", "b")], None),
        ];
        let groups = distinct(&functions);
        let sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
        assert_eq!(sizes, [2, 1, 1]);
    }
}
