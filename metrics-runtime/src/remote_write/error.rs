//! Why a remote write failed.

use std::fmt;
use std::time::Duration;

use crate::client::{write_chain, BadHeader, Failure};

/// Why a remote write failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum RemoteWriteError {
    /// The receiver's URL is not one this client can use.
    InvalidUrl {
        /// The URL given to [`RemoteWrite::new`](super::RemoteWrite::new),
        /// redacted: without `user:password@`, query values replaced by
        /// `<redacted>`.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A header given to [`RemoteWrite::header`](super::RemoteWrite::header),
    /// or a credential, cannot be sent.
    InvalidHeader {
        /// The header's name (its value is not repeated: it may be a secret).
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The PEM of [`root_certificates_pem`](super::RemoteWrite) holds no
    /// usable certificate; why.
    InvalidCertificate(String),
    /// Not awaited on a tokio runtime.
    NoRuntime,
    /// The receiver could not be reached, or the connection failed; the
    /// message includes the underlying causes.
    Transport(Box<dyn std::error::Error + Send + Sync>),
    /// No answer within the timeout.
    Timeout(Duration),
    /// The receiver answered with a status other than 2xx.
    Status {
        /// The HTTP status code.
        status: u16,
        /// The start of the response body: the receiver's explanation.
        body: String,
    },
    /// A collector of the registry panicked while it was gathered; nothing
    /// was sent. The panic's message.
    CollectorPanicked(String),
    /// The request body could not be compressed (the snappy format's size
    /// limit); the compressor's message.
    TooLarge(String),
    /// Reading the registry panicked outside its collectors (while its
    /// samples were converted or encoded); nothing was sent. The panic's message.
    Panicked(String),
    /// The interval task was cancelled (its runtime shut down) before its final write.
    Cancelled,
}

impl RemoteWriteError {
    /// Whether sending the same samples again may succeed: the receiver
    /// was unreachable or slow, answered 429 (too many requests) or 5xx.
    ///
    /// ```
    /// use metrics_runtime::remote_write::RemoteWriteError;
    ///
    /// let busy = RemoteWriteError::Status { status: 503, body: String::new() };
    /// let refused = RemoteWriteError::Status { status: 400, body: "out of order".into() };
    /// assert!(busy.is_retryable());
    /// assert!(!refused.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            RemoteWriteError::Transport(_) | RemoteWriteError::Timeout(_) => true,
            RemoteWriteError::Status { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }
}

impl fmt::Display for RemoteWriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemoteWriteError::InvalidUrl { url, reason } => {
                write!(f, "invalid remote write URL `{url}`: {reason}")
            }
            RemoteWriteError::InvalidHeader { name, reason } => {
                write!(f, "invalid remote write header `{name}`: {reason}")
            }
            RemoteWriteError::InvalidCertificate(reason) => {
                write!(f, "the root certificates cannot be used: {reason}")
            }
            RemoteWriteError::NoRuntime => f.write_str("remote write needs a tokio runtime"),
            RemoteWriteError::Transport(err) => {
                f.write_str("cannot reach the remote write receiver: ")?;
                write_chain(f, err.as_ref())
            }
            RemoteWriteError::Timeout(timeout) => {
                write!(
                    f,
                    "the remote write receiver did not answer within {timeout:?}"
                )
            }
            RemoteWriteError::Status { status, body } if body.is_empty() => {
                write!(f, "the remote write receiver answered {status}")
            }
            RemoteWriteError::Status { status, body } => {
                write!(f, "the remote write receiver answered {status}: {body}")
            }
            RemoteWriteError::CollectorPanicked(message) => write!(
                f,
                "nothing written: a collector panicked while the registry was gathered: {message}"
            ),
            RemoteWriteError::TooLarge(message) => {
                write!(
                    f,
                    "nothing written: the request is too large to compress: {message}"
                )
            }
            RemoteWriteError::Panicked(message) => {
                write!(
                    f,
                    "nothing written: reading the registry panicked: {message}"
                )
            }
            RemoteWriteError::Cancelled => f.write_str("the remote write task was cancelled"),
        }
    }
}

impl std::error::Error for RemoteWriteError {}

impl From<BadHeader> for RemoteWriteError {
    fn from(bad: BadHeader) -> Self {
        RemoteWriteError::InvalidHeader {
            name: bad.name,
            reason: bad.reason,
        }
    }
}

impl From<Failure> for RemoteWriteError {
    fn from(failure: Failure) -> RemoteWriteError {
        match failure {
            Failure::Transport(err) => RemoteWriteError::Transport(err),
            Failure::Timeout(timeout) => RemoteWriteError::Timeout(timeout),
            Failure::Status { status, body } => RemoteWriteError::Status { status, body },
        }
    }
}
