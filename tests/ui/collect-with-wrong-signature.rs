use metrics_runtime::MetricsFamily;
use prometheus::Gauge;

fn queue_depth(queue: &str) -> u64 {
    queue.len() as u64
}

#[derive(MetricsFamily)]
struct ShopMetrics {
    /// Orders waiting to be shipped.
    #[metric(collect = queue_depth)]
    queue_depth: Gauge,
}

fn main() {}
