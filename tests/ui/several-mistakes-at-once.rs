use metrics_runtime::instrumented;

#[instrumented(name = "has-dash", bukets = [0.1], labels(tool), buckets = [1.0, 0.5])]
const fn fetch() {}

fn main() {}
