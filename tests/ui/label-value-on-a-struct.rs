use metrics_runtime::LabelValue;

#[derive(LabelValue)]
struct Region {
    name: String,
}

fn main() {}
