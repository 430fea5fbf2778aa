//! Choosing an exposition format from an `Accept` header (RFC 9110, 12.5.1).

use prometheus::Registry;

use super::accept::{elements, Element};
#[cfg(doc)]
use super::encode_text;
use super::{OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE};

/// An exposition format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// Prometheus text format 0.0.4.
    Text,
    /// OpenMetrics 1.0 text.
    OpenMetrics,
}

/// A media type the server offers, as `Accept` ranges are matched against it.
struct Offer {
    kind: &'static str,
    subtype: &'static str,
    /// `version` parameters it satisfies. OpenMetrics 0.0.1 is accepted as
    /// 1.0.0 as the Go client does: the texts differ in nothing we write.
    versions: &'static [&'static str],
}

const TEXT_OFFER: Offer = Offer {
    kind: "text",
    subtype: "plain",
    versions: &["0.0.4"],
};

const OPENMETRICS_OFFER: Offer = Offer {
    kind: "application",
    subtype: "openmetrics-text",
    versions: &["1.0.0", "0.0.1"],
};

impl Format {
    /// The format a scraper asks for in its `Accept` header: OpenMetrics
    /// when it weighs it above text 0.0.4, text when in doubt.
    ///
    /// As RFC 9110 says, the most specific range that matches a type gives
    /// its weight (`text/plain;q=0, */*` refuses text), `q=0` refuses, and
    /// several `Accept` lines are one list joined by commas.
    ///
    /// ```
    /// use metrics_runtime::encoding::Format;
    ///
    /// // What Prometheus sends.
    /// let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    /// assert_eq!(Format::from_accept(prometheus), Format::OpenMetrics);
    /// assert_eq!(Format::from_accept("text/plain"), Format::Text);
    /// assert_eq!(Format::from_accept("*/*"), Format::Text);
    /// assert_eq!(Format::from_accept("text/plain;q=0, */*"), Format::OpenMetrics);
    /// ```
    pub fn from_accept(accept: &str) -> Format {
        let ranges: Vec<Element<'_>> = elements(accept).collect();
        // Ties, and a header refusing both, go to the server's preference.
        if weight(&ranges, &OPENMETRICS_OFFER) > weight(&ranges, &TEXT_OFFER) {
            Format::OpenMetrics
        } else {
            Format::Text
        }
    }

    /// The `Content-Type` of this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Text => TEXT_CONTENT_TYPE,
            Format::OpenMetrics => OPENMETRICS_CONTENT_TYPE,
        }
    }

    /// `registry`'s metrics in this format.
    ///
    /// # Panics
    ///
    /// If a collector of `registry` panics, as [`encode_text`] does.
    pub fn encode(self, registry: &Registry) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(registry, &mut out);
        out
    }

    /// Appends `registry`'s metrics in this format to `out`. Encoding
    /// again into the same buffer, cleared, allocates nothing for the
    /// toolkit's own series.
    ///
    /// ```
    /// use metrics_runtime::encoding::Format;
    ///
    /// let registry = prometheus::Registry::new();
    /// let jobs = prometheus::IntCounter::new("jobs_total", "Jobs run.").unwrap();
    /// registry.register(Box::new(jobs.clone())).unwrap();
    /// let mut body = Vec::new();
    /// Format::OpenMetrics.encode_into(&registry, &mut body);
    /// assert!(body.ends_with(b"jobs_total 0\n# EOF\n"));
    /// ```
    ///
    /// # Panics
    ///
    /// If a collector of `registry` panics, as [`encode_text`] does.
    pub fn encode_into(self, registry: &Registry, out: &mut Vec<u8>) {
        super::engine::encode_into(registry, self, out);
    }
}

