use metrics_runtime::instrumented;

struct Fetcher;

#[instrumented(skip)]
impl Fetcher {
    fn fetch(&self) {}
}

fn main() {}
