//! `error_kind` reads the error type through a `Result` alias with one
//! parameter, which the macro cannot see is a `Result`.
use metrics_runtime::{instrumented, LabelValue};

#[derive(LabelValue, Debug)]
enum StoreError {
    NotFound,
}

type StoreResult<T> = Result<T, StoreError>;

#[instrumented(name = "pass_alias_lookup", error_kind)]
fn lookup(id: u32) -> StoreResult<u32> {
    if id == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(id)
    }
}

fn main() {
    assert!(lookup(0).is_err());
    assert_eq!(lookup(1).ok(), Some(1));
    let text = metrics_runtime::gather_text();
    assert!(
        text.contains(r#"pass_alias_lookup_errors_total{kind="not_found"} 1"#),
        "no error counted by kind in:\n{text}"
    );
}
