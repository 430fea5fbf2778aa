use metrics_runtime::instrumented;

struct Fetcher;

#[instrumented]
impl Fetcher {
    fn fetch(&self) -> u32 {
        "text"
    }

    async fn load(&self) -> Result<u32, String> {
        Ok("text")
    }
}

fn main() {}
