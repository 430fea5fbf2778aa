use metrics_runtime::MetricsFamily;
use prometheus::IntCounter;

#[derive(MetricsFamily)]
struct ShopMetrics {
    /// Orders placed.
    #[metric(buckets = [0.1, 1.0])]
    orders_total: IntCounter,
}

fn main() {}
