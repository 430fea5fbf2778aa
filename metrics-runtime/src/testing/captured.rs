//! The series of instrumented functions inside one capture: owned by the
//! capture, gone with it (a capture used to leak a few kilobytes).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use prometheus::core::{Collector, Desc};
use prometheus::proto;

use crate::instrument::callsite::Descriptor;
use crate::instrument::exposition::Exposition;
use crate::instrument::function_family::{const_labels_of, overflow_values, Shape};
use crate::instrument::group::merge_families;
use crate::instrument::series::{Series, SeriesShape};
use crate::instrument::table::LabelValues;
use crate::self_metrics::OverflowCount;

/// A capture's series of one function, by their label values.
type SeriesByValues = HashMap<Box<[Box<str>]>, Arc<Series>>;

/// One function's families during a capture.
pub(crate) struct CapturedFamily {
    shape: Shape,
    series_shape: Arc<SeriesShape>,
    const_labels: Vec<(String, String)>,
    /// Per label, its value when known without a call: kept on overflow.
    fixed_values: Vec<Option<String>>,
    series: Mutex<SeriesByValues>,
    overflow: OnceLock<Arc<Series>>,
    overflows: OverflowCount,
}

impl CapturedFamily {
    pub(crate) fn new(descriptor: &Descriptor) -> Self {
        let shape = Shape::of(descriptor);
        let const_labels = const_labels_of(descriptor);
        CapturedFamily {
            series_shape: Arc::new(shape.series_shape(&const_labels)),
            overflows: OverflowCount::new(&shape.name),
            fixed_values: descriptor.fixed_values(),
            series: Mutex::new(HashMap::new()),
            overflow: OnceLock::new(),
            shape,
            const_labels,
        }
    }

    /// The series for these label values, made on first use; past the
    /// family's limit, its overflow series.
    pub(crate) fn series(&self, values: LabelValues<'_>) -> Arc<Series> {
        let key: Box<[Box<str>]> = values.iter().map(Box::from).collect();
        let mut all = self.series.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(series) = all.get(&key) {
            return Arc::clone(series);
        }
        if all.len() >= self.shape.max_series {
            drop(all);
            self.overflows.inc();
            return Arc::clone(self.overflow.get_or_init(|| self.overflow_series()));
        }
        let series = Arc::new(Series::new(values, &self.series_shape));
        all.insert(key, Arc::clone(&series));
        series
    }

    fn overflow_series(&self) -> Arc<Series> {
        let values = overflow_values(&self.fixed_values);
        Arc::new(Series::new(LabelValues::All(&values), &self.series_shape))
    }

    fn collect(&self) -> Vec<proto::MetricFamily> {
        let all: Vec<Arc<Series>> = {
            let series = self.series.lock().unwrap_or_else(PoisonError::into_inner);
            series
                .values()
                .cloned()
                .chain(self.overflow.get().cloned())
                .collect()
        };
        let exposition = Exposition {
            shape: &self.shape,
            const_labels: &self.const_labels,
            series_shape: &self.series_shape,
            overflows: &self.overflows,
        };
        exposition.families(all.iter().map(|series| &**series))
    }
}

/// Exposes a capture's families to its registry.
pub(crate) struct CapturedFamilies(pub(crate) Arc<Mutex<HashMap<usize, Arc<CapturedFamily>>>>);

impl Collector for CapturedFamilies {
    fn desc(&self) -> Vec<&Desc> {
        Vec::new()
    }

    fn collect(&self) -> Vec<proto::MetricFamily> {
        let families: Vec<Arc<CapturedFamily>> = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .cloned()
            .collect();
        merge_families(families.iter().flat_map(|family| family.collect()))
    }
}
