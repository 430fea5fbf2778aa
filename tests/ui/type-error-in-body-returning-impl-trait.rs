use metrics_runtime::instrumented;

// The hidden type of `impl Trait` is the body's business: an error there is
// reported as plain Rust would, not as a clash with `Result`.
#[instrumented]
fn describe(count: &str) -> impl std::fmt::Display {
    count.parse().unwrap()
}

#[instrumented]
async fn describe_later(count: &str) -> impl std::fmt::Display {
    count.parse().unwrap()
}

#[instrumented]
fn first(items: &[u32]) -> Result<impl std::fmt::Display, String> {
    if items.is_empty() {
        return Err(404);
    }
    Ok(items[0])
}

fn main() {}
