use metrics_runtime::instrumented;

#[instrumented(
    name = "fetch",
    labels(le = "a", quantile = "b", result, kind = "d", __source = "e")
)]
fn fetch(result: &str) -> usize {
    result.len()
}

fn main() {}
