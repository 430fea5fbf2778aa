//! A real Prometheus (Debian's `prometheus`) scraping a target on
//! 127.0.0.1 every second, and its query API.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::Server;

/// Starts Prometheus with `extra` flags (`--enable-feature=…`), scraping
/// `target` every second; `None` where it is not installed and `CI` is
/// not `true`.
pub fn start(target: SocketAddr, extra: &[&str]) -> Option<Server> {
    let prometheus = super::require_binary("prometheus", "apt-get install prometheus")?;
    let dir = std::env::temp_dir().join(format!(
        "metrics-prometheus-{}-{}",
        target.port(),
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("scrape.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  \
             - job_name: toolkit\n    static_configs:\n      - targets: ['{target}']\n"
        ),
    )
    .unwrap();
    let config_arg = format!("--config.file={}", config.display());
    let mut args = vec![
        config_arg.as_str(),
        "--storage.tsdb.path={dir}/data",
        "--web.listen-address=127.0.0.1:{port}",
    ];
    args.extend_from_slice(extra);
    let server = Server::start(&prometheus, &args, "/-/ready");
    // Prometheus has read its configuration once it is ready.
    let _ = std::fs::remove_dir_all(&dir);
    Some(server)
}

/// GETs `path_and_query` of the API and returns its `data`, failing the
/// test on an error answer; `None` while nothing answers.
pub fn api(server: &Server, path_and_query: &str) -> Option<serde_json::Value> {
    let (status, body) = super::http_get(&format!("{}{path_and_query}", server.url))?;
    let json: serde_json::Value =
        serde_json::from_str(&body).unwrap_or_else(|err| panic!("{status} {err}: {body}"));
    assert_eq!(json["status"], "success", "{body}");
    Some(json["data"].clone())
}

/// Polls `check` every 250 ms until it gives a value or `within` passes.
pub fn poll<T>(within: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = check() {
            return Some(value);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Whether the target has been scraped successfully.
pub fn target_up(server: &Server) -> bool {
    api(server, "/api/v1/targets").is_some_and(|data| {
        data["activeTargets"]
            .as_array()
            .is_some_and(|targets| targets.iter().any(|t| t["health"] == "up"))
    })
}

/// The value of an instant query with one result.
pub fn scalar(server: &Server, promql: &str) -> Option<f64> {
    let data = api(
        server,
        &format!("/api/v1/query?query={}", super::url_encode(promql)),
    )?;
    let value = data["result"].as_array()?.first()?["value"][1].as_str()?;
    value.parse().ok().filter(|v: &f64| v.is_finite())
}
