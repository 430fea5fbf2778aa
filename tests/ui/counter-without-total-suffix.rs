use metrics_runtime::MetricsFamily;
use prometheus::IntCounter;

#[derive(MetricsFamily)]
struct ShopMetrics {
    /// Orders placed.
    orders: IntCounter,
}

fn main() {}
