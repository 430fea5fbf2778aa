//! One DogStatsD line: `name:value|type[|@rate][|#tag:value,…]`, with names
//! and tags cleaned of the characters the protocol reserves.

use std::io::Write;

/// The type of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Counter,
    Gauge,
    /// Milliseconds.
    Timing,
}

impl Kind {
    fn code(self) -> &'static str {
        match self {
            Kind::Counter => "c",
            Kind::Gauge => "g",
            Kind::Timing => "ms",
        }
    }
}

/// Appends one line to `out` (no newline), named by `name`'s parts one
/// after the other; nothing when `value` is not finite, which StatsD
/// cannot carry. `rate` below 1 is written as `@rate`: the daemon scales
/// the count by its inverse.
pub(crate) fn write_line<'a>(
    out: &mut Vec<u8>,
    name: &[&str],
    value: f64,
    kind: Kind,
    rate: f64,
    tags: impl IntoIterator<Item = (&'a str, &'a str)>,
) {
    if !value.is_finite() {
        return;
    }
    for part in name {
        write_name(out, part);
    }
    let _ = write!(out, ":{value}|{}", kind.code());
    if rate < 1.0 {
        let _ = write!(out, "|@{rate}");
    }
    let mut tags = tags.into_iter().peekable();
    if tags.peek().is_some() {
        out.extend_from_slice(b"|#");
        for (index, (name, value)) in tags.enumerate() {
            if index > 0 {
                out.push(b',');
            }
            write_name(out, name);
            out.push(b':');
            write_tag_value(out, value);
        }
    }
}

/// A metric or tag name: letters, digits, `_`, `.` and `-`; anything else
/// (`:` of a Prometheus recording rule, say) becomes `_`.
fn write_name(out: &mut Vec<u8>, name: &str) {
    out.extend(name.bytes().map(|byte| match byte {
        b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'.' | b'-' => byte,
        _ => b'_',
    }));
}

/// A tag value as given, but for the separators of the protocol (`,`,
/// `|`, `#`) and line breaks, which become `_`.
fn write_tag_value(out: &mut Vec<u8>, value: &str) {
    out.extend(value.bytes().map(|byte| match byte {
        b',' | b'|' | b'#' | b'\n' | b'\r' => b'_',
        _ => byte,
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line<'a>(
        name: &str,
        value: f64,
        kind: Kind,
        rate: f64,
        tags: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> String {
        let mut out = Vec::new();
        write_line(&mut out, &[name], value, kind, rate, tags);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn lines_carry_type_rate_and_tags() {
        assert_eq!(
            line("jobs_total", 3.0, Kind::Counter, 1.0, []),
            "jobs_total:3|c"
        );
        assert_eq!(
            line("queue", -2.5, Kind::Gauge, 1.0, [("queue", "mail")]),
            "queue:-2.5|g|#queue:mail"
        );
        assert_eq!(
            line(
                "lookup",
                1.25,
                Kind::Timing,
                0.01,
                [("table", "users"), ("result", "ok")]
            ),
            "lookup:1.25|ms|@0.01|#table:users,result:ok"
        );
    }

    #[test]
    fn reserved_characters_are_replaced_and_other_text_kept() {
        assert_eq!(
            line(
                "job:rate|5m",
                1.0,
                Kind::Gauge,
                1.0,
                [("a b", "x,y|z#w\nv: zürich")]
            ),
            "job_rate_5m:1|g|#a_b:x_y_z_w_v: zürich"
        );
        assert_eq!(line("nan", f64::NAN, Kind::Gauge, 1.0, []), "");
    }
}
