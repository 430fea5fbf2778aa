use metrics_runtime::instrumented;

const BOUNDS: [u32; 2] = [1, 2];

#[instrumented(name = "fetch", buckets = BOUNDS)]
fn fetch() {}

fn main() {
    fetch();
}
