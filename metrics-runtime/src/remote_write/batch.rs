//! One reading of a registry, ready to send: its time series as a
//! snappy-compressed `WriteRequest`, built off the runtime's threads.

use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use prometheus::Registry;
use prost::Message;

use super::proto::WriteRequest;
use super::series::time_series;
use super::RemoteWriteError;
use crate::encoding::try_gather;

/// A request body and the number of samples in it.
#[derive(Debug, Clone)]
pub(crate) struct Batch {
    /// The `WriteRequest`, in snappy's block format.
    pub(crate) body: Bytes,
    /// One per time series: each carries one sample.
    pub(crate) samples: usize,
}

/// Reads `registry` now, on tokio's blocking pool: gathering, encoding and
/// compressing a large registry takes milliseconds, which would stall
/// every other task of the runtime's thread.
pub(crate) async fn read(registry: &Registry) -> Result<Batch, RemoteWriteError> {
    let registry = registry.clone();
    match tokio::task::spawn_blocking(move || read_now(&registry)).await {
        Ok(batch) => batch,
        // `read_now` catches the collectors' panics: only a runtime
        // shutting down gets here.
        Err(_) => Err(RemoteWriteError::Cancelled),
    }
}

fn read_now(registry: &Registry) -> Result<Batch, RemoteWriteError> {
    let families = try_gather(registry)
        .map_err(|panic| RemoteWriteError::CollectorPanicked(panic.into_message()))?;
    let request = WriteRequest {
        timeseries: time_series(&families, now_millis()),
    };
    Ok(Batch {
        samples: request.timeseries.len(),
        body: compress(&request.encode_to_vec())?.into(),
    })
}

/// `message` in snappy's block format (not its framed one), as remote write requires.
fn compress(message: &[u8]) -> Result<Vec<u8>, RemoteWriteError> {
    snap::raw::Encoder::new()
        .compress_vec(message)
        .map_err(|err| RemoteWriteError::TooLarge(err.to_string()))
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
    use super::*;

    #[test]
    fn a_batch_decompresses_to_the_registry_samples_read_now() {
        let registry = Registry::new();
        let counter = prometheus::IntCounter::new("jobs_total", "J.").unwrap();
        registry.register(Box::new(counter.clone())).unwrap();
        counter.inc_by(5);
        let before = now_millis();
        let batch = read_now(&registry).unwrap();
        let raw = snap::raw::Decoder::new()
            .decompress_vec(&batch.body)
            .unwrap();
        let request = WriteRequest::decode(raw.as_slice()).unwrap();
        assert_eq!(batch.samples, 1);
        let sample = request.timeseries[0].samples[0];
        assert_eq!(sample.value, 5.0);
        assert!(sample.timestamp >= before && sample.timestamp <= now_millis());
    }
}
