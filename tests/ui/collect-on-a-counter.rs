use metrics_runtime::MetricsFamily;
use prometheus::IntCounter;

fn orders() -> f64 {
    3.0
}

#[derive(MetricsFamily)]
struct ShopMetrics {
    /// Orders placed.
    #[metric(collect = orders)]
    orders_total: IntCounter,
}

fn main() {}
