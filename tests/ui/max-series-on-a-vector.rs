use metrics_runtime::MetricsFamily;
use prometheus::IntCounterVec;

#[derive(MetricsFamily)]
struct Metrics {
    /// Requests by path.
    #[metric(labels(path), max_series = 100)]
    requests_total: IntCounterVec,
}

fn main() {}
