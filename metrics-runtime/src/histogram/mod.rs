//! `Histogram`: the toolkit's own histogram, with classic buckets and,
//! when asked for, native (exponential) buckets beside them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use prometheus::HistogramOpts;

mod export;
mod reading;
mod vec;

use crate::encoding::direct::Bounds;
use crate::instrument::native::SignedNativeBuckets;
use export::Export;
pub use vec::HistogramVec;

/// A histogram that can keep native buckets (Prometheus' exponential
/// histograms, schema 3) beside its classic ones, exposed in the protobuf
/// format; the text formats show the classic buckets.
///
/// As a `#[derive(MetricsFamily)]` field it takes `#[metric(buckets = [...])]`
/// and `#[metric(native_histogram)]`, alone or in a
/// [`Family`](crate::Family); `builder().native_histograms(true)` turns
/// native buckets on for the fields of `global()` structs. Observing is a
/// few atomic additions: the native bucket comes from the float's exponent
/// and mantissa, with no logarithm. Negative values and NaN are counted
/// (NaN in the zero bucket and the `+Inf` bucket).
///
/// ```
/// use metrics_runtime::{Histogram, MetricsFamily};
///
/// #[derive(MetricsFamily)]
/// struct Uploads {
///     /// Size of each upload.
///     #[metric(buckets = [1e3, 1e6, 1e9], native_histogram)]
///     upload_bytes: Histogram,
/// }
///
/// let registry = prometheus::Registry::new();
/// let uploads = Uploads::register(&registry).unwrap();
/// uploads.upload_bytes.observe(52_000.0);
/// assert!(metrics_runtime::encode_text(&registry)
///     .contains(r#"upload_bytes_bucket{le="1000000"} 1"#));
/// ```
#[derive(Clone)]
pub struct Histogram {
    core: Arc<Core>,
    /// Its name, help and constant labels, when it is a metric of its own
    /// rather than a child of a [`HistogramVec`].
    export: Option<Arc<Export>>,
}

/// What every histogram of one family shares.
#[derive(Debug)]
pub(crate) struct Shape {
    bounds: Bounds,
    native: bool,
}

/// The counts of one histogram.
struct Core {
    shape: Arc<Shape>,
    /// One per finite bound, then `+Inf`; not cumulative.
    buckets: Box<[AtomicU64]>,
    /// The sum's bits.
    sum: AtomicU64,
    native: Option<Box<SignedNativeBuckets>>,
}

impl Histogram {
    /// A histogram named and bucketed by `opts`, with classic buckets only,
    /// as `prometheus::Histogram::with_opts` makes it; to be registered in
    /// a `prometheus::Registry`.
    ///
    /// ```
    /// let opts = prometheus::HistogramOpts::new("queue_wait_seconds", "Time in the queue.");
    /// let wait = metrics_runtime::Histogram::with_opts(opts).unwrap();
    /// wait.observe(0.2);
    /// assert_eq!(wait.get_sample_count(), 1);
    /// ```
    pub fn with_opts(opts: HistogramOpts) -> prometheus::Result<Histogram> {
        Histogram::build(opts, false)
    }

    /// As [`with_opts`](Histogram::with_opts), with native buckets too.
    pub fn native_with_opts(opts: HistogramOpts) -> prometheus::Result<Histogram> {
        Histogram::build(opts, true)
    }

    fn build(opts: HistogramOpts, native: bool) -> prometheus::Result<Histogram> {
        let shape = Arc::new(Shape::new(&opts.buckets, native)?);
        let core = Arc::new(Core::new(shape));
        let export = Export::new(&opts.common_opts, Arc::clone(&core))?;
        Ok(Histogram {
            core,
            export: Some(Arc::new(export)),
        })
    }

    /// A child of a [`HistogramVec`] (or of another collector), exported by it.
    pub(crate) fn child(shape: &Arc<Shape>) -> Histogram {
        Histogram {
            core: Arc::new(Core::new(Arc::clone(shape))),
            export: None,
        }
    }

    /// Counts `value`.
    #[inline]
    pub fn observe(&self, value: f64) {
        self.core.observe(value);
    }

    /// A timer that observes the seconds from now until it is dropped or
    /// [`observe_duration`](HistogramTimer::observe_duration) is called.
    pub fn start_timer(&self) -> HistogramTimer {
        HistogramTimer {
            histogram: Some(self.clone()),
            start: Instant::now(),
        }
    }

    /// How many values were observed.
    pub fn get_sample_count(&self) -> u64 {
        self.core.count()
    }

    /// The sum of the values observed.
    pub fn get_sample_sum(&self) -> f64 {
        f64::from_bits(self.core.sum.load(Ordering::Relaxed))
    }

