//! A global allocator that counts allocation calls and bytes while asked
//! to, for the allocations of one scrape.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed, Ordering::SeqCst};

use serde::{Deserialize, Serialize};

/// The system allocator, counting while [`count`] runs. Install it with
/// `#[global_allocator]`; when not counting it costs one relaxed load.
pub struct CountingAllocator;

static COUNTING: AtomicBool = AtomicBool::new(false);
static CALLS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

fn record(bytes: usize) {
    if COUNTING.load(Relaxed) {
        CALLS.fetch_add(1, Relaxed);
        BYTES.fetch_add(bytes as u64, Relaxed);
    }
}

// SAFETY: every call is passed on unchanged to `System`, which upholds the
// `GlobalAlloc` contract; the counting touches only atomics and never
// allocates.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(layout.size());
        // SAFETY: the caller's guarantees for `layout` hold for `System` too.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        record(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` through this allocator, with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A grown buffer is an allocation call like any other.
        record(new_size);
        // SAFETY: `ptr` came from `System` through this allocator, with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Allocation calls (`alloc`, `alloc_zeroed`, `realloc`) and the bytes
/// they asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocations {
    /// Calls.
    pub calls: u64,
    /// Bytes asked for (a `realloc`'s new size).
    pub bytes: u64,
}

/// What `f` allocates, counted by every thread while it runs (the
/// benchmarks run it with no other thread at work). Meaningful only with
/// [`CountingAllocator`] installed.
pub fn count(f: impl FnOnce()) -> Allocations {
    CALLS.store(0, Relaxed);
    BYTES.store(0, Relaxed);
    // Sequentially consistent, so that none of `f`'s allocations moves
    // outside the window.
    COUNTING.store(true, SeqCst);
    f();
    COUNTING.store(false, SeqCst);
    Allocations {
        calls: CALLS.load(Relaxed),
        bytes: BYTES.load(Relaxed),
    }
}
