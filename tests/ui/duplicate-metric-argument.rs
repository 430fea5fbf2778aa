use metrics_runtime::MetricsFamily;
use prometheus::IntCounter;

#[derive(MetricsFamily)]
struct ShopMetrics {
    #[metric(help = "Orders placed.", help = "Orders.")]
    orders_total: IntCounter,
}

fn main() {}
