//! Native histogram buckets of one series: exponential buckets of schema
//! 3 (eight per power of two, each at most 9% wide, so a quantile read
//! from them is off by at most 4.4%), found from the bits of the float,
//! without a logarithm.
//!
//! Bucket `i` holds the durations in `(2^((i-1)/8), 2^(i/8)]` seconds, as
//! Prometheus defines them. Indices cover 2^-32 s (a quarter of a
//! nanosecond) to 2^16 s (18 hours); a duration outside goes to the
//! nearest end. They are counted in chunks of 16 buckets, each allocated
//! when a duration first lands in it: calls cluster in a few powers of
//! two, so a series holds a few chunks.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// Buckets per power of two, `2^SCHEMA`.
#[cfg_attr(not(feature = "protobuf"), allow(dead_code))]
pub(crate) const SCHEMA: i32 = 3;

/// Durations at most this long (seconds) are counted in the zero bucket,
/// as Go's client does.
pub(crate) const ZERO_THRESHOLD: f64 = 2.938_735_877_055_719e-39; // 2^-128

const MIN_INDEX: i32 = -32 * 8;
const MAX_INDEX: i32 = 16 * 8;
const CHUNK: usize = 16;
const CHUNKS: usize = (MAX_INDEX - MIN_INDEX + 1) as usize / CHUNK + 1;

/// `2^(j/8) / 2` for `j` in `0..8`: the upper bounds, as fractions of the
/// next power of two, of the buckets of one power of two (Go's
/// `nativeHistogramBounds[3]`).
const BOUNDS: [f64; 8] = [
    0.5,
    0.545_253_866_332_628_8,
    0.594_603_557_501_360_5,
    0.648_419_777_325_504_8,
    0.707_106_781_186_547_5,
    0.771_105_412_703_970_4,
    0.840_896_415_253_714_4,
    0.917_004_043_204_671_1,
];

/// The native buckets of one series.
pub(crate) struct NativeBuckets {
    zero: AtomicU64,
    chunks: [OnceLock<Box<[AtomicU64; CHUNK]>>; CHUNKS],
}

impl std::fmt::Debug for NativeBuckets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let chunks = self.chunks.iter().filter(|c| c.get().is_some()).count();
        f.debug_struct("NativeBuckets")
            .field("chunks", &chunks)
            .finish()
    }
}

/// The bucket index of a duration of `seconds` (finite, above the zero
/// threshold): from its exponent, and its mantissa against [`BOUNDS`].
fn index_of(seconds: f64) -> i32 {
    const MANTISSA: u64 = (1 << 52) - 1;
    const HALF: u64 = 0x3fe0_0000_0000_0000; // the exponent bits of 0.5
    let bits = seconds.to_bits();
    // `seconds = fraction * 2^exponent`, fraction in [0.5, 1), as `frexp`.
    let exponent = ((bits >> 52) & 0x7ff) as i32 - 1022;
    let fraction = f64::from_bits((bits & MANTISSA) | HALF);
    let within = BOUNDS.partition_point(|&bound| bound < fraction) as i32;
    within + (exponent - 1) * 8
}

impl NativeBuckets {
    pub(crate) fn new() -> Self {
        NativeBuckets {
            zero: AtomicU64::new(0),
            chunks: std::array::from_fn(|_| OnceLock::new()),
        }
    }

    /// Counts one duration. `Release`: a reader that sees it also sees
    /// the classic histogram's count, added before it.
    #[inline]
    pub(crate) fn record(&self, nanos: u64) {
        self.record_magnitude(nanos as f64 * 1e-9);
    }

    /// Counts one positive value; one at most [`ZERO_THRESHOLD`] (or NaN,
    /// as Go's client counts it) goes to the zero bucket.
    #[inline]
    fn record_magnitude(&self, value: f64) {
        if value <= ZERO_THRESHOLD || value.is_nan() {
            self.zero.fetch_add(1, Ordering::Release);
            return;
        }
        let index = index_of(value).clamp(MIN_INDEX, MAX_INDEX);
        let slot = (index - MIN_INDEX) as usize;
        let chunk = self.chunks[slot / CHUNK].get_or_init(Box::default);
        chunk[slot % CHUNK].fetch_add(1, Ordering::Release);
    }

