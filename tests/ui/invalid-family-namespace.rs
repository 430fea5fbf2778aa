use metrics_runtime::MetricsFamily;
use prometheus::IntCounter;

#[derive(MetricsFamily)]
#[metrics(namespace = "my-shop", subsystem = "1st")]
struct ShopMetrics {
    /// Orders placed.
    orders_total: IntCounter,
}

fn main() {}
