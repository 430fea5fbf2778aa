//! Filtering and aggregating a snapshot's samples, PromQL style.

use super::{has_labels, HistogramData, Sample, Snapshot};

/// Samples of one name in a [`Snapshot`], filtered by label values.
///
/// ```
/// use metrics_runtime::snapshot::Snapshot;
///
/// let registry = prometheus::Registry::new();
/// let latency = prometheus::HistogramVec::new(
///     prometheus::HistogramOpts::new("latency_seconds", "Latency.").buckets(vec![0.1, 0.2, 0.4]),
///     &["route"],
/// ).unwrap();
/// registry.register(Box::new(latency.clone())).unwrap();
/// for value in [0.05, 0.15, 0.15, 0.3] {
///     latency.with_label_values(&["/"]).observe(value);
/// }
/// let snapshot = Snapshot::of(&registry);
/// // Half the observations are below 0.15 s, by linear interpolation.
/// let median = snapshot.query("latency_seconds").with("route", "/").quantile(0.5);
/// assert!((median - 0.15).abs() < 1e-12);
/// assert_eq!(snapshot.query("latency_seconds_count").sum(), 4.0);
/// ```
#[derive(Debug, Clone)]
pub struct Query<'a> {
    snapshot: &'a Snapshot,
    name: &'a str,
    filters: Vec<(&'a str, &'a str)>,
}

impl<'a> Query<'a> {
    pub(crate) fn new(snapshot: &'a Snapshot, name: &'a str) -> Self {
        Query {
            snapshot,
            name,
            filters: Vec::new(),
        }
    }

    /// Keeps the series whose label `name` is `value`; repeatable.
    pub fn with(mut self, name: &'a str, value: &'a str) -> Self {
        self.filters.push((name, value));
        self
    }

    fn values(&self) -> Vec<f64> {
        self.snapshot
            .samples_named(self.name)
            .filter(|sample: &&Sample| has_labels(&sample.labels, &self.filters))
            .map(|sample| sample.value)
            .collect()
    }

    /// The sum of the values; 0 when there is none.
    pub fn sum(&self) -> f64 {
        self.values().iter().sum()
    }

    /// The mean of the values; NaN when there is none.
    pub fn avg(&self) -> f64 {
        let values = self.values();
        values.iter().sum::<f64>() / values.len() as f64
    }

    /// The smallest value; NaN when there is none.
    pub fn min(&self) -> f64 {
        self.values()
            .into_iter()
            .reduce(f64::min)
            .unwrap_or(f64::NAN)
    }

    /// The largest value; NaN when there is none.
    pub fn max(&self) -> f64 {
        self.values()
            .into_iter()
            .reduce(f64::max)
            .unwrap_or(f64::NAN)
    }

    /// The number of series.
    pub fn count(&self) -> f64 {
        self.values().len() as f64
    }

    /// The `q`-quantile of the histogram `name`, its matching series summed,
    /// estimated from the buckets exactly as PromQL's `histogram_quantile`
    /// does: `-Inf` below 0, `+Inf` above 1, NaN without observations.
    pub fn quantile(&self, q: f64) -> f64 {
        let mut total = HistogramData::default();
        for (_, data) in self.snapshot.histograms_matching(self.name, &self.filters) {
            total.add(data);
        }
        let buckets: Vec<(f64, f64)> = total
            .buckets
            .iter()
            .map(|&(bound, count)| (bound, count as f64))
            .collect();
        bucket_quantile(q, &buckets)
    }
}

/// PromQL's `bucketQuantile`: `buckets` are `(upper bound, cumulative
/// count)` sorted by bound.
pub(crate) fn bucket_quantile(q: f64, buckets: &[(f64, f64)]) -> f64 {
    if q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    let Some(&(last_bound, observations)) = buckets.last() else {
        return f64::NAN;
    };
    if last_bound != f64::INFINITY || buckets.len() < 2 || observations == 0.0 {
        return f64::NAN;
    }
    // Cumulative counts may dip through races between buckets: PromQL
    // evens them out the same way.
    let mut monotonic: Vec<(f64, f64)> = Vec::with_capacity(buckets.len());
    let mut highest = 0.0f64;
    for &(bound, count) in buckets {
        highest = highest.max(count);
        monotonic.push((bound, highest));
    }
    let rank = q * observations;
    let b = monotonic[..monotonic.len() - 1]
        .iter()
        .position(|&(_, count)| count >= rank)
        .unwrap_or(monotonic.len() - 1);
    if b == monotonic.len() - 1 {
        return monotonic[monotonic.len() - 2].0;
    }
    if b == 0 && monotonic[0].0 <= 0.0 {
        return monotonic[0].0;
    }
    let (bucket_end, mut count) = monotonic[b];
    let (bucket_start, mut rank) = (if b > 0 { monotonic[b - 1].0 } else { 0.0 }, rank);
    if b > 0 {
        count -= monotonic[b - 1].1;
        rank -= monotonic[b - 1].1;
    }
    bucket_start + (bucket_end - bucket_start) * (rank / count)
}

#[cfg(test)]
mod tests {
    use super::bucket_quantile;

    const INF: f64 = f64::INFINITY;

    #[test]
    fn interpolates_inside_the_bucket_holding_the_rank() {
        // 10 observations: 2 ≤ 0.1, 6 ≤ 0.2, 9 ≤ 0.5, 10 in total.
        let buckets = [(0.1, 2.0), (0.2, 6.0), (0.5, 9.0), (INF, 10.0)];
        // rank 5 lies in (0.1, 0.2]: 3 of its 4 observations → 0.175.
        assert!((bucket_quantile(0.5, &buckets) - 0.175).abs() < 1e-12);
        // rank 1 in the first bucket, which starts at 0 → 0.05.
        assert!((bucket_quantile(0.1, &buckets) - 0.05).abs() < 1e-12);
        // rank 9 is exactly the third bucket's count → its upper bound.
        assert!((bucket_quantile(0.9, &buckets) - 0.5).abs() < 1e-12);
        // rank 9.9 falls in +Inf: the highest finite bound.
        assert_eq!(bucket_quantile(0.99, &buckets), 0.5);
        assert_eq!(bucket_quantile(0.0, &buckets), 0.0);
        assert_eq!(bucket_quantile(1.0, &buckets), 0.5);
    }

    #[test]
    fn promql_edge_cases() {
        let buckets = [(0.1, 2.0), (INF, 4.0)];
        assert_eq!(bucket_quantile(-0.1, &buckets), f64::NEG_INFINITY);
        assert_eq!(bucket_quantile(1.1, &buckets), INF);
        assert!(bucket_quantile(f64::NAN, &buckets).is_nan());
        // No observations, no +Inf bucket, or a single bucket: NaN.
        assert!(bucket_quantile(0.5, &[(0.1, 0.0), (INF, 0.0)]).is_nan());
        assert!(bucket_quantile(0.5, &[(0.1, 2.0), (0.2, 4.0)]).is_nan());
        assert!(bucket_quantile(0.5, &[(INF, 4.0)]).is_nan());
        assert!(bucket_quantile(0.5, &[]).is_nan());
        // A first bound at or below zero is returned as it is.
        assert_eq!(
            bucket_quantile(0.1, &[(-1.0, 1.0), (0.0, 2.0), (INF, 3.0)]),
            -1.0
        );
        // Non-monotonic counts are evened out: (0.2, 1) counts as (0.2, 3).
        assert!((bucket_quantile(0.5, &[(0.1, 3.0), (0.2, 1.0), (INF, 6.0)]) - 0.1).abs() < 1e-12);
    }
}
