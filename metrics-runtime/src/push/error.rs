//! Why a push failed.

use std::fmt;
use std::time::Duration;

/// An error body is cut here (in bytes, once escaped): it ends up in logs.
pub(super) const MAX_ERROR_BODY: usize = 4096;

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
            PushError::CollectorPanicked(message) => write!(
                f,
                "nothing pushed: a collector panicked while the registry was gathered: {message}"
            ),
            PushError::Cancelled => f.write_str("the push task was cancelled"),
        }
    }
}

impl std::error::Error for PushError {}

/// The start of a response body as one line of text for the logs:
/// trimmed, every control or invisible character escaped (`\n`,
/// `\u{1b}`), and cut to [`MAX_ERROR_BODY`] bytes on a character
/// boundary, with `…` where it was cut or where `more` was not read.
pub(super) fn error_body(start: &[u8], more: bool) -> String {
    let text = String::from_utf8_lossy(start);
    let mut out = String::new();
    let mut cut = more;
    for c in text.trim().chars() {
        let piece = if needs_escape(c) {
            c.escape_debug().to_string()
        } else {
            c.to_string()
        };
        if out.len() + piece.len() > MAX_ERROR_BODY {
            cut = true;
            break;
        }
        out.push_str(&piece);
    }
    if cut {
        out.push('…');
    }
    out
}

/// Whether `c` is a control or invisible character (a newline, an ANSI
/// escape, a bidi override): a body must not forge log lines or move the
/// terminal's cursor.
fn needs_escape(c: char) -> bool {
    c.is_control() || (!matches!(c, '\\' | '"' | '\'') && c.escape_debug().len() > 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_error_bodies_are_cut_on_a_char_boundary() {
        let body = "é".repeat(MAX_ERROR_BODY);
        let cut = error_body(body.as_bytes(), false);
        assert!(cut.len() <= MAX_ERROR_BODY + '…'.len_utf8());
        assert!(cut.ends_with('…'));
        assert_eq!(error_body(b"short", true), "short…");
        assert_eq!(error_body(b" whole\n", false), "whole");
    }

    #[test]
    fn control_and_invisible_characters_are_escaped() {
        let body = "bad\nFAKE log line\r\u{1b}[2J\u{202e}tab\there é \"q\" \\ '\n";
        assert_eq!(
            error_body(body.as_bytes(), false),
            "bad\\nFAKE log line\\r\\u{1b}[2J\\u{202e}tab\\there é \"q\" \\ '"
        );
    }
}
