//! `#[instrumented]` and `#[tracing::instrument]` on one item, in either order.
use metrics_runtime::instrumented;

#[derive(Debug)]
struct Failed;

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("failed")
    }
}

#[instrumented(name = "stacked_outer", labels(tool))]
#[tracing::instrument(err, ret)]
fn metrics_outer(tool: &str) -> Result<usize, Failed> {
    Ok(tool.len())
}

#[tracing::instrument(skip_all, fields(tool))]
#[instrumented(name = "stacked_inner", labels(tool))]
async fn tracing_outer(tool: &str) -> Result<usize, Failed> {
    Ok(tool.len())
}

struct Service;

#[instrumented(name = "stacked_service")]
impl Service {
    #[tracing::instrument(skip(self))]
    fn call(&self, n: u32) -> u32 {
        n
    }

    #[tracing::instrument(skip(self), err)]
    async fn call_async(&self, n: u32) -> Result<u32, Failed> {
        Ok(n)
    }
}

fn main() {
    let _ = metrics_outer("grep");
    let _ = tracing_outer("sed");
    let _ = Service.call(1);
    let _ = Service.call_async(2);
}
