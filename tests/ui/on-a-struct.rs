use metrics_runtime::instrumented;

#[instrumented]
struct Fetcher {
    url: String,
}

fn main() {}
