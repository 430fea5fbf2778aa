//! What an exposition says, whatever its order: its samples and its
//! families' types and help, unescaped, so that two encoders can be
//! compared line for line without comparing bytes.

use std::collections::BTreeMap;

/// A sample as compared: its name, its labels sorted by name, and its value
/// as Rust prints the `f64` (so `1`, `1.0` and `1e0` are one value, while
/// `le="1"` and `le="1.0"` stay two label values; `-0` is `0`, as
/// `prometheus_client` reads it).
pub type Entry = (String, Vec<(String, String)>, String);

/// A family as compared: its name, its type and its help text (empty when
/// it has none).
pub type Meta = (String, String, String);

/// The exposition format whose escaping of help texts applies.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Format {
    /// Text 0.0.4: `\\` and `\n` in help texts.
    Text,
    /// OpenMetrics 1.0: `\\`, `\n` and `\"` in help texts.
    OpenMetrics,
}

/// Every sample of `text`, sorted; a sample written twice is there twice.
pub fn samples(text: &str) -> Vec<Entry> {
    let mut entries: Vec<Entry> = super::parse(text)
        .into_iter()
        .map(|sample| entry(sample.name, sample.labels, sample.value))
        .collect();
    entries.sort();
    entries
}

/// One [`Entry`].
pub fn entry(name: String, mut labels: Vec<(String, String)>, value: f64) -> Entry {
    labels.sort();
    let value = if value == 0.0 { 0.0 } else { value };
    (name, labels, format!("{value:?}"))
}

/// The families `text` describes in `# TYPE` and `# HELP` lines, sorted.
/// Panics when a family is described twice (it would be a family written
/// in two pieces) or a help text is escaped wrongly.
pub fn families(text: &str, format: Format) -> Vec<Meta> {
    let mut kinds: BTreeMap<&str, &str> = BTreeMap::new();
    let mut helps: BTreeMap<&str, String> = BTreeMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("# TYPE name type");
            let again = kinds.insert(name, kind);
            assert!(again.is_none(), "family {name} has two TYPE lines:\n{text}");
        } else if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').unwrap_or((rest, ""));
            let help = unescape_help(help, format)
                .unwrap_or_else(|| panic!("help text escaped wrongly: {line:?}"));
            let again = helps.insert(name, help);
            assert!(again.is_none(), "family {name} has two HELP lines:\n{text}");
        }
    }
    let unknown: Vec<&&str> = helps.keys().filter(|n| !kinds.contains_key(*n)).collect();
    assert!(unknown.is_empty(), "HELP without TYPE for {unknown:?}");
    kinds
        .into_iter()
        .map(|(name, kind)| {
            let help = helps.remove(name).unwrap_or_default();
            (name.to_owned(), kind.to_owned(), help)
        })
        .collect()
}

fn unescape_help(help: &str, format: Format) -> Option<String> {
    let mut out = String::new();
    let mut chars = help.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                '\\' => out.push('\\'),
                '"' if format == Format::OpenMetrics => out.push('"'),
                _ => return None,
            },
            '"' if format == Format::OpenMetrics => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// The samples and families of a text exposition, as OpenMetrics names
/// them: a counter's family loses `_total` and its samples end in
/// `_total`; `untyped` is `unknown`.
pub fn text_as_openmetrics(text: &str) -> (Vec<Entry>, Vec<Meta>) {
    let families = families(text, Format::Text);
    let counters: Vec<&str> = families
        .iter()
        .filter(|(_, kind, _)| kind == "counter")
        .map(|(name, _, _)| name.as_str())
        .collect();
    let mut samples: Vec<Entry> = samples(text)
        .into_iter()
        .map(|(name, labels, value)| {
            let renamed = counters.contains(&name.as_str()) && !name.ends_with("_total");
            let name = if renamed {
                format!("{name}_total")
            } else {
                name
            };
            (name, labels, value)
        })
        .collect();
    samples.sort();
    let mut families: Vec<Meta> = families
        .iter()
        .map(|(name, kind, help)| {
            let (name, kind) = match kind.as_str() {
                "counter" => (name.strip_suffix("_total").unwrap_or(name), "counter"),
                "untyped" => (name.as_str(), "unknown"),
                other => (name.as_str(), other),
            };
            (name.to_owned(), kind.to_owned(), help.clone())
        })
        .collect();
    families.sort();
    (samples, families)
}

/// The samples and families of an OpenMetrics exposition, without the
/// `_created` samples that the text format has no place for.
pub fn openmetrics(text: &str) -> (Vec<Entry>, Vec<Meta>) {
    assert!(
        text.ends_with("# EOF\n") && text.matches("# EOF").count() == 1,
        "an OpenMetrics exposition ends in one `# EOF` line:\n{text}"
    );
    let families = families(text, Format::OpenMetrics);
    let created: Vec<String> = families
        .iter()
        .filter(|(_, kind, _)| ["counter", "histogram", "summary"].contains(&kind.as_str()))
        .map(|(name, _, _)| format!("{name}_created"))
        .collect();
    let samples = samples(text)
        .into_iter()
        .filter(|(name, _, _)| !created.contains(name))
        .collect();
    (samples, families)
}

/// Fails, listing what only one side has, unless `left` and `right` hold
/// the same items as often.
#[track_caller]
pub fn assert_same<T: Ord + Clone + std::fmt::Debug>(what: &str, left: &[T], right: &[T]) {
    let only_in = |a: &[T], b: &[T]| -> Vec<T> {
        let mut rest = b.to_vec();
        a.iter()
            .filter(|item| match rest.iter().position(|other| other == *item) {
                Some(at) => {
                    rest.swap_remove(at);
                    false
                }
                None => true,
            })
            .cloned()
            .collect()
    };
    let (left_only, right_only) = (only_in(left, right), only_in(right, left));
    assert!(
        left_only.is_empty() && right_only.is_empty(),
        "{what} differ\n--- only on the left ---\n{left_only:#?}\n--- only on the right ---\n{right_only:#?}"
    );
    assert!(!left.is_empty(), "{what}: nothing to compare");
}
