use metrics_runtime::instrumented;

#[track_caller]
#[instrumented]
fn located() {}

fn main() {}
