use metrics_runtime::MetricsFamily;
use prometheus::IntGauge;

#[derive(MetricsFamily)]
struct ShopMetrics {
    /// Carts open.
    open_carts_total: IntGauge,
}

fn main() {}
