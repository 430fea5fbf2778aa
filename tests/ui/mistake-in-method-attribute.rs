use metrics_runtime::instrumented;

struct Fetcher;

// A method's own attribute is checked like any other, and reported once.
#[instrumented(name = "fetcher")]
impl Fetcher {
    #[instrumented(labels(url), bukets = [0.1])]
    fn fetch(&self) {}

    #[instrumented(skip)]
    fn close(&self) {}
}

fn main() {}
