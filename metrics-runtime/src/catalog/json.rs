//! Just enough JSON to write a dashboard: a value tree and a pretty printer
//! (the runtime has no serde dependency).

use std::fmt::Write;

/// A JSON value. Object keys are the generator's own, hence `'static`.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number; non-finite ones are written as `null`.
    Number(f64),
    /// A string, escaped when written.
    String(String),
    /// `[…]`.
    Array(Vec<Json>),
    /// `{…}`, in the given key order.
    Object(Vec<(&'static str, Json)>),
}

/// `{…}` from `(key, value)` pairs.
pub(super) fn object<const N: usize>(fields: [(&'static str, Json); N]) -> Json {
    Json::Object(fields.into())
}

impl From<&str> for Json {
    fn from(value: &str) -> Self {
        Json::String(value.to_owned())
    }
}

impl From<String> for Json {
    fn from(value: String) -> Self {
        Json::String(value)
    }
}

impl From<bool> for Json {
    fn from(value: bool) -> Self {
        Json::Bool(value)
    }
}

impl From<u32> for Json {
    fn from(value: u32) -> Self {
        Json::Number(value.into())
    }
}

impl From<f64> for Json {
    fn from(value: f64) -> Self {
        Json::Number(value)
    }
}

impl From<Vec<Json>> for Json {
    fn from(value: Vec<Json>) -> Self {
        Json::Array(value)
    }
}

impl Json {
    /// The value, indented by two spaces per level, with a final newline.
    pub(super) fn to_pretty(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, 0);
        out.push('\n');
        out
    }

    fn write(&self, out: &mut String, depth: usize) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
            Json::Number(value) if value.is_finite() => {
                let _ = write!(out, "{value}");
            }
            Json::Number(_) => out.push_str("null"),
            Json::String(value) => escape_into(out, value),
            Json::Array(items) => {
                write_nested(out, depth, '[', ']', items, |out, item, depth| {
                    item.write(out, depth);
                });
            }
            Json::Object(fields) => {
                write_nested(out, depth, '{', '}', fields, |out, (key, value), depth| {
                    escape_into(out, key);
                    out.push_str(": ");
                    value.write(out, depth);
                });
            }
        }
    }
}

/// `open`, each item on its own line one level deeper, `close`; `[]` or
/// `{}` when empty.
fn write_nested<T>(
    out: &mut String,
    depth: usize,
    open: char,
    close: char,
    items: &[T],
    mut write_item: impl FnMut(&mut String, &T, usize),
) {
    out.push(open);
    for (i, item) in items.iter().enumerate() {
        out.push_str(if i == 0 { "\n" } else { ",\n" });
        indent(out, depth + 1);
        write_item(out, item, depth + 1);
    }
    if !items.is_empty() {
        out.push('\n');
        indent(out, depth);
    }
    out.push(close);
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

/// `value` as a JSON string literal: quotes, backslashes and control
/// characters escaped (RFC 8259, section 7).
fn escape_into(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c < '\u{20}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escape(value: &str) -> String {
        let mut out = String::new();
        escape_into(&mut out, value);
        out
    }

    #[test]
    fn escapes_quotes_backslashes_and_control_characters() {
        assert_eq!(escape("plain"), r#""plain""#);
        assert_eq!(escape(r#"say "hi""#), r#""say \"hi\"""#);
        assert_eq!(escape(r"C:\temp"), r#""C:\\temp""#);
        assert_eq!(escape("a\nb\r\tc"), r#""a\nb\r\tc""#);
        assert_eq!(escape("\u{8}\u{c}"), r#""\b\f""#);
        assert_eq!(escape("\u{0}\u{1f}"), r#""\u0000\u001f""#);
        assert_eq!(escape("\u{7f}é€😀"), "\"\u{7f}é€😀\"");
    }

    #[test]
    fn writes_nested_values_indented() {
        let value = object([
            ("title", "a \"b\"".into()),
            ("id", 3u32.into()),
            ("ratio", 0.5.into()),
            ("nan", f64::NAN.into()),
            ("on", true.into()),
            ("none", Json::Null),
            ("empty", Vec::new().into()),
            (
                "list",
                vec![1u32.into(), object([]), object([("k", "v".into())])].into(),
            ),
        ]);
        assert_eq!(
            value.to_pretty(),
            r#"{
  "title": "a \"b\"",
  "id": 3,
  "ratio": 0.5,
  "nan": null,
  "on": true,
  "none": null,
  "empty": [],
  "list": [
    1,
    {},
    {
      "k": "v"
    }
  ]
}
"#
        );
    }
}
