//! An event processor: it takes security events off a queue, drops
//! redeliveries, looks the host up (through a cache), runs the actions an
//! event calls for and saves a checkpoint now and then. Before it starts it
//! writes its metrics catalog, a Grafana dashboard and alert rules; then it
//! serves `/metrics` on `http://127.0.0.1:9203` until Ctrl-C.
//!
//! ```text
//! cargo run --example observer -- out/
//! promtool check rules out/rules.yml
//! curl http://127.0.0.1:9203/metrics
//! ```
//!
//! The first argument is where `catalog.md`, `dashboard.json` and
//! `rules.yml` go (default `OBSERVER_OUT`, else `./observer-out`). Set
//! `OBSERVER_ADDR` to listen elsewhere (say `127.0.0.1:0`) and
//! `OBSERVER_EVENTS=n` (or `OBSERVER_REQUESTS=n`) for the number of events
//! (default 300).

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use metrics_runtime::{instrumented, LabelValue, MetricsFamily};
use prometheus::{Gauge, IntCounter, IntGauge};

/// What an event calls for.
#[derive(LabelValue, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Notify,
    Enrich,
    Quarantine,
}

/// Why an action did not complete: `observer_actions_errors_total{kind}`.
#[derive(LabelValue, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionError {
    Failed,
    Timeout,
}

/// An event that could not be handled: the action that went wrong.
#[derive(Debug)]
pub struct ProcessError {
    pub action: Action,
    pub error: ActionError,
}

/// The storage refused a checkpoint.
#[derive(Debug)]
pub struct CheckpointError;

/// Everything the processor measures besides its instrumented functions.
#[derive(MetricsFamily)]
#[metrics(namespace = "observer")]
pub struct ObserverMetrics {
    /// Events waiting in the queue, read at every scrape.
    #[metric(collect = queue_depth)]
    pub queue_depth: IntGauge,
    /// Host lookups answered by the cache.
    pub cache_hits_total: IntCounter,
    /// Host lookups that went to the inventory.
    pub cache_misses_total: IntCounter,
    /// Share of host lookups answered by the cache since start, at every scrape.
    #[metric(collect = cache_hit_ratio)]
    pub cache_hit_ratio: Gauge,
    /// Events dropped as redeliveries of one already handled.
    pub duplicates_total: IntCounter,
}

/// Events waiting; the queue lives in [`run_workload`].
static QUEUE_DEPTH: AtomicUsize = AtomicUsize::new(0);

fn queue_depth() -> f64 {
    QUEUE_DEPTH.load(Ordering::Relaxed) as f64
}

fn cache_hit_ratio(metrics: &ObserverMetrics) -> f64 {
    let hits = metrics.cache_hits_total.get() as f64;
    let lookups = hits + metrics.cache_misses_total.get() as f64;
    if lookups == 0.0 {
        0.0
    } else {
        hits / lookups
    }
}

/// Longest an action may take before it counts as a timeout.
const ACTION_TIMEOUT: Duration = Duration::from_millis(25);
/// Hosts kept in the cache.
const CACHE_SIZE: usize = 24;
/// Event ids remembered for deduplication.
const DEDUP_WINDOW: usize = 64;
/// A checkpoint after this many events.
const CHECKPOINT_EVERY: u64 = 50;

/// One event off the queue. Synthetic, but repeatable: everything follows
/// from its sequence number.
#[derive(Debug, Clone, Copy)]
pub struct Event {
    pub id: u64,
    pub host: u64,
    pub severity: u8,
}

impl Event {
    /// The `seq`-th event; one in nineteen redelivers an earlier one.
    pub fn synthetic(seq: u64) -> Event {
        let id = if seq % 19 == 18 { seq - 3 } else { seq };
        let noise = mix(id);
        Event {
            id,
            // A few busy hosts and a long tail, so the cache hits often.
            host: if noise.is_multiple_of(4) {
                noise % 200
            } else {
                noise % 12
            },
            severity: (noise >> 8) as u8 % 10,
        }
    }

