//! The three families the layer records into, one set per registry.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use prometheus::core::{Collector, Desc};
use prometheus::{proto, IntCounter, IntGauge, Registry};

use crate::catalog::{MetricInfo, MetricKind, Source};
use crate::metric_opts::MetricOpts;
use crate::registrar::register_all;
use crate::{Error, Family, Histogram, LabelSet};

/// OpenTelemetry's advice for `http.server.request.duration`, in seconds.
pub(crate) const DURATION_BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// The labels of a finished request.
#[derive(LabelSet)]
#[metrics(crate = crate)]
pub(crate) struct RequestLabels<'a> {
    pub(crate) method: &'a str,
    pub(crate) route: &'a str,
    pub(crate) status: &'a str,
}

/// The labels of a request's route.
#[derive(LabelSet)]
#[metrics(crate = crate)]
pub(crate) struct RouteLabels<'a> {
    pub(crate) method: &'a str,
    pub(crate) route: &'a str,
}

/// The HTTP server families (OpenTelemetry's HTTP server metrics, in
/// Prometheus names).
///
/// Written by hand rather than derived: the derive's link-time catalog
/// entry needs `unsafe` (a link section), which this crate forbids, so
/// [`catalog`] is called by [`crate::catalog()`] itself.
pub(crate) struct HttpServerMetrics {
    pub(crate) requests_total: Family<RequestLabels<'static>, IntCounter>,
    pub(crate) duration_seconds: Family<RouteLabels<'static>, Histogram>,
    pub(crate) in_flight: Family<RouteLabels<'static>, IntGauge>,
    /// The bounds the histogram was made with.
    buckets: Vec<f64>,
}

const TOTAL: &str = "http_server_requests_total";
const TOTAL_HELP: &str = "HTTP requests served, by method, matched route and status code \
     (or cancelled, panic, error when no response was sent).";
const DURATION: &str = "http_server_request_duration_seconds";
const DURATION_HELP: &str =
    "Time from receiving an HTTP request to its response head, by method and matched route.";
const IN_FLIGHT: &str = "http_server_requests_in_flight";
const IN_FLIGHT_HELP: &str = "HTTP requests being served, by method and matched route.";

/// Names, constant labels and bounds of one registry's families.
struct Settings {
    prefix: String,
    const_labels: HashMap<String, String>,
    /// Bounds asked for by the layer, if any.
    buckets: Option<Vec<f64>>,
}

impl Settings {
    /// [`crate::builder()`]'s namespace and constant labels, for
    /// [`crate::registry()`].
    fn global(buckets: Option<Vec<f64>>) -> Settings {
        let config = crate::config::config();
        Settings {
            prefix: config.name_prefix(),
            const_labels: config.const_labels.iter().cloned().collect(),
            buckets,
        }
    }

    /// Bare names, for a registry of the program's own.
    fn own(buckets: Option<Vec<f64>>) -> Settings {
        Settings {
            prefix: String::new(),
            const_labels: HashMap::new(),
            buckets,
        }
    }

    fn opts(&self, name: &str, help: &str) -> MetricOpts {
        MetricOpts {
            name: format!("{}{name}", self.prefix),
            help: help.to_owned(),
            const_labels: self.const_labels.clone(),
            buckets: None,
            max_series: None,
            native_histogram: false,
        }
    }

    /// The histogram's bounds: the layer's, else those [`crate::builder()`]
    /// sets for its name, else OpenTelemetry's.
    fn bounds(&self, name: &str) -> Vec<f64> {
        match &self.buckets {
            Some(buckets) => buckets.clone(),
            None => crate::config::config()
                .buckets_for(name, Some(&DURATION_BUCKETS))
                .unwrap_or(&DURATION_BUCKETS)
                .to_vec(),
        }
    }
}

impl HttpServerMetrics {
    fn new(settings: &Settings) -> Result<HttpServerMetrics, Error> {
        let mut duration = settings.opts(DURATION, DURATION_HELP);
        let buckets = settings.bounds(&duration.name);
        crate::config::check_bounds(&duration.name, &buckets)?;
        duration.buckets = Some(buckets.clone());
        Ok(HttpServerMetrics {
            requests_total: Family::new(&settings.opts(TOTAL, TOTAL_HELP))?,
            duration_seconds: Family::new(&duration)?,
            in_flight: Family::new(&settings.opts(IN_FLIGHT, IN_FLIGHT_HELP))?,
            buckets,
        })
    }

    fn collectors(&self) -> Vec<Box<dyn Collector>> {
        vec![
            Box::new(self.requests_total.clone()),
            Box::new(self.duration_seconds.clone()),
            Box::new(self.in_flight.clone()),
        ]
    }

    /// These families asked for with `buckets`: an error when the bounds
    /// differ from the ones they were made with.
    fn agreeing(self: &Arc<Self>, buckets: Option<&[f64]>) -> Result<Arc<Self>, Error> {
        match buckets {
            Some(buckets) if buckets != self.buckets.as_slice() => {
                Err(Error::InvalidSetting(format!(
                    "the HTTP server families of this registry already have the buckets {:?}, \
                     not {buckets:?}: one registry has one set of bounds",
                    self.buckets
                )))
            }
            _ => Ok(Arc::clone(self)),
        }
    }
}

