//! Choosing an exposition format from an `Accept` header.

use prometheus::Registry;

use super::{encode_openmetrics, encode_text, OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE};

/// An exposition format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Prometheus text format 0.0.4.
    Text,
    /// OpenMetrics 1.0 text.
    OpenMetrics,
}

impl Format {
    /// The format a scraper asks for in its `Accept` header: OpenMetrics
    /// when it ranks it above text 0.0.4, text when in doubt.
    ///
    /// ```
    /// use metrics_runtime::encoding::Format;
    ///
    /// // What Prometheus sends.
    /// let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    /// assert_eq!(Format::from_accept(prometheus), Format::OpenMetrics);
    /// assert_eq!(Format::from_accept("text/plain"), Format::Text);
    /// assert_eq!(Format::from_accept("*/*"), Format::Text);
    /// ```
    pub fn from_accept(accept: &str) -> Format {
        let mut best_openmetrics: f32 = 0.0;
        let mut best_text: f32 = 0.0;
        for range in accept.split(',') {
            let mut parts = range.split(';').map(str::trim);
            let media_type = parts.next().unwrap_or_default().to_ascii_lowercase();
            let quality = parts
                .filter_map(|param| param.split_once('='))
                .find(|(key, _)| key.trim().eq_ignore_ascii_case("q"))
                .and_then(|(_, q)| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            match media_type.as_str() {
                "application/openmetrics-text" => best_openmetrics = best_openmetrics.max(quality),
                "text/plain" | "text/*" | "*/*" => best_text = best_text.max(quality),
                _ => {}
            }
        }
        if best_openmetrics > 0.0 && best_openmetrics > best_text {
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
    pub fn encode(self, registry: &Registry) -> String {
        match self {
            Format::Text => encode_text(registry),
            Format::OpenMetrics => encode_openmetrics(registry),
        }
    }
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
}
