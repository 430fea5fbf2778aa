//! A recorder for the [`metrics`] facade: every `metrics::counter!`,
//! `gauge!` and `histogram!`, of this crate or any other, recorded in
//! [`registry()`](crate::registry()) and served with the rest.
//!
//! ```
//! metrics_runtime::facade::install().expect("no other `metrics` recorder");
//!
//! // In a library that only knows the `metrics` crate:
//! metrics::describe_counter!("cache.hits", "Lookups found in the cache.");
//! metrics::counter!("cache.hits", "tier" => "memory").increment(3);
//! metrics::histogram!("fetch_seconds").record(0.2);
//!
//! let text = metrics_runtime::gather_text();
//! assert!(text.contains("# HELP cache_hits_total Lookups found in the cache."));
//! assert!(text.contains(r#"cache_hits_total{tier="memory"} 3"#));
//! assert!(text.contains(r#"fetch_seconds_bucket{le="0.25"} 1"#));
//! ```
//!
//! What it does with what it is given:
//!
//! - Names: `.` and every other character Prometheus rejects become `_`, a
//!   leading digit gets a `_` before it, and counters end in `_total`. The
//!   builder's namespace comes first (`shop_cache_hits_total`) and its
//!   constant labels are on every series, as on the toolkit's own metrics.
//!   Label names are made valid the same way (`le` on a histogram becomes
//!   `_le`); label values are kept as given.
//! - Units given to `describe_*!` are ignored: a description may come after
//!   the first use, and an exported name never changes. Put the unit in the
//!   name (`fetch_seconds`).
//! - Descriptions become the HELP text, also when they come after the first
//!   use; an undescribed metric's HELP names it as it was given.
//! - Histograms are classic Prometheus histograms (the toolkit's own
//!   [`Histogram`](crate::Histogram)), with the bounds set for their name in
//!   [`Builder::buckets`](crate::Builder::buckets), else
//!   [`Builder::default_buckets`](crate::Builder::default_buckets), else
//!   Prometheus' defaults; native buckets too with
//!   [`Builder::native_histograms`](crate::Builder::native_histograms).
//! - Each name keeps at most [`Builder::max_series`](crate::Builder::max_series)
//!   label sets; further ones share one series whose label values are
//!   `__overflow__`, and each update of it is counted in
//!   `metrics_runtime_series_overflow_total{family}`.
//! - A name used as two kinds (a counter `jobs` and a gauge `jobs`, or
//!   `jobs` and `jobs_total`) keeps its first kind: the other's updates
//!   are dropped, logged once and counted in
//!   `metrics_runtime_facade_dropped_total{family}`. A name some other
//!   collector of the registry already has is logged once and its updates
//!   dropped, uncounted.
//!
//! A handle (`let hits = metrics::counter!(…)`) writes straight into its
//! series: an increment is one atomic addition. A macro call without a
//! handle finds its series by the key's own hash under a read lock,
//! without allocating.

use std::sync::{Arc, PoisonError, RwLock};

use metrics::{Key, KeyName, Metadata, SharedString, Unit};

mod family;
mod names;
mod storage;
mod table;

use crate::Error;
use family::Exported;
use storage::Storage;
use table::Table;

/// Makes a [`Recorder`] into [`registry()`](crate::registry()) the
/// process-wide `metrics` recorder.
///
/// Fails with [`Error::RecorderAlreadySet`] when a `metrics` recorder is
/// already in place (this one, or another): the facade has one per
/// process.
pub fn install() -> Result<(), Error> {
    metrics::set_global_recorder(Recorder::new()).map_err(|_| Error::RecorderAlreadySet)
}

/// The `metrics::Recorder` of [`install`], to use with
/// `metrics::with_local_recorder` or `metrics::set_global_recorder`
/// yourself.
///
/// Two recorders into one registry cannot both export a name: the second
/// to use it drops its updates.
///
/// ```
/// let registry = prometheus::Registry::new();
/// let recorder = metrics_runtime::facade::Recorder::with_registry(&registry);
/// metrics::with_local_recorder(&recorder, || {
///     metrics::gauge!("queue_depth").set(7.0);
/// });
/// assert!(metrics_runtime::encode_text(&registry).contains("queue_depth 7"));
/// ```
#[derive(Clone)]
pub struct Recorder {
    inner: Arc<Inner>,
}

struct Inner {
    registry: prometheus::Registry,
    table: RwLock<Table>,
}

/// The three kinds of metric of the facade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Recorder {
    /// A recorder into [`registry()`](crate::registry()).
    pub fn new() -> Recorder {
        Recorder::with_registry(crate::registry())
    }

    /// A recorder into `registry`.
    pub fn with_registry(registry: &prometheus::Registry) -> Recorder {
        Recorder {
            inner: Arc::new(Inner {
                registry: registry.clone(),
                table: RwLock::new(Table::default()),
            }),
        }
    }

    /// The handle `found` makes of `key`'s series when it has one of the
    /// right kind: the hot path.
    #[inline]
    fn find<T>(&self, key: &Key, found: impl FnOnce(&Storage) -> Option<T>) -> Option<T> {
        let table = self
            .inner
            .table
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        table.get(key).and_then(found)
    }

    /// A handle for `key` made under the write lock; a new family is
    /// registered once the lock is released, never while a gather waits.
    #[cold]
    fn register(&self, key: &Key, kind: Kind) -> storage::Handle {
        let registered = self
            .inner
            .table
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .register(key, kind);
        if let Some(family) = registered.new_family {
            let registry = self.inner.registry.clone();
            crate::registration::register_soon(move || {
                if let Err(err) = registry.register(Box::new(Exported(Arc::clone(&family)))) {
                    family.refuse(&err);
                }
            });
        }
        registered.handle
    }

    fn describe(&self, kind: Kind, name: &KeyName, description: &str) {
        self.inner
            .table
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .describe(kind, name.as_str(), description);
    }
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder::new()
    }
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder").finish_non_exhaustive()
    }
}

