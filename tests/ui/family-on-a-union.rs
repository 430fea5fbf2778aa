use metrics_runtime::MetricsFamily;

#[derive(MetricsFamily)]
union ShopMetrics {
    orders_total: u64,
}

fn main() {}
