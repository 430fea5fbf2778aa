use metrics_runtime::MetricsFamily;

#[derive(MetricsFamily)]
struct ShopMetrics {
    /// Time to pack an order.
    #[metric(native_histogram)]
    packing_seconds: prometheus::Histogram,
}

fn main() {}
