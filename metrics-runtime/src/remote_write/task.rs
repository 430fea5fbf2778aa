//! Writing on an interval: a bounded queue for a receiver that is down,
//! retries with backoff, and a final write on shutdown.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use prometheus::Registry;
use tokio::sync::oneshot;
use tokio::time::Instant;

use super::queue::Queue;
use super::{batch, RemoteWrite, RemoteWriteError};
use crate::client::{Backoff, IntervalTask};

/// The first wait after a failed write; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// The longest wait between two attempts at the same batch.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// The shortest interval [`RemoteWrite::spawn_interval`] accepts.
const MIN_INTERVAL: Duration = Duration::from_millis(10);

/// What an interval writer counts, shared with its [`RemoteWriteTask`].
#[derive(Debug, Default)]
struct Tally {
    dropped_samples: Arc<AtomicU64>,
    collector_panics: AtomicU64,
}

impl RemoteWrite {
    /// Reads `registry` now and then every `every`, and sends each reading
    /// in order from a task of its own, until [`RemoteWriteTask::shutdown`].
    ///
    /// A reading the receiver cannot take now (no connection, a timeout,
    /// 429 or 5xx) waits in a queue and is retried after 100 ms, then twice
    /// as long each time, up to 5 s, while later readings queue behind it;
    /// past [`max_pending_samples`](Self::max_pending_samples) the oldest
    /// are dropped. A reading the receiver rejects (another 4xx) is dropped
    /// at once. Either way the samples are counted
    /// ([`RemoteWriteTask::dropped_samples`]) and logged with `log`. An
    /// `every` under 10 ms is raised to 10 ms.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime: the task is started with `tokio::spawn`.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), metrics_runtime::remote_write::RemoteWriteError> {
    /// use std::time::Duration;
    /// use metrics_runtime::remote_write::RemoteWrite;
    ///
    /// let task = RemoteWrite::new("http://127.0.0.1:8428/api/v1/write")
    ///     .bearer_token("t0k3n")
    ///     .spawn_interval(metrics_runtime::registry().clone(), Duration::from_secs(15));
    /// // … the work …
    /// task.shutdown().await?; // stops, then sends the final values
    /// # Ok(())
    /// # }
    /// ```
    pub fn spawn_interval(self, registry: Registry, every: Duration) -> RemoteWriteTask {
        let tally = Arc::new(Tally::default());
        let queue = Queue::new(self.max_pending_samples, Arc::clone(&tally.dropped_samples));
        let writer = Writer {
            remote: self,
            registry,
            every: every.max(MIN_INTERVAL),
            queue,
            backoff: Backoff::new(FIRST_BACKOFF, MAX_BACKOFF),
            failures: 0,
            tally: Arc::clone(&tally),
        };
        RemoteWriteTask {
            task: IntervalTask::spawn(|stopped| writer.run(stopped)),
            tally,
        }
    }
}

/// The state of an interval writer's task.
struct Writer {
    remote: RemoteWrite,
    registry: Registry,
    every: Duration,
    queue: Queue,
    backoff: Backoff,
    /// Failed attempts at the oldest batch.
    failures: u32,
    tally: Arc<Tally>,
}

impl Writer {
    async fn run(mut self, mut stopped: oneshot::Receiver<()>) -> Result<(), RemoteWriteError> {
        if let Err(err) = self.remote.request(Bytes::new()) {
            // Retrying cannot fix the configuration: say so once, not every `every`.
            log::error!("cannot write to {}: {err}", self.remote.url);
            let _ = stopped.await;
            return Err(err);
        }
        let mut next_read = Instant::now();
        let mut next_send = Instant::now();
        loop {
            if Instant::now() >= next_read {
                let _ = self.read().await;
                next_read = Instant::now() + self.every;
            }
            if self.queue.front().is_some() && Instant::now() >= next_send {
                // Not cancelled by a shutdown: the final flush would only
                // send the same batch again, and the receiver might have
                // taken it already.
                next_send = Instant::now() + self.send_oldest().await;
                continue;
            }
            let wake = match self.queue.front() {
                Some(_) => next_read.min(next_send),
                None => next_read,
            };
            tokio::select! {
                _ = &mut stopped => break,
                () = tokio::time::sleep_until(wake) => {}
            }
        }
        let read = self.read().await;
        self.flush().await.and(read)
    }

