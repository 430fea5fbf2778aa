use metrics_runtime::LabelSet;

#[derive(LabelSet)]
struct Bucketed {
    le: u32,
    quantile: u32,
    __x: u32,
    method: String,
}

fn main() {}
