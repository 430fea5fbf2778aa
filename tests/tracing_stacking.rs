//! `#[instrumented]` and `#[tracing::instrument]` on one function, in either
//! order, sync and `async`, free functions and methods, with `tracing`'s
//! `err`, `ret`, `skip` and `fields`: the metrics count every call by
//! result, and the function's span is entered with its fields.

mod support;

use std::sync::{Arc, Mutex};

use metrics_runtime::instrumented;
use tracing::span::{Attributes, Id};
use tracing::Subscriber;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

#[derive(Debug, PartialEq)]
struct Missing;

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("missing")
    }
}

#[instrumented(name = "stack_metrics_outer", labels(key))]
#[tracing::instrument(err, ret)]
fn metrics_outer(key: &str) -> Result<u32, Missing> {
    if key.is_empty() {
        Err(Missing)
    } else {
        Ok(key.len() as u32)
    }
}

#[tracing::instrument(err, fields(kind = "lookup"))]
#[instrumented(name = "stack_tracing_outer", labels(key))]
fn tracing_outer(key: &str) -> Result<u32, Missing> {
    metrics_outer(key)
}

#[instrumented(name = "stack_async_metrics_outer")]
#[tracing::instrument(ret)]
async fn async_metrics_outer(id: u64) -> Result<u64, Missing> {
    tokio::task::yield_now().await;
    if id == 0 {
        Err(Missing)
    } else {
        Ok(id)
    }
}

#[tracing::instrument(err)]
#[instrumented(name = "stack_async_tracing_outer")]
async fn async_tracing_outer(id: u64) -> Result<u64, Missing> {
    async_metrics_outer(id).await
}

struct Store {
    name: String,
}

impl Store {
    #[instrumented(name = "stack_method")]
    #[tracing::instrument(skip(self), fields(store = %self.name))]
    fn get(&self, key: &str) -> Option<usize> {
        (!key.is_empty()).then_some(key.len())
    }

    #[tracing::instrument(skip(self))]
    #[instrumented(name = "stack_async_method")]
    async fn load(&self, key: &str) -> Result<usize, Missing> {
        tokio::task::yield_now().await;
        self.get(key).ok_or(Missing)
    }
}

/// The names of the spans created, with the fields they were created with.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Vec<String>>>);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Spans {
    fn on_new_span(&self, attrs: &Attributes<'_>, _id: &Id, _ctx: Context<'_, S>) {
        let fields: Vec<&str> = attrs.metadata().fields().iter().map(|f| f.name()).collect();
        let name = attrs.metadata().name();
        self.0
            .lock()
            .unwrap()
            .push(format!("{name}({})", fields.join(",")));
    }
}

/// The sum of the samples of `name` that have `labels`, over every key.
fn count(name: &str, labels: &[(&str, &str)]) -> f64 {
    let text = metrics_runtime::gather_text();
    support::samples(&text, name)
        .iter()
        .filter(|sample| {
            labels
                .iter()
                .all(|(k, v)| sample.labels.iter().any(|(n, w)| n == k && w == v))
        })
        .map(|sample| sample.value)
        .sum()
}

#[test]
fn either_order_measures_every_call_and_enters_the_span() {
    let spans = Spans::default();
    let subscriber = tracing_subscriber::registry().with(spans.clone());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    tracing::subscriber::with_default(subscriber, || {
        assert_eq!(metrics_outer("abc"), Ok(3));
        assert_eq!(metrics_outer(""), Err(Missing));
        assert_eq!(tracing_outer("ab"), Ok(2));
        assert_eq!(tracing_outer(""), Err(Missing));
        runtime.block_on(async {
            assert_eq!(async_tracing_outer(7).await, Ok(7));
            assert_eq!(async_tracing_outer(0).await, Err(Missing));
            let store = Store {
                name: "main".to_owned(),
            };
            assert_eq!(store.get("key"), Some(3));
            assert_eq!(store.load("").await, Err(Missing));
        });
    });

    let ok = |name: &str| count(name, &[("result", "ok")]);
    let error = |name: &str| count(name, &[("result", "error")]);
    // `tracing_outer` calls `metrics_outer`: two calls each way.
    assert_eq!(ok("stack_metrics_outer_total"), 2.0);
    assert_eq!(error("stack_metrics_outer_total"), 2.0);
    assert_eq!(ok("stack_tracing_outer_total"), 1.0);
    assert_eq!(error("stack_tracing_outer_total"), 1.0);
    assert_eq!(ok("stack_async_metrics_outer_total"), 1.0);
    assert_eq!(error("stack_async_metrics_outer_total"), 1.0);
    assert_eq!(ok("stack_async_tracing_outer_total"), 1.0);
    assert_eq!(error("stack_async_tracing_outer_total"), 1.0);
    // `load("")` calls `get("")`, which returns `None`: not a `Result`, ok.
    assert_eq!(ok("stack_method_total"), 2.0);
    assert_eq!(error("stack_async_method_total"), 1.0);
    assert_eq!(count("stack_async_method_in_flight", &[]), 0.0);

    let spans = spans.0.lock().unwrap().clone();
    for expected in [
        "metrics_outer(key)",
        "tracing_outer(key,kind)",
        "async_metrics_outer(id)",
        "async_tracing_outer(id)",
        "get(key,store)",
        "load(key)",
    ] {
        assert!(
            spans.iter().any(|span| span == expected),
            "{expected} not in {spans:?}"
        );
    }
}
