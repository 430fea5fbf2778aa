//! The latest exemplar of each result counter and histogram bucket of a
//! series, kept once an exemplar source is installed.

use std::sync::{Mutex, PoisonError};

use super::guard::Outcome;
use crate::encoding::direct::BucketExemplars;
use crate::exemplars::{Exemplar, TraceContext};

/// One exemplar, replaced by later ones.
type Slot = Mutex<Option<Exemplar>>;

/// A series' exemplars: one per result, one per histogram bucket.
#[derive(Debug)]
pub(crate) struct ExemplarSlots {
    outcomes: [Slot; Outcome::COUNT],
    buckets: Box<[Slot]>,
}

impl ExemplarSlots {
    /// Slots for `buckets` histogram buckets (`+Inf` included).
    pub(crate) fn new(buckets: usize) -> Self {
        ExemplarSlots {
            outcomes: Default::default(),
            buckets: (0..buckets).map(|_| Slot::default()).collect(),
        }
    }

    /// Keeps `trace` as the exemplar of `outcome` (a value of 1) and, for
    /// an observed duration, of its bucket. A slot another thread is
    /// writing keeps that thread's exemplar instead: never a wait.
    pub(crate) fn keep(&self, trace: TraceContext, outcome: Outcome, bucket: Option<(usize, u64)>) {
        let counted = Exemplar::now(trace, 1.0);
        if let Ok(mut slot) = self.outcomes[outcome as usize].try_lock() {
            *slot = Some(counted);
        }
        let Some((index, nanos)) = bucket else { return };
        if let Some(Ok(mut slot)) = self.buckets.get(index).map(Mutex::try_lock) {
            *slot = Some(Exemplar {
                value: nanos as f64 / 1e9,
                ..counted
            });
        }
    }

    /// The latest exemplar of `outcome`'s counter.
    pub(crate) fn outcome(&self, outcome: Outcome) -> Option<Exemplar> {
        read(&self.outcomes[outcome as usize])
    }

    /// Bytes it takes.
    pub(crate) fn allocated_bytes(&self) -> usize {
        std::mem::size_of::<Self>() + self.buckets.len() * std::mem::size_of::<Slot>()
    }
}

impl BucketExemplars for ExemplarSlots {
    fn bucket(&self, index: usize) -> Option<Exemplar> {
        self.buckets.get(index).and_then(read)
    }
}

fn read(slot: &Slot) -> Option<Exemplar> {
    *slot.lock().unwrap_or_else(PoisonError::into_inner)
}
