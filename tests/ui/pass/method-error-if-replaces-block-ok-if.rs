//! A method's `error_if` replaces the `ok_if` of its `impl` block instead of
//! clashing with it.
use metrics_runtime::instrumented;

struct Store;

fn is_some(found: &Option<u32>) -> bool {
    found.is_some()
}

fn is_zero(count: &u32) -> bool {
    *count == 0
}

#[instrumented(namespace = "pass_override", ok_if = is_some)]
impl Store {
    fn find(&self) -> Option<u32> {
        None
    }

    #[instrumented(error_if = is_zero)]
    fn count(&self) -> u32 {
        0
    }
}

fn main() {
    let store = Store;
    assert_eq!(store.find(), None);
    assert_eq!(store.count(), 0);
    let text = metrics_runtime::gather_text();
    for function in ["Store::find", "Store::count"] {
        let series = format!("function=\"{function}\"");
        assert!(
            text.lines().any(
                |line| line.starts_with("pass_override_function_calls_total")
                    && line.contains(&series)
                    && line.contains("result=\"error\"")
            ),
            "{function} not counted as an error in:\n{text}"
        );
    }
}
