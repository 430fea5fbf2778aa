use metrics_runtime::MetricsFamily;

#[derive(MetricsFamily)]
struct ShopMetrics {
    /// Orders placed.
    orders_total: u64,
}

fn main() {}
