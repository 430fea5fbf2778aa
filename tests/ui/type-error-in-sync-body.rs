use metrics_runtime::instrumented;

#[instrumented]
fn fetch() -> u32 {
    "text"
}

fn main() {}
