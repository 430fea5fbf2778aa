use metrics_runtime::{Family, LabelSet, MetricsFamily};
use prometheus::IntCounter;

#[derive(LabelSet)]
struct Route(String, u16);

// The struct is still a label set: no second error here.
#[derive(MetricsFamily)]
struct RouteMetrics {
    /// Requests by route.
    requests_total: Family<Route, IntCounter>,
}

fn main() {}