/// The weight `ranges` give `offer`: that of the most specific range that
/// matches it (the highest of equally specific ones), 0 when none does.
fn weight(ranges: &[Element<'_>], offer: &Offer) -> f32 {
    let mut best: Option<(usize, f32)> = None;
    for range in ranges {
        let Some(specificity) = specificity(range, offer) else {
            continue;
        };
        best = match best {
            Some((known, q)) if known > specificity || (known == specificity && q >= range.q) => {
                Some((known, q))
            }
            _ => Some((specificity, range.q)),
        };
    }
    best.map_or(0.0, |(_, q)| q)
}

/// How specifically `range` names `offer` (`*/*` 0, `type/*` 1,
/// `type/subtype` 2, plus one per parameter it names), or `None` when it
/// does not match it.
fn specificity(range: &Element<'_>, offer: &Offer) -> Option<usize> {
    let (kind, subtype) = range.value.split_once('/')?;
    let (kind, subtype) = (kind.trim(), subtype.trim());
    if kind == "*" && subtype == "*" {
        return Some(0);
    }
    if !kind.eq_ignore_ascii_case(offer.kind) {
        return None;
    }
    if subtype == "*" {
        return Some(1);
    }
    if !subtype.eq_ignore_ascii_case(offer.subtype) {
        return None;
    }
    let mut specificity = 2;
    for &(name, value) in &range.params {
        let satisfied = if name.eq_ignore_ascii_case("version") {
            offer.versions.contains(&value)
        } else if name.eq_ignore_ascii_case("charset") {
            value.eq_ignore_ascii_case("utf-8")
        } else {
            // `escaping=…` and the like: our names are valid under any of them.
            continue;
        };
        if !satisfied {
            return None;
        }
        specificity += 1;
    }
    Some(specificity)
}

#[cfg(test)]
mod tests {
    use super::Format;

    #[test]
    fn quality_values_decide() {
        assert_eq!(
            Format::from_accept("text/plain;q=0.9, application/openmetrics-text;q=0.5"),
            Format::Text
        );
        assert_eq!(
            Format::from_accept("application/openmetrics-text; version=1.0.0"),
            Format::OpenMetrics
        );
        assert_eq!(
            Format::from_accept("application/openmetrics-text;q=0"),
            Format::Text
        );
        assert_eq!(Format::from_accept(""), Format::Text);
        assert_eq!(Format::from_accept("application/json"), Format::Text);
    }

    #[test]
    fn the_most_specific_range_decides_a_type() {
        // A wildcard counts for OpenMetrics too, and `q=0` refuses text.
        assert_eq!(
            Format::from_accept("text/plain;q=0, */*"),
            Format::OpenMetrics
        );
        assert_eq!(
            Format::from_accept("text/*;q=0, application/*;q=0.2"),
            Format::OpenMetrics
        );
        assert_eq!(
            Format::from_accept("application/openmetrics-text;q=0, */*"),
            Format::Text
        );
        // The exact type overrides its wildcard, either way round.
        assert_eq!(
            Format::from_accept("*/*;q=0.1, application/openmetrics-text;q=0.5, text/plain;q=0.4"),
            Format::OpenMetrics
        );
        assert_eq!(
            Format::from_accept(
                "application/*;q=0.9, application/openmetrics-text;q=0.1, text/plain;q=0.5"
            ),
            Format::Text
        );
        // A version we do not write does not match; a parameterised range
        // outranks the bare one.
        assert_eq!(
            Format::from_accept("text/plain;version=0.0.4;q=0.2, text/plain;q=0.9, application/openmetrics-text;q=0.5"),
            Format::OpenMetrics
        );
        assert_eq!(
            Format::from_accept("application/openmetrics-text;version=2.0.0, text/plain;q=0.1"),
            Format::Text
        );
    }

    #[test]
    fn ties_and_refusals_go_to_text() {
        assert_eq!(Format::from_accept("*/*"), Format::Text);
        assert_eq!(
            Format::from_accept("application/openmetrics-text;q=0.5, text/plain;q=0.5"),
            Format::Text
        );
        assert_eq!(
            Format::from_accept("text/plain;q=0, application/openmetrics-text;q=0"),
            Format::Text
        );
    }

    #[test]
    fn what_prometheus_3_sends() {
        let accept = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
        assert_eq!(Format::from_accept(accept), Format::OpenMetrics);
        let text_first =
            "text/plain;version=0.0.4;q=0.9,application/openmetrics-text;version=1.0.0;q=0.5";
        assert_eq!(Format::from_accept(text_first), Format::Text);
    }
}
