use metrics_runtime::instrumented;

fn is_ok(value: &u32) -> bool {
    *value > 0
}

fn is_error(value: &u32) -> bool {
    *value == 0
}

#[instrumented(ok_if = is_ok, error_if = is_error)]
fn fetch() -> u32 {
    1
}

fn main() {}
