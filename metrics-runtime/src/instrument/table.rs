//! Label values to series: a read-mostly hash index that never allocates on a hit.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError, RwLock};

use super::series::Series;
use super::striped::{local_stripe, stripe_count};

/// The label values of one call, in declared order: all given, or the
/// call site's static values with the one argument label spliced in, so
/// that neither needs copying to be hashed and compared.
#[derive(Debug, Clone, Copy)]
pub(crate) enum LabelValues<'a> {
    All(&'a [&'a str]),
    Spliced {
        template: &'a [&'a str],
        position: usize,
        value: &'a str,
    },
}

impl<'a> LabelValues<'a> {
    pub(crate) fn iter(self) -> impl Iterator<Item = &'a str> {
        let (template, spliced) = match self {
            LabelValues::All(values) => (values, None),
            LabelValues::Spliced {
                template,
                position,
                value,
            } => (template, Some((position, value))),
        };
        template
            .iter()
            .enumerate()
            .map(move |(i, own)| match spliced {
                Some((position, value)) if position == i => value,
                _ => *own,
            })
    }

    pub(crate) fn len(self) -> usize {
        match self {
            LabelValues::All(values) => values.len(),
            LabelValues::Spliced { template, .. } => template.len(),
        }
    }
}

/// The series of one family, found by their label values.
///
/// Keys are a seeded hash of the values; a hash maps to the first series
/// with that hash, which links to the (rare) others, each compared value by
/// value. Series live as long as the program, as in any Prometheus
/// registry, so a hit hands out `&'static Series` without reference
/// counting. The index is replicated once per thread stripe, so threads
/// looking up series do not share the cache line of one lock; new series
/// are added to every replica under one creation lock.
#[derive(Debug)]
pub(crate) struct SeriesTable {
    seed: u64,
    replicas: Box<[Replica]>,
    /// Held while a series is created; holds the last one created.
    creation: Mutex<Option<&'static Series>>,
    /// The first series created; each links to the next (`Series::next_born`).
    first_born: OnceLock<&'static Series>,
    limit: usize,
    len: AtomicUsize,
    full: AtomicBool,
}

/// One copy of the index, on cache lines of its own.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Replica(RwLock<HashMap<u64, &'static Series, BuildHasherDefault<PassThrough>>>);

impl Replica {
    #[inline]
    fn first_with_hash(&self, hash: u64) -> Option<&'static Series> {
        let index = self.0.read().unwrap_or_else(PoisonError::into_inner);
        index.get(&hash).copied()
    }
}

impl SeriesTable {
    /// A table that holds at most `limit` series.
    pub(crate) fn new(limit: usize) -> Self {
        SeriesTable {
            seed: RandomState::new().hash_one(0x006d_6574_7269_6373_u64),
            replicas: (0..stripe_count()).map(|_| Replica::default()).collect(),
            creation: Mutex::new(None),
            first_born: OnceLock::new(),
            limit,
            len: AtomicUsize::new(0),
            full: AtomicBool::new(false),
        }
    }

    /// The series for `values`, made by `make` if it does not exist yet;
    /// `None` for new values once the table holds its limit.
    #[inline]
    pub(crate) fn get_or_insert(
        &self,
        values: LabelValues<'_>,
        make: impl FnOnce() -> Series,
    ) -> Option<&'static Series> {
        let hash = hash_values(self.seed, values);
        let local = &self.replicas[local_stripe(self.replicas.len())];
        if let Some(series) = find_in_chain(local.first_with_hash(hash), values) {
            return Some(series);
        }
        if self.full.load(Ordering::Relaxed) {
            return None;
        }
        self.insert(hash, values, make)
    }

    #[cold]
    fn insert(
        &self,
        hash: u64,
        values: LabelValues<'_>,
        make: impl FnOnce() -> Series,
    ) -> Option<&'static Series> {
        let mut last_born = self.creation.lock().unwrap_or_else(PoisonError::into_inner);
        // Every replica is complete once a creation is over, so the first
        // one is as good as any.
        let first = self.replicas[0].first_with_hash(hash);
        if let Some(existing) = find_in_chain(first, values) {
            return Some(existing);
        }
        if self.len.load(Ordering::Relaxed) >= self.limit {
            self.full.store(true, Ordering::Relaxed);
            return None;
        }
        self.len.fetch_add(1, Ordering::Relaxed);
        let series: &'static Series = Box::leak(Box::new(make()));
        let born = match *last_born {
            Some(last) => last.next_born(),
            None => &self.first_born,
        };
        let _ = born.set(series);
        *last_born = Some(series);
        match first {
            Some(first) => {
                let mut last = first;
                while let Some(next) = last.next_with_hash().get() {
                    last = next;
                }
                let _ = last.next_with_hash().set(series);
            }
            None => {
                for replica in &self.replicas {
                    let mut index = replica.0.write().unwrap_or_else(PoisonError::into_inner);
                    index.insert(hash, series);
                }
            }
        }
        Some(series)
    }

    /// Calls `each` with every series, oldest first, without locking or
    /// allocating: a series created meanwhile may or may not be seen.
    pub(crate) fn for_each(&self, mut each: impl FnMut(&'static Series)) {
        let mut series = self.first_born.get().copied();
        while let Some(current) = series {
            each(current);
            series = current.next_born().get().copied();
        }
    }

    /// Every series, oldest first.
    pub(crate) fn all(&self) -> Vec<&'static Series> {
        let mut all = Vec::new();
        self.for_each(|series| all.push(series));
        all
    }
}

