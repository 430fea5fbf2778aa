use metrics_runtime::instrumented;

trait Fetch {
    #[instrumented]
    fn fetch(&self);
}

fn main() {}
