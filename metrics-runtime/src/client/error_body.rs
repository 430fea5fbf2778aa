//! The start of an error answer: read up to a bound, escaped and cut for
//! the logs.

use http_body_util::BodyExt;
use hyper::body::Incoming;

/// An error body is cut here (in bytes, once escaped): it ends up in logs.
pub(crate) const MAX_ERROR_BODY: usize = 4096;

/// Bytes of an error answer read at most: enough for [`MAX_ERROR_BODY`]
/// and to tell that the answer went on. The rest is never read.
const MAX_READ: usize = MAX_ERROR_BODY + 64;

/// The start of an error answer, escaped and cut for the logs.
///
/// Reads [`MAX_READ`] bytes at most and then stops, whatever the answer's
/// length: dropping the body closes the connection.
pub(crate) async fn read_error_start(mut body: Incoming) -> String {
    let mut start = Vec::new();
    let mut more = false;
    while let Some(frame) = body.frame().await {
        // A body that cannot be read further still leaves what came.
        let Ok(frame) = frame else { break };
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        let room = MAX_READ - start.len();
        if data.len() > room {
            start.extend_from_slice(&data[..room]);
            more = true;
            break;
        }
        start.extend_from_slice(&data);
    }
    error_body(&start, more)
}

/// The start of a response body as one line of text for the logs:
/// trimmed, every control or invisible character escaped (`\n`,
/// `\u{1b}`), and cut to [`MAX_ERROR_BODY`] bytes on a character
/// boundary, with `…` where it was cut or where `more` was not read.
fn error_body(start: &[u8], more: bool) -> String {
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
