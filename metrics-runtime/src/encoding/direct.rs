//! What the toolkit's own storage hands an exposition format: samples with
//! their labels already rendered, read without copying a series.
//!
//! A source (an instrumented function's series, a `Family`'s children)
//! implements [`DirectFamily`] and writes its samples through
//! [`Samples`], which each format implements.

use std::fmt::Write;

pub(crate) use crate::exemplars::Exemplar;
pub(crate) use crate::instrument::native::NativeReading;

/// A family whose samples are written straight from storage.
pub(crate) trait DirectFamily: Send + Sync {
    /// Writes the samples of its metric family `part` (as it announced
    /// it to the gather); `values` are what it read during the gather.
    fn write_samples(&self, part: usize, values: &[u64], out: &mut dyn Samples);
}

/// Label pairs of a series or a family, kept with their text form.
pub(crate) trait LabelPairs {
    /// `name="value",…`, escaped, as bytes of UTF-8; empty when there are
    /// no pairs.
    fn text(&self) -> &[u8];
    /// Each pair, unescaped, in order (for the protobuf format).
    #[cfg_attr(not(feature = "protobuf"), allow(dead_code))]
    fn for_each_pair<'a>(&'a self, each: &mut dyn FnMut(&'a str, &'a str));
}

/// No label pairs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NoLabels;

impl LabelPairs for NoLabels {
    fn text(&self) -> &[u8] {
        b""
    }

    fn for_each_pair<'a>(&'a self, _each: &mut dyn FnMut(&'a str, &'a str)) {}
}

/// One extra label of a sample (`result`, `kind`), rendered once.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(not(feature = "protobuf"), allow(dead_code))]
pub(crate) struct Pair<'a> {
    pub(crate) name: &'a str,
    pub(crate) value: &'a str,
    /// `name="value"`, escaped.
    pub(crate) text: &'a str,
}

/// The labels of one sample: the series', an optional extra pair, and the
/// family's constant ones, in that order.
#[derive(Clone, Copy)]
pub(crate) struct Labels<'a> {
    pub(crate) series: &'a dyn LabelPairs,
    pub(crate) extra: Option<Pair<'a>>,
    pub(crate) constant: &'a dyn LabelPairs,
}

/// A sample value as storage keeps it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Number {
    Unsigned(u64),
    Float(f64),
}

impl Number {
    #[cfg_attr(not(feature = "protobuf"), allow(dead_code))]
    pub(crate) fn as_f64(self) -> f64 {
        match self {
            Number::Unsigned(value) => value as f64,
            Number::Float(value) => value,
        }
    }
}

/// Finite histogram bounds with their `le="…"` text, rendered once.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Bounds {
    values: Box<[f64]>,
    /// One per finite bound, then `le="+Inf"`.
    texts: Box<[Box<str>]>,
}

impl Bounds {
    pub(crate) fn new(values: &[f64]) -> Bounds {
        let texts = values
            .iter()
            .map(|bound| {
                let mut text = String::from("le=\"");
                let _ = write!(text, "{bound}");
                text.push('"');
                text.into_boxed_str()
            })
            .chain([Box::from("le=\"+Inf\"")])
            .collect();
        Bounds {
            values: values.into(),
            texts,
        }
    }

    /// The finite bounds.
    #[cfg_attr(not(feature = "protobuf"), allow(dead_code))]
    pub(crate) fn values(&self) -> &[f64] {
        &self.values
    }

    /// `le="…"` of bucket `index`; the last is `+Inf`.
    pub(crate) fn text(&self, index: usize) -> &str {
        &self.texts[index]
    }
}

/// A classic histogram as storage reads it.
#[derive(Clone, Copy)]
pub(crate) struct HistogramSample<'a> {
    pub(crate) bounds: &'a Bounds,
    /// Cumulative counts, one per finite bound and then `+Inf`.
    pub(crate) cumulative: &'a [u64],
    pub(crate) count: u64,
    pub(crate) sum: f64,
    /// The latest exemplar of each bucket, when it has any.
    pub(crate) exemplars: Option<&'a dyn BucketExemplars>,
    /// Native buckets (schema 3), when the histogram has them.
    #[cfg_attr(not(feature = "protobuf"), allow(dead_code))]
    pub(crate) native: Option<NativeReading<'a>>,
}

