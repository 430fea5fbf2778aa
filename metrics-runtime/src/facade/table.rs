//! Every series the facade was asked for, by `metrics::Key`, and every
//! family, by name.
//!
//! A key already seen costs a read lock and one lookup whose hash the key
//! carries: nothing is allocated. New keys take the write lock.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use metrics::Key;

use super::family::Family;
use super::names;
use super::storage::{Handle, Storage};
use super::Kind;

/// The series and families of one recorder.
#[derive(Default)]
pub(super) struct Table {
    /// Series within their family's limit; keys past it are not kept.
    series: HashMap<Key, Storage, BuildHasherDefault<KeyHash>>,
    /// By [`names::family_key`].
    families: HashMap<String, Arc<Family>>,
    /// HELP texts by [`names::family_key`], kept for families to come.
    descriptions: HashMap<String, String>,
}

/// What a registration found or made.
pub(super) struct Registered {
    pub(super) handle: Handle,
    /// A family made for it, to be registered once the table is free.
    pub(super) new_family: Option<Arc<Family>>,
}

impl Table {
    /// The storage of `key`, if it was registered.
    #[inline]
    pub(super) fn get(&self, key: &Key) -> Option<&Storage> {
        self.series.get(key)
    }

    /// A handle of `kind` for `key`: its series, a new one, the overflow
    /// series, or one that drops its updates when the name is taken.
    pub(super) fn register(&mut self, key: &Key, kind: Kind) -> Registered {
        let existing = |handle| Registered {
            handle,
            new_family: None,
        };
        let name = names::metric_name(kind, key.name(), namespace());
        let family_key = names::family_key(&name);
        if let Some(family) = self.families.get(family_key) {
            let family = Arc::clone(family);
            if let Some(storage) = self.series.get(key) {
                return existing(match storage.kind() == kind {
                    true => handle(storage),
                    false => family.clash(kind, key.name()),
                });
            }
            return existing(self.add(key, kind, &name, &family));
        }
        let help = self
            .descriptions
            .get(family_key)
            .cloned()
            .unwrap_or_else(|| default_help(key.name()));
        let family = match Family::new(kind, name.clone(), help) {
            Ok(family) => Arc::new(family),
            Err(err) => {
                log::warn!("`metrics` facade: metric `{name}` cannot be made: {err}");
                return existing(Handle::dropped(kind, &Default::default()));
            }
        };
        self.families
            .insert(family_key.to_owned(), Arc::clone(&family));
        Registered {
            handle: self.add(key, kind, &name, &family),
            new_family: Some(family),
        }
    }

    /// A new series of `family` for `key`, or its overflow series.
    fn add(&mut self, key: &Key, kind: Kind, name: &str, family: &Family) -> Handle {
        if family.kind != kind || family.name != name {
            return family.clash(kind, key.name());
        }
        if family.is_refused() {
            return Handle::dropped(kind, &family.dropped);
        }
        let labels: Vec<metrics::Label> = key.labels().cloned().collect();
        match family.add(&labels) {
            Some(storage) => {
                let made = handle(&storage);
                self.series.insert(key.clone(), storage);
                made
            }
            None => family.overflow(&labels),
        }
    }

    /// Sets the HELP text of the family `name` would be in, now or later.
    pub(super) fn describe(&mut self, kind: Kind, name: &str, help: &str) {
        let exported = names::metric_name(kind, name, namespace());
        let family_key = names::family_key(&exported);
        if let Some(family) = self.families.get(family_key) {
            family.describe(help);
        }
        self.descriptions
            .insert(family_key.to_owned(), help.to_owned());
    }
}

fn handle(storage: &Storage) -> Handle {
    match storage.kind() {
        Kind::Counter => Handle::Counter(storage.counter().unwrap_or_else(metrics::Counter::noop)),
        Kind::Gauge => Handle::Gauge(storage.gauge().unwrap_or_else(metrics::Gauge::noop)),
        Kind::Histogram => {
            Handle::Histogram(storage.histogram().unwrap_or_else(metrics::Histogram::noop))
        }
    }
}

fn namespace() -> Option<&'static str> {
    crate::config::config().namespace.as_deref()
}

/// HELP of a metric nobody described: the name it was given, since
/// Prometheus' linters ask for one.
fn default_help(name: &str) -> String {
    format!("`{name}`, recorded through the `metrics` facade.")
}

/// The hash a [`Key`] carries, as it is: `Key` hashes as one `write_u64`
/// of it, computed when the key was made (at compile time for literals).
#[derive(Default)]
pub(super) struct KeyHash(u64);

impl Hasher for KeyHash {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Not reached through `Key`; any other input still hashes.
        for byte in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(*byte)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }

    fn write_u64(&mut self, hash: u64) {
        self.0 = self.0.rotate_left(5) ^ hash;
    }
}