    /// Reads the registry into the queue; a collector's panic is logged and counted.
    async fn read(&mut self) -> Result<(), RemoteWriteError> {
        match batch::read(&self.registry).await {
            Ok(batch) => {
                self.queue.push(batch);
                Ok(())
            }
            Err(err) => {
                if let RemoteWriteError::CollectorPanicked(_) = err {
                    self.tally.collector_panics.fetch_add(1, Ordering::Relaxed);
                }
                log::error!(
                    "remote write to {}: reading skipped: {err}",
                    self.remote.url
                );
                Err(err)
            }
        }
    }

    /// Sends the oldest batch and returns how long to wait before the next send.
    async fn send_oldest(&mut self) -> Duration {
        let Some(batch) = self.queue.front() else {
            return Duration::ZERO;
        };
        match self.remote.send(batch).await {
            Ok(()) => {
                self.delivered();
                Duration::ZERO
            }
            Err(err) if err.is_retryable() => {
                self.failures = self.failures.saturating_add(1);
                let wait = self.backoff.next_wait();
                log::warn!(
                    "remote write to {} failed: {err}; retrying in {wait:?}",
                    self.remote.url
                );
                wait
            }
            Err(err) => {
                self.reject(&err);
                Duration::ZERO
            }
        }
    }

    fn delivered(&mut self) {
        if self.failures > 0 {
            log::info!(
                "remote write to {} succeeded again after {} failed attempts",
                self.remote.url,
                self.failures
            );
        }
        self.queue.delivered();
        self.failures = 0;
        self.backoff.reset();
    }

    /// Drops the oldest batch, which the receiver refused.
    fn reject(&mut self, err: &RemoteWriteError) {
        let dropped = self.queue.drop_front();
        self.failures = 0;
        self.backoff.reset();
        log::error!(
            "remote write to {} rejected: {err}; dropped {dropped} samples",
            self.remote.url
        );
    }

    /// Sends every queued batch once, in order, and returns the last error.
    /// At the first failure worth a retry the rest is dropped: the task ends.
    async fn flush(&mut self) -> Result<(), RemoteWriteError> {
        let mut last = Ok(());
        while let Some(batch) = self.queue.front() {
            match self.remote.send(batch).await {
                Ok(()) => self.delivered(),
                Err(err) if err.is_retryable() => {
                    let dropped = self.queue.drop_all();
                    log::error!(
                        "final remote write to {} failed: {err}; dropped {dropped} samples",
                        self.remote.url
                    );
                    return Err(err);
                }
                Err(err) => {
                    self.reject(&err);
                    last = Err(err);
                }
            }
        }
        last
    }
}

/// An interval writer started by [`RemoteWrite::spawn_interval`].
///
/// [`shutdown`](Self::shutdown) stops it with a final write. Dropping it
/// stops it too (the task is aborted), but without a final write.
#[derive(Debug)]
#[must_use = "dropping a `RemoteWriteTask` stops it at once; keep it and call `shutdown`"]
pub struct RemoteWriteTask {
    task: IntervalTask<RemoteWriteError>,
    tally: Arc<Tally>,
}

impl RemoteWriteTask {
    /// Samples dropped so far: refused by the receiver (a 4xx other than
    /// 429), pushed out of a full queue, or left when the final write failed.
    pub fn dropped_samples(&self) -> u64 {
        self.tally.dropped_samples.load(Ordering::Relaxed)
    }

    /// Readings skipped so far because a collector of the registry
    /// panicked (each one also logged with `log::error!`).
    pub fn collector_panics(&self) -> u64 {
        self.tally.collector_panics.load(Ordering::Relaxed)
    }

    /// Stops the interval (once a request under way has ended), reads the
    /// registry once more, sends what is queued in order, and returns the
    /// last error, if any.
    pub async fn shutdown(mut self) -> Result<(), RemoteWriteError> {
        self.task
            .stop()
            .await
            .unwrap_or(Err(RemoteWriteError::Cancelled))
    }
}
