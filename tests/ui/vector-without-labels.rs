use metrics_runtime::MetricsFamily;
use prometheus::IntCounterVec;

#[derive(MetricsFamily)]
struct ShopMetrics {
    /// Orders placed, by payment method.
    orders_total: IntCounterVec,
}

fn main() {}
