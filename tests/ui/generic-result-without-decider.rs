use metrics_runtime::instrumented;

#[instrumented(name = "retrying")]
fn retrying<R>(attempt: impl FnOnce() -> R) -> R {
    attempt()
}

struct Cache<T>(T);

#[instrumented]
impl<T: Clone> Cache<T> {
    fn get(&self) -> T {
        self.0.clone()
    }
}

fn main() {
    let _ = retrying(|| Ok::<u8, ()>(1));
    let _ = Cache(1).get();
}
