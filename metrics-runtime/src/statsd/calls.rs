//! The measured calls of `#[instrumented]` functions, handed from the
//! calling thread to the exporter's thread through one bounded queue: a
//! call never waits, and a call that finds the queue full is dropped and
//! counted.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

use crate::instrument::guard::{Outcome, SeriesRef};

/// Calls the queue holds before new ones are dropped.
const CAPACITY: usize = 16_384;

/// Whether an exporter takes calls: the only cost a call pays without one.
static FORWARDING: AtomicBool = AtomicBool::new(false);
/// Calls dropped because the queue was full.
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// One measured call.
pub(crate) struct Call {
    pub(crate) series: SeriesRef,
    pub(crate) outcome: Outcome,
    pub(crate) nanos: u64,
}

struct Queue {
    sender: SyncSender<Call>,
    /// Taken by the one exporter that receives calls.
    receiver: Mutex<Option<Receiver<Call>>>,
}

fn queue() -> &'static Queue {
    static QUEUE: OnceLock<Queue> = OnceLock::new();
    QUEUE.get_or_init(|| {
        let (sender, receiver) = sync_channel(CAPACITY);
        Queue {
            sender,
            receiver: Mutex::new(Some(receiver)),
        }
    })
}

/// Whether measured calls are to be forwarded.
#[inline]
pub(crate) fn forwarding() -> bool {
    FORWARDING.load(Ordering::Relaxed)
}

/// Queues `call` for the exporter, or drops and counts it when the queue
/// is full; out of line, so that the check before it is all a call pays
/// without an exporter.
#[cold]
#[inline(never)]
pub(crate) fn forward(call: Call) {
    if queue().sender.try_send(call).is_err() {
        DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

/// Calls dropped so far because the queue was full.
pub(crate) fn dropped() -> u64 {
    DROPPED.load(Ordering::Relaxed)
}

/// The receiving end of the queue, held by one exporter at a time; calls
/// stop being forwarded when it is dropped.
pub(crate) struct CallReceiver {
    receiver: Option<Receiver<Call>>,
}

impl CallReceiver {
    /// The receiver, unless another exporter holds it.
    pub(crate) fn take() -> Option<CallReceiver> {
        let mut slot = queue()
            .receiver
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let receiver = slot.take()?;
        FORWARDING.store(true, Ordering::Relaxed);
        Some(CallReceiver {
            receiver: Some(receiver),
        })
    }

    /// The next call, waiting at most `timeout`.
    pub(crate) fn next(&self, timeout: Duration) -> Option<Call> {
        let receiver = self.receiver.as_ref()?;
        // A timeout and a closed queue (never: the sender is static) alike.
        receiver.recv_timeout(timeout).ok()
    }

    /// A call already queued, without waiting.
    pub(crate) fn try_next(&self) -> Option<Call> {
        self.receiver.as_ref()?.try_recv().ok()
    }
}

impl Drop for CallReceiver {
    fn drop(&mut self) {
        FORWARDING.store(false, Ordering::Relaxed);
        let Some(receiver) = self.receiver.take() else {
            return;
        };
        // Calls queued after the last read belong to no exporter.
        while receiver.try_recv().is_ok() {}
        *queue()
            .receiver
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(receiver);
    }
}
