use metrics_runtime::MetricsFamily;
use prometheus::IntCounter;

#[derive(MetricsFamily)]
#[metrics(namespace = "shop")]
#[metrics(namespace = "store")]
struct ShopMetrics {
    /// Orders placed.
    orders_total: IntCounter,
}

fn main() {}
