use metrics_runtime::MetricsFamily;

#[derive(MetricsFamily)]
struct ShopMetrics<M> {
    /// Orders placed.
    orders_total: M,
}

fn main() {}
