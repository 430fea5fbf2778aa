use metrics_runtime::MetricsFamily;
use prometheus::IntCounter;

#[derive(MetricsFamily)]
struct ShopMetrics {
    #[metric(help = "")]
    orders_total: IntCounter,
}

fn main() {}
