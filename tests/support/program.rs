//! One program using every kind of series: `#[instrumented]` functions
//! (sync and async, odd label values, errors by kind, calls in flight,
//! overflow), derived families and foreign collectors, in a plain registry
//! and in one with a prefix and constant labels. Shared by the tests that
//! compare expositions, through `#[path]` so that other tests' catalogs
//! do not see its functions.
#![allow(dead_code)]

use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{LazyLock, OnceLock};
use std::task::{Context, Poll, Waker};

use metrics_runtime::{instrumented, Family, LabelSet, LabelValue, MetricsFamily};
use prometheus::{Counter, Gauge, Histogram, IntCounter, IntCounterVec, IntGauge, Registry};

/// Label values that must survive escaping, including the separators of
/// the label syntax itself.
pub const ODD: [&str; 9] = [
    "plain",
    "say \"hi\"",
    "back\\slash",
    "two\nlines",
    "ünïcødé ✓",
    "",
    "trailing\\",
    "\\n is not a newline",
    "a=\"b\",c=\"d\"} 1",
];

/// Toolkit series next to foreign collectors.
static MAIN: LazyLock<Registry> = LazyLock::new(Registry::new);

/// A registry that prefixes every name and adds a label to every series.
static PREFIXED: LazyLock<Registry> = LazyLock::new(|| {
    let labels = HashMap::from([("zone".to_owned(), "eu \"1\" \\ ✓".to_owned())]);
    Registry::new_custom(Some("prefix".to_owned()), Some(labels)).unwrap()
});

#[derive(LabelValue, Debug, Clone, Copy)]
enum Fault {
    Timeout,
    NotFound,
}

#[instrumented(name = "lookup", namespace = "parsers", labels(key, store = "kv"),
    buckets = [0.001, 0.1, 1], error_kind, registry = &MAIN)]
fn lookup(key: &str, fault: Option<Fault>) -> Result<(), Fault> {
    fault.map_or(Ok(()), Err)
}

#[instrumented(name = "fetch", labels(host), registry = &MAIN,
    help = "Fetches \"quoted\", with a \\ backslash")]
async fn fetch(host: &str) -> usize {
    host.len()
}

#[instrumented(name = "stuck", registry = &MAIN)]
async fn stuck() {
    std::future::pending::<()>().await
}

#[instrumented(name = "hold", registry = &MAIN)]
fn hold(entered: SyncSender<()>, release: Receiver<()>) {
    entered.send(()).unwrap();
    let _ = release.recv();
}

#[instrumented(name = "crash", in_flight = false, registry = &MAIN)]
fn crash() {
    panic!("measured as result=\"panic\"");
}

#[instrumented(name = "tenant_calls", labels(tenant), max_series = 2, registry = &MAIN)]
fn tenant_call(tenant: &str) {}

#[instrumented(registry = &MAIN)]
fn plain() {}

#[instrumented(name = "prefixed_call", labels(key), error_kind, registry = &PREFIXED)]
fn prefixed_call(key: &str, fault: Option<Fault>) -> Result<(), Fault> {
    fault.map_or(Ok(()), Err)
}

#[derive(LabelValue, Clone, Copy)]
enum Method {
    Get,
    #[label = "POST \"form\""]
    Post,
}

#[derive(LabelSet)]
struct Route<'a> {
    route: &'a str,
    method: Method,
}

#[derive(LabelSet)]
struct Peer<'a> {
    peer: &'a str,
}

#[derive(LabelSet)]
struct Verb {
    method: Method,
}

#[derive(MetricsFamily)]
#[metrics(namespace = "parsers", subsystem = "derived")]
struct Derived {
    /// Requests by route and method.
    requests_total: Family<Route<'static>, IntCounter>,
    /// Bytes sent "to" a peer, \ counted.
    sent_bytes_total: Family<Peer<'static>, Counter>,
    /// Open connections by method (created at zero).
    connections: Family<Verb, IntGauge>,
    /// Temperature by peer.
    temperature_celsius: Family<Peer<'static>, Gauge>,
    /// Latency by method.
    #[metric(buckets = [0.01, 0.5])]
    latency_seconds: Family<Verb, Histogram>,
    /// Peers past the first two share one series.
    #[metric(max_series = 2)]
    peers_total: Family<Peer<'static>, IntCounter>,
    /// Restarts.
    restarts_total: IntCounter,
    /// A ratio.
    load_ratio: Gauge,
    /// Batch sizes.
    #[metric(buckets = [1.0, 2.5])]
    batch_size: Histogram,
    #[metric(labels(source), help = "Line one\nline two")]
    events_total: IntCounterVec,
}

fn exercise(derived: &Derived) {
    for (i, &value) in ODD.iter().enumerate() {
        let method = [Method::Get, Method::Post][i % 2];
        let (route, peer) = (
            Route {
                route: value,
                method,
            },
            Peer { peer: value },
        );
        derived.requests_total.with(&route).inc_by(i as u64 + 1);
        derived.sent_bytes_total.with(&peer).inc_by(0.5 + i as f64);
        derived
            .temperature_celsius
            .with(&peer)
            .set(-1.25 * i as f64);
        derived.peers_total.with(&peer).inc();
        derived.events_total.with_label_values(&[value]).inc();
    }
    let method = Method::Post;
    derived.connections.with(&Verb { method }).set(3);
    derived.latency_seconds.with(&Verb { method }).observe(0.2);
    derived.restarts_total.inc();
    derived.load_ratio.set(0.75);
    derived.batch_size.observe(2.0);
}

/// Polls `future` once.
fn poll_once<F: Future>(future: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

/// Both registries with everything recorded, once for every test; nothing
/// changes afterwards, so two scrapes of one registry agree.
pub fn program() -> [&'static Registry; 2] {
    static DONE: OnceLock<Sender<()>> = OnceLock::new();
    DONE.get_or_init(|| {
        for value in ODD {
            lookup(value, None).unwrap();
            prefixed_call(value, None).unwrap();
            tenant_call(value);
            assert_eq!(poll_once(pin!(fetch(value))), Poll::Ready(value.len()));
        }
        lookup("x", Some(Fault::Timeout)).unwrap_err();
        lookup("x", Some(Fault::NotFound)).unwrap_err();
        prefixed_call("", Some(Fault::NotFound)).unwrap_err();
        plain();
        std::panic::catch_unwind(crash).unwrap_err();
        // One future cancelled, one kept pending for good: in flight.
        assert!(poll_once(pin!(stuck())).is_pending());
        let mut pending = Box::pin(stuck());
        assert!(poll_once(pending.as_mut()).is_pending());
        std::mem::forget(pending);
        // A call that stays in flight until the test process ends.
        let (entered, in_hold) = mpsc::sync_channel(0);
        let (release, held) = mpsc::channel();
        std::thread::spawn(move || hold(entered, held));
        in_hold.recv().unwrap();

        exercise(&Derived::register(&MAIN).unwrap());
        exercise(&Derived::register(&PREFIXED).unwrap());
        crate::support::foreign::register(&MAIN, &ODD);
        release
    });
    [&*MAIN, &*PREFIXED]
}
