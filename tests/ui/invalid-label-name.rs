use metrics_runtime::instrumented;

#[instrumented(name = "fetch", labels(café = "x"))]
fn fetch() {}

fn main() {}
