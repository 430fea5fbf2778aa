use metrics_runtime::LabelValue;

#[derive(LabelValue)]
enum Status {
    Success,
    #[label = "success"]
    Ok,
}

fn main() {}
