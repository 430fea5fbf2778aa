//! The runtime's error type.

use std::fmt;

/// What can go wrong when configuring or registering metrics.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// [`Builder::install`](crate::Builder::install) came after metrics were
    /// already recorded or configured.
    AlreadyInstalled,
    /// A metric, namespace or label name that Prometheus would reject.
    InvalidName {
        /// What the name was for (`"namespace"`, `"label"`, …).
        what: &'static str,
        /// The rejected name.
        name: String,
    },
    /// A setting out of its range: bucket bounds that are not finite and
    /// increasing, a sample share outside (0, 1].
    InvalidSetting(String),
    /// `facade::install` found a `metrics` recorder already in place: the
    /// `metrics` facade has one per process.
    RecorderAlreadySet,
    /// The `prometheus` registry refused a registration (a name taken by
    /// another metric with other labels or type, or registered twice).
    Registration(prometheus::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::AlreadyInstalled => f.write_str(
                "metrics were already configured or recorded; call `builder().install()` first thing in `main`",
            ),
            Error::InvalidName { what, name } => write!(f, "invalid {what} name `{name}`"),
            Error::InvalidSetting(problem) => f.write_str(problem),
            Error::RecorderAlreadySet => f.write_str(
                "a `metrics` recorder is already installed; the facade allows one per process",
            ),
            Error::Registration(err) => write!(f, "metric registration failed: {err}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Registration(err) => Some(err),
            _ => None,
        }
    }
}

impl From<prometheus::Error> for Error {
    fn from(err: prometheus::Error) -> Self {
        Error::Registration(err)
    }
}
