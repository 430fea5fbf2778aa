use metrics_runtime::MetricsFamily;
use prometheus::IntCounter;

#[derive(MetricsFamily)]
struct ShopMetrics {
    /// Orders placed.
    orders_total: IntCounter,
    /// Orders placed again.
    #[metric(name = "orders_total")]
    orders_again_total: IntCounter,
}

fn main() {}
