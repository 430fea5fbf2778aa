//! The remote-write 1.0 messages, written by hand as `prost-build` would
//! generate them from Prometheus' `prompb/remote.proto` and
//! `prompb/types.proto` (proto3), so that no `protoc` runs at build time.
//! Only the fields this client sends are here: `WriteRequest.metadata`
//! (3), `TimeSeries.exemplars` (3) and `.histograms` (4) are left out.

/// `prometheus.WriteRequest` (`remote.proto`): the body of one request.
#[derive(Clone, PartialEq, ::prost::Message)]
pub(crate) struct WriteRequest {
    /// `repeated TimeSeries timeseries = 1;`
    #[prost(message, repeated, tag = "1")]
    pub(crate) timeseries: Vec<TimeSeries>,
}

/// `prometheus.TimeSeries` (`types.proto`): one series and its samples.
#[derive(Clone, PartialEq, ::prost::Message)]
pub(crate) struct TimeSeries {
    /// `repeated Label labels = 1;`, sorted by name, `__name__` among them.
    #[prost(message, repeated, tag = "1")]
    pub(crate) labels: Vec<Label>,
    /// `repeated Sample samples = 2;`, in time order.
    #[prost(message, repeated, tag = "2")]
    pub(crate) samples: Vec<Sample>,
}

/// `prometheus.Label` (`types.proto`).
#[derive(Clone, PartialEq, Eq, Hash, ::prost::Message)]
pub(crate) struct Label {
    /// `string name = 1;`
    #[prost(string, tag = "1")]
    pub(crate) name: String,
    /// `string value = 2;`
    #[prost(string, tag = "2")]
    pub(crate) value: String,
}

/// `prometheus.Sample` (`types.proto`).
#[derive(Clone, Copy, PartialEq, ::prost::Message)]
pub(crate) struct Sample {
    /// `double value = 1;`
    #[prost(double, tag = "1")]
    pub(crate) value: f64,
    /// `int64 timestamp = 2;`: milliseconds since the Unix epoch.
    #[prost(int64, tag = "2")]
    pub(crate) timestamp: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    #[test]
    fn field_numbers_match_prompb() {
        let request = WriteRequest {
            timeseries: vec![TimeSeries {
                labels: vec![Label {
                    name: "n".into(),
                    value: "v".into(),
                }],
                samples: vec![Sample {
                    value: 1.0,
                    timestamp: 2,
                }],
            }],
        };
        // Written out by hand from the .proto files: tag (field << 3 | wire type), length, …
        let expected = [
            0x0a, 21, // timeseries = 1, length-delimited
            0x0a, 6, 0x0a, 1, b'n', 0x12, 1, b'v', // labels = 1 {name = 1, value = 2}
            0x12, 11, 0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, // samples = 2 {value = 1 (fixed64)
            0x10, 2, // timestamp = 2 (varint)}
        ];
        assert_eq!(request.encode_to_vec(), expected);
    }
}
