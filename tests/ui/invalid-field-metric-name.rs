use metrics_runtime::MetricsFamily;
use prometheus::IntGauge;

#[derive(MetricsFamily)]
struct ShopMetrics {
    /// Carts open.
    #[metric(name = "9x")]
    open_carts: IntGauge,
}

fn main() {}
