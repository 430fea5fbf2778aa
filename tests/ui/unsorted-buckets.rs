use metrics_runtime::instrumented;

#[instrumented(buckets = [0.01, 0.5, 0.1, 1.0])]
fn fetch() {}

fn main() {}
