use metrics_runtime::MetricsFamily;
use prometheus::IntCounter;

#[derive(MetricsFamily)]
enum ShopMetrics {
    Orders(IntCounter),
}

fn main() {
    let _ = ShopMetrics::register(&prometheus::Registry::new());
}
