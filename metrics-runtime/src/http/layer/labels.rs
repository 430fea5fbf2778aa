//! Label values of a request: its method, matched route and outcome.

use axum::extract::MatchedPath;
use axum::http::{Method, Request};

/// The `method` of methods outside the standard nine (OpenTelemetry's `_OTHER`).
pub(crate) const OTHER_METHOD: &str = "_OTHER";

/// The `route` of requests no route matched (404 fallbacks, scanners).
pub(crate) const UNMATCHED_ROUTE: &str = "";

/// The `status` of a request whose future was dropped before the response
/// head: the client went away, or a timeout above the layer gave up.
pub(crate) const CANCELLED: &str = "cancelled";

/// The `status` of a request whose service panicked.
pub(crate) const PANIC: &str = "panic";

/// The `status` of a request whose service returned an error, not a response.
pub(crate) const ERROR: &str = "error";

/// The method's name if it is one of the nine of RFC 9110 and RFC 5789,
/// else [`OTHER_METHOD`], so that made-up methods cannot add series.
pub(crate) fn method(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::CONNECT => "CONNECT",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::PATCH => "PATCH",
        _ => OTHER_METHOD,
    }
}

/// The route template axum matched (`/users/{id}`), if any.
pub(crate) fn route<B>(request: &Request<B>) -> Option<MatchedPath> {
    request.extensions().get::<MatchedPath>().cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_up_methods_share_one_value() {
        assert_eq!(method(&Method::PATCH), "PATCH");
        let odd = Method::from_bytes(b"PROPFIND").unwrap();
        assert_eq!(method(&odd), OTHER_METHOD);
        let lower = Method::from_bytes(b"get").unwrap();
        assert_eq!(method(&lower), OTHER_METHOD);
    }
}
