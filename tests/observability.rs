//! The observer example's catalog, Grafana dashboard and alert rules: the
//! catalog is complete, promtool accepts the rules, and a real Prometheus
//! on 127.0.0.1 loads them and runs every dashboard and rule expression.

mod support;

#[allow(dead_code)]
#[path = "../examples/observer.rs"]
mod observer;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::Server;

/// Every metric family the observer declares.
const OBSERVER_METRICS: [&str; 15] = [
    "observer_events_total",
    "observer_events_duration_seconds",
    "observer_events_in_flight",
    "observer_actions_total",
    "observer_actions_duration_seconds",
    "observer_actions_in_flight",
    "observer_actions_errors_total",
    "observer_function_calls_total",
    "observer_function_calls_duration_seconds",
    "observer_function_calls_in_flight",
    "observer_queue_depth",
    "observer_cache_hits_total",
    "observer_cache_misses_total",
    "observer_cache_hit_ratio",
    "observer_duplicates_total",
];

/// The observer's instrumented functions, as `function` labels or names.
const OBSERVER_FUNCTIONS: [&str; 4] = [
    "process_event",
    "execute_action",
    "Deduper::check",
    "save_checkpoint",
];

/// A fresh scratch directory for one test.
fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "metrics-observability-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn catalog_lists_every_observer_metric_where_it_is_declared() {
    let catalog = metrics_runtime::catalog();
    let markdown = catalog.to_markdown();
    for name in OBSERVER_METRICS {
        let metric = catalog
            .metrics
            .iter()
            .find(|metric| metric.name == name)
            .unwrap_or_else(|| panic!("{name} is not in the catalog:\n{markdown}"));
        assert!(!metric.sources.is_empty(), "{name} has no source");
        for source in &metric.sources {
            assert!(
                source.file.ends_with("observer.rs") && source.line > 0,
                "{name} declared at {}:{}",
                source.file,
                source.line
            );
        }
        let row = format!("| `{name}` | {} |", metric.kind.as_str());
        assert!(markdown.contains(&row), "no row {row} in:\n{markdown}");
    }
    let unlisted: Vec<&str> = catalog
        .metrics
        .iter()
        .map(|metric| metric.name.as_str())
        .filter(|name| name.starts_with("observer_") && !OBSERVER_METRICS.contains(name))
        .collect();
    assert!(
        unlisted.is_empty(),
        "metrics this test does not know: {unlisted:?}"
    );

    let functions: Vec<&str> = catalog
        .functions
        .iter()
        .map(|f| f.function.as_str())
        .collect();
    for function in OBSERVER_FUNCTIONS {
        assert!(functions.contains(&function), "{function} in {functions:?}");
    }
    let process = catalog
        .functions
        .iter()
        .find(|f| f.function == "process_event")
        .unwrap();
    let objective = process.objective.expect("process_event has objectives");
    assert_eq!(
        (objective.success, objective.latency),
        (Some(99.0), Some(0.05))
    );
}

/// The dashboard's panels, parsed.
fn panels(dashboard: &Value) -> &Vec<Value> {
    dashboard["panels"].as_array().expect("panels")
}

/// Every query of the dashboard, as Grafana would send it with "All"
/// picked and a 1m rate interval.
fn dashboard_queries(dashboard: &Value) -> Vec<String> {
    panels(dashboard)
        .iter()
        .flat_map(|panel| panel["targets"].as_array().cloned().unwrap_or_default())
        .map(|target| {
            target["expr"]
                .as_str()
                .expect("a target has an expr")
                .replace("$__rate_interval", "1m")
                .replace("$job", ".*")
                .replace("$instance", ".*")
        })
        .collect()
}

