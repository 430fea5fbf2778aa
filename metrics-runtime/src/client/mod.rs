//! The HTTP client the exporters share (`push`, `remote_write`): one
//! request with a timeout, the start of an error answer, the backoff
//! between retries, and the interval task.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Uri};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

mod backoff;
pub(crate) mod base64;
mod error_body;
mod task;

pub(crate) use backoff::Backoff;
pub(crate) use error_body::read_error_start;
pub(crate) use task::IntervalTask;

/// The `User-Agent` of every request.
pub(crate) const USER_AGENT: &str = concat!("metrics-runtime/", env!("CARGO_PKG_VERSION"));

/// Why a request failed, before each exporter names its peer in its own error.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The peer could not be reached, or the connection failed.
    Transport(Box<dyn std::error::Error + Send + Sync>),
    /// No answer within the timeout.
    Timeout(Duration),
    /// An answer other than 2xx, with the start of its body.
    Status { status: u16, body: String },
}

/// A plain-HTTP client that keeps no idle connection.
#[derive(Clone, Debug)]
pub(crate) struct Client {
    inner: hyper_util::client::legacy::Client<HttpConnector, Full<Bytes>>,
}

impl Client {
    pub(crate) fn new() -> Client {
        // One request per interval, often minutes apart: an idle pooled
        // connection would only go stale, or outlive the runtime it
        // belongs to.
        let inner = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(0)
            .build(HttpConnector::new());
        Client { inner }
    }

    /// Sends `request` and waits for a 2xx answer, all within `timeout`.
    pub(crate) async fn send(
        &self,
        request: Request<Full<Bytes>>,
        timeout: Duration,
    ) -> Result<(), Failure> {
        match tokio::time::timeout(timeout, self.exchange(request)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(Failure::Timeout(timeout)),
        }
    }

    async fn exchange(&self, request: Request<Full<Bytes>>) -> Result<(), Failure> {
        let response = self
            .inner
            .request(request)
            .await
            .map_err(|err| Failure::Transport(Box::new(err)))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        // The body says why: its start is enough, however long it is.
        Err(Failure::Status {
            status: status.as_u16(),
            body: read_error_start(response.into_body()).await,
        })
    }
}

/// `url` parsed, when it is `http://host[:port][/path][?query]` without
/// credentials; otherwise why not.
pub(crate) fn parse_http_url(url: &str) -> Result<Uri, &'static str> {
    let uri: Uri = url.parse().map_err(|_| "not a valid URL")?;
    match uri.scheme_str() {
        Some("http") => {}
        Some("https") => {
            return Err(
                "https is not supported yet; use http:// (to a TLS-terminating proxy if needed)",
            )
        }
        Some(_) => return Err("the scheme must be http://"),
        None => return Err("expected http://host:port"),
    }
    match uri.authority() {
        Some(authority) if authority.as_str().contains('@') => {
            Err("credentials in the URL are not supported")
        }
        Some(_) => Ok(uri),
        None => Err("expected http://host:port"),
    }
}

/// Whether a runtime is there to run the request on.
pub(crate) fn in_runtime() -> bool {
    tokio::runtime::Handle::try_current().is_ok()
}

/// Formats `err` and its chain of causes, each after `: `.
pub(crate) fn write_chain(
    f: &mut std::fmt::Formatter<'_>,
    err: &(dyn std::error::Error + 'static),
) -> std::fmt::Result {
    write!(f, "{err}")?;
    let mut cause = err.source();
    while let Some(err) = cause {
        write!(f, ": {err}")?;
        cause = err.source();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_urls_without_credentials_are_accepted() {
        assert!(parse_http_url("http://127.0.0.1:9090/api/v1/write").is_ok());
        assert!(parse_http_url("https://h:1").unwrap_err().contains("https"));
        assert!(parse_http_url("ftp://h:1").unwrap_err().contains("http://"));
        assert!(parse_http_url("127.0.0.1:1")
            .unwrap_err()
            .contains("http://"));
        assert!(parse_http_url("http://u:p@h:1")
            .unwrap_err()
            .contains("credentials"));
        assert!(parse_http_url("http://h :1").is_err());
    }
}
