//! Fields whose own names break the naming rules, renamed with
//! `#[metric(name = "…")]`; a flattened field needs no help text.
use metrics_runtime::MetricsFamily;
use prometheus::{IntCounter, IntGauge};

#[derive(MetricsFamily)]
#[metrics(subsystem = "cart")]
struct CartMetrics {
    /// Carts created.
    #[metric(name = "created_total")]
    created: IntCounter,
}

#[derive(MetricsFamily)]
#[metrics(namespace = "pass_shop")]
struct ShopMetrics {
    /// Orders waiting.
    #[metric(name = "orders_waiting")]
    orders_total: IntGauge,
    #[metric(flatten)]
    carts: CartMetrics,
}

fn main() {
    let registry = prometheus::Registry::new();
    let metrics = ShopMetrics::register(&registry).unwrap();
    metrics.orders_total.set(2);
    metrics.carts.created.inc();
    let text = metrics_runtime::encode_text(&registry);
    assert!(text.contains("pass_shop_orders_waiting 2"), "{text}");
    assert!(text.contains("pass_shop_cart_created_total 1"), "{text}");
}
