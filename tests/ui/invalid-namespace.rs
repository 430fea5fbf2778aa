use metrics_runtime::instrumented;

#[instrumented(namespace = "my-app", name = "fetch")]
fn fetch() {}

fn main() {}
