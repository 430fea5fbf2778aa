//! Pushing on an interval, with a final push on shutdown.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use prometheus::Registry;
use tokio::sync::oneshot;

use super::{PushError, Pushgateway};
use crate::client::{Backoff, IntervalTask};

/// The first wait after a failed interval push; it doubles up to the interval.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// The shortest interval [`Pushgateway::spawn_interval`] accepts.
const MIN_INTERVAL: Duration = Duration::from_millis(10);

impl Pushgateway {
    /// Pushes `registry` (as [`push`](Self::push) does) now and then every
    /// `every` in a task of its own, until [`PushTask::shutdown`].
    ///
    /// A failed push is logged (`log::warn!`, or `log::error!` when the
    /// Pushgateway rejects the request) and retried after 100 ms, then
    /// twice as long each time, up to `every`. A push skipped because a
    /// collector panicked is logged with `log::error!`, counted
    /// ([`PushTask::collector_panics`]) and tried again after `every`. An
    /// `every` under 10 ms is raised to 10 ms.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime: the task is started with `tokio::spawn`.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), metrics_runtime::push::PushError> {
    /// use std::time::Duration;
    /// use metrics_runtime::push::Pushgateway;
    ///
    /// let task = Pushgateway::new("http://127.0.0.1:9091")
    ///     .job("indexer")
    ///     .spawn_interval(metrics_runtime::registry().clone(), Duration::from_secs(15));
    /// // … the work …
    /// task.shutdown().await?; // stops, then pushes the final values
    /// # Ok(())
    /// # }
    /// ```
    pub fn spawn_interval(self, registry: Registry, every: Duration) -> PushTask {
        let panics = Arc::new(AtomicU64::new(0));
        let pacing = Pacing::new(every.max(MIN_INTERVAL), Arc::clone(&panics));
        PushTask {
            task: IntervalTask::spawn(|stopped| self.run(registry, pacing, stopped)),
            panics,
        }
    }

    async fn run(
        self,
        registry: Registry,
        mut pacing: Pacing,
        mut stopped: oneshot::Receiver<()>,
    ) -> Result<(), PushError> {
        if let Err(err) = self.target() {
            // Retrying cannot fix the configuration: say so once, not every `every`.
            log::error!("cannot push to the Pushgateway at {}: {err}", self.url);
            let _ = stopped.await;
            return Err(err);
        }
        loop {
            let outcome = tokio::select! {
                _ = &mut stopped => break,
                outcome = self.push(&registry) => outcome,
            };
            let wait = pacing.after(&self.url, outcome);
            tokio::select! {
                _ = &mut stopped => break,
                () = tokio::time::sleep(wait) => {}
            }
        }
        let last = self.push(&registry).await;
        pacing.count_panic(&last);
        last
    }
}

/// When the interval task pushes next, after what happened last.
#[derive(Debug)]
struct Pacing {
    every: Duration,
    backoff: Backoff,
    failures: u32,
    /// Pushes skipped because a collector panicked; shared with [`PushTask`].
    panics: Arc<AtomicU64>,
}

impl Pacing {
    fn new(every: Duration, panics: Arc<AtomicU64>) -> Pacing {
        Pacing {
            every,
            backoff: Backoff::new(FIRST_BACKOFF, every),
            failures: 0,
            panics,
        }
    }

    fn count_panic(&self, outcome: &Result<(), PushError>) {
        if let Err(PushError::CollectorPanicked(_)) = outcome {
            self.panics.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// How long to wait after a push to `url` that ended in `outcome`,
    /// which is logged.
    fn after(&mut self, url: &str, outcome: Result<(), PushError>) -> Duration {
        self.count_panic(&outcome);
        let every = self.every;
        match outcome {
            Ok(()) => {
                if self.failures > 0 {
                    log::info!(
                        "pushed to the Pushgateway at {url} again after {} failed attempts",
                        self.failures
                    );
                }
                self.failures = 0;
                self.backoff.reset();
                every
            }
            // Not the Pushgateway's doing: trying sooner would not help.
            Err(err @ PushError::CollectorPanicked(_)) => {
                log::error!(
                    "push to the Pushgateway at {url} skipped: {err}; trying again in {every:?}"
                );
                every
            }
            Err(err) => {
                self.failures = self.failures.saturating_add(1);
                let wait = self.backoff.next_wait();
                if err.is_rejection() {
                    log::error!(
                        "push to the Pushgateway at {url} failed: {err}; retrying in {wait:?}"
                    );
                } else {
                    log::warn!(
                        "push to the Pushgateway at {url} failed: {err}; retrying in {wait:?}"
                    );
                }
                wait
            }
        }
    }
}

/// An interval pusher started by [`Pushgateway::spawn_interval`].
///
/// [`shutdown`](Self::shutdown) stops it with a final push. Dropping it
/// stops it too (the task is aborted), but without a final push.
#[derive(Debug)]
#[must_use = "dropping a `PushTask` stops it at once; keep it and call `shutdown`"]
pub struct PushTask {
    task: IntervalTask<PushError>,
    panics: Arc<AtomicU64>,
}

impl PushTask {
    /// Pushes skipped so far because a collector of the registry panicked
    /// (each one also logged with `log::error!`).
    pub fn collector_panics(&self) -> u64 {
        self.panics.load(Ordering::Relaxed)
    }

    /// Stops the interval (cancelling a push under way), then pushes the
    /// registry one last time and returns how that went.
    pub async fn shutdown(mut self) -> Result<(), PushError> {
        self.task.stop().await.unwrap_or(Err(PushError::Cancelled))
    }
}
