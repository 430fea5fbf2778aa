//! Encodes of one registry: a few at a time, shared by the scrapes that
//! arrive while one waits its turn, and dropped when nobody waits any more.

use std::io::{self, Write};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::body::Bytes;
use prometheus::Registry;
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};

use crate::encoding::Format;

/// Encodes running at once for one router; more scrapes queue, and share.
const MAX_CONCURRENT_ENCODES: usize = 2;
/// Bytes compressed between two checks that a scraper still waits.
const GZIP_CHUNK: usize = 256 * 1024;

/// What a scrape asks for: one of [`VARIANTS`] bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Variant {
    /// The exposition format.
    pub(super) format: Format,
    /// Whether the body is gzipped.
    pub(super) gzip: bool,
}

/// Formats times codings.
const VARIANTS: usize = 6;

impl Variant {
    fn index(self) -> usize {
        let format = match self.format {
            Format::OpenMetrics => 1,
            #[cfg(feature = "protobuf")]
            Format::Protobuf => 2,
            _ => 0,
        };
        format * 2 + usize::from(self.gzip)
    }
}

/// One encode; each scrape waiting for it holds a receiver, so the encode
/// knows when nobody does any more.
type Batch = watch::Sender<Option<Bytes>>;

/// Encodes `registry` for the scrapes of one router.
pub(super) struct Encoder {
    registry: Registry,
    /// Buffers of earlier encodes, kept at their size: a scrape does not
    /// grow a new one through every power of two up to the exposition's size.
    buffers: Arc<Mutex<Vec<Vec<u8>>>>,
    permits: Arc<Semaphore>,
    /// Per variant, the encode still waiting for its turn: a scrape joining
    /// it gets a body gathered after it arrived, as fresh as its own.
    queued: Mutex<[Option<Arc<Batch>>; VARIANTS]>,
}

impl Encoder {
    /// An encoder of `registry`, idle.
    pub(super) fn new(registry: Registry) -> Encoder {
        Encoder {
            registry,
            buffers: Arc::default(),
            permits: Arc::new(Semaphore::new(MAX_CONCURRENT_ENCODES)),
            queued: Mutex::new(Default::default()),
        }
    }

    /// The body `variant` asks for; `None` when encoding failed (logged).
    /// Dropping the future withdraws the scrape from its encode.
    pub(super) async fn encode(self: &Arc<Self>, variant: Variant) -> Option<Bytes> {
        let mut waiting = self.join(variant);
        let body = waiting.wait_for(Option::is_some).await.ok()?;
        body.as_ref().cloned()
    }

    /// A receiver of the queued encode of `variant`, started if there is none.
    fn join(self: &Arc<Self>, variant: Variant) -> watch::Receiver<Option<Bytes>> {
        let mut queued = self.queued();
        if let Some(batch) = &queued[variant.index()] {
            return batch.subscribe();
        }
        let (batch, waiting) = watch::channel(None);
        let batch = Arc::new(batch);
        queued[variant.index()] = Some(batch.clone());
        drop(queued);
        tokio::spawn(self.clone().run(variant, batch));
        waiting
    }

    /// Waits for a turn, then encodes on a blocking thread for whoever waits.
    async fn run(self: Arc<Self>, variant: Variant, batch: Arc<Batch>) {
        let Some(permit) = self.turn(variant, &batch).await else {
            return;
        };
        let registry = self.registry.clone();
        let buffers = self.buffers.clone();
        let job = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut buffer = take_buffer(&buffers);
            let body = produce(&registry, variant, &mut buffer, &|| !batch.is_closed());
            give_back(&buffers, buffer);
            if let Some(body) = body {
                // With nobody left to read it, the body is dropped right here.
                let _ = batch.send(Some(body));
            }
        });
        if let Err(err) = job.await {
            log::error!("metrics server: encoding failed: {err}");
        }
    }

    /// A permit to encode `batch`, or `None` once nobody waits for it.
    async fn turn(&self, variant: Variant, batch: &Arc<Batch>) -> Option<OwnedSemaphorePermit> {
        // One acquire for the whole wait keeps the batch's place in the queue.
        let permit = self.permits.clone().acquire_owned();
        let mut permit = std::pin::pin!(permit);
        loop {
            tokio::select! {
                permit = &mut permit => {
                    // The gathering starts now: later scrapes need a new batch.
                    detach(&mut self.queued(), variant, batch);
                    return permit.ok().filter(|_| !batch.is_closed());
                }
                () = batch.closed() => {
                    // Under the lock, as joining is: nobody can join it after this.
                    let mut queued = self.queued();
                    if batch.is_closed() {
                        detach(&mut queued, variant, batch);
                        return None;
                    }
                }
            }
        }
    }

    fn queued(&self) -> MutexGuard<'_, [Option<Arc<Batch>>; VARIANTS]> {
        // The slots stay consistent whatever panicked while holding them.
        self.queued.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Takes `batch` out of the queue if it is still there.
fn detach(queued: &mut [Option<Arc<Batch>>; VARIANTS], variant: Variant, batch: &Arc<Batch>) {
    let slot = &mut queued[variant.index()];
    if slot
        .as_ref()
        .is_some_and(|queued| Arc::ptr_eq(queued, batch))
    {
        *slot = None;
    }
}

/// A kept buffer, empty, or a new one.
fn take_buffer(buffers: &Mutex<Vec<Vec<u8>>>) -> Vec<u8> {
    let mut buffers = buffers.lock().unwrap_or_else(PoisonError::into_inner);
    buffers.pop().unwrap_or_default()
}

/// Keeps `buffer` for a later encode; at most one per concurrent encode.
fn give_back(buffers: &Mutex<Vec<Vec<u8>>>, mut buffer: Vec<u8>) {
    buffer.clear();
    let mut buffers = buffers.lock().unwrap_or_else(PoisonError::into_inner);
    if buffers.len() < MAX_CONCURRENT_ENCODES {
        buffers.push(buffer);
    }
}

/// The body for `variant`, encoded in `buffer`, or `None` when it is no
/// longer `wanted` (checked between steps) or it could not be compressed.
fn produce(
    registry: &Registry,
    variant: Variant,
    buffer: &mut Vec<u8>,
    wanted: &dyn Fn() -> bool,
) -> Option<Bytes> {
    if !wanted() {
        return None;
    }
    // A 500 rather than a partial exposition: Prometheus marks the target
    // down, where a partial one would silently drop series.
    if let Err(panic) = crate::encoding::try_encode_into(variant.format, registry, buffer) {
        log::error!("metrics server: answering 500: {panic}");
        return None;
    }
    if !variant.gzip {
        return Some(Bytes::copy_from_slice(buffer));
    }
    match compress(buffer, wanted) {
        Ok(compressed) => compressed.map(Bytes::from),
        Err(err) => {
            log::error!("metrics server: cannot compress the exposition: {err}");
            None
        }
    }
}

/// `body` gzipped, or `None` as soon as it is no longer `wanted`.
fn compress(body: &[u8], wanted: &dyn Fn() -> bool) -> io::Result<Option<Vec<u8>>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for chunk in body.chunks(GZIP_CHUNK) {
        if !wanted() {
            return Ok(None);
        }
        encoder.write_all(chunk)?;
    }
    encoder.finish().map(Some)
}
