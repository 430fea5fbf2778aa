//! The Pushgateway's URL scheme: job and grouping labels as path segments.

use std::fmt::Write as _;

use super::PushError;
use crate::client::base64;

/// The longest URI the `http` crate accepts, in bytes.
const MAX_URI_LEN: usize = u16::MAX as usize - 1;

/// An error naming `what` (`the job name`, …) and its `value` when the
/// push URL, with `value` just added, has grown past what a URI may hold.
pub(super) fn check_length(target: &str, what: &str, value: &str) -> Result<(), PushError> {
    if target.len() <= MAX_URI_LEN {
        return Ok(());
    }
    let shown: String = value.chars().take(32).collect();
    let ellipsis = if shown.len() < value.len() { "…" } else { "" };
    Err(PushError::InvalidArgument(format!(
        "{what} `{shown}{ellipsis}` is too long ({} bytes): the push URL would be {} bytes, \
         over the {MAX_URI_LEN} a URL may have",
        value.len(),
        target.len()
    )))
}

/// Appends `/<name>/<value>`, escaped as the Pushgateway documents: base64url
/// under `<name>@base64` for a value that would not survive as a path
/// segment (empty, with a `/`, or a dot segment), percent-encoded otherwise.
pub(super) fn push_label(target: &mut String, name: &str, value: &str) {
    if value.is_empty() {
        // The empty string's base64 is empty too: the Pushgateway reads `=` as it.
        let _ = write!(target, "/{name}@base64/=");
    } else if value.contains('/') || value == "." || value == ".." {
        let _ = write!(target, "/{name}@base64/{}", base64url(value.as_bytes()));
    } else {
        let _ = write!(target, "/{name}/");
        for byte in value.bytes() {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
                target.push(char::from(byte));
            } else {
                let _ = write!(target, "%{byte:02X}");
            }
        }
    }
}

/// RFC 4648 base64url, without padding.
fn base64url(bytes: &[u8]) -> String {
    base64::encode(bytes, base64::URL_SAFE, false)
}

pub(super) fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_too_long_for_a_url_is_named_with_its_length() {
        let job = "j".repeat(70_000);
        let mut target = "http://h:1/metrics".to_owned();
        push_label(&mut target, "job", &job);
        let err = check_length(&target, "the job name", &job).unwrap_err();
        let message = err.to_string();
        assert!(message.starts_with("the job name `jjjj"), "{message}");
        assert!(message.contains("(70000 bytes)"), "{message}");
        assert!(message.len() < 200, "{message}");
        assert!(check_length("http://h:1/metrics/job/j", "the job name", "j").is_ok());
    }
}
