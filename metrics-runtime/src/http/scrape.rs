//! `GET /metrics`: the format and coding the scraper asks for (RFC 9110),
//! and the body from the router's encoder.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header::{self, HeaderName};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::encoder::{Encoder, Variant};
use crate::encoding::accept::elements;
use crate::encoding::Format;

/// Answers a scrape of the encoder's registry.
pub(super) async fn metrics(State(encoder): State<Arc<Encoder>>, headers: HeaderMap) -> Response {
    let accept = joined(&headers, header::ACCEPT);
    let format = Format::from_accept(&accept);
    let gzip = accepts_gzip(&joined(&headers, header::ACCEPT_ENCODING));
    let Some(body) = encoder.encode(Variant { format, gzip }).await else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot encode the metrics: a collector panicked or compression failed (logged)\n",
        )
            .into_response();
    };
    let mut response = (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_str(&format.content_type_for(&accept))
                    .unwrap_or_else(|_| HeaderValue::from_static(format.content_type())),
            ),
            (
                header::VARY,
                HeaderValue::from_static("accept, accept-encoding"),
            ),
        ],
        body,
    )
        .into_response();
    if gzip {
        response
            .headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    response
}

/// Every `name` line of `headers` as the one list RFC 9110 makes of them
/// (a line that is not visible ASCII is skipped).
fn joined(headers: &HeaderMap, name: HeaderName) -> String {
    let lines: Vec<&str> = headers
        .get_all(name)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect();
    lines.join(",")
}

/// Whether to gzip for this `Accept-Encoding` (RFC 9110, 12.5.3): gzip's
/// weight, or `*`'s when gzip is not named, is above 0 and no lower than
/// what the client gives `identity`. No header means no gzip.
fn accepts_gzip(accept_encoding: &str) -> bool {
    let (mut gzip, mut identity, mut any) = (None::<f32>, None::<f32>, None::<f32>);
    for coding in elements(accept_encoding) {
        let weight = if coding.value.eq_ignore_ascii_case("gzip")
            || coding.value.eq_ignore_ascii_case("x-gzip")
        {
            &mut gzip
        } else if coding.value.eq_ignore_ascii_case("identity") {
            &mut identity
        } else if coding.value == "*" {
            &mut any
        } else {
            continue;
        };
        *weight = Some(weight.map_or(coding.q, |q| q.max(coding.q)));
    }
    let gzip = gzip.or(any).unwrap_or(0.0);
    let identity = identity.or(any).unwrap_or(0.0);
    gzip > 0.0 && gzip >= identity
}

#[cfg(test)]
mod tests {
    use super::accepts_gzip;

    #[test]
    fn gzip_is_accepted_unless_refused() {
        assert!(accepts_gzip("gzip, deflate"));
        assert!(accepts_gzip("br;q=1.0, gzip;q=0.8"));
        assert!(accepts_gzip("*"));
        assert!(accepts_gzip("identity, gzip"));
        assert!(accepts_gzip("GZIP;Q=0.5, identity;q=0.1"));
        assert!(!accepts_gzip("gzip;q=0"));
        assert!(!accepts_gzip("identity"));
        assert!(!accepts_gzip(""));
    }

    #[test]
    fn q_zero_refuses_even_next_to_a_wildcard() {
        assert!(!accepts_gzip("gzip;q=0, *"));
        assert!(!accepts_gzip("*;q=0"));
        assert!(!accepts_gzip("*;q=0, identity"));
        assert!(accepts_gzip("*, identity;q=0"));
        // Preferred identity wins; equal weights go to gzip.
        assert!(!accepts_gzip("gzip;q=0.5, identity"));
        assert!(!accepts_gzip("gzip;q=0.5, *"));
        assert!(accepts_gzip("gzip, *"));
    }
}
