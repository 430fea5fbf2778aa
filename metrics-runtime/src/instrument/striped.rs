//! Counters split into per-thread stripes, so that threads calling the same
//! function add to different cache lines.
//!
//! Each thread is given a stripe number on its first measured call; a
//! counter's value is the sum over its stripes. Stripes are allocated on
//! first use, so a series touched by one thread costs one stripe.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{LazyLock, OnceLock};

/// Stripes per series: the machine's parallelism, rounded up to a power of
/// two and capped, which bounds memory per series on large machines.
static STRIPES: LazyLock<usize> = LazyLock::new(|| {
    let parallelism = std::thread::available_parallelism().map_or(1, |n| n.get());
    parallelism.next_power_of_two().min(MAX_STRIPES)
});

const MAX_STRIPES: usize = 16;

static NEXT_THREAD: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static THREAD_NUMBER: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// This thread's number, assigned round-robin on first use.
#[inline]
fn thread_number() -> usize {
    THREAD_NUMBER.with(|number| {
        let current = number.get();
        if current != usize::MAX {
            return current;
        }
        let assigned = NEXT_THREAD.fetch_add(1, Relaxed);
        number.set(assigned);
        assigned
    })
}

/// How many stripes a striped structure has on this machine.
pub(crate) fn stripe_count() -> usize {
    *STRIPES
}

/// This thread's stripe among `count` (a power of two).
#[inline]
pub(crate) fn local_stripe(count: usize) -> usize {
    thread_number() & (count - 1)
}

/// Eight counters on one cache line.
#[repr(align(64))]
#[derive(Default)]
struct CacheLine([AtomicU64; 8]);

/// `cells` counters, one copy per stripe.
pub(crate) struct Striped {
    cells: usize,
    stripes: Box<[OnceLock<Box<[CacheLine]>>]>,
}

impl Striped {
    pub(crate) fn new(cells: usize) -> Self {
        Striped {
            cells,
            stripes: (0..stripe_count()).map(|_| OnceLock::new()).collect(),
        }
    }

    /// This thread's copy of the counters.
    #[inline]
    pub(crate) fn local(&self) -> Stripe<'_> {
        let slot = &self.stripes[local_stripe(self.stripes.len())];
        Stripe(slot.get_or_init(|| {
            (0..self.cells.div_ceil(8))
                .map(|_| CacheLine::default())
                .collect()
        }))
    }

    /// Every counter summed over the stripes, read once each, from the
    /// last cell to the first.
    #[cfg(test)]
    pub(crate) fn totals(&self) -> Vec<u64> {
        let mut totals = Vec::new();
        self.totals_into(&mut totals);
        totals
    }

    /// [`totals`](Striped::totals) into `totals`, reusing its allocation.
    pub(crate) fn totals_into(&self, totals: &mut Vec<u64>) {
        totals.clear();
        totals.resize(self.cells, 0);
        for lines in self.stripes.iter().filter_map(OnceLock::get) {
            for (cell, total) in totals.iter_mut().enumerate().rev() {
                *total = total.wrapping_add(Stripe(lines).get(cell));
            }
        }
    }

    /// Bytes of counters allocated so far.
    pub(crate) fn allocated_bytes(&self) -> usize {
        let allocated = self.stripes.iter().filter(|s| s.get().is_some()).count();
        allocated * self.cells.div_ceil(8) * std::mem::size_of::<CacheLine>()
    }
}

impl std::fmt::Debug for Striped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Striped")
            .field("cells", &self.cells)
            .field("stripes", &self.stripes.len())
            .finish()
    }
}

/// One thread's copy of the counters.
#[derive(Clone, Copy)]
pub(crate) struct Stripe<'a>(&'a [CacheLine]);

impl Stripe<'_> {
    #[inline]
    pub(crate) fn add(self, cell: usize, amount: u64) {
        if let Some(line) = self.0.get(cell / 8) {
            line.0[cell % 8].fetch_add(amount, Relaxed);
        }
    }

    fn get(self, cell: usize) -> u64 {
        self.0
            .get(cell / 8)
            .map_or(0, |line| line.0[cell % 8].load(Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_thread_adds_to_the_same_sums() {
        let striped = Striped::new(10);
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| {
                    for _ in 0..1000 {
                        striped.local().add(9, 1);
                        striped.local().add(0, 2);
                    }
                });
            }
        });
        let totals = striped.totals();
        assert_eq!(totals[9], 8000);
        assert_eq!(totals[0], 16000);
        assert_eq!(totals[5], 0);
        assert!(striped.allocated_bytes() >= 128);
    }
}
