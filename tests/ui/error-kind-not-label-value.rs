use metrics_runtime::instrumented;

#[derive(Debug)]
enum FetchError {
    Timeout,
}

#[instrumented(name = "fetch", error_kind)]
fn fetch() -> Result<(), FetchError> {
    Err(FetchError::Timeout)
}

fn main() {}
