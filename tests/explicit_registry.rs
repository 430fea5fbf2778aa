//! `#[instrumented(registry = EXPR)]`: a function's families live in a
//! registry of the program's own instead of `metrics_runtime::registry()`.

use std::sync::LazyLock;

use metrics_runtime::instrumented;
use metrics_runtime::testing::{capture, Snapshot};
use prometheus::Registry;

static REGISTRY: LazyLock<Registry> = LazyLock::new(Registry::new);

#[derive(Debug)]
struct DbError;

#[instrumented(name = "explicit_lookup", labels(table), registry = &REGISTRY)]
fn lookup(table: &str, id: u64) -> Result<u64, DbError> {
    let _ = table;
    if id == 0 {
        Err(DbError)
    } else {
        Ok(id)
    }
}

struct Store;

#[instrumented(namespace = "explicit", registry = &REGISTRY)]
impl Store {
    fn put(&self, key: &str) -> usize {
        key.len()
    }

    #[instrumented(name = "store_get")] // behind the block's namespace
    async fn get(&self, key: &str) -> Option<usize> {
        Some(key.len())
    }
}

#[test]
fn families_live_in_the_given_registry_only() {
    lookup("users", 1).unwrap();
    lookup("users", 0).unwrap_err();
    let own = metrics_runtime::encode_text(&REGISTRY);
    assert!(
        own.contains(r#"explicit_lookup_total{table="users",result="ok"} 1"#),
        "{own}"
    );
    assert!(
        own.contains(r#"explicit_lookup_total{table="users",result="error"} 1"#),
        "{own}"
    );
    let global = metrics_runtime::gather_text();
    assert!(!global.contains("explicit_lookup"), "{global}");
}

#[tokio::test]
async fn an_impl_block_gives_every_method_the_registry() {
    assert_eq!(Store.put("abc"), 3);
    assert_eq!(Store.get("ab").await, Some(2));
    let own = Snapshot::of(&REGISTRY);
    assert_eq!(
        own.counter(
            "explicit_function_calls_total",
            &[("function", "Store::put")]
        ),
        1.0
    );
    assert_eq!(
        own.counter("explicit_store_get_total", &[("result", "ok")]),
        1.0
    );
    assert!(!metrics_runtime::gather_text().contains("Store::put"));
}

#[test]
fn init_creates_its_static_series_at_zero_there() {
    metrics_runtime::init();
    let own = metrics_runtime::encode_text(&REGISTRY);
    assert!(
        own.contains(r#"explicit_function_calls_total{function="Store::put""#),
        "{own}"
    );
}

#[test]
fn capture_records_calls_to_its_own_registry() {
    let before = Snapshot::of(&REGISTRY);
    let captured = capture(|| {
        lookup("orders", 7).unwrap();
    });
    assert_eq!(
        captured.counter(
            "explicit_lookup_total",
            &[("table", "orders"), ("result", "ok")]
        ),
        1.0
    );
    let after = Snapshot::of(&REGISTRY);
    assert_eq!(
        after
            .since(&before)
            .counter("explicit_lookup_total", &[("table", "orders")]),
        0.0
    );
}

#[test]
fn the_catalog_lists_it() {
    let catalog = metrics_runtime::catalog();
    assert!(catalog
        .metrics
        .iter()
        .any(|metric| metric.name == "explicit_lookup_total"));
}
