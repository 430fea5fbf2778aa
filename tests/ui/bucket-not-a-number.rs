use metrics_runtime::instrumented;

#[instrumented(buckets = [0.1, "1s", 10.0])]
fn fetch() {}

fn main() {}
