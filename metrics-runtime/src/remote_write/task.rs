//! Writing on an interval: a bounded queue for a receiver that is down,
//! retries with backoff, and a final write on shutdown.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use prometheus::Registry;
use tokio::sync::oneshot;
use tokio::time::Instant;

use super::outage::Outage;
use super::queue::Queue;
use super::reader::Reader;
use super::{RemoteWrite, RemoteWriteError};
use crate::client::{Backoff, IntervalTask};

/// The first wait after a failed write; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// The longest wait between two attempts at the same batch.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// The longest wait between two attempts during the final flush.
const MAX_FLUSH_BACKOFF: Duration = Duration::from_secs(1);
/// The least time the final flush is given, whatever the timeout.
const MIN_FLUSH_TIME: Duration = Duration::from_secs(5);
/// The shortest interval [`RemoteWrite::spawn_interval`] accepts.
const MIN_INTERVAL: Duration = Duration::from_millis(10);
/// "Never" for an interval too long to add to now (about 30 years).
const FAR_FUTURE: Duration = Duration::from_secs(86_400 * 365 * 30);

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
    /// are dropped. A reading the receiver rejects (another 4xx, such as
    /// 413 for a request too large) is dropped at once. Either way the
    /// samples are counted ([`RemoteWriteTask::dropped_samples`]) and
    /// logged with `log`: an outage once when it starts and once, summed
    /// up, when it ends. An `every` under 10 ms is raised to 10 ms.
    ///
    /// A series of the previous reading that is gone from the next (a
    /// label set removed from a vector) is sent once more with Prometheus'
    /// stale marker, so that queries stop returning it. The final reading
    /// of [`shutdown`](RemoteWriteTask::shutdown) does not mark every
    /// series stale: the process may be restarting, and its series go on.
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
        let reader = Reader::interval(registry, self.max_series, self.shown_url.clone());
        let writer = Writer {
            remote: self,
            reader: Arc::new(Mutex::new(reader)),
            every: every.max(MIN_INTERVAL),
            queue,
            backoff: Backoff::new(FIRST_BACKOFF, MAX_BACKOFF),
            outage: Outage::default(),
            tally: Arc::clone(&tally),
        };
        RemoteWriteTask {
            task: IntervalTask::spawn(|stopped| writer.run(stopped)),
            tally,
        }
    }
}

/// `by` from now, or far in the future when that is past what `Instant` holds.
fn later(by: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(by)
        .or_else(|| now.checked_add(FAR_FUTURE))
        .unwrap_or(now)
}

/// The state of an interval writer's task.
struct Writer {
    remote: RemoteWrite,
    reader: Arc<Mutex<Reader>>,
    every: Duration,
    queue: Queue,
    backoff: Backoff,
    outage: Outage,
    tally: Arc<Tally>,
}

