use metrics_runtime::LabelSet;

struct Region {
    name: String,
}

#[derive(LabelSet)]
struct Route {
    path: String,
    region: Region,
}

fn main() {}
