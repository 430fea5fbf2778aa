//! Why a push failed.

use std::fmt;
use std::time::Duration;

/// An error body is cut here: it ends up in logs.
const MAX_ERROR_BODY: usize = 4096;

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
    /// The interval task was cancelled (its runtime shut down) before its final push.
    Cancelled,
}

impl PushError {
    /// Whether retrying the same request cannot help.
    pub(super) fn is_rejection(&self) -> bool {
        match self {
            PushError::InvalidUrl { .. } | PushError::InvalidArgument(_) => true,
            PushError::Status { status, .. } => (400..500).contains(status),
            _ => false,
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
            PushError::NoRuntime => f.write_str("pushing needs a tokio runtime"),
            PushError::Transport(err) => {
                write!(f, "cannot reach the Pushgateway: {err}")?;
                let mut cause = err.source();
                while let Some(err) = cause {
                    write!(f, ": {err}")?;
                    cause = err.source();
                }
                Ok(())
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
            PushError::Cancelled => f.write_str("the push task was cancelled"),
        }
    }
}

impl std::error::Error for PushError {}

/// The response body as text, cut to [`MAX_ERROR_BODY`] bytes.
pub(super) fn error_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.len() <= MAX_ERROR_BODY {
        return text.to_owned();
    }
    let mut end = MAX_ERROR_BODY;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_error_bodies_are_cut_on_a_char_boundary() {
        let body = "é".repeat(MAX_ERROR_BODY);
        let cut = error_body(body.as_bytes());
        assert!(cut.len() <= MAX_ERROR_BODY + '…'.len_utf8());
        assert!(cut.ends_with('…'));
    }
}