/// Adds the three families to a catalog, named behind `prefix`, once a
/// layer was made in this process: a program with the `http` feature that
/// never serves through one gets no HTTP panels or alerts.
pub(crate) fn catalog(prefix: &str, out: &mut Vec<MetricInfo>) {
    let made = GLOBAL.get().is_some()
        || !BY_REGISTRY
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty();
    if !made {
        return;
    }
    let source = Source {
        file: file!(),
        line: line!(),
    };
    let labels = |names: &[&str]| names.iter().map(|name| (*name).to_owned()).collect();
    let families = [
        (TOTAL, MetricKind::Counter, TOTAL_HELP, RequestLabels::NAMES),
        (
            DURATION,
            MetricKind::Histogram,
            DURATION_HELP,
            RouteLabels::NAMES,
        ),
        (
            IN_FLIGHT,
            MetricKind::Gauge,
            IN_FLIGHT_HELP,
            RouteLabels::NAMES,
        ),
    ];
    for (name, kind, help, names) in families {
        let name = format!("{prefix}{name}");
        out.push(MetricInfo::new(
            name,
            kind,
            labels(names),
            help.to_owned(),
            source,
        ));
    }
}

/// The families of every registry a layer was made for.
static BY_REGISTRY: Mutex<Vec<(Registry, Arc<HttpServerMetrics>)>> = Mutex::new(Vec::new());

/// The families of [`crate::registry()`], under [`crate::builder()`]'s
/// namespace and constant labels, registered without waiting on a scrape
/// in progress (a refusal is logged).
static GLOBAL: OnceLock<Arc<HttpServerMetrics>> = OnceLock::new();

/// The families of `registry` (all of [`crate::registry()`]'s when it is
/// `None`): the ones registered there by an earlier layer, or new ones
/// with `buckets`.
///
/// Registering in a registry of the program's own waits for a scrape of
/// it in progress (a layer is made while the application starts, never
/// from a collector).
pub(crate) fn for_registry(
    registry: Option<&Registry>,
    buckets: Option<&[f64]>,
) -> Result<Arc<HttpServerMetrics>, Error> {
    let Some(registry) = registry.filter(|r| !same_registry(r, crate::registry())) else {
        return global(buckets);
    };
    let mut known = BY_REGISTRY.lock().unwrap_or_else(PoisonError::into_inner);
    let found = known
        .iter()
        .find(|(other, _)| same_registry(registry, other));
    if let Some((_, metrics)) = found {
        return metrics.agreeing(buckets);
    }
    let metrics = Arc::new(HttpServerMetrics::new(&Settings::own(
        buckets.map(<[f64]>::to_vec),
    ))?);
    register_all(registry, metrics.collectors())?;
    known.push((registry.clone(), Arc::clone(&metrics)));
    Ok(metrics)
}

fn global(buckets: Option<&[f64]>) -> Result<Arc<HttpServerMetrics>, Error> {
    if let Some(metrics) = GLOBAL.get() {
        return metrics.agreeing(buckets);
    }
    let metrics = Arc::new(HttpServerMetrics::new(&Settings::global(
        buckets.map(<[f64]>::to_vec),
    ))?);
    let mut created = false;
    let metrics = GLOBAL.get_or_init(|| {
        created = true;
        metrics
    });
    if !created {
        return metrics.agreeing(buckets);
    }
    let collectors = metrics.collectors();
    crate::registration::register_soon(move || {
        if let Err(err) = register_all(crate::registry(), collectors) {
            log::error!("http::MetricsLayer: {err}; its metrics are kept but not exported");
        }
    });
    Ok(Arc::clone(metrics))
}

/// Whether `a` and `b` are handles to one registry: a probe registered in
/// `a` can be taken out of `b`. `prometheus::Registry` has no identity of
/// its own to compare; the probe has no samples, so a scrape meanwhile
/// sees nothing of it.
fn same_registry(a: &Registry, b: &Registry) -> bool {
    let Ok(probe) = Probe::new() else {
        return false;
    };
    if a.register(Box::new(probe.clone())).is_err() {
        return false;
    }
    if b.unregister(Box::new(probe.clone())).is_ok() {
        return true;
    }
    let _ = a.unregister(Box::new(probe));
    false
}

/// A collector with a descriptor of its own and no samples.
#[derive(Clone)]
struct Probe {
    desc: Arc<Desc>,
}

impl Probe {
    fn new() -> prometheus::Result<Probe> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let id = NEXT.fetch_add(1, Ordering::Relaxed).to_string();
        let desc = Desc::new(
            "metrics_runtime_registry_probe".to_owned(),
            "Tells registries apart; never has samples.".to_owned(),
            Vec::new(),
            [("probe".to_owned(), id)].into_iter().collect(),
        )?;
        Ok(Probe {
            desc: Arc::new(desc),
        })
    }
}

impl Collector for Probe {
    fn desc(&self) -> Vec<&Desc> {
        vec![&self.desc]
    }

    fn collect(&self) -> Vec<proto::MetricFamily> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registries_are_told_apart_and_clones_are_one() {
        let (a, b) = (Registry::new(), Registry::new());
        assert!(same_registry(&a, &a.clone()));
        assert!(!same_registry(&a, &b));
        assert!(a.gather().is_empty() && b.gather().is_empty());
    }

    #[test]
    fn a_registry_gets_its_families_once() {
        let registry = Registry::new();
        let first = for_registry(Some(&registry), None).unwrap();
        let second = for_registry(Some(&registry.clone()), None).unwrap();
        assert!(Arc::ptr_eq(&first, &second));
        assert!(for_registry(Some(&registry), Some(&[1.0])).is_err());
        let other = for_registry(Some(&Registry::new()), None).unwrap();
        assert!(!Arc::ptr_eq(&first, &other));
    }
}
