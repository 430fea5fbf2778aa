//! Reading a registry into request bodies, off the runtime's threads:
//! gather, convert, mark what went stale, cut into batches.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use prometheus::Registry;

use super::batch::{self, Batch};
use super::issues::Reported;
use super::series::time_series;
use super::stale::Stale;
use super::RemoteWriteError;
use crate::encoding::{panic_message, try_gather};

/// A registry and what a writer remembers between its readings.
#[derive(Debug)]
pub(crate) struct Reader {
    registry: Registry,
    max_series: usize,
    /// The series sent last, for an interval writer; `None` for one write.
    stale: Option<Stale>,
    reported: Reported,
    /// The receiver's redacted URL, for the logs.
    shown_url: String,
}

impl Reader {
    /// A reader for one write: nothing to remember.
    pub(crate) fn once(registry: Registry, max_series: usize, shown_url: String) -> Reader {
        Reader {
            registry,
            max_series,
            stale: None,
            reported: Reported::default(),
            shown_url,
        }
    }

    /// A reader for an interval writer, which marks gone series stale.
    pub(crate) fn interval(registry: Registry, max_series: usize, shown_url: String) -> Reader {
        Reader {
            stale: Some(Stale::default()),
            ..Reader::once(registry, max_series, shown_url)
        }
    }

    /// Reads the registry now, on tokio's blocking pool: gathering,
    /// encoding and compressing a large registry takes milliseconds, which
    /// would stall every other task of the runtime's thread.
    pub(crate) async fn read(reader: &Arc<Mutex<Reader>>) -> Result<Vec<Batch>, RemoteWriteError> {
        let reader = Arc::clone(reader);
        off_runtime(move || {
            // A panic of an earlier reading left nothing half-done that matters.
            let mut reader = reader.lock().unwrap_or_else(PoisonError::into_inner);
            reader.read_now()
        })
        .await
    }

    fn read_now(&mut self) -> Result<Vec<Batch>, RemoteWriteError> {
        let families = try_gather(&self.registry)
            .map_err(|panic| RemoteWriteError::CollectorPanicked(panic.into_message()))?;
        let read_at = now_millis();
        let mut converted = time_series(&families, read_at);
        self.reported.log_new(converted.issues, &self.shown_url);
        if let Some(stale) = &mut self.stale {
            stale.mark(&mut converted.series, read_at);
        }
        batch::split(converted.series, self.max_series)
    }
}

/// Runs `work` on tokio's blocking pool; its panic is an error, not a
/// cancellation.
async fn off_runtime<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, RemoteWriteError> + Send + 'static,
) -> Result<T, RemoteWriteError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(outcome) => outcome,
        Err(err) if err.is_panic() => Err(RemoteWriteError::Panicked(panic_message(
            err.into_panic().as_ref(),
        ))),
        Err(_) => Err(RemoteWriteError::Cancelled),
    }
}

/// Milliseconds since the Unix epoch.
fn now_millis() -> i64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::super::stale::STALE_NAN;
    use super::*;

    fn reader(registry: &Registry) -> Reader {
        Reader::interval(registry.clone(), 2, "http://h".into())
    }

    #[test]
    fn a_reading_is_sent_as_read_now_in_batches_with_stale_markers() {
        let registry = Registry::new();
        let opts = prometheus::Opts::new("jobs_total", "J.");
        let jobs = prometheus::IntCounterVec::new(opts, &["q"]).unwrap();
        registry.register(Box::new(jobs.clone())).unwrap();
        for q in ["a", "b", "c"] {
            jobs.with_label_values(&[q]).inc_by(5);
        }
        let mut reader = reader(&registry);
        let before = now_millis();
        let batches = reader.read_now().unwrap();
        assert_eq!(
            batches.iter().map(|b| b.samples).collect::<Vec<_>>(),
            [2, 1]
        );
        let sample = batch::decode(&batches[0]).timeseries[0].samples[0];
        assert_eq!(sample.value, 5.0);
        assert!(sample.timestamp >= before && sample.timestamp <= now_millis());

        jobs.remove_label_values(&["b"]).unwrap();
        let batches = reader.read_now().unwrap();
        let series: Vec<_> = batches.iter().flat_map(batch::decode_series).collect();
        assert_eq!(series.len(), 3);
        let marker = &series[2];
        assert_eq!(marker.labels[1].value, "b");
        assert_eq!(marker.samples[0].value.to_bits(), STALE_NAN);
    }

    #[tokio::test]
    async fn a_panic_off_the_runtime_is_reported_as_a_panic() {
        let outcome = off_runtime(|| -> Result<(), RemoteWriteError> { panic!("boom") }).await;
        match outcome {
            Err(RemoteWriteError::Panicked(message)) => assert_eq!(message, "boom"),
            other => panic!("expected a panic, got {other:?}"),
        }
    }
}
