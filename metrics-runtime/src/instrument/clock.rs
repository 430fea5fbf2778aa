//! The clock of the hot path: the CPU's time-stamp counter where it is
//! reliable (a few nanoseconds a read, against tens for `Instant::now`),
//! the OS monotonic clock elsewhere; `quanta` calibrates and decides.

use std::sync::LazyLock;

static CLOCK: LazyLock<quanta::Clock> = LazyLock::new(quanta::Clock::new);

/// Calibrates the clock now rather than on the first measured call; it
/// takes between half a millisecond and 200 ms, once per process.
pub(crate) fn calibrate() {
    LazyLock::force(&CLOCK);
}

/// A raw reading, only meaningful to [`nanos_since`].
#[inline]
pub(crate) fn now() -> u64 {
    CLOCK.raw()
}

/// Nanoseconds from `start` (a [`now`] reading) to now; never negative.
#[inline]
pub(crate) fn nanos_since(start: u64) -> u64 {
    let clock = &*CLOCK;
    clock.delta_as_nanos(start, clock.raw())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn agrees_with_the_standard_clock() {
        calibrate();
        let reference = Instant::now();
        let start = now();
        std::thread::sleep(Duration::from_millis(20));
        let ours = nanos_since(start) as f64;
        let theirs = reference.elapsed().as_nanos() as f64;
        assert!(
            (ours - theirs).abs() < theirs * 0.05,
            "ours {ours} ns, Instant {theirs} ns"
        );
    }
}
