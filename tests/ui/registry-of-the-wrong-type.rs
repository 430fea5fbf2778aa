use metrics_runtime::instrumented;

static NOT_A_REGISTRY: u32 = 7;

#[instrumented(name = "lookup", registry = &NOT_A_REGISTRY)]
fn lookup() {}

fn main() {
    lookup();
}
