//! What a metric is called and how it is described, before it exists.

use std::collections::HashMap;

/// Name, help, constant labels and buckets of one metric about to be created.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct MetricOpts {
    /// Fully qualified name.
    pub name: String,
    /// HELP text.
    pub help: String,
    /// Labels with the same value on every series.
    pub const_labels: HashMap<String, String>,
    /// Histogram bounds; `None` for Prometheus' defaults.
    pub buckets: Option<Vec<f64>>,
    /// Label sets a `Family` keeps; `None` for the default.
    pub max_series: Option<usize>,
    /// Native buckets beside the classic ones, for the toolkit's `Histogram`.
    pub native_histogram: bool,
}

impl MetricOpts {
    pub(crate) fn opts(&self) -> prometheus::Opts {
        prometheus::Opts::new(self.name.clone(), self.help.clone())
            .const_labels(self.const_labels.clone())
    }

    pub(crate) fn histogram_opts(&self) -> prometheus::HistogramOpts {
        let opts = prometheus::HistogramOpts::from(self.opts());
        match &self.buckets {
            Some(buckets) => opts.buckets(buckets.clone()),
            None => opts,
        }
    }
}
