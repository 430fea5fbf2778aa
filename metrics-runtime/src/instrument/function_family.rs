//! The metric families of one instrumented name, and their registration.

use std::collections::HashMap;
use std::sync::Arc;

use prometheus::core::Desc;
use prometheus::proto;

use super::callsite::Descriptor;
use super::error_kinds::ErrorKinds;
use super::exposition::Exposition;
use super::sampling::SampleRate;
use super::series::{Series, SeriesShape};
use super::table::{LabelValues, SeriesTable};
use crate::config::config;
use crate::encoding::direct::{Bounds, RenderedLabels};
use crate::self_metrics::OverflowCount;

/// `N_total`, `N_duration_seconds` and `N_in_flight` for one base name `N`,
/// shared by every function instrumented under that name.
#[derive(Debug)]
pub(crate) struct FunctionFamily {
    shape: Shape,
    /// The series of label sets past the limit, and its count of calls.
    overflow: std::sync::OnceLock<&'static Series>,
    overflows: OverflowCount,
    /// Per label, the value every call site of this family gives it
    /// without a call (a literal, the module, the function), kept in the
    /// overflow series so that overflowing functions stay apart.
    fixed_values: std::sync::Mutex<Vec<Option<String>>>,
    series_shape: Arc<SeriesShape>,
    const_labels: Vec<(String, String)>,
    series: SeriesTable,
    /// Its metric families' names and help texts.
    pub(super) names: Names,
    pub(super) helps: Names,
    /// The histogram's bounds, rendered.
    pub(super) bounds: Bounds,
    /// The constant labels, rendered.
    pub(super) constant: RenderedLabels,
}

/// A text for each metric family of an instrumented name.
#[derive(Debug)]
pub(crate) struct Names {
    pub(crate) total: String,
    pub(crate) duration: String,
    pub(crate) in_flight: String,
}

/// What two call sites must agree on to share a family.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Shape {
    pub(crate) name: String,
    pub(crate) help: String,
    pub(crate) label_names: Vec<&'static str>,
    pub(crate) bucket_bounds: Vec<f64>,
    pub(crate) measures_duration: bool,
    /// Whether the histogram has native buckets too.
    pub(crate) native_histogram: bool,
    pub(crate) tracks_in_flight: bool,
    pub(crate) counts_error_kinds: bool,
    pub(crate) max_series: usize,
    /// The share of calls whose duration is observed.
    pub(crate) sample: f64,
}

/// The bounds of `histogram`: [`crate::builder()`]'s for its name, the
/// function's `buckets`, the builder's default, or Prometheus'. Bounds
/// behind a path are checked here; invalid ones are logged and replaced.
fn bucket_bounds(descriptor: &Descriptor, histogram: &str) -> Vec<f64> {
    let compiled = descriptor.buckets.map(|bounds| bounds());
    let compiled = compiled.filter(|bounds| {
        crate::config::check_bounds(histogram, bounds)
            .inspect_err(|err| {
                log::error!(
                    "#[instrumented] `{}`: {err}; using the default buckets",
                    descriptor.function
                )
            })
            .is_ok()
    });
    config()
        .buckets_for(histogram, compiled)
        .unwrap_or(prometheus::DEFAULT_BUCKETS)
        .to_vec()
}

impl Shape {
    pub(crate) fn of(descriptor: &Descriptor) -> Self {
        let namespace = config()
            .namespace
            .as_ref()
            .filter(|_| descriptor.uses_builder_settings());
        let name = match namespace {
            Some(namespace) => format!("{namespace}_{}", descriptor.name),
            None => descriptor.name.to_owned(),
        };
        let bucket_bounds = bucket_bounds(descriptor, &format!("{name}_duration_seconds"));
        let sample = config().sample_for(&name, descriptor.sample);
        Shape {
            name,
            help: descriptor.help.to_owned(),
            label_names: descriptor.labels.to_vec(),
            bucket_bounds,
            measures_duration: descriptor.duration,
            native_histogram: descriptor.native_histogram
                || (descriptor.uses_builder_settings() && config().native_histograms),
            tracks_in_flight: descriptor.in_flight,
            counts_error_kinds: descriptor.error_kind,
            max_series: descriptor.max_series.unwrap_or(config().max_series),
            sample,
        }
    }

    pub(crate) fn is_compatible_with(&self, other: &Shape) -> bool {
        self.name == other.name
            && self.help == other.help
            && self.label_names == other.label_names
            && self.measures_duration == other.measures_duration
            && self.native_histogram == other.native_histogram
            && self.tracks_in_flight == other.tracks_in_flight
            && self.counts_error_kinds == other.counts_error_kinds
            && (!self.measures_duration || self.bucket_bounds == other.bucket_bounds)
            && self.sample == other.sample
    }

