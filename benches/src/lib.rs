//! The work every benchmarked function does, so that each scenario differs
//! only in how it is measured; and what the benchmarks share with `report`.

use std::hint::black_box;

pub mod counting;
pub mod facts;

/// Why [`work`] failed (it never does, but the signature is realistic).
#[derive(Debug)]
pub struct WorkError;

/// A few nanoseconds of opaque work returning a `Result`, as an instrumented
/// service call would.
#[inline(never)]
pub fn work(input: u64) -> Result<u64, WorkError> {
    let value = black_box(input).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    if black_box(value) == 1 {
        return Err(WorkError);
    }
    Ok(value >> 7)
}
