use metrics_runtime::instrumented;

#[instrumented(name = "lookup", duration = false, native_histogram)]
fn lookup() {}

fn main() {}
