use metrics_runtime::MetricsFamily;
use prometheus::IntCounterVec;

#[derive(MetricsFamily)]
struct ShopMetrics {
    /// Orders placed.
    #[metric(labels(method, region, method))]
    orders_total: IntCounterVec,
}

fn main() {}
