use metrics_runtime::LabelValue;

#[derive(LabelValue)]
enum Status {
    #[label = 5]
    Success,
}

fn main() {}
