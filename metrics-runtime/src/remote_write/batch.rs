//! Request bodies: a reading's time series cut into `WriteRequest`s of a
//! bounded number of series each, snappy-compressed.

use bytes::Bytes;
use prost::Message;

use super::proto::{TimeSeries, WriteRequest};
use super::RemoteWriteError;

/// A request body and the number of samples in it.
#[derive(Debug, Clone)]
pub(crate) struct Batch {
    /// The `WriteRequest`, in snappy's block format.
    pub(crate) body: Bytes,
    /// One per time series: each carries one sample.
    pub(crate) samples: usize,
}

/// `series` in order, as requests of at most `max_series` series each
/// (at least one): a receiver refuses a request over its size limit whole.
pub(crate) fn split(
    series: Vec<TimeSeries>,
    max_series: usize,
) -> Result<Vec<Batch>, RemoteWriteError> {
    let max_series = max_series.max(1);
    let mut batches = Vec::with_capacity(series.len().div_ceil(max_series));
    let mut rest = series.into_iter().peekable();
    while rest.peek().is_some() {
        let timeseries: Vec<TimeSeries> = rest.by_ref().take(max_series).collect();
        let samples = timeseries.iter().map(|s| s.samples.len()).sum();
        let body = compress(&WriteRequest { timeseries }.encode_to_vec())?;
        batches.push(Batch {
            body: body.into(),
            samples,
        });
    }
    Ok(batches)
}

/// `message` in snappy's block format (not its framed one), as remote write requires.
fn compress(message: &[u8]) -> Result<Vec<u8>, RemoteWriteError> {
    snap::raw::Encoder::new()
        .compress_vec(message)
        .map_err(|err| RemoteWriteError::TooLarge(err.to_string()))
}

/// The `WriteRequest` of `batch`.
#[cfg(test)]
pub(crate) fn decode(batch: &Batch) -> WriteRequest {
    let raw = snap::raw::Decoder::new().decompress_vec(&batch.body);
    WriteRequest::decode(raw.unwrap().as_slice()).unwrap()
}

/// The series of `batch`.
#[cfg(test)]
pub(crate) fn decode_series(batch: &Batch) -> Vec<TimeSeries> {
    decode(batch).timeseries
}

#[cfg(test)]
mod tests {
    use super::super::proto::{Label, Sample};
    use super::*;

    fn series(n: usize) -> TimeSeries {
        TimeSeries {
            labels: vec![Label {
                name: "__name__".into(),
                value: format!("s{n}"),
            }],
            samples: vec![Sample {
                value: n as f64,
                timestamp: 1,
            }],
        }
    }

    #[test]
    fn series_are_cut_into_requests_of_at_most_the_maximum_in_order() {
        let batches = split((0..5).map(series).collect(), 2).unwrap();
        let sizes: Vec<usize> = batches.iter().map(|b| b.samples).collect();
        assert_eq!(sizes, [2, 2, 1]);
        let values: Vec<f64> = (batches.iter())
            .flat_map(|b| decode(b).timeseries)
            .map(|s| s.samples[0].value)
            .collect();
        assert_eq!(values, [0.0, 1.0, 2.0, 3.0, 4.0]);
        assert!(split(Vec::new(), 2).unwrap().is_empty());
        assert_eq!(split((0..3).map(series).collect(), 0).unwrap().len(), 3);
    }
}
