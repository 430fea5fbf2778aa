//! Process-wide settings: namespace, constant labels, series limits,
//! histogram bounds, sampling and the enabled flag.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use crate::names::{is_valid_label_name, is_valid_metric_name, RESERVED_LABELS};
use crate::Error;

/// Settings fixed at start-up by [`builder`] and read when a family is first used.
#[derive(Debug)]
pub(crate) struct Config {
    pub(crate) namespace: Option<String>,
    pub(crate) const_labels: Vec<(String, String)>,
    pub(crate) max_series: usize,
    /// Bounds by full histogram name (`action_duration_seconds`).
    pub(crate) buckets: Vec<(String, Vec<f64>)>,
    /// Bounds of every histogram that sets none at compile time.
    pub(crate) default_buckets: Option<Vec<f64>>,
    /// Sampled share of durations by base name of an instrumented function.
    pub(crate) samples: Vec<(String, f64)>,
    /// Whether every instrumented function's histogram has native buckets.
    pub(crate) native_histograms: bool,
}

impl Config {
    /// `namespace_`, what the names of `global()` metrics start with; empty
    /// without a namespace.
    pub(crate) fn name_prefix(&self) -> String {
        self.namespace
            .as_ref()
            .map_or_else(String::new, |namespace| format!("{namespace}_"))
    }

    /// A histogram's bounds: set by name in [`builder`], else `compiled`
    /// (the macro's `buckets`), else [`Builder::default_buckets`], else
    /// `None` for Prometheus' defaults.
    pub(crate) fn buckets_for<'a>(
        &'a self,
        name: &str,
        compiled: Option<&'a [f64]>,
    ) -> Option<&'a [f64]> {
        self.buckets
            .iter()
            .find(|(own, _)| own == name)
            .map(|(_, bounds)| bounds.as_slice())
            .or(compiled)
            .or(self.default_buckets.as_deref())
    }

    /// The sampled share of the durations of the instrumented function
    /// named `name` (its base name, `N` of `N_total`): set in [`builder`],
    /// else `compiled` (the macro's `sample`), else every call.
    pub(crate) fn sample_for(&self, name: &str, compiled: Option<f64>) -> f64 {
        self.samples
            .iter()
            .find(|(own, _)| own == name)
            .map(|(_, share)| *share)
            .or(compiled)
            .unwrap_or(1.0)
    }
}

/// Label sets a family holds unless told otherwise.
pub const DEFAULT_MAX_SERIES: usize = 10_000;

impl Default for Config {
    fn default() -> Self {
        Config {
            namespace: None,
            const_labels: Vec::new(),
            max_series: DEFAULT_MAX_SERIES,
            native_histograms: false,
            buckets: Vec::new(),
            default_buckets: None,
            samples: Vec::new(),
        }
    }
}

static CONFIG: OnceLock<Config> = OnceLock::new();
static ENABLED: AtomicBool = AtomicBool::new(true);

/// The settings in force; the first read freezes them.
pub(crate) fn config() -> &'static Config {
    CONFIG.get_or_init(Config::default)
}

/// Starts configuring the runtime; finish with [`Builder::install`].
///
/// ```
/// metrics_runtime::builder()
///     .namespace("sentinel")
///     .const_label("service", "gateway")
///     .install()
///     .expect("metrics configured before first use");
/// ```
pub fn builder() -> Builder {
    Builder {
        config: Config::default(),
        enabled: true,
    }
}

/// Process-wide runtime settings; see [`builder`].
#[derive(Debug)]
#[must_use = "settings take effect only when `install` is called"]
pub struct Builder {
    config: Config,
    enabled: bool,
}