#[test]
fn promtool_accepts_the_rules_and_the_dashboard_has_a_row_per_function() {
    let dir = scratch_dir("artifacts");
    observer::write_artifacts(&dir).unwrap();
    let catalog = std::fs::read_to_string(dir.join("catalog.md")).unwrap();
    assert!(catalog.contains("| `observer_queue_depth` | gauge |"));

    let text = std::fs::read_to_string(dir.join("dashboard.json")).unwrap();
    let dashboard: Value = serde_json::from_str(&text).expect("the dashboard is JSON");
    assert_eq!(dashboard["title"], "Observer");
    assert!(dashboard["schemaVersion"].as_u64().unwrap() >= 36);
    let variables: Vec<&str> = dashboard["templating"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(variables, ["datasource", "job", "instance"]);

    let rows: Vec<&str> = panels(&dashboard)
        .iter()
        .filter(|panel| panel["type"] == "row")
        .map(|row| row["title"].as_str().unwrap())
        .collect();
    assert_eq!(rows.len(), OBSERVER_FUNCTIONS.len(), "{rows:?}");
    for function in OBSERVER_FUNCTIONS {
        let prefix = format!("{function} (");
        assert!(
            rows.iter().any(|row| row.starts_with(&prefix)),
            "no row for {function} in {rows:?}"
        );
    }
    let mut ids = Vec::new();
    for panel in panels(&dashboard) {
        ids.push(panel["id"].as_u64().unwrap());
        for key in ["h", "w", "x", "y"] {
            assert!(panel["gridPos"][key].is_u64(), "gridPos.{key} of {panel}");
        }
        if panel["type"] == "row" {
            continue;
        }
        assert!(["timeseries", "stat"].contains(&panel["type"].as_str().unwrap()));
        assert_eq!(panel["datasource"]["uid"], "${datasource}");
        let targets = panel["targets"].as_array().unwrap();
        assert!(!targets.is_empty(), "{panel}");
        for target in targets {
            assert!(target["refId"].is_string() && target["expr"].is_string());
        }
    }
    let distinct: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(distinct.len(), ids.len(), "panel ids are unique");

    let rules = std::fs::read_to_string(dir.join("rules.yml")).unwrap();
    support::promtool_check_rules(&rules);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The JSON answer of a GET on the server's API, `None` if it does not answer.
fn api(server: &Server, path_and_query: &str) -> Option<Value> {
    let (_, body) = support::http_get(&format!("{}{path_and_query}", server.url))?;
    serde_json::from_str(&body).ok()
}

/// Polls `check` every 250 ms until it returns `Some`, or fails after
/// `limit` with `what` and the server's log.
fn wait_for<T>(
    server: &Server,
    limit: Duration,
    what: &str,
    mut check: impl FnMut() -> Option<T>,
) -> T {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(done) = check() {
            return done;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    panic!(
        "{what} did not happen in {limit:?}; server log:\n{}",
        server.log()
    );
}

/// The `query` of every rule, once every rule has been evaluated without
/// error. A rule in error fails the test at once.
fn evaluated_rules(server: &Server, expected: usize) -> Vec<String> {
    wait_for(
        server,
        Duration::from_secs(20),
        "every rule evaluated",
        || {
            let answer = api(server, "/api/v1/rules")?;
            let rules: Vec<&Value> = answer["data"]["groups"]
                .as_array()?
                .iter()
                .flat_map(|group| group["rules"].as_array().into_iter().flatten())
                .collect();
            for rule in &rules {
                assert_ne!(rule["health"], "err", "rule in error: {rule}");
            }
            let healthy = rules.iter().all(|rule| rule["health"] == "ok");
            (rules.len() == expected && healthy).then(|| {
                rules
                    .iter()
                    .map(|rule| rule["query"].as_str().unwrap().to_owned())
                    .collect()
            })
        },
    )
}

/// Runs `query`; `Err` with the answer unless its status is `success`.
fn instant_query(server: &Server, query: &str) -> Result<Value, String> {
    let path = format!("/api/v1/query?query={}", support::url_encode(query));
    let answer = api(server, &path).ok_or_else(|| format!("no answer to {query}"))?;
    if answer["status"] == "success" {
        Ok(answer)
    } else {
        Err(format!("{query}\n  -> {answer}"))
    }
}

/// Starts Prometheus with `config`, waits for the observer's data and its
/// rules, then runs every query; returns the queries that failed.
fn check_on_prometheus(
    prometheus: &Path,
    config: &Path,
    dashboard: &[String],
    rules: usize,
) -> Vec<String> {
    let config_arg = format!("--config.file={}", config.display());
    let server = Server::start(
        prometheus,
        &[
            &config_arg,
            "--storage.tsdb.path={dir}/data",
            "--web.listen-address=127.0.0.1:{port}",
        ],
        "/-/ready",
    );
    wait_for(
        &server,
        Duration::from_secs(30),
        "a scrape of the observer",
        || {
            let answer =
                instant_query(&server, "sum(observer_events_total{job=\"observer\"})").ok()?;
            let value = answer["data"]["result"][0]["value"][1]
                .as_str()?
                .parse::<f64>()
                .ok()?;
            (value > 0.0).then_some(())
        },
    );
    let rule_queries = evaluated_rules(&server, rules);
    // The recording rules write series the alerts can read.
    wait_for(
        &server,
        Duration::from_secs(20),
        "a recorded error ratio",
        || {
            let answer = instant_query(
                &server,
                "metrics_runtime:observer_events:error_ratio_rate5m",
            )
            .ok()?;
            (!answer["data"]["result"].as_array()?.is_empty()).then_some(())
        },
    );
    dashboard
        .iter()
        .chain(&rule_queries)
        .filter_map(|query| instant_query(&server, query).err())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_loads_the_rules_and_runs_every_dashboard_and_rule_expression() {
    let Some(prometheus) = support::require_binary("prometheus", "apt-get install prometheus")
    else {
        return;
    };
    metrics_runtime::init();
    let ours = metrics_runtime::http::serve("127.0.0.1:0").await.unwrap();
    let dir = scratch_dir("prometheus");
    observer::write_artifacts(&dir).unwrap();
    let rules_file = dir.join("rules.yml");
    let rules_text = std::fs::read_to_string(&rules_file).unwrap();
    let rules = rules_text.matches("- record: ").count() + rules_text.matches("- alert: ").count();
    let dashboard: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("dashboard.json")).unwrap())
            .unwrap();
    let queries = dashboard_queries(&dashboard);
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
             rule_files:\n  - '{}'\n\
             scrape_configs:\n  - job_name: observer\n    static_configs:\n      - targets: ['{}']\n",
            rules_file.display(),
            ours.local_addr()
        ),
    )
    .unwrap();

    let workload = tokio::spawn(observer::run_workload(150));
    let failures = tokio::task::spawn_blocking(move || {
        check_on_prometheus(&prometheus, &config, &queries, rules)
    })
    .await;
    workload.await.unwrap();
    ours.shutdown().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let failures = failures.unwrap();
    assert!(
        failures.is_empty(),
        "{} queries failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
