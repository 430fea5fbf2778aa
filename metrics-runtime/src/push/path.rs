//! The Pushgateway's URL scheme: job and grouping labels as path segments.

use std::fmt::Write as _;

use super::PushError;

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
pub(super) fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let triple = chunk.iter().enumerate().fold(0u32, |acc, (i, &byte)| {
            acc | u32::from(byte) << (16 - 8 * i)
        });
        // n bytes carry 8n bits: n + 1 characters of 6 bits.
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(triple >> (18 - 6 * i)) as usize & 63]));
        }
    }
    out
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

    #[test]
    fn base64url_matches_rfc_4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
        ];
        for (input, encoded) in cases {
            assert_eq!(base64url(input.as_bytes()), encoded);
        }
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }
}
