use metrics_runtime::instrumented;

#[instrumented(name = "fetches_total")]
fn fetch() {}

fn main() {}
