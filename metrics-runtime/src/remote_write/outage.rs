//! An outage of the receiver as the logs tell it: one warning when it
//! starts, one summary when it ends, not a line per retry or drop.

/// Retries and drops since the receiver stopped taking samples.
#[derive(Debug, Default)]
pub(crate) struct Outage {
    active: bool,
    retries: u64,
    dropped_samples: u64,
}

impl Outage {
    /// A failure worth a retry: the warning to log if an outage starts now.
    pub(crate) fn failed(&mut self, url: &str, err: &dyn std::fmt::Display) -> Option<String> {
        self.retries += 1;
        if self.active {
            return None;
        }
        self.active = true;
        Some(format!(
            "remote write to {url} failed: {err}; retrying with backoff, \
             queueing new readings (a summary follows once it answers)"
        ))
    }

    /// Samples dropped: the warning to log if no outage would sum them up.
    pub(crate) fn dropped(&mut self, url: &str, samples: usize) -> Option<String> {
        if samples == 0 {
            return None;
        }
        self.dropped_samples += samples as u64;
        (!self.active).then(|| {
            format!("remote write to {url}: queue full, dropped the oldest {samples} samples")
        })
    }

    /// A success: the summary to log if it ends an outage.
    pub(crate) fn recovered(&mut self, url: &str) -> Option<String> {
        if !self.active {
            self.dropped_samples = 0;
            return None;
        }
        let summary = format!(
            "remote write to {url} succeeded again after {} failed attempts; \
             {} samples were dropped meanwhile",
            self.retries, self.dropped_samples
        );
        *self = Outage::default();
        Some(summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outage_is_logged_when_it_starts_and_summed_up_when_it_ends() {
        let mut outage = Outage::default();
        assert!(outage.failed("u", &"503").unwrap().contains("503"));
        for _ in 0..9 {
            assert_eq!(outage.failed("u", &"503"), None);
            assert_eq!(outage.dropped("u", 2), None);
        }
        let summary = outage.recovered("u").unwrap();
        assert!(summary.contains("10 failed attempts"), "{summary}");
        assert!(summary.contains("18 samples"), "{summary}");
        assert_eq!(outage.recovered("u"), None);
        assert!(outage.dropped("u", 3).unwrap().contains('3'));
        assert!(outage.failed("u", &"503").is_some(), "a new outage");
    }
}