    /// Every event is enriched; notable ones notify, severe ones quarantine.
    fn actions(&self) -> Vec<Action> {
        let mut actions = vec![Action::Enrich];
        if self.severity >= 5 {
            actions.push(Action::Notify);
        }
        if self.severity >= 9 {
            actions.push(Action::Quarantine);
        }
        actions
    }
}

/// Remembers the last [`DEDUP_WINDOW`] event ids.
#[derive(Default)]
pub struct Deduper {
    seen: HashSet<u64>,
    order: VecDeque<u64>,
}

impl Deduper {
    /// Whether `id` was seen recently; remembers it.
    /// `observer_function_calls_total{function="Deduper::check",…}`.
    #[instrumented(namespace = "observer")]
    pub fn check(&mut self, id: u64) -> bool {
        if !self.seen.insert(id) {
            return true;
        }
        self.order.push_back(id);
        if self.order.len() > DEDUP_WINDOW {
            if let Some(old) = self.order.pop_front() {
                self.seen.remove(&old);
            }
        }
        false
    }
}

/// The processor's state between events.
pub struct Processor {
    dedup: Deduper,
    hosts: HashMap<u64, String>,
    metrics: &'static ObserverMetrics,
}

impl Processor {
    /// An empty processor recording into `ObserverMetrics::global()`.
    pub fn new() -> Processor {
        Processor {
            dedup: Deduper::default(),
            hosts: HashMap::new(),
            metrics: ObserverMetrics::global(),
        }
    }

    /// The host's name, from the cache or (slower) the inventory.
    async fn host_name(&mut self, host: u64) -> String {
        if let Some(name) = self.hosts.get(&host) {
            self.metrics.cache_hits_total.inc();
            return name.clone();
        }
        self.metrics.cache_misses_total.inc();
        tokio::time::sleep(Duration::from_millis(3)).await;
        if self.hosts.len() >= CACHE_SIZE {
            self.hosts.clear();
        }
        let name = format!("host-{host:03}");
        self.hosts.insert(host, name.clone());
        name
    }
}

impl Default for Processor {
    fn default() -> Self {
        Processor::new()
    }
}

/// Handles one event. The objectives: 99% of events handled without
/// error, and 99% of them within 50 ms.
#[instrumented(
    namespace = "observer",
    name = "events",
    buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0],
    objective(success = 99.0, latency = 0.05),
)]
pub async fn process_event(processor: &mut Processor, event: Event) -> Result<(), ProcessError> {
    if processor.dedup.check(event.id) {
        processor.metrics.duplicates_total.inc();
        return Ok(());
    }
    let host = processor.host_name(event.host).await;
    for action in event.actions() {
        execute_action(action, &host, event.id)
            .await
            .map_err(|error| ProcessError { action, error })?;
    }
    Ok(())
}

/// Runs one action against its backend, which now and then fails or hangs.
/// `observer_actions_total{action,result}`, `…_errors_total{action,kind}`.
#[instrumented(
    namespace = "observer",
    name = "actions",
    labels(action),
    error_kind,
    buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05],
)]
pub async fn execute_action(action: Action, host: &str, event_id: u64) -> Result<(), ActionError> {
    let noise = mix(event_id ^ ((action as u64) << 32)) ^ host.len() as u64;
    let backend = async move {
        let hangs = noise.is_multiple_of(233);
        let millis = if hangs { 60 } else { 1 + noise % 9 };
        tokio::time::sleep(Duration::from_millis(millis)).await;
        if noise.is_multiple_of(151) {
            Err(ActionError::Failed)
        } else {
            Ok(())
        }
    };
    match tokio::time::timeout(ACTION_TIMEOUT, backend).await {
        Ok(done) => done,
        Err(_elapsed) => Err(ActionError::Timeout),
    }
}

