//! Assertions on a [`Snapshot`] whose failures show the expected and the
//! actual series.

use std::fmt::Write;

use crate::snapshot::{Sample, Snapshot};

impl Snapshot {
    /// Panics, listing the series present, unless counter `name` with at
    /// least `labels` sums to `expected`.
    #[track_caller]
    pub fn assert_counter(&self, name: &str, labels: &[(&str, &str)], expected: f64) {
        let actual = self.counter(name, labels);
        if actual != expected {
            panic!(
                "{}",
                self.mismatch("counter", name, labels, expected, actual)
            );
        }
    }

    /// Panics, listing the series present, unless gauge `name` with at
    /// least `labels` sums to `expected`.
    #[track_caller]
    pub fn assert_gauge(&self, name: &str, labels: &[(&str, &str)], expected: f64) {
        let actual = self.gauge(name, labels);
        if actual != expected {
            panic!("{}", self.mismatch("gauge", name, labels, expected, actual));
        }
    }

    /// Panics, listing the series present, unless histogram `name` with at
    /// least `labels` holds `expected` observations.
    #[track_caller]
    pub fn assert_observations(&self, name: &str, labels: &[(&str, &str)], expected: u64) {
        let actual = self.histogram(name, labels).count;
        if actual != expected {
            let count = format!("{name}_count");
            panic!(
                "{}",
                self.mismatch("histogram", &count, labels, expected as f64, actual as f64)
            );
        }
    }

    fn mismatch(
        &self,
        kind: &str,
        name: &str,
        labels: &[(&str, &str)],
        expected: f64,
        actual: f64,
    ) -> String {
        let selector = render(name, labels.iter().map(|(k, v)| (*k, *v)));
        let mut message = format!(
            "{kind} {selector}: expected {expected}, found {actual}\nseries of `{name}`:\n"
        );
        let present: Vec<&Sample> = self.samples().filter(|s| s.name == name).collect();
        if present.is_empty() {
            message.push_str("  (none)\n");
        }
        for sample in present {
            let labels = sample.labels.iter().map(|(k, v)| (k.as_str(), v.as_str()));
            let _ = writeln!(message, "  {} {}", render(name, labels), sample.value);
        }
        message
    }
}

fn render<'a>(name: &str, labels: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let labels: Vec<String> = labels.map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{name}{{{}}}", labels.join(","))
}
