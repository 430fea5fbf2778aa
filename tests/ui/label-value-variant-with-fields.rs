use metrics_runtime::{instrumented, LabelValue};

#[derive(LabelValue)]
enum Status {
    Success,
    Failed(String),
    Retried { attempts: u32 },
}

// The enum is still a label value: no second error here.
#[instrumented(name = "handle", labels(status))]
fn handle(status: Status) -> bool {
    matches!(status, Status::Success)
}

fn main() {}
