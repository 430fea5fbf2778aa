//! Prometheus' protobuf exposition: length-delimited `io.prometheus.client.MetricFamily`
//! messages of prometheus/client_model, with the native histograms and exemplars that
//! the `prometheus` crate's own model lacks.

// Until the exposition engine (SPEC §10) writes its series through `writer`, only the
// tests call most of this.
#![cfg_attr(not(test), allow(dead_code))]

pub(crate) mod model;
mod writer;

#[cfg(test)]
mod tests;

#[cfg_attr(not(test), allow(unused_imports))]
pub(crate) use writer::{
    DelimitedFamily, ExemplarSample, HistogramSample, NativeBuckets, Sample, Series, SummarySample,
};

/// `Content-Type` of the protobuf exposition, as Prometheus asks for it in `Accept`.
pub const PROTOBUF_CONTENT_TYPE: &str =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";