/// Saves how far the processor got. Objective: 99% within 100 ms.
#[instrumented(namespace = "observer", objective(latency = 0.1))]
pub async fn save_checkpoint(offset: u64) -> Result<(), CheckpointError> {
    tokio::time::sleep(Duration::from_millis(5 + mix(offset) % 20)).await;
    if offset.is_multiple_of(CHECKPOINT_EVERY * 7) {
        return Err(CheckpointError);
    }
    Ok(())
}

/// Processes `events` events as they arrive in bursts, checkpointing as
/// it goes; takes a few milliseconds per event.
pub async fn run_workload(events: u64) {
    let mut processor = Processor::new();
    let mut queue = VecDeque::new();
    let (mut arrived, mut handled) = (0, 0);
    while handled < events {
        let burst = 1 + mix(arrived) % 6;
        for _ in 0..burst.min(events - arrived) {
            queue.push_back(Event::synthetic(arrived));
            arrived += 1;
        }
        QUEUE_DEPTH.store(queue.len(), Ordering::Relaxed);
        for _ in 0..3 {
            let Some(event) = queue.pop_front() else {
                break;
            };
            QUEUE_DEPTH.store(queue.len(), Ordering::Relaxed);
            if let Err(err) = process_event(&mut processor, event).await {
                log_error(event.id, &err);
            }
            handled += 1;
            if handled.is_multiple_of(CHECKPOINT_EVERY) {
                let _ = save_checkpoint(handled).await;
            }
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let _ = save_checkpoint(handled).await;
    QUEUE_DEPTH.store(0, Ordering::Relaxed);
}

fn log_error(id: u64, err: &ProcessError) {
    if std::env::var_os("OBSERVER_VERBOSE").is_some() {
        eprintln!("event {id}: {:?} ended in {:?}", err.action, err.error);
    }
}

/// Writes `catalog.md`, `dashboard.json` and `rules.yml` into `dir`.
pub fn write_artifacts(dir: &Path) -> std::io::Result<()> {
    let catalog = metrics_runtime::catalog();
    std::fs::create_dir_all(dir)?;
    let markdown = format!("# Observer metrics\n\n{}", catalog.to_markdown());
    std::fs::write(dir.join("catalog.md"), markdown)?;
    std::fs::write(
        dir.join("dashboard.json"),
        catalog.grafana_dashboard("Observer"),
    )?;
    std::fs::write(dir.join("rules.yml"), catalog.alert_rules())?;
    Ok(())
}

/// SplitMix64: cheap, repeatable noise from a number.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn env_number(names: &[&str]) -> Option<u64> {
    names
        .iter()
        .find_map(|name| std::env::var(name).ok()?.parse().ok())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Every series the dashboard and the rules read exists from the start.
    metrics_runtime::init();

    let out = std::env::args_os()
        .nth(1)
        .or_else(|| std::env::var_os("OBSERVER_OUT"))
        .map_or_else(|| PathBuf::from("observer-out"), PathBuf::from);
    write_artifacts(&out)?;
    println!(
        "wrote catalog.md, dashboard.json and rules.yml to {}",
        out.display()
    );

    let addr = std::env::var("OBSERVER_ADDR").unwrap_or_else(|_| "127.0.0.1:9203".to_owned());
    let events = env_number(&["OBSERVER_EVENTS", "OBSERVER_REQUESTS"]).unwrap_or(300);
    let server = metrics_runtime::http::serve(addr.as_str()).await?;
    println!(
        "serving observer metrics on http://{}/metrics (Ctrl-C to stop)",
        server.local_addr()
    );

    tokio::select! {
        () = run_workload(events) => {
            println!("processed {events} events");
            tokio::signal::ctrl_c().await?;
        }
        stopped = tokio::signal::ctrl_c() => stopped?,
    }
    server.shutdown().await?;
    println!("stopped");
    Ok(())
}