/// The exemplars of a histogram's buckets.
pub(crate) trait BucketExemplars {
    /// The latest exemplar of bucket `index` (`+Inf` last).
    fn bucket(&self, index: usize) -> Option<Exemplar>;
}

/// Where a [`DirectFamily`] writes: one call per metric of the family.
pub(crate) trait Samples {
    fn counter(&mut self, labels: Labels<'_>, value: Number, exemplar: Option<Exemplar>);
    fn gauge(&mut self, labels: Labels<'_>, value: Number);
    fn histogram(&mut self, labels: Labels<'_>, histogram: HistogramSample<'_>);
}

/// Label pairs rendered once: a family's constant labels, or the values
/// of one series under a family's label names.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RenderedLabels {
    names: Box<[Box<str>]>,
    values: Box<[Box<str>]>,
    text: Box<str>,
}

impl RenderedLabels {
    pub(crate) fn new<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let (names, values): (Vec<Box<str>>, Vec<Box<str>>) = pairs
            .into_iter()
            .map(|(name, value)| (Box::from(name), Box::from(value)))
            .unzip();
        let mut text = String::new();
        for (name, value) in names.iter().zip(&values) {
            render_pair(&mut text, name, value);
        }
        RenderedLabels {
            names: names.into(),
            values: values.into(),
            text: text.into(),
        }
    }
}

impl LabelPairs for RenderedLabels {
    fn text(&self) -> &[u8] {
        self.text.as_bytes()
    }

    fn for_each_pair<'a>(&'a self, each: &mut dyn FnMut(&'a str, &'a str)) {
        for (name, value) in self.names.iter().zip(self.values.iter()) {
            each(name, value);
        }
    }
}

/// Appends `name="value"` to `text`, after a comma unless it is empty.
pub(crate) fn render_pair(text: &mut String, name: &str, value: &str) {
    if !text.is_empty() {
        text.push(',');
    }
    text.push_str(name);
    text.push_str("=\"");
    text.push_str(&super::escape_label_value(value));
    text.push('"');
}

/// The `result` label of each outcome, rendered once.
pub(crate) fn result_pair(result: &'static str) -> Pair<'static> {
    match result {
        "ok" => RESULT_OK,
        "error" => RESULT_ERROR,
        "panic" => RESULT_PANIC,
        _ => RESULT_CANCELLED,
    }
}

const fn result(value: &'static str, text: &'static str) -> Pair<'static> {
    Pair {
        name: "result",
        value,
        text,
    }
}

const RESULT_OK: Pair<'static> = result("ok", "result=\"ok\"");
const RESULT_ERROR: Pair<'static> = result("error", "result=\"error\"");
const RESULT_PANIC: Pair<'static> = result("panic", "result=\"panic\"");
const RESULT_CANCELLED: Pair<'static> = result("cancelled", "result=\"cancelled\"");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_render_escaped_and_keep_their_pairs() {
        let labels = RenderedLabels::new([("path", "a\"b\\c\nd"), ("env", "")]);
        assert_eq!(labels.text(), br#"path="a\"b\\c\nd",env="""#);
        let mut pairs = Vec::new();
        labels.for_each_pair(&mut |name, value| pairs.push(format!("{name}={value}")));
        assert_eq!(pairs, ["path=a\"b\\c\nd", "env="]);
        assert!(RenderedLabels::default().text().is_empty());
    }

    #[test]
    fn bounds_render_as_the_text_encoder_does() {
        let bounds = Bounds::new(&[0.005, 1.0, 2.5]);
        assert_eq!(bounds.text(0), "le=\"0.005\"");
        assert_eq!(bounds.text(1), "le=\"1\"");
        assert_eq!(bounds.text(3), "le=\"+Inf\"");
        assert_eq!(result_pair("cancelled").text, "result=\"cancelled\"");
    }
}
