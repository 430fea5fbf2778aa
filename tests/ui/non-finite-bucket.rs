use metrics_runtime::instrumented;

#[instrumented(buckets = [0.01, 0.1, 1e999])]
fn fetch() {}

fn main() {}
