use metrics_runtime::MetricsFamily;

#[derive(MetricsFamily)]
struct ShopMetrics;

fn main() {}