impl metrics::Recorder for Recorder {
    fn describe_counter(&self, key: KeyName, _unit: Option<Unit>, description: SharedString) {
        self.describe(Kind::Counter, &key, &description);
    }

    fn describe_gauge(&self, key: KeyName, _unit: Option<Unit>, description: SharedString) {
        self.describe(Kind::Gauge, &key, &description);
    }

    fn describe_histogram(&self, key: KeyName, _unit: Option<Unit>, description: SharedString) {
        self.describe(Kind::Histogram, &key, &description);
    }

    #[inline]
    fn register_counter(&self, key: &Key, _metadata: &Metadata<'_>) -> metrics::Counter {
        self.find(key, Storage::counter)
            .unwrap_or_else(|| self.register(key, Kind::Counter).into_counter())
    }

    #[inline]
    fn register_gauge(&self, key: &Key, _metadata: &Metadata<'_>) -> metrics::Gauge {
        self.find(key, Storage::gauge)
            .unwrap_or_else(|| self.register(key, Kind::Gauge).into_gauge())
    }

    #[inline]
    fn register_histogram(&self, key: &Key, _metadata: &Metadata<'_>) -> metrics::Histogram {
        self.find(key, Storage::histogram)
            .unwrap_or_else(|| self.register(key, Kind::Histogram).into_histogram())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text exposition of a fresh registry after `record` ran under a
    /// recorder into it.
    fn recorded(record: impl FnOnce()) -> String {
        let registry = prometheus::Registry::new();
        let recorder = Recorder::with_registry(&registry);
        metrics::with_local_recorder(&recorder, record);
        crate::encode_text(&registry)
    }

    #[test]
    fn a_handle_and_the_macro_reach_one_series() {
        let text = recorded(|| {
            let handle = metrics::counter!("jobs", "queue" => "mail");
            handle.increment(2);
            metrics::counter!("jobs", "queue" => "mail").increment(3);
            metrics::counter!("jobs", "queue" => "sms").absolute(9);
            metrics::gauge!("depth").set(1.5);
            metrics::gauge!("depth").decrement(0.5);
        });
        assert!(text.contains("jobs_total{queue=\"mail\"} 5\n"), "{text}");
        assert!(text.contains("jobs_total{queue=\"sms\"} 9\n"), "{text}");
        assert!(text.contains("# TYPE depth gauge\ndepth 1\n"), "{text}");
    }

    #[test]
    fn a_description_after_the_first_use_is_the_help() {
        let text = recorded(|| {
            metrics::counter!("late").increment(1);
            metrics::describe_counter!("late", "Described late.");
        });
        assert!(
            text.contains("# HELP late_total Described late.\n"),
            "{text}"
        );
    }

    #[test]
    fn a_second_kind_under_one_name_is_dropped_and_counted() {
        let text = recorded(|| {
            metrics::counter!("twice").increment(1);
            metrics::gauge!("twice").set(5.0);
            metrics::gauge!("twice_total", "a" => "b").set(5.0);
            metrics::histogram!("twice").record(1.0);
        });
        assert!(text.contains("twice_total 1\n"), "{text}");
        assert!(!text.contains("twice 5"), "{text}");
        assert!(
            text.contains("metrics_runtime_facade_dropped_total{family=\"twice_total\"} 3\n"),
            "{text}"
        );
    }

    #[test]
    fn labels_that_become_one_keep_the_first() {
        let text = recorded(|| {
            metrics::counter!("dup", "a.b" => "1", "a_b" => "2", "le" => "x").increment(1);
            metrics::histogram!("h", "le" => "x").record(1.0);
        });
        assert!(text.contains("dup_total{a_b=\"1\",le=\"x\"} 1\n"), "{text}");
        assert!(text.contains("h_bucket{_le=\"x\",le=\"1\"} 1\n"), "{text}");
    }

    #[test]
    fn a_name_the_registry_has_is_dropped() {
        let registry = prometheus::Registry::new();
        let taken = prometheus::IntGauge::new("taken", "Taken before.").unwrap();
        registry.register(Box::new(taken)).unwrap();
        let recorder = Recorder::with_registry(&registry);
        metrics::with_local_recorder(&recorder, || {
            metrics::gauge!("taken").set(3.0);
            metrics::gauge!("taken", "a" => "b").set(4.0);
        });
        let text = crate::encode_text(&registry);
        assert!(text.contains("taken 0\n"), "{text}");
        assert!(!text.contains("taken{"), "{text}");
    }

    #[test]
    fn a_gather_outside_an_encode_sees_the_values() {
        let registry = prometheus::Registry::new();
        let recorder = Recorder::with_registry(&registry);
        metrics::with_local_recorder(&recorder, || {
            metrics::counter!("gathered", "k" => "v").increment(4);
            metrics::histogram!("gathered_seconds").record(0.3);
        });
        // `prometheus`' own encoder: what a gather outside an encode returns.
        let text = prometheus::TextEncoder::new()
            .encode_to_string(&registry.gather())
            .unwrap();
        assert!(text.contains("gathered_total{k=\"v\"} 4\n"), "{text}");
        assert!(text.contains("gathered_seconds_count 1\n"), "{text}");
    }
}
