//! One label set of an instrumented function: its counters and histogram.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use super::guard::Outcome;

/// The live numbers of one label set.
///
/// Every field is a plain atomic add on the hot path: the in-flight gauge is
/// not a separate up/down counter but `started - finished`, read at scrape
/// time, and the duration sum is kept in whole nanoseconds so it needs no
/// compare-and-swap loop.
#[derive(Debug)]
pub(crate) struct Series {
    values: Box<[Box<str>]>,
    bucket_bounds_nanos: &'static [u64],
    tracks_in_flight: bool,
    started: AtomicU64,
    outcomes: [AtomicU64; Outcome::COUNT],
    /// Per-bucket (not cumulative) counts; the last one is `+Inf`.
    buckets: Box<[AtomicU64]>,
    sum_nanos: AtomicU64,
}

/// A consistent-enough copy of a [`Series`] taken at scrape time.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SeriesValues {
    pub(crate) outcomes: [u64; Outcome::COUNT],
    pub(crate) in_flight: u64,
    /// Cumulative counts, one per finite bound and then `+Inf`.
    pub(crate) cumulative_buckets: Vec<u64>,
    pub(crate) sum_seconds: f64,
}

impl Series {
    /// A zeroed series for `values`; `bucket_bounds_nanos` is empty when the
    /// duration is not measured.
    pub(crate) fn new(
        values: &[&str],
        bucket_bounds_nanos: &'static [u64],
        measures_duration: bool,
        tracks_in_flight: bool,
    ) -> Self {
        let bucket_count = if measures_duration {
            bucket_bounds_nanos.len() + 1
        } else {
            0
        };
        Series {
            values: values.iter().map(|value| Box::from(*value)).collect(),
            bucket_bounds_nanos,
            tracks_in_flight,
            started: AtomicU64::new(0),
            outcomes: Default::default(),
            buckets: (0..bucket_count).map(|_| AtomicU64::new(0)).collect(),
            sum_nanos: AtomicU64::new(0),
        }
    }

    pub(crate) fn values(&self) -> &[Box<str>] {
        &self.values
    }

    pub(crate) fn has_values(&self, values: &[&str]) -> bool {
        self.values.len() == values.len()
            && self
                .values
                .iter()
                .zip(values)
                .all(|(own, other)| **own == **other)
    }

    pub(crate) fn measures_duration(&self) -> bool {
        !self.buckets.is_empty()
    }

    #[inline]
    pub(crate) fn record_start(&self) {
        if self.tracks_in_flight {
            self.started.fetch_add(1, Relaxed);
        }
    }

    #[inline]
    pub(crate) fn record_finish(&self, outcome: Outcome, elapsed_nanos: Option<u64>) {
        self.outcomes[outcome as usize].fetch_add(1, Relaxed);
        if let Some(nanos) = elapsed_nanos {
            let bucket = self
                .bucket_bounds_nanos
                .iter()
                .position(|&bound| nanos <= bound)
                .unwrap_or(self.bucket_bounds_nanos.len());
            if let Some(count) = self.buckets.get(bucket) {
                count.fetch_add(1, Relaxed);
                self.sum_nanos.fetch_add(nanos, Relaxed);
            }
        }
    }

    pub(crate) fn read(&self) -> SeriesValues {
        // Finished counts first: a call that finishes between the two reads
        // then shows as still in flight, never as a negative gauge.
        let outcomes = std::array::from_fn(|i| self.outcomes[i].load(Relaxed));
        let finished: u64 = outcomes.iter().sum();
        let in_flight = if self.tracks_in_flight {
            self.started.load(Relaxed).saturating_sub(finished)
        } else {
            0
        };
        let mut running = 0;
        let cumulative_buckets = self
            .buckets
            .iter()
            .map(|count| {
                running += count.load(Relaxed);
                running
            })
            .collect();
        SeriesValues {
            outcomes,
            in_flight,
            cumulative_buckets,
            sum_seconds: self.sum_nanos.load(Relaxed) as f64 / 1e9,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static BOUNDS: [u64; 2] = [1_000, 1_000_000];

    #[test]
    fn durations_land_in_the_first_bucket_that_holds_them() {
        let series = Series::new(&["a"], &BOUNDS, true, true);
        for nanos in [0, 1_000, 1_001, 5_000_000] {
            series.record_start();
            series.record_finish(Outcome::Ok, Some(nanos));
        }
        let values = series.read();
        assert_eq!(values.cumulative_buckets, vec![2, 3, 4]);
        assert_eq!(values.outcomes, [4, 0, 0, 0]);
        assert_eq!(values.in_flight, 0);
        assert!((values.sum_seconds - 0.005_002_001).abs() < 1e-12);
    }

    #[test]
    fn in_flight_is_started_minus_finished() {
        let series = Series::new(&[], &BOUNDS, false, true);
        series.record_start();
        series.record_start();
        series.record_finish(Outcome::Panic, None);
        let values = series.read();
        assert_eq!(values.in_flight, 1);
        assert!(values.cumulative_buckets.is_empty());
    }
}
