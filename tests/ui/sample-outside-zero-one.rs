use metrics_runtime::instrumented;

#[instrumented(name = "poll", sample = 1.5)]
fn poll() {}

#[instrumented(name = "never", sample = 0)]
fn never() {}

fn main() {
    poll();
    never();
}
