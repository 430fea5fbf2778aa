use metrics_runtime::instrumented;

#[instrumented(name = "fetch", labels(tool))]
fn fetch(url: &str) -> usize {
    url.len()
}

fn main() {}