/// The series with `values` among `first` and those linked after it.
#[inline]
fn find_in_chain(
    first: Option<&'static Series>,
    values: LabelValues<'_>,
) -> Option<&'static Series> {
    let mut series = first;
    while let Some(current) = series {
        if current.has_values(values) {
            return Some(current);
        }
        series = current.next_with_hash().get().copied();
    }
    None
}

const MULTIPLIER: u64 = 0xf135_7aea_2e62_a9c5;

/// A seeded word-at-a-time hash of label values, with a separator between
/// values so that `["ab", "c"]` and `["a", "bc"]` differ.
#[inline]
pub(crate) fn hash_values(seed: u64, values: LabelValues<'_>) -> u64 {
    let mut hash = seed;
    for value in values.iter() {
        let bytes = value.as_bytes();
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let mut le = [0u8; 8];
            le.copy_from_slice(word);
            hash = mix(hash, u64::from_le_bytes(le));
        }
        let mut tail = [0u8; 8];
        tail[..words.remainder().len()].copy_from_slice(words.remainder());
        hash = mix(hash, u64::from_le_bytes(tail));
        hash = mix(hash, bytes.len() as u64);
    }
    let wide = u128::from(hash) * u128::from(MULTIPLIER);
    (wide as u64) ^ ((wide >> 64) as u64)
}

#[inline]
fn mix(hash: u64, word: u64) -> u64 {
    (hash.rotate_left(26) ^ word).wrapping_mul(MULTIPLIER)
}

/// The index's keys are already hashes.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 << 8) | u64::from(byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::series::SeriesShape;

    fn all<'a>(values: &'a [&'a str]) -> LabelValues<'a> {
        LabelValues::All(values)
    }

    /// A series of a shape that only counts.
    pub(super) fn series(values: &[&str]) -> Series {
        static SHAPE: std::sync::LazyLock<std::sync::Arc<SeriesShape>> =
            std::sync::LazyLock::new(|| {
                std::sync::Arc::new(SeriesShape::new(
                    &[],
                    Vec::new(),
                    false,
                    false,
                    false,
                    super::super::sampling::SampleRate::ALL,
                    None,
                ))
            });
        Series::new(LabelValues::All(values), &SHAPE)
    }

    #[test]
    fn the_same_values_give_the_same_series() {
        let table = SeriesTable::new(usize::MAX);
        let first = table
            .get_or_insert(all(&["a", "b"]), || series(&["a", "b"]))
            .unwrap();
        let again = table
            .get_or_insert(all(&["a", "b"]), || unreachable!("already there"))
            .unwrap();
        assert!(std::ptr::eq(first, again));
        assert_eq!(table.all().len(), 1);
    }

    #[test]
    fn the_split_between_values_matters() {
        let seed = 7;
        assert_ne!(
            hash_values(seed, all(&["ab", "c"])),
            hash_values(seed, all(&["a", "bc"]))
        );
        assert_ne!(
            hash_values(seed, all(&["", "x"])),
            hash_values(seed, all(&["x", ""]))
        );
        assert_ne!(
            hash_values(seed, all(&["12345678"])),
            hash_values(seed, all(&["12345678", ""]))
        );
    }

    #[test]
    fn colliding_hashes_keep_their_own_series() {
        let table = SeriesTable::new(usize::MAX);
        let a = table.insert(1, all(&["a"]), || series(&["a"])).unwrap();
        let b = table.insert(1, all(&["b"]), || series(&["b"])).unwrap();
        assert!(!std::ptr::eq(a, b));
        assert!(std::ptr::eq(
            find_in_chain(table.replicas[0].first_with_hash(1), all(&["b"])).unwrap(),
            b
        ));
        assert_eq!(table.all().len(), 2);
    }
}

#[cfg(test)]
mod limit_tests {
    use super::*;

    #[test]
    fn a_full_table_finds_what_it_has_and_refuses_the_rest() {
        let table = SeriesTable::new(2);
        let make = |v: &'static [&'static str]| move || tests::series(v);
        assert!(table
            .get_or_insert(LabelValues::All(&["a"]), make(&["a"]))
            .is_some());
        assert!(table
            .get_or_insert(LabelValues::All(&["b"]), make(&["b"]))
            .is_some());
        assert!(table
            .get_or_insert(LabelValues::All(&["c"]), make(&["c"]))
            .is_none());
        assert!(table
            .get_or_insert(LabelValues::All(&["a"]), make(&["a"]))
            .is_some());
        assert!(table
            .get_or_insert(LabelValues::All(&["d"]), make(&["d"]))
            .is_none());
        assert_eq!(table.all().len(), 2);
    }
}

#[cfg(test)]
mod spliced_tests {
    use super::*;

    #[test]
    fn a_spliced_value_hashes_and_reads_like_the_whole_slice() {
        let spliced = LabelValues::Spliced {
            template: &["f", "", "eu"],
            position: 1,
            value: "grep",
        };
        let whole = LabelValues::All(&["f", "grep", "eu"]);
        assert_eq!(
            spliced.iter().collect::<Vec<_>>(),
            whole.iter().collect::<Vec<_>>()
        );
        assert_eq!(hash_values(9, spliced), hash_values(9, whole));
        assert_eq!(spliced.len(), 3);
    }
}