    /// Whether it keeps native buckets.
    pub fn is_native(&self) -> bool {
        self.core.shape.native
    }
}

impl std::fmt::Debug for Histogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Histogram")
            .field("count", &self.get_sample_count())
            .field("sum", &self.get_sample_sum())
            .field("native", &self.is_native())
            .finish()
    }
}

impl Shape {
    /// Checked `bounds`, as `prometheus` checks them: a trailing `+Inf` is
    /// dropped, none at all means Prometheus' defaults.
    pub(crate) fn new(bounds: &[f64], native: bool) -> prometheus::Result<Shape> {
        let bounds = match bounds {
            [finite @ .., last] if *last == f64::INFINITY => finite,
            _ => bounds,
        };
        let bounds = match bounds {
            [] => prometheus::DEFAULT_BUCKETS,
            _ => bounds,
        };
        if !bounds.windows(2).all(|pair| pair[0] < pair[1]) || bounds.iter().any(|b| b.is_nan()) {
            return Err(prometheus::Error::Msg(format!(
                "histogram bounds must be in increasing order: {bounds:?}"
            )));
        }
        Ok(Shape {
            bounds: Bounds::new(bounds),
            native,
        })
    }
}

impl Core {
    fn new(shape: Arc<Shape>) -> Core {
        Core {
            buckets: (0..=shape.bounds.values().len())
                .map(|_| AtomicU64::new(0))
                .collect(),
            sum: AtomicU64::new(0f64.to_bits()),
            native: shape.native.then(|| Box::new(SignedNativeBuckets::new())),
            shape,
        }
    }

    /// The classic bucket first, native after (`Release`), so that a
    /// reader that sees the native count also counts the classic one.
    #[inline]
    fn observe(&self, value: f64) {
        let bounds = self.shape.bounds.values();
        let index = match value.is_nan() {
            true => bounds.len(),
            false => bounds.partition_point(|&bound| bound < value),
        };
        self.buckets[index].fetch_add(1, Ordering::Release);
        let _ = self
            .sum
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
                Some((f64::from_bits(bits) + value).to_bits())
            });
        if let Some(native) = &self.native {
            native.record(value);
        }
    }

    fn count(&self) -> u64 {
        self.buckets
            .iter()
            .map(|bucket| bucket.load(Ordering::Relaxed))
            .sum()
    }
}

/// Observes the time since it started, once: when dropped, or at
/// [`observe_duration`](HistogramTimer::observe_duration).
#[must_use = "a timer observes when dropped: bind it to a variable"]
#[derive(Debug)]
pub struct HistogramTimer {
    histogram: Option<Histogram>,
    start: Instant,
}

impl HistogramTimer {
    /// Observes the seconds since the timer started.
    pub fn observe_duration(mut self) {
        self.observe();
    }

    /// Drops the timer without observing.
    pub fn stop_and_discard(mut self) {
        self.histogram = None;
    }

    fn observe(&mut self) {
        if let Some(histogram) = self.histogram.take() {
            histogram.observe(self.start.elapsed().as_secs_f64());
        }
    }
}

impl Drop for HistogramTimer {
    fn drop(&mut self) {
        self.observe();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn histogram(bounds: &[f64], native: bool) -> Histogram {
        let opts = HistogramOpts::new("h", "help").buckets(bounds.to_vec());
        Histogram::build(opts, native).unwrap()
    }

    #[test]
    fn values_land_in_the_first_bucket_whose_bound_holds_them() {
        let h = histogram(&[1.0, 2.0], false);
        for value in [0.5, 1.0, 1.5, 2.0, 3.0, f64::NAN] {
            h.observe(value);
        }
        let counts: Vec<u64> = h
            .core
            .buckets
            .iter()
            .map(|b| b.load(Ordering::Relaxed))
            .collect();
        assert_eq!(counts, [2, 2, 2]);
        assert_eq!(h.get_sample_count(), 6);
        assert!(h.get_sample_sum().is_nan());
    }

    #[test]
    fn bounds_are_checked_as_prometheus_checks_them() {
        assert!(Shape::new(&[2.0, 1.0], false).is_err());
        assert!(Shape::new(&[1.0, f64::NAN], false).is_err());
        let shape = Shape::new(&[1.0, f64::INFINITY], false).unwrap();
        assert_eq!(shape.bounds.values(), [1.0]);
        let shape = Shape::new(&[], false).unwrap();
        assert_eq!(shape.bounds.values(), prometheus::DEFAULT_BUCKETS);
    }

    #[test]
    fn a_timer_observes_once() {
        let h = histogram(&[1.0], false);
        h.start_timer().observe_duration();
        drop(h.start_timer());
        h.start_timer().stop_and_discard();
        assert_eq!(h.get_sample_count(), 2);
    }
}
