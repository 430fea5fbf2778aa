//! What the exporters add to every request: an `Authorization` header and
//! extra headers, checked when a request is built and kept out of
//! `Debug` output.

use std::fmt;

use hyper::header::{HeaderName, HeaderValue, AUTHORIZATION, PROXY_AUTHORIZATION};
use hyper::http::request::Builder;

use super::base64;

/// Credentials and extra headers of one exporter.
#[derive(Clone, Default)]
pub(crate) struct Credentials {
    authorization: Option<Authorization>,
    headers: Vec<(String, String)>,
}

/// The credentials of the `Authorization` header.
#[derive(Clone)]
enum Authorization {
    Basic { user: String, password: String },
    Bearer(String),
}

/// A header that cannot be sent, and why.
#[derive(Debug)]
pub(crate) struct BadHeader {
    pub(crate) name: String,
    pub(crate) reason: &'static str,
}

impl Credentials {
    /// `Authorization: Basic …`, replacing a bearer token.
    pub(crate) fn basic_auth(&mut self, user: String, password: String) {
        self.authorization = Some(Authorization::Basic { user, password });
    }

    /// `Authorization: Bearer …`, replacing basic auth.
    pub(crate) fn bearer_token(&mut self, token: String) {
        self.authorization = Some(Authorization::Bearer(token));
    }

    /// One more header for every request.
    pub(crate) fn header(&mut self, name: String, value: String) {
        self.headers.push((name, value));
    }

    /// Adds them to `request`; `reserved` are the (lower-case) headers the
    /// protocol sets, which may not be replaced.
    pub(crate) fn apply(
        &self,
        mut request: Builder,
        reserved: &[&str],
    ) -> Result<Builder, BadHeader> {
        let mut set = |name: HeaderName, value: HeaderValue| {
            // Inserted, not appended: a header set twice, or one the
            // exporter sets already (`User-Agent`), is sent once, the
            // last value winning.
            if let Some(headers) = request.headers_mut() {
                headers.insert(name, value);
            }
        };
        if let Some(authorization) = &self.authorization {
            set(AUTHORIZATION, authorization.header_value()?);
        }
        for (name, value) in &self.headers {
            let (name, value) = self.extra_header(name, value, reserved)?;
            set(name, value);
        }
        Ok(request)
    }

    fn extra_header(
        &self,
        name: &str,
        value: &str,
        reserved: &[&str],
    ) -> Result<(HeaderName, HeaderValue), BadHeader> {
        let invalid = |reason| BadHeader {
            name: name.to_owned(),
            reason,
        };
        let header = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| invalid("not a valid header name"))?;
        if reserved.contains(&header.as_str()) {
            return Err(invalid("set by the protocol"));
        }
        if header == AUTHORIZATION && self.authorization.is_some() {
            return Err(invalid("set by `basic_auth` or `bearer_token` already"));
        }
        let mut value = HeaderValue::from_str(value).map_err(|_| {
            invalid("not a valid header value (line breaks and control characters are not)")
        })?;
        value.set_sensitive(header == AUTHORIZATION || header == PROXY_AUTHORIZATION);
        Ok((header, value))
    }
}

impl Authorization {
    /// The value of the `Authorization` header, marked sensitive (kept out
    /// of HTTP/2 header compression tables and debug output).
    fn header_value(&self) -> Result<HeaderValue, BadHeader> {
        let text = match self {
            Authorization::Basic { user, password } => {
                let pair = format!("{user}:{password}");
                format!(
                    "Basic {}",
                    base64::encode(pair.as_bytes(), base64::STANDARD, true)
                )
            }
            Authorization::Bearer(token) => format!("Bearer {token}"),
        };
        let mut value = HeaderValue::from_str(&text).map_err(|_| BadHeader {
            name: AUTHORIZATION.to_string(),
            reason: "the credentials must not hold line breaks or control characters",
        })?;
        value.set_sensitive(true);
        Ok(value)
    }
}

/// The kind of credentials and the names of the headers, never their values.
impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let authorization = self.authorization.as_ref().map(|auth| match auth {
            Authorization::Basic { .. } => "basic (redacted)",
            Authorization::Bearer(_) => "bearer (redacted)",
        });
        let headers: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("Credentials")
            .field("authorization", &authorization)
            .field("headers", &headers)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applied(credentials: &Credentials) -> Result<hyper::Request<()>, BadHeader> {
        let request = credentials.apply(hyper::Request::builder(), &["content-type"])?;
        Ok(request.body(()).unwrap())
    }

    #[test]
    fn credentials_and_headers_are_set_and_checked() {
        let mut credentials = Credentials::default();
        credentials.basic_auth("Aladdin".into(), "open sesame".into());
        let request = applied(&credentials).unwrap();
        assert_eq!(
            request.headers()[AUTHORIZATION],
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        credentials.bearer_token("t0k3n".into());
        credentials.header("X-Scope-OrgID".into(), "a b".into());
        let request = applied(&credentials).unwrap();
        assert_eq!(request.headers()[AUTHORIZATION], "Bearer t0k3n");
        assert_eq!(request.headers()["x-scope-orgid"], "a b");

        let bad = |name: &str, value: &str| {
            let mut credentials = Credentials::default();
            credentials.header(name.into(), value.into());
            applied(&credentials).unwrap_err().reason
        };
        assert!(bad("bad name", "v").contains("name"));
        assert!(bad("x-a", "line\nbreak").contains("value"));
        assert!(bad("Content-Type", "text/plain").contains("protocol"));
        credentials.header("Authorization".into(), "x".into());
        assert!(applied(&credentials)
            .unwrap_err()
            .reason
            .contains("already"));
        let mut broken = Credentials::default();
        broken.bearer_token("a\r\nb".into());
        assert!(applied(&broken).unwrap_err().reason.contains("credentials"));
    }

    #[test]
    fn a_header_set_twice_is_sent_once_with_the_last_value() {
        let mut credentials = Credentials::default();
        credentials.header("X-Scope-OrgID".into(), "a".into());
        credentials.header("x-scope-orgid".into(), "b".into());
        credentials.header("User-Agent".into(), "mine".into());
        credentials.header("Authorization".into(), "Token t".into());
        let builder = hyper::Request::builder().header("user-agent", "default");
        let request = credentials.apply(builder, &[]).unwrap().body(()).unwrap();
        let all = |name| request.headers().get_all(name).iter().collect::<Vec<_>>();
        assert_eq!(all("x-scope-orgid"), ["b"]);
        assert_eq!(all("user-agent"), ["mine"]);
        assert!(request.headers()[AUTHORIZATION].is_sensitive());
    }

    #[test]
    fn debug_output_keeps_secrets_out() {
        let mut credentials = Credentials::default();
        credentials.basic_auth("user".into(), "hunter2".into());
        credentials.header("X-Api-Key".into(), "k3y".into());
        let debug = format!("{credentials:?}");
        assert!(
            !debug.contains("hunter2") && !debug.contains("k3y"),
            "{debug}"
        );
        assert!(
            debug.contains("X-Api-Key") && debug.contains("basic"),
            "{debug}"
        );
    }
}
