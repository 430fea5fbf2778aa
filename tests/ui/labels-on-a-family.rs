use metrics_runtime::{Family, LabelSet, MetricsFamily};
use prometheus::IntCounter;

#[derive(LabelSet)]
struct Payment {
    method: String,
}

#[derive(MetricsFamily)]
struct ShopMetrics {
    /// Orders placed, by payment method.
    #[metric(labels(method))]
    orders_total: Family<Payment, IntCounter>,
}

fn main() {}