    /// The HELP texts of its metric families.
    pub(crate) fn help_texts(&self) -> HelpTexts {
        HelpTexts {
            total: total_help(&self.help),
            duration: duration_help(&self.help),
            in_flight: in_flight_help(&self.help),
            errors: errors_help(&self.help),
        }
    }

    pub(crate) fn total_name(&self) -> String {
        format!("{}_total", self.name)
    }

    pub(crate) fn duration_name(&self) -> String {
        format!("{}_duration_seconds", self.name)
    }

    pub(crate) fn in_flight_name(&self) -> String {
        format!("{}_in_flight", self.name)
    }

    pub(crate) fn errors_name(&self) -> String {
        format!("{}_errors_total", self.name)
    }

    /// `N_errors_total{…, kind}`, when `error_kind` asks for it, holding
    /// at most `max_series` label sets like the family's other metrics.
    fn error_kinds(&self, const_labels: &[(String, String)]) -> Option<ErrorKinds> {
        if !self.counts_error_kinds {
            return None;
        }
        let opts = prometheus::Opts::new(self.errors_name(), errors_help(&self.help))
            .const_labels(const_labels.iter().cloned().collect());
        let labels: Vec<&str> = self.label_names.iter().copied().chain(["kind"]).collect();
        let vec = prometheus::IntCounterVec::new(opts, &labels)
            .inspect_err(|err| log::error!("cannot create `{}`: {err}", self.errors_name()))
            .ok()?;
        Some(ErrorKinds::new(vec, self.errors_name(), self.max_series))
    }
}

/// The HELP texts of one name's metric families.
pub(crate) struct HelpTexts {
    pub(crate) total: String,
    pub(crate) duration: String,
    pub(crate) in_flight: String,
    pub(crate) errors: String,
}

fn seconds_to_nanos(seconds: f64) -> u64 {
    // Saturating float-to-int cast: huge bounds become u64::MAX.
    (seconds * 1e9).round() as u64
}

/// The label values of an overflow series: each label's fixed value
/// (`fixed_values` of its call sites), `__overflow__` for the others.
pub(crate) fn overflow_values(fixed: &[Option<String>]) -> Vec<&str> {
    fixed
        .iter()
        .map(|value| value.as_deref().unwrap_or(crate::OVERFLOW_VALUE))
        .collect()
}

/// The constant labels of `descriptor`'s families: [`crate::builder()`]'s
/// for [`crate::registry()`], none for an explicit registry.
pub(crate) fn const_labels_of(descriptor: &Descriptor) -> Vec<(String, String)> {
    if descriptor.uses_builder_settings() {
        config().const_labels.clone()
    } else {
        Vec::new()
    }
}

impl Shape {
    /// What every series of a family of this shape shares.
    pub(crate) fn series_shape(&self, const_labels: &[(String, String)]) -> SeriesShape {
        let bounds_nanos = self
            .bucket_bounds
            .iter()
            .map(|s| seconds_to_nanos(*s))
            .collect();
        SeriesShape::new(
            &self.label_names,
            bounds_nanos,
            self.measures_duration,
            self.native_histogram,
            self.tracks_in_flight,
            SampleRate::new(self.sample),
            self.error_kinds(const_labels),
        )
        .named(&self.name, const_labels)
    }
}

impl FunctionFamily {
    pub(crate) fn leak(shape: Shape, descriptor: &Descriptor) -> &'static Self {
        // Calibrating takes up to 200 ms: do it here, once, on the slow
        // path, rather than inside the first measured call.
        super::clock::calibrate();
        if shape.native_histogram && cfg!(not(feature = "protobuf")) {
            log::warn!(
                "metric `{}`: native histogram buckets are kept but only the protobuf format \
                 shows them; enable metrics-runtime's `protobuf` (or `http`) feature",
                shape.name
            );
        }
        let const_labels = const_labels_of(descriptor);
        let series_shape = shape.series_shape(&const_labels);
        let names = Names {
            total: shape.total_name(),
            duration: shape.duration_name(),
            in_flight: shape.in_flight_name(),
        };
        let helps = Names {
            total: total_help(&shape.help),
            duration: duration_help(&shape.help),
            in_flight: in_flight_help(&shape.help),
        };
        let constant =
            RenderedLabels::new(const_labels.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        Box::leak(Box::new(FunctionFamily {
            names,
            helps,
            bounds: Bounds::new(&shape.bucket_bounds),
            constant,
            series_shape: Arc::new(series_shape),
            series: SeriesTable::new(shape.max_series),
            overflow: std::sync::OnceLock::new(),
            overflows: OverflowCount::new(&shape.name),
            fixed_values: std::sync::Mutex::new(descriptor.fixed_values()),
            shape,
            const_labels,
        }))
    }

