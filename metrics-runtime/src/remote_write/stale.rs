//! Stale markers: a series an interval writer sent before and no longer
//! finds gets one sample of Prometheus' StaleNaN, as remote write 1.0
//! requires, so that queries stop returning it at once.

use std::collections::HashSet;

use super::proto::{Label, Sample, TimeSeries};

/// The NaN Prometheus reads as "this series ended" (not any NaN).
pub(crate) const STALE_NAN: u64 = 0x7ff0_0000_0000_0002;

/// The label sets of an interval writer's previous reading.
#[derive(Debug, Default)]
pub(crate) struct Stale {
    sent: HashSet<Vec<Label>>,
}

impl Stale {
    /// Adds a stale marker at `read_at` to `series` for each series of the
    /// previous reading it lacks, and remembers `series` for the next.
    pub(crate) fn mark(&mut self, series: &mut Vec<TimeSeries>, read_at: i64) {
        let now: HashSet<Vec<Label>> = series.iter().map(|s| s.labels.clone()).collect();
        let previous = std::mem::replace(&mut self.sent, now);
        let gone = previous
            .into_iter()
            .filter(|labels| !self.sent.contains(labels));
        series.extend(gone.map(|labels| TimeSeries {
            labels,
            samples: vec![Sample {
                value: f64::from_bits(STALE_NAN),
                timestamp: read_at,
            }],
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(name: &str, value: f64) -> TimeSeries {
        TimeSeries {
            labels: vec![Label {
                name: "__name__".into(),
                value: name.into(),
            }],
            samples: vec![Sample {
                value,
                timestamp: 1,
            }],
        }
    }

    #[test]
    fn a_series_gone_since_the_previous_reading_is_marked_stale_once() {
        let mut stale = Stale::default();
        let mut first = vec![series("a", 1.0), series("b", 2.0)];
        stale.mark(&mut first, 1);
        assert_eq!(first.len(), 2);
        let mut second = vec![series("a", 3.0)];
        stale.mark(&mut second, 9);
        assert_eq!(second.len(), 2);
        let marker = &second[1];
        assert_eq!(marker.labels, series("b", 0.0).labels);
        assert_eq!(marker.samples[0].value.to_bits(), STALE_NAN);
        assert_eq!(marker.samples[0].timestamp, 9);
        // Marked once: the third reading has nothing to say about `b`.
        let mut third = vec![series("a", 4.0)];
        stale.mark(&mut third, 17);
        assert_eq!(third.len(), 1);
    }
}
