//! The weighted lists of `Accept` and `Accept-Encoding` (RFC 9110, 12.4):
//! `value;param=x;q=0.5, value2`, split outside quoted strings.

/// One element of a weighted list: a media range or a content coding, its
/// parameters (the ones before `q`), and its weight.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Element<'a> {
    /// The media range (`text/plain`, `*/*`) or coding (`gzip`, `*`), trimmed.
    pub(crate) value: &'a str,
    /// The parameters before `q`, names and values trimmed, values unquoted.
    pub(crate) params: Vec<(&'a str, &'a str)>,
    /// The weight: 1 when absent, 0 when "not acceptable".
    pub(crate) q: f32,
}

/// The elements of `header`, skipping empty and malformed ones (a weight
/// that is not a number from 0 to 1), so one bad element spoils nothing else.
pub(crate) fn elements(header: &str) -> impl Iterator<Item = Element<'_>> {
    split_unquoted(header, ',').filter_map(element)
}

fn element(text: &str) -> Option<Element<'_>> {
    let mut parts = split_unquoted(text, ';').map(str::trim);
    let value = parts.next().filter(|value| !value.is_empty())?;
    let mut params = Vec::new();
    let mut q = 1.0;
    for part in parts {
        let (name, raw) = part.split_once('=').unwrap_or((part, ""));
        let (name, raw) = (name.trim(), raw.trim());
        if name.eq_ignore_ascii_case("q") {
            q = quality(raw)?;
            // What follows `q` are extensions, not parameters of the value.
            break;
        }
        params.push((name, raw.trim_matches('"')));
    }
    Some(Element { value, params, q })
}

/// A weight (`0`, `0.5`, `1.000`): a number from 0 to 1.
fn quality(text: &str) -> Option<f32> {
    text.parse::<f32>().ok().filter(|q| (0.0..=1.0).contains(q))
}

/// `text` split at `separator`, except inside `"quoted strings"` (where a
/// backslash escapes the next character).
fn split_unquoted(text: &str, separator: char) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        let (mut quoted, mut escaped) = (false, false);
        for (i, c) in current.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' if quoted => escaped = true,
                '"' => quoted = !quoted,
                c if c == separator && !quoted => {
                    rest = Some(&current[i + c.len_utf8()..]);
                    return Some(&current[..i]);
                }
                _ => {}
            }
        }
        rest = None;
        Some(current)
    })
}

#[cfg(test)]
mod tests {
    use super::{elements, Element};

    #[test]
    fn weights_parameters_and_quotes() {
        let parsed: Vec<Element<'_>> =
            elements(r#"text/plain; version=0.0.4 ;q=0.5;ext=1, a/b;x="1,2;3", , gzip;q=2, br"#)
                .collect();
        assert_eq!(
            parsed,
            [
                Element {
                    value: "text/plain",
                    params: vec![("version", "0.0.4")],
                    q: 0.5
                },
                Element {
                    value: "a/b",
                    params: vec![("x", "1,2;3")],
                    q: 1.0
                },
                Element {
                    value: "br",
                    params: vec![],
                    q: 1.0
                },
            ]
        );
    }

    #[test]
    fn zero_is_a_weight_not_an_absence() {
        let parsed: Vec<_> = elements("gzip;q=0, *;Q=0.000").map(|e| e.q).collect();
        assert_eq!(parsed, [0.0, 0.0]);
        assert_eq!(elements("").count(), 0);
        assert_eq!(elements("gzip;q=abc").count(), 0);
    }
}
