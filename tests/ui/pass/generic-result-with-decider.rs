use metrics_runtime::instrumented;

fn is_ok<T, E>(result: &Result<T, E>) -> bool {
    result.is_ok()
}

#[instrumented(name = "retrying", ok_if = is_ok)]
fn retrying<T, E>(attempt: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
    attempt()
}

fn always(_: &u8) -> bool {
    true
}

#[instrumented(name = "identity", ok_if = always)]
fn identity<R: Into<u8>>(value: R) -> u8 {
    value.into()
}

fn main() {
    let _ = retrying(|| Err::<u8, ()>(()));
    let _ = identity(1u8);
}
