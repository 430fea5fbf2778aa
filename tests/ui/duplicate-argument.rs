use metrics_runtime::instrumented;

#[instrumented(name = "fetch", buckets = [0.1], name = "load")]
fn fetch() {}

fn main() {}
