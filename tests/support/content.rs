//! What an exposition says, whatever its order: its samples and its
//! families' types and help, unescaped, so that two encoders can be
//! compared line for line without comparing bytes.

use std::collections::BTreeMap;

use super::protobuf_model::{decode_delimited, Metric, MetricType};

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

/// The samples and families of a delimited protobuf exposition, as the
/// text format writes them: a histogram as `_bucket{le}` (with `+Inf` from
/// its count when no bucket has that bound), `_sum` and `_count`, a
/// summary as `{quantile}`, `_sum` and `_count`, bounds and quantiles
/// spelt as the text encoder spells them. Panics when a family comes
/// twice, has no type, or a metric holds other values than its type's.
pub fn protobuf(body: &[u8]) -> (Vec<Entry>, Vec<Meta>) {
    let mut samples = Vec::new();
    let mut families: Vec<Meta> = Vec::new();
    for family in decode_delimited(body) {
        let name = family.name.clone().expect("a metric family has a name");
        assert!(
            families.iter().all(|(seen, _, _)| *seen != name),
            "family {name} comes twice"
        );
        assert!(family.r#type.is_some(), "family {name} has no type");
        let kind = family.r#type();
        let help = family.help.clone().unwrap_or_default();
        families.push((name.clone(), type_word(kind).to_owned(), help));
        for metric in &family.metric {
            protobuf_samples(&name, kind, metric, &mut samples);
        }
    }
    samples.sort();
    families.sort();
    (samples, families)
}

/// The text format's word for a protobuf type.
fn type_word(kind: MetricType) -> &'static str {
    match kind {
        MetricType::Counter => "counter",
        MetricType::Gauge => "gauge",
        MetricType::Summary => "summary",
        MetricType::Untyped => "untyped",
        MetricType::Histogram => "histogram",
        MetricType::GaugeHistogram => "gaugehistogram",
    }
}

fn protobuf_samples(name: &str, kind: MetricType, metric: &Metric, out: &mut Vec<Entry>) {
    let labels: Vec<(String, String)> = metric
        .label
        .iter()
        .map(|pair| {
            (
                pair.name.clone().unwrap_or_default(),
                pair.value.clone().unwrap_or_default(),
            )
        })
        .collect();
    let set = [
        metric.counter.is_some(),
        metric.gauge.is_some(),
        metric.summary.is_some(),
        metric.untyped.is_some(),
        metric.histogram.is_some(),
    ];
    let expected = match kind {
        MetricType::Counter => 0,
        MetricType::Gauge => 1,
        MetricType::Summary => 2,
        MetricType::Untyped => 3,
        MetricType::Histogram | MetricType::GaugeHistogram => 4,
    };
    assert!(
        set.iter()
            .enumerate()
            .all(|(i, &is_set)| is_set == (i == expected)),
        "a metric of {kind:?} family {name} holds other values: {metric:?}"
    );
    let mut push = |suffix: &str, extra: Option<(&str, f64)>, value: f64| {
        let mut labels = labels.clone();
        if let Some((label, bound)) = extra {
            labels.push((label.to_owned(), float_text(bound)));
        }
        out.push(entry(format!("{name}{suffix}"), labels, value));
    };
    if let Some(counter) = &metric.counter {
        push("", None, counter.value.unwrap_or_default());
    } else if let Some(gauge) = &metric.gauge {
        push("", None, gauge.value.unwrap_or_default());
    } else if let Some(untyped) = &metric.untyped {
        push("", None, untyped.value.unwrap_or_default());
    } else if let Some(summary) = &metric.summary {
        for q in &summary.quantile {
            let quantile = q.quantile.unwrap_or_default();
            push(
                "",
                Some(("quantile", quantile)),
                q.value.unwrap_or_default(),
            );
        }
        push("_sum", None, summary.sample_sum.unwrap_or_default());
        push(
            "_count",
            None,
            summary.sample_count.unwrap_or_default() as f64,
        );
    } else if let Some(histogram) = &metric.histogram {
        let count = histogram.sample_count.unwrap_or_default() as f64;
        let mut infinite = false;
        for bucket in &histogram.bucket {
            let bound = bucket.upper_bound.unwrap_or_default();
            infinite |= bound == f64::INFINITY;
            let cumulative = bucket.cumulative_count.unwrap_or_default() as f64;
            push("_bucket", Some(("le", bound)), cumulative);
        }
        if !infinite {
            push("_bucket", Some(("le", f64::INFINITY)), count);
        }
        push("_sum", None, histogram.sample_sum.unwrap_or_default());
        push("_count", None, count);
    }
}

/// A bound or quantile as the text encoder writes it in a label value.
fn float_text(value: f64) -> String {
    match value {
        f64::INFINITY => "+Inf".to_owned(),
        f64::NEG_INFINITY => "-Inf".to_owned(),
        value => value.to_string(),
    }
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
