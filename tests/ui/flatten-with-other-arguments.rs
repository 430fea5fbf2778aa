use metrics_runtime::MetricsFamily;
use prometheus::IntCounter;

#[derive(MetricsFamily)]
struct CartMetrics {
    /// Carts created.
    carts_total: IntCounter,
}

#[derive(MetricsFamily)]
struct ShopMetrics {
    #[metric(flatten, name = "carts", help = "Carts.")]
    carts: CartMetrics,
}

fn main() {}
