use metrics_runtime::instrumented;

#[instrumented]
trait Fetch {
    fn fetch(&self) {}
}

fn main() {}
