//! A real Prometheus (Debian's `prometheus`) scraping a target on
//! 127.0.0.1 every second, or receiving remote writes, and its query API.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::Server;

/// Starts Prometheus with `extra` flags (`--enable-feature=…`), scraping
/// `target` every second; `None` where it is not installed and `CI` is
/// not `true`.
pub fn start(target: SocketAddr, extra: &[&str]) -> Option<Server> {
    let config = format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  \
         - job_name: toolkit\n    static_configs:\n      - targets: ['{target}']\n"
    );
    start_with(&config, super::free_port(), extra)
}

/// Starts Prometheus on `port` with its remote-write receiver
/// (`/api/v1/write`) and nothing to scrape; `None` as for [`start`].
pub fn start_receiver(port: u16) -> Option<Server> {
    start_with(
        "global:\n  scrape_interval: 1m\n",
        port,
        &["--web.enable-remote-write-receiver"],
    )
}

/// Starts Prometheus on `port` with its remote-write receiver, speaking
/// only what `web_config` (a `--web.config.file`: TLS, basic auth) says;
/// ready once `ready` says so. `None` as for [`start`].
pub fn start_tls_receiver(
    port: u16,
    web_config: &std::path::Path,
    ready: impl Fn(&Server) -> bool,
) -> Option<Server> {
    let web = format!("--web.config.file={}", web_config.display());
    let extra = ["--web.enable-remote-write-receiver", web.as_str()];
    start_until("global:\n  scrape_interval: 1m\n", port, &extra, ready)
}

/// Starts Prometheus on `port` with the configuration `config` and `extra` flags.
fn start_with(config: &str, port: u16, extra: &[&str]) -> Option<Server> {
    start_until(config, port, extra, |server| {
        super::http_get(&format!("{}/-/ready", server.url)).is_some_and(|(status, _)| status == 200)
    })
}

/// As [`start_with`], ready once `ready` says so.
fn start_until(
    config: &str,
    port: u16,
    extra: &[&str],
    ready: impl Fn(&Server) -> bool,
) -> Option<Server> {
    let prometheus = super::require_binary("prometheus", "apt-get install prometheus")?;
    let dir =
        std::env::temp_dir().join(format!("metrics-prometheus-{port}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config_file = dir.join("prometheus.yml");
    std::fs::write(&config_file, config).unwrap();
    let config_arg = format!("--config.file={}", config_file.display());
    let mut args = vec![
        config_arg.as_str(),
        "--storage.tsdb.path={dir}/data",
        "--web.listen-address=127.0.0.1:{port}",
    ];
    args.extend_from_slice(extra);
    let server = Server::start_until(port, &prometheus, &args, ready);
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

/// Every series of an instant query's result, as its labels and value;
/// `None` while nothing answers.
pub fn vector(server: &Server, promql: &str) -> Option<Vec<(BTreeMap<String, String>, f64)>> {
    let data = api(
        server,
        &format!("/api/v1/query?query={}", super::url_encode(promql)),
    )?;
    let result = data["result"].as_array()?.iter().map(|series| {
        let labels = series["metric"]
            .as_object()
            .map_or_else(BTreeMap::new, |labels| {
                labels
                    .iter()
                    .map(|(name, value)| {
                        (name.clone(), value.as_str().unwrap_or_default().to_owned())
                    })
                    .collect()
            });
        let value = series["value"][1].as_str().and_then(|v| v.parse().ok());
        (labels, value.unwrap_or(f64::NAN))
    });
    Some(result.collect())
}
