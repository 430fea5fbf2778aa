use metrics_runtime::instrumented;

#[instrumented(name = "wait", buckets = [-0.5, 1.0])]
fn wait() {}

fn main() {}
