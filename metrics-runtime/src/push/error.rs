//! Why a push failed.

use std::fmt;
use std::time::Duration;

use crate::client::{write_chain, BadHeader, Failure};

/// Why a push or delete failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum PushError {
    /// The Pushgateway URL is not one this client can use.
    InvalidUrl {
        /// The URL given to [`Pushgateway::new`](super::Pushgateway::new).
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The job or a grouping label is missing or invalid.
    InvalidArgument(String),
    /// A header of [`header`](super::Pushgateway::header), or the
    /// credentials, cannot be sent.
    InvalidHeader {
        /// The header's name.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The PEM of [`root_certificates_pem`](super::Pushgateway) holds no
    /// usable certificate; why.
    InvalidCertificate(String),
    /// Not awaited on a tokio runtime.
    NoRuntime,
    /// The Pushgateway could not be reached, or the connection failed; the
    /// message includes the underlying causes.
    Transport(Box<dyn std::error::Error + Send + Sync>),
    /// No answer within the timeout.
    Timeout(Duration),
    /// The Pushgateway answered with a status other than 2xx.
    Status {
        /// The HTTP status code.
        status: u16,
        /// The response body: the Pushgateway's explanation.
        body: String,
    },
    /// A collector of the registry panicked while it was gathered; nothing
    /// was sent. The panic's message.
    CollectorPanicked(String),
    /// The interval task was cancelled (its runtime shut down) before its final push.
    Cancelled,
}

impl PushError {
    /// Whether retrying the same request cannot help.
    pub(super) fn is_rejection(&self) -> bool {
        match self {
            PushError::InvalidUrl { .. }
            | PushError::InvalidArgument(_)
            | PushError::InvalidHeader { .. }
            | PushError::InvalidCertificate(_) => true,
            PushError::Status { status, .. } => (400..500).contains(status),
            _ => false,
        }
    }
}

impl From<BadHeader> for PushError {
    fn from(bad: BadHeader) -> Self {
        PushError::InvalidHeader {
            name: bad.name,
            reason: bad.reason,
        }
    }
}

impl fmt::Display for PushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PushError::InvalidUrl { url, reason } => {
                write!(f, "invalid Pushgateway URL `{url}`: {reason}")
            }
            PushError::InvalidArgument(message) => f.write_str(message),
            PushError::InvalidHeader { name, reason } => {
                write!(f, "header `{name}` cannot be sent: {reason}")
            }
            PushError::InvalidCertificate(reason) => {
                write!(f, "the root certificates cannot be used: {reason}")
            }
            PushError::NoRuntime => f.write_str("pushing needs a tokio runtime"),
            PushError::Transport(err) => {
                f.write_str("cannot reach the Pushgateway: ")?;
                write_chain(f, err.as_ref())
            }
            PushError::Timeout(timeout) => {
                write!(f, "the Pushgateway did not answer within {timeout:?}")
            }
            PushError::Status { status, body } if body.is_empty() => {
                write!(f, "the Pushgateway answered {status}")
            }
            PushError::Status { status, body } => {
                write!(f, "the Pushgateway answered {status}: {body}")
            }
            PushError::CollectorPanicked(message) => write!(
                f,
                "nothing pushed: a collector panicked while the registry was gathered: {message}"
            ),
            PushError::Cancelled => f.write_str("the push task was cancelled"),
        }
    }
}

impl std::error::Error for PushError {}

impl From<Failure> for PushError {
    fn from(failure: Failure) -> PushError {
        match failure {
            Failure::Transport(err) => PushError::Transport(err),
            Failure::Timeout(timeout) => PushError::Timeout(timeout),
            Failure::Status { status, body } => PushError::Status { status, body },
        }
    }
}
