use metrics_runtime::instrumented;

#[instrumented(skip)]
fn fetch() {}

fn main() {}
