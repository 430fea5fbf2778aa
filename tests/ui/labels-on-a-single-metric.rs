use metrics_runtime::MetricsFamily;
use prometheus::IntCounter;

#[derive(MetricsFamily)]
struct ShopMetrics {
    /// Orders placed, by payment method.
    #[metric(labels(method))]
    orders_total: IntCounter,
}

fn main() {}
