//! An exporter's interval task: stopped on request, aborted when dropped.

use std::future::Future;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A spawned task that runs until told to stop, then ends with a result.
#[derive(Debug)]
pub(crate) struct IntervalTask<E> {
    stop: Option<oneshot::Sender<()>>,
    handle: JoinHandle<Result<(), E>>,
}

impl<E: Send + 'static> IntervalTask<E> {
    /// Spawns `run`, which is handed the signal to stop on.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime.
    pub(crate) fn spawn<F>(run: impl FnOnce(oneshot::Receiver<()>) -> F) -> IntervalTask<E>
    where
        F: Future<Output = Result<(), E>> + Send + 'static,
    {
        let (stop, stopped) = oneshot::channel();
        IntervalTask {
            stop: Some(stop),
            handle: tokio::spawn(run(stopped)),
        }
    }

    /// Tells the task to stop and waits for its result: `None` when it was
    /// cancelled (its runtime shut down). A panic of the task goes on here.
    pub(crate) async fn stop(&mut self) -> Option<Result<(), E>> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match (&mut self.handle).await {
            Ok(outcome) => Some(outcome),
            Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
            Err(_) => None,
        }
    }
}

impl<E> Drop for IntervalTask<E> {
    fn drop(&mut self) {
        self.handle.abort();
    }
}
