//! A small service written the way users write one: module-level metrics
//! reached through `global()`, instrumented functions, a `/metrics` server.

use metrics_runtime::{instrumented, Family, Histogram, LabelSet, LabelValue, MetricsFamily};
use prometheus::{IntCounter, IntGauge};

/// How an order ended.
#[derive(LabelValue, Clone, Copy, Debug)]
pub enum Outcome {
    Placed,
    Declined,
}

/// The labels of `shop_orders_total`.
#[derive(LabelSet)]
pub struct Order<'a> {
    pub method: &'a str,
    pub outcome: Outcome,
}

/// The shop's own metrics.
#[derive(MetricsFamily)]
#[metrics(namespace = "shop")]
pub struct ShopMetrics {
    /// Orders, by payment method and outcome.
    pub orders_total: Family<Order<'static>, IntCounter>,
    /// Items waiting to ship, read at every scrape.
    #[metric(collect = backlog)]
    pub backlog: IntGauge,
    /// Amount of each order, in euros.
    #[metric(buckets = [10.0, 100.0], native_histogram)]
    pub order_amount_euros: Histogram,
}

fn backlog() -> f64 {
    3.0
}

/// Why an order failed.
#[derive(Debug, PartialEq)]
pub struct Declined;

/// Places an order.
#[instrumented(name = "place_order", namespace = "shop", labels(method))]
pub fn place_order(method: &str, amount: u32) -> Result<u32, Declined> {
    let outcome = if amount > 100 {
        Outcome::Declined
    } else {
        Outcome::Placed
    };
    let metrics = ShopMetrics::global();
    metrics.orders_total.with(&Order { method, outcome }).inc();
    metrics.order_amount_euros.observe(f64::from(amount));
    match outcome {
        Outcome::Placed => Ok(amount),
        Outcome::Declined => Err(Declined),
    }
}

/// Looks an order up, asynchronously.
#[instrumented(name = "find_order", namespace = "shop")]
pub async fn find_order(id: u64) -> Option<u64> {
    tokio::task::yield_now().await;
    id.is_multiple_of(2).then_some(id)
}

/// The end-of-run line a CLI prints: read from the metrics, no feature
/// needed.
pub fn summary() -> String {
    let snapshot = metrics_runtime::snapshot::Snapshot::take();
    let orders = snapshot.query("shop_place_order_total");
    format!(
        "{} orders, {} declined",
        orders.sum(),
        orders.with("result", "error").sum()
    )
}
