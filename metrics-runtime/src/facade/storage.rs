//! What one facade series stores, and the `metrics` handles that write it.
//!
//! A handle is an `Arc` to the storage itself: an increment through it is
//! one virtual call and one atomic operation, with no lookup.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use metrics::{CounterFn, GaugeFn, HistogramFn};

use super::Kind;
use crate::self_metrics::OverflowCount;

/// The numbers of one series.
#[derive(Clone)]
pub(super) enum Storage {
    Counter(Arc<AtomicU64>),
    /// The bits of an `f64`.
    Gauge(Arc<AtomicU64>),
    Histogram(Arc<Observed>),
}

/// A toolkit [`Histogram`](crate::Histogram) as a `metrics` histogram.
pub(super) struct Observed(pub(super) crate::Histogram);

impl HistogramFn for Observed {
    #[inline]
    fn record(&self, value: f64) {
        self.0.observe(value);
    }
}

impl Storage {
    /// New storage of `kind`, at zero; a histogram made by `histogram`.
    pub(super) fn new(kind: Kind, histogram: impl FnOnce() -> crate::Histogram) -> Storage {
        match kind {
            Kind::Counter => Storage::Counter(Arc::new(AtomicU64::new(0))),
            Kind::Gauge => Storage::Gauge(Arc::new(AtomicU64::new(0f64.to_bits()))),
            Kind::Histogram => Storage::Histogram(Arc::new(Observed(histogram()))),
        }
    }

    pub(super) fn kind(&self) -> Kind {
        match self {
            Storage::Counter(_) => Kind::Counter,
            Storage::Gauge(_) => Kind::Gauge,
            Storage::Histogram(_) => Kind::Histogram,
        }
    }

    /// A handle writing straight into it, when it is a counter.
    #[inline]
    pub(super) fn counter(&self) -> Option<metrics::Counter> {
        match self {
            Storage::Counter(value) => Some(metrics::Counter::from_arc(Arc::clone(value))),
            _ => None,
        }
    }

    /// A handle writing straight into it, when it is a gauge.
    #[inline]
    pub(super) fn gauge(&self) -> Option<metrics::Gauge> {
        match self {
            Storage::Gauge(value) => Some(metrics::Gauge::from_arc(Arc::clone(value))),
            _ => None,
        }
    }

    /// A handle writing straight into it, when it is a histogram.
    #[inline]
    pub(super) fn histogram(&self) -> Option<metrics::Histogram> {
        match self {
            Storage::Histogram(histogram) => {
                Some(metrics::Histogram::from_arc(Arc::clone(histogram)))
            }
            _ => None,
        }
    }

    /// Handles onto the overflow series that also count every call in
    /// `metrics_runtime_series_overflow_total`.
    pub(super) fn counted(&self, overflows: &Arc<OverflowCount>) -> Handle {
        match self {
            Storage::Counter(value) => {
                Handle::Counter(metrics::Counter::from_arc(Counted::new(value, overflows)))
            }
            Storage::Gauge(value) => {
                Handle::Gauge(metrics::Gauge::from_arc(Counted::new(value, overflows)))
            }
            Storage::Histogram(histogram) => Handle::Histogram(metrics::Histogram::from_arc(
                Counted::new(histogram, overflows),
            )),
        }
    }

    /// The value of a counter or gauge.
    pub(super) fn value(&self) -> f64 {
        match self {
            Storage::Counter(value) => value.load(Ordering::Relaxed) as f64,
            Storage::Gauge(bits) => f64::from_bits(bits.load(Ordering::Relaxed)),
            Storage::Histogram(_) => f64::NAN,
        }
    }
}

/// One of the three `metrics` handles.
pub(super) enum Handle {
    Counter(metrics::Counter),
    Gauge(metrics::Gauge),
    Histogram(metrics::Histogram),
}

impl Handle {
    /// A handle of `kind` whose every call is only counted in `dropped`.
    pub(super) fn dropped(kind: Kind, dropped: &Arc<AtomicU64>) -> Handle {
        let dropped = Arc::new(Dropped(Arc::clone(dropped)));
        match kind {
            Kind::Counter => Handle::Counter(metrics::Counter::from_arc(dropped)),
            Kind::Gauge => Handle::Gauge(metrics::Gauge::from_arc(dropped)),
            Kind::Histogram => Handle::Histogram(metrics::Histogram::from_arc(dropped)),
        }
    }

    pub(super) fn into_counter(self) -> metrics::Counter {
        match self {
            Handle::Counter(counter) => counter,
            _ => metrics::Counter::noop(),
        }
    }

    pub(super) fn into_gauge(self) -> metrics::Gauge {
        match self {
            Handle::Gauge(gauge) => gauge,
            _ => metrics::Gauge::noop(),
        }
    }

    pub(super) fn into_histogram(self) -> metrics::Histogram {
        match self {
            Handle::Histogram(histogram) => histogram,
            _ => metrics::Histogram::noop(),
        }
    }
}

/// Storage whose every call is also counted as an overflow.
struct Counted<T> {
    storage: Arc<T>,
    overflows: Arc<OverflowCount>,
}

impl<T> Counted<T> {
    fn new(storage: &Arc<T>, overflows: &Arc<OverflowCount>) -> Arc<Counted<T>> {
        Arc::new(Counted {
            storage: Arc::clone(storage),
            overflows: Arc::clone(overflows),
        })
    }
}

impl<T: CounterFn> CounterFn for Counted<T> {
    fn increment(&self, value: u64) {
        self.overflows.inc();
        self.storage.increment(value);
    }

    fn absolute(&self, value: u64) {
        self.overflows.inc();
        self.storage.absolute(value);
    }
}

impl<T: GaugeFn> GaugeFn for Counted<T> {
    fn increment(&self, value: f64) {
        self.overflows.inc();
        self.storage.increment(value);
    }

    fn decrement(&self, value: f64) {
        self.overflows.inc();
        self.storage.decrement(value);
    }

    fn set(&self, value: f64) {
        self.overflows.inc();
        self.storage.set(value);
    }
}

impl<T: HistogramFn> HistogramFn for Counted<T> {
    fn record(&self, value: f64) {
        self.overflows.inc();
        self.storage.record(value);
    }
}

/// Updates of a metric the facade could not export, only counted.
struct Dropped(Arc<AtomicU64>);

impl Dropped {
    fn count(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

impl CounterFn for Dropped {
    fn increment(&self, _: u64) {
        self.count();
    }

    fn absolute(&self, _: u64) {
        self.count();
    }
}

impl GaugeFn for Dropped {
    fn increment(&self, _: f64) {
        self.count();
    }

    fn decrement(&self, _: f64) {
        self.count();
    }

    fn set(&self, _: f64) {
        self.count();
    }
}

impl HistogramFn for Dropped {
    fn record(&self, _: f64) {
        self.count();
    }
}
