//! Every output line the README shows is what the code prints: the
//! README's snippets run here, complete, and each sample line of its
//! `text` blocks and each `// name{…} value` comment is looked up in the
//! exposition they produce.

use std::sync::LazyLock;

use metrics_runtime::{instrumented, Family, LabelSet, LabelValue, MetricsFamily};
use prometheus::{HistogramVec, IntCounter, IntGaugeVec, Registry};

#[derive(LabelValue, Debug)]
enum ActionError {
    Timeout,
}

/// The first screen's `run_action`, and the `error_kind` snippet's `run`.
#[instrumented(name = "action", labels(tool), error_kind)]
async fn run_action(tool: &str, fail: bool) -> Result<(), ActionError> {
    if fail {
        Err(ActionError::Timeout)
    } else {
        Ok(())
    }
}

#[derive(LabelValue, Clone, Copy)]
enum Status {
    Success,
}

#[derive(LabelSet)]
struct Call<'a> {
    tool: &'a str,
    status: Status,
}

#[derive(MetricsFamily)]
#[metrics(namespace = "sentinel")]
struct GatewayMetrics {
    /// Requests handled, by tool and outcome.
    requests_total: Family<Call<'static>, IntCounter>,
    /// Request latency.
    #[metric(labels(tool), buckets = [0.01, 0.1, 1.0])]
    request_duration_seconds: HistogramVec,
    /// 1 when the backend answers its health check.
    #[metric(labels(backend))]
    backend_healthy: IntGaugeVec,
}

static GATEWAY: LazyLock<Registry> = LazyLock::new(Registry::new);

/// The README's text, and the exposition of its snippets run for real.
fn readme_and_exposition() -> (String, String) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        for _ in 0..41 {
            run_action("grep", false).await.unwrap();
        }
        for _ in 0..3 {
            run_action("shell", true).await.unwrap_err();
        }
    });
    let metrics = GatewayMetrics::register(&GATEWAY).unwrap();
    let tool = String::from("search");
    metrics
        .requests_total
        .with(&Call {
            tool: &tool,
            status: Status::Success,
        })
        .inc();
    let mut exposition = metrics_runtime::gather_text();
    exposition.push_str(&metrics_runtime::encode_text(&GATEWAY));
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    (readme, exposition)
}

/// `(series, value)` of every sample line the README shows: in `text`
/// blocks (values there are illustrative) and in `// ` comments of code
/// blocks (values exact).
fn shown_samples(readme: &str) -> Vec<(String, Option<String>)> {
    let mut shown = Vec::new();
    let mut block: Option<&str> = None;
    for line in readme.lines() {
        if let Some(fence) = line.strip_prefix("```") {
            block = if block.is_some() { None } else { Some(fence) };
            continue;
        }
        let sample = match block {
            Some("text") => line.split(" #").next().map(|sample| (sample, false)),
            Some(_) => line.trim().strip_prefix("// ").map(|sample| (sample, true)),
            None => None,
        };
        let Some((sample, exact)) = sample else {
            continue;
        };
        let Some((series, value)) = sample.trim().rsplit_once(' ') else {
            continue;
        };
        if series.contains('{') && series.ends_with('}') && value.parse::<f64>().is_ok() {
            shown.push((series.to_owned(), exact.then(|| value.to_owned())));
        }
    }
    shown
}

#[test]
fn every_sample_line_of_the_readme_is_printed() {
    let (readme, exposition) = readme_and_exposition();
    let shown = shown_samples(&readme);
    assert!(shown.len() >= 7, "{shown:?}");
    for (series, value) in shown {
        let printed = exposition
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{series} ")));
        let Some(printed) = printed else {
            panic!("the README shows `{series}`, which is not printed:\n{exposition}");
        };
        if let Some(value) = value {
            assert_eq!(printed, value, "{series}");
        }
    }
}
