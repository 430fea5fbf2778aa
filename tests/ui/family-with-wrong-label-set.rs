use metrics_runtime::{Family, LabelSet, MetricsFamily};
use prometheus::IntCounter;

#[derive(LabelSet)]
struct Payment {
    method: &'static str,
}

#[derive(LabelSet)]
struct Shipping {
    carrier: &'static str,
}

#[derive(MetricsFamily)]
struct ShopMetrics {
    /// Orders placed, by payment method.
    orders_total: Family<Payment, IntCounter>,
}

fn main() {
    let metrics = ShopMetrics::unregistered();
    metrics
        .orders_total
        .with(&Shipping { carrier: "post" })
        .inc();
}
