use metrics_runtime::MetricsFamily;
use prometheus::IntCounter;

#[derive(MetricsFamily)]
#[metrics(namespace = "shop", prefix = "eu")]
struct ShopMetrics {
    /// Orders placed.
    orders_total: IntCounter,
}

fn main() {}
