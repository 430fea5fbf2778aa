use metrics_runtime::MetricsFamily;
use prometheus::IntCounter;

#[derive(MetricsFamily)]
struct ShopMetrics {
    /// Orders placed.
    #[metric(native_histogram)]
    orders_total: IntCounter,
}

fn main() {}
