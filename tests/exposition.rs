//! The exposition of a program using every kind of instrumentation is
//! accepted by `promtool check metrics`, Prometheus' own parser and linter.

mod support;

use std::io::Write;
use std::process::{Command, Stdio};

use metrics_runtime::instrumented;

#[derive(Debug)]
struct Failed;

#[instrumented(name = "expo_request", namespace = "shop", labels(route, method = "GET"), buckets = [0.001, 0.1, 1])]
fn request(route: &str, fail: bool) -> Result<(), Failed> {
    if fail {
        Err(Failed)
    } else {
        Ok(())
    }
}

#[instrumented(name = "expo_job", labels(attempt), help = "Background job runs")]
async fn job(attempt: u32) -> u32 {
    attempt
}

#[instrumented]
fn plain() {}

#[instrumented(name = "expo_panics")]
fn panics() {
    panic!("for the exposition");
}

fn exercise() {
    request("/", false).unwrap();
    request("/cart\"quoted\"\\back\nslash", true).unwrap_err();
    request("/ünïcødé", false).unwrap();
    plain();
    let _ = std::panic::catch_unwind(panics);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(job(1));
    let cancelled = job(2);
    drop(cancelled);
}

#[test]
fn promtool_accepts_the_exposition() {
    exercise();
    let text = metrics_runtime::gather_text();
    support::parse(&text);
    assert!(text.contains("shop_expo_request_total"));

    let Some(promtool) = support::require_binary("promtool", "apt-get install prometheus") else {
        return;
    };
    let mut child = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success() && output.stdout.is_empty() && output.stderr.is_empty(),
        "promtool check metrics rejected the exposition:\n{}{}\n--- exposition ---\n{text}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
}
