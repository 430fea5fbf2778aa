use metrics_runtime::instrumented;

#[instrumented(name = "fetch", labels(tool, tool = "hammer"))]
fn fetch(tool: &str) -> usize {
    tool.len()
}

// The default name already labels each series with `function` and `module`.
#[instrumented(labels(function))]
fn load(function: &str) -> usize {
    function.len()
}

fn main() {}