    /// Appends that a reading follows, the zero count, how many buckets
    /// are not empty, and each of those as its index and count, by index;
    /// then that no negative bucket is. Read before the classic histogram
    /// (`Acquire`), so that its count holds all of these.
    pub(crate) fn read_into(&self, out: &mut Vec<u64>) {
        out.push(PRESENT);
        out.push(self.zero.load(Ordering::Acquire));
        self.read_buckets_into(out);
        out.push(0);
    }

    /// Appends how many buckets are not empty, then each one's index and
    /// count, by index.
    fn read_buckets_into(&self, out: &mut Vec<u64>) {
        let len_at = out.len();
        out.push(0);
        let mut len = 0;
        for (chunk_index, chunk) in self.chunks.iter().enumerate() {
            let Some(chunk) = chunk.get() else { continue };
            for (within, count) in chunk.iter().enumerate() {
                let count = count.load(Ordering::Acquire);
                if count > 0 {
                    let index = MIN_INDEX + (chunk_index * CHUNK + within) as i32;
                    out.extend([index as i64 as u64, count]);
                    len += 1;
                }
            }
        }
        out[len_at] = len;
    }

    /// Bytes its chunks take.
    pub(crate) fn allocated_bytes(&self) -> usize {
        let chunks = self.chunks.iter().filter(|c| c.get().is_some()).count();
        std::mem::size_of::<Self>() + chunks * std::mem::size_of::<[AtomicU64; CHUNK]>()
    }
}

/// Native buckets for values of either sign: one set for the positive
/// ones, and one for the magnitudes of the negative ones; the zero bucket
/// (values within [`ZERO_THRESHOLD`] of zero) is the positive set's.
#[derive(Debug)]
pub(crate) struct SignedNativeBuckets {
    positive: NativeBuckets,
    negative: NativeBuckets,
}

impl SignedNativeBuckets {
    pub(crate) fn new() -> Self {
        SignedNativeBuckets {
            positive: NativeBuckets::new(),
            negative: NativeBuckets::new(),
        }
    }

    /// Counts one observation, as [`NativeBuckets::record`] does.
    #[inline]
    pub(crate) fn record(&self, value: f64) {
        if value < -ZERO_THRESHOLD {
            self.negative.record_magnitude(-value);
        } else {
            self.positive.record_magnitude(value);
        }
    }

    /// Appends a reading, as [`NativeBuckets::read_into`] does, with the
    /// negative buckets.
    pub(crate) fn read_into(&self, out: &mut Vec<u64>) {
        out.push(PRESENT);
        out.push(self.positive.zero.load(Ordering::Acquire));
        self.positive.read_buckets_into(out);
        self.negative.read_buckets_into(out);
    }
}

/// Native buckets as [`NativeBuckets::read_into`] wrote them, for the
/// protobuf format.
#[cfg_attr(not(feature = "protobuf"), allow(dead_code))]
#[derive(Debug, Clone, Copy)]
pub(crate) struct NativeReading<'a> {
    pub(crate) zero_count: u64,
    /// `(index, count)` pairs, flattened, by index.
    pairs: &'a [u64],
    /// The same of the negative values' magnitudes.
    negative_pairs: &'a [u64],
}

/// Marks a reading in the arena; [`ABSENT`] stands for one left out.
const PRESENT: u64 = 1;
const ABSENT: u64 = 0;

impl<'a> NativeReading<'a> {
    /// Appends that this scrape has no reading of the buckets.
    pub(crate) fn write_absent(out: &mut Vec<u64>) {
        out.push(ABSENT);
    }

    /// The reading at the start of `values` (`None` when it was left out),
    /// and what follows it; `None` when `values` is too short.
    pub(crate) fn split_optional(values: &'a [u64]) -> Option<(Option<Self>, &'a [u64])> {
        match values.split_first()? {
            (&ABSENT, rest) => Some((None, rest)),
            _ => Self::split(values).map(|(reading, rest)| (Some(reading), rest)),
        }
    }

    /// The reading at the start of `values`, and what follows it.
    pub(crate) fn split(values: &'a [u64]) -> Option<(Self, &'a [u64])> {
        let [PRESENT, zero_count, rest @ ..] = values else {
            return None;
        };
        let (pairs, rest) = split_pairs(rest)?;
        let (negative_pairs, rest) = split_pairs(rest)?;
        let reading = NativeReading {
            zero_count: *zero_count,
            pairs,
            negative_pairs,
        };
        Some((reading, rest))
    }

