use metrics_runtime::MetricsFamily;
use prometheus::IntCounter;

#[derive(MetricsFamily)]
struct ShopMetrics {
    orders_total: IntCounter,
}

fn main() {
    // `global()` still exists: no second error here.
    ShopMetrics::global().orders_total.inc();
}
