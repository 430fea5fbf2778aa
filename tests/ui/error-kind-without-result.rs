use metrics_runtime::instrumented;

#[instrumented(name = "count", error_kind)]
fn count() -> u32 {
    7
}

fn main() {}
