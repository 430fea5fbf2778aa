//! The HTTP client the exporters share (`push`, `remote_write`): one
//! request with a timeout, the start of an error answer, the backoff
//! between retries, and the interval task.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Uri};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

mod backoff;
pub(crate) mod base64;
mod credentials;
mod error_body;
mod redact;
mod task;
#[cfg(feature = "tls")]
mod tls;

pub(crate) use backoff::Backoff;
pub(crate) use credentials::{BadHeader, Credentials};
pub(crate) use error_body::read_error_start;
pub(crate) use redact::redact_url;
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

/// What connects: plain TCP, and TLS too with the `tls` feature.
#[cfg(not(feature = "tls"))]
type Connector = HttpConnector;
#[cfg(feature = "tls")]
type Connector = hyper_rustls::HttpsConnector<HttpConnector>;

type Inner = hyper_util::client::legacy::Client<Connector, Full<Bytes>>;

/// An HTTP (and, with the `tls` feature, HTTPS) client that keeps no
/// idle connection; or why its TLS configuration is unusable.
#[derive(Clone, Debug)]
pub(crate) struct Client {
    inner: Result<Inner, Arc<str>>,
}

impl Client {
    /// A client trusting the system's root certificates for `https://`.
    pub(crate) fn new() -> Client {
        #[cfg(not(feature = "tls"))]
        let connector = Ok(HttpConnector::new());
        #[cfg(feature = "tls")]
        let connector = tls::system_roots().map(https_connector);
        Client::with(connector)
    }

    /// A client trusting only the certificates of `pem` for `https://`.
    #[cfg(feature = "tls")]
    pub(crate) fn with_root_certificates(pem: &[u8]) -> Client {
        Client::with(tls::pem_roots(pem).map(https_connector))
    }

    fn with(connector: Result<Connector, String>) -> Client {
        // One request per interval, often minutes apart: an idle pooled
        // connection would only go stale, or outlive the runtime it
        // belongs to.
        let inner = connector.map_err(Arc::from).map(|connector| {
            hyper_util::client::legacy::Client::builder(TokioExecutor::new())
                .pool_max_idle_per_host(0)
                .build(connector)
        });
        Client { inner }
    }

    /// Why requests cannot be made (an unusable certificate), if so.
    pub(crate) fn unusable(&self) -> Option<&str> {
        self.inner.as_ref().err().map(|reason| &**reason)
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
        let inner = self
            .inner
            .as_ref()
            .map_err(|reason| Failure::Transport(reason.to_string().into()))?;
        let response = inner
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

/// The connector for `http://` and `https://` URLs, trusting `config`'s roots.
#[cfg(feature = "tls")]
fn https_connector(config: Arc<rustls::ClientConfig>) -> Connector {
    hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config((*config).clone())
        .https_or_http()
        .enable_http1()
        .build()
}

/// `url` parsed, when it is `http://host[:port][/path][?query]` (or
/// `https://…` with the `tls` feature) without credentials; otherwise why
/// not.
pub(crate) fn parse_http_url(url: &str) -> Result<Uri, &'static str> {
    let uri: Uri = url.parse().map_err(|_| "not a valid URL")?;
    match uri.scheme_str() {
        Some("http") => {}
        #[cfg(feature = "tls")]
        Some("https") => {}
        #[cfg(not(feature = "tls"))]
        Some("https") => return Err("https:// needs the `tls` feature of metrics-runtime"),
        Some(_) => return Err("the scheme must be http:// or https://"),
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
    fn only_http_urls_without_credentials_are_accepted() {
        assert!(parse_http_url("http://127.0.0.1:9090/api/v1/write").is_ok());
        #[cfg(not(feature = "tls"))]
        assert!(parse_http_url("https://h:1").unwrap_err().contains("`tls`"));
        #[cfg(feature = "tls")]
        assert!(parse_http_url("https://h:1").is_ok());
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
