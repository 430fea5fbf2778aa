use metrics_runtime::instrumented;

#[instrumented(name = "9lives")]
fn fetch() {}

#[instrumented(name = "has-dash")]
fn load() {}

fn main() {}
