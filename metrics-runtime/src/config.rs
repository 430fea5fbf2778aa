//! Process-wide settings: namespace, constant labels and the enabled flag.

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
}

/// Label sets a family holds unless told otherwise.
pub const DEFAULT_MAX_SERIES: usize = 10_000;

impl Default for Config {
    fn default() -> Self {
        Config {
            namespace: None,
            const_labels: Vec::new(),
            max_series: DEFAULT_MAX_SERIES,
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
    /// settings were installed, and with [`Error::InvalidName`] for a name
    /// Prometheus would reject.
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
        Ok(())
    }
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