impl Writer {
    async fn run(mut self, mut stopped: oneshot::Receiver<()>) -> Result<(), RemoteWriteError> {
        if let Err(err) = self.remote.request(Bytes::new()) {
            // Retrying cannot fix the configuration: say so once, not every `every`.
            log::error!("cannot write to {}: {err}", self.remote.shown_url);
            let _ = stopped.await;
            return Err(err);
        }
        let mut next_read = Instant::now();
        let mut next_send = Instant::now();
        loop {
            if Instant::now() >= next_read {
                let _ = self.read().await;
                next_read = later(self.every);
            }
            if self.queue.front().is_some() && Instant::now() >= next_send {
                // Not cancelled by a shutdown: the final flush would only
                // send the same batch again, and the receiver might have
                // taken it already.
                next_send = later(self.send_oldest().await);
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
        match Reader::read(&self.reader).await {
            Ok(batches) => {
                let dropped: usize = batches.into_iter().map(|b| self.queue.push(b)).sum();
                if let Some(warning) = self.outage.dropped(&self.remote.shown_url, dropped) {
                    log::warn!("{warning}");
                }
                Ok(())
            }
            Err(err) => {
                if let RemoteWriteError::CollectorPanicked(_) = err {
                    self.tally.collector_panics.fetch_add(1, Ordering::Relaxed);
                }
                log::error!(
                    "remote write to {}: reading skipped: {err}",
                    self.remote.shown_url
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
            Err(err) if err.is_retryable() => self.retry_later(&err),
            Err(err) => {
                self.reject(&err);
                Duration::ZERO
            }
        }
    }

    /// Counts a failure worth a retry; returns the wait before it.
    fn retry_later(&mut self, err: &RemoteWriteError) -> Duration {
        if let Some(warning) = self.outage.failed(&self.remote.shown_url, err) {
            log::warn!("{warning}");
        }
        self.backoff.next_wait()
    }

    fn delivered(&mut self) {
        if let Some(summary) = self.outage.recovered(&self.remote.shown_url) {
            log::info!("{summary}");
        }
        self.queue.delivered();
        self.backoff.reset();
    }

    /// Drops the oldest batch, which the receiver refused.
    fn reject(&mut self, err: &RemoteWriteError) {
        let dropped = self.queue.drop_front();
        self.backoff.reset();
        log::error!("{}", rejection(&self.remote.shown_url, err, dropped));
    }

    /// Sends every queued batch in order within one deadline (twice the
    /// timeout, 5 s at least), retrying a failure worth it with a short
    /// backoff; drops and counts what is left at the deadline. Returns the
    /// last error.
    async fn flush(&mut self) -> Result<(), RemoteWriteError> {
        let time = self.remote.timeout.saturating_mul(2).max(MIN_FLUSH_TIME);
        let deadline = later(time);
        let mut backoff = Backoff::new(FIRST_BACKOFF, MAX_FLUSH_BACKOFF);
        let mut last = Ok(());
        while let Some(batch) = self.queue.front() {
            let sent = tokio::time::timeout_at(deadline, self.remote.send(batch)).await;
            match sent.unwrap_or(Err(RemoteWriteError::Timeout(time))) {
                Ok(()) => self.delivered(),
                Err(err) if err.is_retryable() => {
                    let wait = backoff.next_wait();
                    if Instant::now() + wait >= deadline {
                        return Err(self.give_up(err));
                    }
                    self.retry_later(&err);
                    tokio::time::sleep(wait).await;
                }
                Err(err) => {
                    self.reject(&err);
                    last = Err(err);
                }
            }
        }
        last
    }

    /// Drops what the final flush could not send; returns `err`.
    fn give_up(&mut self, err: RemoteWriteError) -> RemoteWriteError {
        let dropped = self.queue.drop_all();
        log::error!(
            "final remote write to {} failed: {err}; dropped {dropped} samples",
            self.remote.shown_url
        );
        err
    }
}

/// The log line of a batch the receiver refused: a 413 says how large it was.
fn rejection(url: &str, err: &RemoteWriteError, samples: usize) -> String {
    match err {
        RemoteWriteError::Status { status: 413, .. } => format!(
            "remote write to {url} rejected a batch of {samples} series as too large \
             (413 Payload Too Large): {err}; dropped it, lower `max_series_per_request`"
        ),
        _ => format!("remote write to {url} rejected: {err}; dropped {samples} samples"),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interval_too_long_for_an_instant_means_far_in_the_future() {
        let wake = later(Duration::MAX);
        assert!(wake > Instant::now() + Duration::from_secs(86_400 * 365));
    }

    #[test]
    fn a_413_is_logged_as_a_rejection_with_the_batch_size() {
        let too_large = RemoteWriteError::Status {
            status: 413,
            body: String::new(),
        };
        let line = rejection("http://h", &too_large, 2000);
        assert!(line.contains("rejected a batch of 2000 series"), "{line}");
        assert!(line.contains("413"), "{line}");
    }
}
