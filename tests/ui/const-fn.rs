use metrics_runtime::instrumented;

#[instrumented]
const fn answer() -> u32 {
    42
}

fn main() {}
