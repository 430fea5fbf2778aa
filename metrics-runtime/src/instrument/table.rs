//! Label values to series: a read-mostly hash index that never allocates on a hit.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::{PoisonError, RwLock};

use super::series::Series;

/// The series of one family, found by their label values.
///
/// Keys are a seeded hash of the values; each hash maps to the (almost
/// always single) series with that hash, compared value by value. Series
/// live as long as the program, as they do in any Prometheus registry, so a
/// hit hands out `&'static Series` without reference counting.
#[derive(Debug)]
pub(crate) struct SeriesTable {
    seed: u64,
    index: RwLock<HashMap<u64, Vec<&'static Series>, BuildHasherDefault<PassThrough>>>,
}

impl SeriesTable {
    pub(crate) fn new() -> Self {
        SeriesTable {
            seed: RandomState::new().hash_one(0x006d_6574_7269_6373_u64),
            index: RwLock::new(HashMap::default()),
        }
    }

    /// The series for `values`, made by `make` if it does not exist yet.
    #[inline]
    pub(crate) fn get_or_insert(
        &self,
        values: &[&str],
        make: impl FnOnce() -> Series,
    ) -> &'static Series {
        let hash = hash_values(self.seed, values);
        if let Some(series) = self.find(hash, values) {
            return series;
        }
        self.insert(hash, values, make)
    }

    #[inline]
    fn find(&self, hash: u64, values: &[&str]) -> Option<&'static Series> {
        let index = self.index.read().unwrap_or_else(PoisonError::into_inner);
        let candidates = index.get(&hash)?;
        candidates
            .iter()
            .copied()
            .find(|series| series.has_values(values))
    }

    #[cold]
    fn insert(&self, hash: u64, values: &[&str], make: impl FnOnce() -> Series) -> &'static Series {
        let mut index = self.index.write().unwrap_or_else(PoisonError::into_inner);
        let candidates = index.entry(hash).or_default();
        if let Some(existing) = candidates.iter().find(|series| series.has_values(values)) {
            return existing;
        }
        let series: &'static Series = Box::leak(Box::new(make()));
        candidates.push(series);
        series
    }

    /// Every series, in no particular order.
    pub(crate) fn all(&self) -> Vec<&'static Series> {
        let index = self.index.read().unwrap_or_else(PoisonError::into_inner);
        index.values().flatten().copied().collect()
    }
}

const MULTIPLIER: u64 = 0xf135_7aea_2e62_a9c5;

/// A seeded word-at-a-time hash of label values, with a separator between
/// values so that `["ab", "c"]` and `["a", "bc"]` differ.
#[inline]
fn hash_values(seed: u64, values: &[&str]) -> u64 {
    let mut hash = seed;
    for value in values {
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

    fn series(values: &[&str]) -> Series {
        static SHAPE: std::sync::LazyLock<SeriesShape> =
            std::sync::LazyLock::new(|| SeriesShape::new(Vec::new(), false, false));
        Series::new(values, &SHAPE)
    }

    #[test]
    fn the_same_values_give_the_same_series() {
        let table = SeriesTable::new();
        let first = table.get_or_insert(&["a", "b"], || series(&["a", "b"]));
        let again = table.get_or_insert(&["a", "b"], || unreachable!("already there"));
        assert!(std::ptr::eq(first, again));
        assert_eq!(table.all().len(), 1);
    }

    #[test]
    fn the_split_between_values_matters() {
        let seed = 7;
        assert_ne!(
            hash_values(seed, &["ab", "c"]),
            hash_values(seed, &["a", "bc"])
        );
        assert_ne!(hash_values(seed, &["", "x"]), hash_values(seed, &["x", ""]));
        assert_ne!(
            hash_values(seed, &["12345678"]),
            hash_values(seed, &["12345678", ""])
        );
    }

    #[test]
    fn colliding_hashes_keep_their_own_series() {
        let table = SeriesTable::new();
        let a = table.insert(1, &["a"], || series(&["a"]));
        let b = table.insert(1, &["b"], || series(&["b"]));
        assert!(!std::ptr::eq(a, b));
        assert!(std::ptr::eq(table.find(1, &["b"]).unwrap(), b));
    }
}
