use metrics_runtime::instrumented;

#[instrumented(buckets = [])]
fn fetch() {}

fn main() {}
