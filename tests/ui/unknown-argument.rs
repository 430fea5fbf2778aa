use metrics_runtime::instrumented;

#[instrumented(bukets = [0.1, 1.0])]
fn fetch() {}

fn main() {}
