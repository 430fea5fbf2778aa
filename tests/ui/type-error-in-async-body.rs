use metrics_runtime::instrumented;

#[instrumented]
async fn fetch() -> u32 {
    "text"
}

fn main() {}
