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
    /// Length-delimited protobuf `io.prometheus.client.MetricFamily`
    /// messages, as Prometheus asks for them to scrape native histograms.
    #[cfg(feature = "protobuf")]
    Protobuf,
}

/// A media type the server offers, as `Accept` ranges are matched against it.
struct Offer {
    format: Format,
    kind: &'static str,
    subtype: &'static str,
    /// Parameters a range may name, with the values this offer satisfies;
    /// a range naming another value does not match. Other parameters
    /// (`escaping=…`) are satisfied by any value: see [`ESCAPING_SCHEMES`].
    params: &'static [(&'static str, &'static [&'static str])],
    /// Chosen only by a range naming its type, not by `*/*` or `type/*`
    /// (a binary format, as Go's client decides).
    named_only: bool,
}

/// Offers in the server's order of preference, for ties.
const OFFERS: &[Offer] = &[
    Offer {
        format: Format::Text,
        kind: "text",
        subtype: "plain",
        params: &[("version", &["0.0.4"]), ("charset", &["utf-8"])],
        named_only: false,
    },
    Offer {
        format: Format::OpenMetrics,
        kind: "application",
        subtype: "openmetrics-text",
        // OpenMetrics 0.0.1 is accepted as 1.0.0 as the Go client does: the
        // texts differ in nothing we write.
        params: &[("version", &["1.0.0", "0.0.1"]), ("charset", &["utf-8"])],
        named_only: false,
    },
    #[cfg(feature = "protobuf")]
    Offer {
        format: Format::Protobuf,
        kind: "application",
        subtype: "vnd.google.protobuf",
        params: &[
            ("proto", &["io.prometheus.client.MetricFamily"]),
            ("encoding", &["delimited"]),
        ],
        named_only: true,
    },
];

/// The name-escaping schemes of Prometheus 3's `escaping` parameter. The
/// toolkit only writes names valid without escaping, so its output is the
/// same under each, and the `Content-Type` names the one asked for.
const ESCAPING_SCHEMES: &[&str] = &["allow-utf-8", "underscores", "dots", "values"];

impl Format {
    /// The format a scraper asks for in its `Accept` header: the one it
    /// weighs highest, text 0.0.4 when in doubt, then OpenMetrics, then
    /// protobuf (with the `protobuf` feature).
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
        let mut best = (Format::Text, 0.0);
        for offer in OFFERS {
            let weight = weight(&ranges, offer).map_or(0.0, |range| range.q);
            if weight > best.1 {
                best = (offer.format, weight);
            }
        }
        best.0
    }

    /// The `Content-Type` of this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Text => TEXT_CONTENT_TYPE,
            Format::OpenMetrics => OPENMETRICS_CONTENT_TYPE,
            #[cfg(feature = "protobuf")]
            Format::Protobuf => super::protobuf::PROTOBUF_CONTENT_TYPE,
        }
    }

    /// The `Content-Type` of this format in answer to `accept`: with the
    /// `escaping` scheme the range that chose this format asked for
    /// (Prometheus 3), which the output satisfies whatever it is.
    ///
    /// ```
    /// use metrics_runtime::encoding::Format;
    ///
    /// let accept = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,text/plain;version=0.0.4;q=0.3";
    /// let format = Format::from_accept(accept);
    /// assert_eq!(
    ///     format.content_type_for(accept),
    ///     "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=allow-utf-8",
    /// );
    /// assert_eq!(Format::Text.content_type_for("text/plain"), Format::Text.content_type());
    /// ```
    pub fn content_type_for(self, accept: &str) -> String {
        let ranges: Vec<Element<'_>> = elements(accept).collect();
        let offer = OFFERS.iter().find(|offer| offer.format == self);
        let escaping = offer
            .and_then(|offer| weight(&ranges, offer))
            .and_then(|range| {
                let (_, scheme) = range
                    .params
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case("escaping"))?;
                ESCAPING_SCHEMES
                    .iter()
                    .find(|known| known.eq_ignore_ascii_case(scheme))
            });
        match escaping {
            Some(scheme) => format!("{}; escaping={scheme}", self.content_type()),
            None => self.content_type().to_owned(),
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

/// The most specific range that matches `offer` (the highest weighted of
/// equally specific ones), if any does.
fn weight<'r, 'a>(ranges: &'r [Element<'a>], offer: &Offer) -> Option<&'r Element<'a>> {
    let mut best: Option<(usize, &Element<'_>)> = None;
    for range in ranges {
        let Some(specificity) = specificity(range, offer) else {
            continue;
        };
        best = match best {
            Some((known, kept))
                if known > specificity || (known == specificity && kept.q >= range.q) =>
            {
                Some((known, kept))
            }
            _ => Some((specificity, range)),
        };
    }
    best.map(|(_, range)| range)
}

/// How specifically `range` names `offer` (`*/*` 0, `type/*` 1,
/// `type/subtype` 2, plus one per parameter it names), or `None` when it
/// does not match it.
fn specificity(range: &Element<'_>, offer: &Offer) -> Option<usize> {
    let (kind, subtype) = range.value.split_once('/')?;
    let (kind, subtype) = (kind.trim(), subtype.trim());
    if kind == "*" && subtype == "*" {
        return (!offer.named_only).then_some(0);
    }
    if !kind.eq_ignore_ascii_case(offer.kind) {
        return None;
    }
    if subtype == "*" {
        return (!offer.named_only).then_some(1);
    }
    if !subtype.eq_ignore_ascii_case(offer.subtype) {
        return None;
    }
    let mut specificity = 2;
    for &(name, value) in &range.params {
        let Some((_, satisfying)) = offer
            .params
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
        else {
            // `escaping=…` and the like: our names are valid under any of them.
            continue;
        };
        if !satisfying.iter().any(|v| v.eq_ignore_ascii_case(value)) {
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

    #[cfg(feature = "protobuf")]
    #[test]
    fn protobuf_when_named_as_prometheus_asks_for_native_histograms() {
        let native = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
        assert_eq!(Format::from_accept(native), Format::Protobuf);
        assert_eq!(
            Format::from_accept("application/*, */*"),
            Format::Text,
            "wildcards never choose the binary format"
        );
        assert_eq!(
            Format::from_accept(
                "application/vnd.google.protobuf;proto=other.Message, text/plain;q=0.1"
            ),
            Format::Text
        );
        assert_eq!(
            Format::from_accept("application/vnd.google.protobuf;encoding=text, text/plain;q=0.1"),
            Format::Text
        );
        assert_eq!(
            Format::Protobuf.content_type_for(native),
            "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
        );
    }

    #[test]
    fn escaping_is_named_back_when_asked_for() {
        let accept = "text/plain;version=0.0.4;escaping=underscores;q=0.9, application/openmetrics-text;q=0.1";
        assert_eq!(Format::from_accept(accept), Format::Text);
        assert_eq!(
            Format::Text.content_type_for(accept),
            "text/plain; version=0.0.4; charset=utf-8; escaping=underscores"
        );
        assert_eq!(
            Format::Text.content_type_for("text/plain;escaping=rot13"),
            Format::Text.content_type(),
            "an unknown scheme is not claimed"
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