    /// Observations in all its buckets, the zero bucket included.
    pub(crate) fn total(self) -> u64 {
        let counts = |pairs: &[u64]| pairs.chunks_exact(2).map(|pair| pair[1]).sum::<u64>();
        self.zero_count + counts(self.pairs) + counts(self.negative_pairs)
    }

    /// Each non-empty positive bucket's index and count, by index.
    #[cfg_attr(not(feature = "protobuf"), allow(dead_code))]
    pub(crate) fn buckets(self) -> impl Iterator<Item = (i32, u64)> + 'a {
        indexed(self.pairs)
    }

    /// The same of the buckets of negative values, by the index of their
    /// magnitude.
    #[cfg_attr(not(feature = "protobuf"), allow(dead_code))]
    pub(crate) fn negative_buckets(self) -> impl Iterator<Item = (i32, u64)> + 'a {
        indexed(self.negative_pairs)
    }
}

/// The pairs behind a count of them at the start of `values`, and what
/// follows.
fn split_pairs(values: &[u64]) -> Option<(&[u64], &[u64])> {
    let (len, rest) = values.split_first()?;
    let pairs_len = usize::try_from(*len).ok()?.checked_mul(2)?;
    (rest.len() >= pairs_len).then(|| rest.split_at(pairs_len))
}

fn indexed(pairs: &[u64]) -> impl Iterator<Item = (i32, u64)> + '_ {
    pairs
        .chunks_exact(2)
        .map(|pair| (pair[0] as i64 as i32, pair[1]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bucket `i`'s upper bound, `2^(i/8)`, exactly as `BOUNDS` has it.
    fn upper(index: i32) -> f64 {
        let (power, within) = (index.div_euclid(8), index.rem_euclid(8));
        BOUNDS[within as usize] * 2f64.powi(power + 1)
    }

    #[test]
    fn a_value_lands_in_the_bucket_whose_bounds_hold_it() {
        for index in [-240, -100, -9, -8, -1, 0, 1, 7, 8, 9, 40, 127] {
            let (low, high) = (upper(index - 1), upper(index));
            for value in [high, low * 1.000_001, (low + high) / 2.0] {
                assert_eq!(index_of(value), index, "{value} in ({low}, {high}]");
            }
        }
        assert_eq!(index_of(1.0), 0);
        assert_eq!(index_of(2.0), 8);
        assert_eq!(index_of(0.5), -8);
    }

    #[test]
    fn bounds_are_the_powers_they_stand_for() {
        for (j, bound) in BOUNDS.iter().enumerate() {
            assert!((bound - 2f64.powf(j as f64 / 8.0) / 2.0).abs() < 1e-15);
        }
    }

    #[test]
    fn recorded_durations_read_back_by_index() {
        let buckets = NativeBuckets::new();
        for nanos in [0, 1_000_000_000, 1_000_000_000, 1_100_000_000, 3_000_000] {
            buckets.record(nanos);
        }
        buckets.record(u64::MAX); // clamped to the last bucket
        let mut out = Vec::new();
        buckets.read_into(&mut out);
        let (reading, rest) = NativeReading::split(&out).unwrap();
        assert!(rest.is_empty());
        assert_eq!(reading.zero_count, 1);
        let read: Vec<(i32, u64)> = reading.buckets().collect();
        assert_eq!(
            read,
            [
                (index_of(0.003), 1),
                (0, 2),
                (index_of(1.1), 1),
                (MAX_INDEX, 1)
            ]
        );
        assert_eq!(reading.negative_buckets().count(), 0);
    }

    #[test]
    fn negative_values_count_by_magnitude_and_nan_counts_as_zero() {
        let buckets = SignedNativeBuckets::new();
        for value in [-1.0, -1.0, -0.003, 0.0, f64::NAN, 2.0] {
            buckets.record(value);
        }
        let mut out = Vec::new();
        buckets.read_into(&mut out);
        let (reading, rest) = NativeReading::split(&out).unwrap();
        assert!(rest.is_empty());
        assert_eq!(reading.zero_count, 2);
        assert_eq!(reading.buckets().collect::<Vec<_>>(), [(8, 1)]);
        assert_eq!(
            reading.negative_buckets().collect::<Vec<_>>(),
            [(index_of(0.003), 1), (0, 2)]
        );
        assert_eq!(reading.total(), 6);
    }
}
