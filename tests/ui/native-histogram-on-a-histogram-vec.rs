use metrics_runtime::MetricsFamily;
use prometheus::HistogramVec;

#[derive(MetricsFamily)]
struct ShopMetrics {
    /// Time to pack an order, by warehouse.
    #[metric(labels(warehouse), native_histogram)]
    packing_seconds: HistogramVec,
}

fn main() {}