    /// The series for these label values (one per declared label, in order).
    #[inline]
    pub(crate) fn series(&self, values: LabelValues<'_>) -> &'static Series {
        let made = self
            .series
            .get_or_insert(values, || Series::new(values, &self.series_shape));
        match made {
            Some(series) => series,
            None => self.overflow_series(),
        }
    }

    /// The one series past the limit, every label `__overflow__`; each
    /// call that lands here is counted.
    #[cold]
    fn overflow_series(&self) -> &'static Series {
        let series = self.overflow.get_or_init(|| {
            log::warn!(
                "metric `{}` holds {} label sets, its limit; further ones are recorded as `{}`",
                self.shape.name,
                self.shape.max_series,
                crate::OVERFLOW_VALUE
            );
            let fixed = self
                .fixed_values
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let values = overflow_values(&fixed);
            let series = Series::new(LabelValues::All(&values), &self.series_shape);
            &*Box::leak(Box::new(series))
        });
        self.overflows.inc();
        series
    }

    /// Another call site records into this family: labels whose fixed
    /// values differ between the two are no longer kept on overflow.
    pub(crate) fn share_with(&self, descriptor: &Descriptor) {
        let theirs = descriptor.fixed_values();
        let mut fixed = self
            .fixed_values
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (own, their) in fixed.iter_mut().zip(theirs) {
            if *own != their {
                *own = None;
            }
        }
    }

    pub(crate) fn name(&self) -> &str {
        &self.shape.name
    }

    pub(crate) fn shape(&self) -> &Shape {
        &self.shape
    }

    /// Its series, the overflow series aside.
    pub(super) fn series_table(&self) -> &SeriesTable {
        &self.series
    }

    /// The series past the limit, once there is one.
    pub(super) fn overflow_series_if_any(&self) -> Option<&'static Series> {
        self.overflow.get().copied()
    }

    /// Every series, the overflow series included.
    pub(crate) fn all_series(&self) -> Vec<&'static Series> {
        let mut all = self.series.all();
        all.extend(self.overflow.get().copied());
        all
    }

    /// A constant label of [`crate::builder()`] that is also a label of
    /// this family, which would make its samples invalid.
    pub(crate) fn clashing_const_label(&self) -> Option<&str> {
        self.const_labels
            .iter()
            .map(|(name, _)| name.as_str())
            .find(|name| self.shape.label_names.contains(name) || ["result", "kind"].contains(name))
    }

    /// Descriptions of every metric family, for the registry.
    pub(crate) fn descs(&self) -> Result<Vec<Desc>, prometheus::Error> {
        let mut descs = descs_for(&self.shape, &self.const_labels)?;
        if let Some(error_kinds) = self.series_shape.error_kinds() {
            descs.extend(error_kinds.desc().into_iter().cloned());
        }
        Ok(descs)
    }

    /// Every metric family with its samples, as a scrape sees them.
    pub(crate) fn collect(&self) -> Vec<proto::MetricFamily> {
        self.exposition().families(self.all_series())
    }

    /// Its errors by kind and overflow count, the families not written
    /// straight from its series.
    pub(crate) fn collect_extras(&self) -> Vec<proto::MetricFamily> {
        self.exposition().extra_families()
    }

    fn exposition(&self) -> Exposition<'_> {
        Exposition {
            shape: &self.shape,
            const_labels: &self.const_labels,
            series_shape: &self.series_shape,
            overflows: &self.overflows,
        }
    }
}

pub(super) fn total_help(help: &str) -> String {
    format!("{help}: completed calls by result.")
}

pub(super) fn duration_help(help: &str) -> String {
    format!("{help}: call duration in seconds.")
}

pub(super) fn in_flight_help(help: &str) -> String {
    format!("{help}: calls in progress.")
}

pub(super) fn errors_help(help: &str) -> String {
    format!("{help}: errors by kind.")
}

fn descs_for(
    shape: &Shape,
    const_labels: &[(String, String)],
) -> Result<Vec<Desc>, prometheus::Error> {
    let declared: Vec<String> = shape
        .label_names
        .iter()
        .map(|name| name.to_string())
        .collect();
    let with_result: Vec<String> = declared
        .iter()
        .cloned()
        .chain(["result".to_owned()])
        .collect();
    let constant: HashMap<String, String> = const_labels.iter().cloned().collect();
    let mut specs = vec![(shape.total_name(), total_help(&shape.help), with_result)];
    if shape.measures_duration {
        specs.push((
            shape.duration_name(),
            duration_help(&shape.help),
            declared.clone(),
        ));
    }
    if shape.tracks_in_flight {
        specs.push((
            shape.in_flight_name(),
            in_flight_help(&shape.help),
            declared,
        ));
    }
    specs
        .into_iter()
        .map(|(name, help, labels)| Desc::new(name, help, labels, constant.clone()))
        .collect()
}
