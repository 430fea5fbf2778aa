use metrics_runtime::instrumented;

#[instrumented(help = "")]
fn fetch() {}

fn main() {}
