use async_trait::async_trait;
use metrics_runtime::instrumented;

#[async_trait]
trait Fetch {
    async fn fetch(&self) -> u32;
}

struct Fetcher;

#[async_trait]
impl Fetch for Fetcher {
    #[instrumented]
    async fn fetch(&self) -> u32 {
        "text"
    }
}

fn main() {}