impl Builder {
    /// Prefix for every metric the toolkit registers: `namespace_action_total`.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.config.namespace = Some(namespace.into());
        self
    }

    /// A label with a fixed value on every metric the toolkit registers
    /// (`service`, `instance`, …).
    pub fn const_label(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.config.const_labels.push((name.into(), value.into()));
        self
    }

    /// How many label sets each family keeps (default 10,000); past it,
    /// new label sets share one series labelled `__overflow__`, counted in
    /// `metrics_runtime_series_overflow_total{family}`. `max_series = N` on
    /// a function or field overrides it.
    pub fn max_series(mut self, max_series: usize) -> Self {
        self.config.max_series = max_series.max(1);
        self
    }

    /// The bounds of histogram `name`, by its full name as exported
    /// (`shop_action_duration_seconds`), for a service that reads them from
    /// its configuration; they win over the bounds set at compile time.
    ///
    /// ```
    /// metrics_runtime::builder()
    ///     .buckets("checkout_duration_seconds", &[0.05, 0.1, 0.5, 1.0])
    ///     .default_buckets(&[0.001, 0.01, 0.1, 1.0, 10.0])
    ///     .sample("checkout", 0.01)
    ///     .install()
    ///     .unwrap();
    /// ```
    pub fn buckets(mut self, name: impl Into<String>, bounds: &[f64]) -> Self {
        self.config.buckets.push((name.into(), bounds.to_vec()));
        self
    }

    /// The bounds of every histogram that sets none at compile time
    /// (instead of Prometheus' defaults).
    pub fn default_buckets(mut self, bounds: &[f64]) -> Self {
        self.config.default_buckets = Some(bounds.to_vec());
        self
    }

    /// Observes the duration of only a random `share` (in (0, 1]) of the
    /// calls of the instrumented function whose base name is `name` (`N` of
    /// `N_total`), as `#[instrumented(sample = …)]` does; it wins over that.
    /// Calls are still all counted in `N_total`; unsampled ones read no clock.
    pub fn sample(mut self, name: impl Into<String>, share: f64) -> Self {
        self.config.samples.push((name.into(), share));
        self
    }

    /// Gives every instrumented function's duration histogram native
    /// (exponential, schema 3) buckets beside its classic ones, as
    /// `#[instrumented(native_histogram)]` does for one function, and so
    /// every [`Histogram`](crate::Histogram) field of a `global()` struct,
    /// as `#[metric(native_histogram)]` does for one. They are
    /// exposed in the protobuf format, which Prometheus asks for when
    /// started with `--enable-feature=native-histograms`.
    ///
    /// ```
    /// metrics_runtime::builder().native_histograms(true).install().unwrap();
    /// ```
    pub fn native_histograms(mut self, native: bool) -> Self {
        self.config.native_histograms = native;
        self
    }

    /// Whether instrumented calls record anything at start (default `true`);
    /// see [`set_enabled`].
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.enabled = enabled;
        self
    }

    /// Makes these settings the process-wide ones, and calibrates the
    /// clock of measured calls now rather than on the first one.
    ///
    /// Fails with [`Error::AlreadyInstalled`] once any metric was touched or
    /// settings were installed, with [`Error::InvalidName`] for a name
    /// Prometheus would reject, and with [`Error::InvalidSetting`] for
    /// bounds that are not finite and increasing or a share outside (0, 1].
    pub fn install(self) -> Result<(), Error> {
        self.validate()?;
        CONFIG
            .set(self.config)
            .map_err(|_| Error::AlreadyInstalled)?;
        set_enabled(self.enabled);
        Ok(())
    }

    fn validate(&self) -> Result<(), Error> {
        if let Some(namespace) = &self.config.namespace {
            if !is_valid_metric_name(namespace) || namespace.contains(':') {
                return Err(invalid("namespace", namespace));
            }
        }
        let mut seen = Vec::new();
        for (name, _) in &self.config.const_labels {
            let taken = RESERVED_LABELS.contains(&name.as_str())
                || ["function", "module"].contains(&name.as_str());
            if !is_valid_label_name(name) || taken {
                return Err(invalid("label", name));
            }
            if seen.contains(&name) {
                return Err(invalid("duplicate label", name));
            }
            seen.push(name);
        }
        for (name, bounds) in &self.config.buckets {
            check_bounds(name, bounds)?;
        }
        if let Some(bounds) = &self.config.default_buckets {
            check_bounds("default_buckets", bounds)?;
        }
        for (name, share) in &self.config.samples {
            if !(*share > 0.0 && *share <= 1.0) {
                return Err(Error::InvalidSetting(format!(
                    "sample share of `{name}` is {share}; it must be in (0, 1]"
                )));
            }
        }
        Ok(())
    }
}

/// Histogram bounds Prometheus accepts: at least one, finite, increasing.
pub(crate) fn check_bounds(name: &str, bounds: &[f64]) -> Result<(), Error> {
    let increasing = bounds.windows(2).all(|pair| pair[0] < pair[1]);
    if bounds.is_empty() || !increasing || !bounds.iter().all(|b| b.is_finite()) {
        return Err(Error::InvalidSetting(format!(
            "bucket bounds of `{name}` must be finite and increasing, at least one: {bounds:?}"
        )));
    }
    Ok(())
}

fn invalid(what: &'static str, name: &str) -> Error {
    Error::InvalidName {
        what,
        name: name.to_owned(),
    }
}

/// Turns recording on or off for every instrumented function at run time.
///
/// While off, an instrumented call costs one relaxed atomic load: no clock
/// read, no counter update.
///
/// ```
/// metrics_runtime::set_enabled(false);
/// assert!(!metrics_runtime::is_enabled());
/// metrics_runtime::set_enabled(true);
/// ```
pub fn set_enabled(enabled: bool) {
    ENABLED.store(enabled, Ordering::Relaxed);
}

/// Whether instrumented calls currently record; see [`set_enabled`].
#[inline]
pub fn is_enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}
