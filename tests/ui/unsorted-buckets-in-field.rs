use metrics_runtime::MetricsFamily;
use prometheus::Histogram;

#[derive(MetricsFamily)]
struct ShopMetrics {
    /// Time to place an order.
    #[metric(buckets = [0.1, 1.0, 0.5])]
    order_duration_seconds: Histogram,
}

fn main() {}
