//! Which calls have their duration observed, for `sample = p`: a fast
//! per-thread random draw, so that the sampled calls are an unbiased share.

use std::cell::Cell;

/// A share of calls as a threshold on a random `u64`: a draw below it is
/// sampled; `u64::MAX` samples every call without drawing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SampleRate {
    threshold: u64,
    /// The share as given, for exporters that name it (`@0.01`).
    share: f64,
}

impl SampleRate {
    /// Every call.
    pub(crate) const ALL: SampleRate = SampleRate {
        threshold: u64::MAX,
        share: 1.0,
    };

    /// A share in (0, 1]; anything else samples every call.
    pub(crate) fn new(share: f64) -> Self {
        if share > 0.0 && share < 1.0 {
            // Saturating cast: the product is below 2^64.
            SampleRate {
                threshold: (share * u64::MAX as f64) as u64,
                share,
            }
        } else {
            SampleRate::ALL
        }
    }

    /// The share of calls sampled, in (0, 1], as given.
    pub(crate) fn share(self) -> f64 {
        self.share
    }

    /// Whether this call is sampled.
    #[inline]
    pub(crate) fn draw(self) -> bool {
        self.threshold == u64::MAX || next_random() < self.threshold
    }
}

thread_local! {
    static STATE: Cell<u64> = const { Cell::new(0) };
}

/// xorshift64*, seeded per thread on first use.
#[inline]
fn next_random() -> u64 {
    STATE.with(|state| {
        let mut x = state.get();
        if x == 0 {
            x = seed();
        }
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        state.set(x);
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    })
}

#[cold]
fn seed() -> u64 {
    use std::hash::BuildHasher;
    std::collections::hash_map::RandomState::new().hash_one(std::thread::current().id()) | 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_samples_about_that_share_of_calls() {
        let rate = SampleRate::new(0.1);
        let sampled = (0..100_000).filter(|_| rate.draw()).count();
        assert!((9_000..11_000).contains(&sampled), "{sampled} of 100,000");
        assert!((0..1000).all(|_| SampleRate::ALL.draw()));
        assert_eq!(SampleRate::new(1.0), SampleRate::ALL);
        assert_eq!(SampleRate::new(f64::NAN), SampleRate::ALL);
        assert_eq!(SampleRate::ALL.share(), 1.0);
        assert_eq!(rate.share(), 0.1);
    }
}
