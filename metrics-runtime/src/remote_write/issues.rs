//! What a reading had to leave out, logged once per writer rather than at
//! every interval.

use std::collections::HashSet;
use std::fmt;

/// Something of a reading a receiver would have refused, left out.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Issue {
    /// A series would carry the label `label` twice: the first value was kept.
    DuplicateLabel { series: String, label: String },
    /// A second series of `series` had the labels of an earlier one: skipped.
    DuplicateSeries { series: String },
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Issue::DuplicateLabel { series, label } => write!(
                f,
                "series `{series}` has the label `{label}` twice: the first value is kept \
                 (the metric's own before the registry's common labels)"
            ),
            Issue::DuplicateSeries { series } => write!(
                f,
                "two series `{series}` have the same labels: the second is skipped"
            ),
        }
    }
}

/// The issues logged so far by one writer.
#[derive(Debug, Default)]
pub(crate) struct Reported {
    seen: HashSet<Issue>,
}

impl Reported {
    /// Logs each of `issues` not logged before, naming the receiver
    /// `url`; returns how many lines were logged.
    pub(crate) fn log_new(&mut self, issues: Vec<Issue>, url: &str) -> usize {
        let mut logged = 0;
        for issue in issues {
            if !self.seen.contains(&issue) {
                log::warn!("remote write to {url}: {issue} (logged once)");
                self.seen.insert(issue);
                logged += 1;
            }
        }
        logged
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issue_is_logged_once_per_writer() {
        let issue = Issue::DuplicateSeries { series: "x".into() };
        let mut reported = Reported::default();
        assert_eq!(reported.log_new(vec![issue.clone(), issue.clone()], "h"), 1);
        // The next interval's reading has it again.
        assert_eq!(reported.log_new(vec![issue], "h"), 0);
    }
}
