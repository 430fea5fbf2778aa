//! Prometheus remote write 1.0 from inside a tokio runtime: a registry's
//! samples sent as snappy-compressed protobuf to Prometheus, VictoriaMetrics,
//! Mimir, Thanos or any other receiver, once or on an interval.
//!
//! ```no_run
//! # async fn run() -> Result<(), metrics_runtime::remote_write::RemoteWriteError> {
//! use metrics_runtime::remote_write::RemoteWrite;
//!
//! RemoteWrite::new("http://127.0.0.1:9090/api/v1/write")
//!     .basic_auth("ingest", "s3cret")
//!     .header("X-Scope-OrgID", "team-a")
//!     .write(metrics_runtime::registry())
//!     .await?;
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{CONTENT_ENCODING, CONTENT_TYPE, USER_AGENT};
use hyper::{Method, Request};
use prometheus::Registry;

use crate::client::{self, Client, Credentials};

mod batch;
mod error;
mod issues;
mod outage;
mod proto;
mod queue;
mod reader;
mod series;
mod stale;
mod task;

pub use error::RemoteWriteError;
pub use task::RemoteWriteTask;

use batch::Batch;
use reader::Reader;

/// How long one request may take, unless [`RemoteWrite::timeout`] says otherwise.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest timeout [`RemoteWrite::timeout`] sets: a longer one would
/// only hide a receiver that never answers.
const MAX_TIMEOUT: Duration = Duration::from_secs(3600);
/// Series per request, unless [`RemoteWrite::max_series_per_request`] says
/// otherwise: Prometheus' own sender sends 2,000 samples per request.
const DEFAULT_MAX_SERIES: usize = 2_000;
/// Samples an interval writer keeps for a receiver that is down, unless
/// [`RemoteWrite::max_pending_samples`] says otherwise.
const DEFAULT_MAX_PENDING_SAMPLES: usize = 500_000;
/// The remote-write protocol version this client speaks.
const PROTOCOL_VERSION: &str = "0.1.0";
/// Headers the protocol sets, which [`RemoteWrite::header`] may not replace.
const RESERVED: [&str; 6] = [
    "content-encoding",
    "content-length",
    "content-type",
    "host",
    "transfer-encoding",
    "x-prometheus-remote-write-version",
];

/// Where and how to send samples: a receiver's URL, its credentials and
/// extra headers.
///
/// Requests go over HTTP, or HTTPS with the `tls` feature, with a timeout
/// of 10 seconds, and must be awaited on a tokio runtime with IO and timers enabled (as
/// `#[tokio::main]` builds); they never block the runtime's threads: the
/// registry is read and encoded on tokio's blocking pool
/// (`spawn_blocking`), and of an error answer only the first 4 KiB are read.
///
/// Each sample carries the time the registry was read, in milliseconds
/// (a metric's own timestamp is not sent); series are named as in the text format (`_bucket{le="…"}`, `_sum`,
/// `_count`, `{quantile="…"}`), their labels sorted by name.
#[derive(Clone)]
pub struct RemoteWrite {
    url: String,
    /// `url` as errors, logs and `Debug` show it: without secrets.
    shown_url: String,
    credentials: Credentials,
    timeout: Duration,
    max_pending_samples: usize,
    max_series: usize,
    client: Client,
}

impl RemoteWrite {
    /// A writer to the remote-write endpoint at `url`, such as
    /// `http://127.0.0.1:9090/api/v1/write` (Prometheus) or
    /// `http://127.0.0.1:8428/api/v1/write` (VictoriaMetrics).
    ///
    /// The URL is checked when writing: `http://`, or `https://` with the
    /// `tls` feature (trusting the system's root certificates unless
    /// [`root_certificates_pem`](RemoteWrite::root_certificates_pem) says
    /// otherwise).
    pub fn new(url: impl Into<String>) -> RemoteWrite {
        let url = url.into();
        RemoteWrite {
            shown_url: client::redact_url(&url),
            url,
            credentials: Credentials::default(),
            timeout: DEFAULT_TIMEOUT,
            max_pending_samples: DEFAULT_MAX_PENDING_SAMPLES,
            max_series: DEFAULT_MAX_SERIES,
            client: Client::new(),
        }
    }

    /// Sends `Authorization: Basic …` with `user` and `password`; replaces
    /// a [`bearer_token`](Self::bearer_token).
    pub fn basic_auth(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.credentials.basic_auth(user.into(), password.into());
        self
    }

    /// Sends `Authorization: Bearer <token>`; replaces a
    /// [`basic_auth`](Self::basic_auth).
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.credentials.bearer_token(token.into());
        self
    }

    /// Sets a header of every request (a tenant's `X-Scope-OrgID`, say):
    /// the same name given twice, or one this client sets too
    /// (`User-Agent`), is sent once, with the last value. An
    /// `Authorization` header is marked sensitive.
    ///
    /// Checked when writing: the name and value must be valid in HTTP, and
    /// neither a header the protocol sets (`Content-Type`, …) nor
    /// `Authorization` next to [`basic_auth`](Self::basic_auth) or
    /// [`bearer_token`](Self::bearer_token).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.credentials.header(name.into(), value.into());
        self
    }

    /// Trusts only the CA certificates of `pem` for `https://` (a private
    /// CA's, or a self-signed receiver's), instead of the system's roots.
    /// A PEM without a usable certificate makes every write fail with
    /// [`RemoteWriteError::InvalidCertificate`].
    #[cfg(feature = "tls")]
    pub fn root_certificates_pem(mut self, pem: &[u8]) -> Self {
        self.client = Client::with_root_certificates(pem);
        self
    }

    /// Sets how long one request may take in all (10 seconds by default,
    /// 1 hour at most: a longer timeout is lowered to it).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout.min(MAX_TIMEOUT);
        self
    }

    /// Sets how many series one request carries at most (2,000 by
    /// default, 1 at least): a larger reading is sent as several requests,
    /// in order, so that none goes over a receiver's size limit.
    pub fn max_series_per_request(mut self, series: usize) -> Self {
        self.max_series = series.max(1);
        self
    }

    /// Sets how many samples an [interval writer](Self::spawn_interval)
    /// keeps while the receiver cannot take them (500,000 by default);
    /// past it the oldest readings are dropped and counted
    /// ([`RemoteWriteTask::dropped_samples`]).
    pub fn max_pending_samples(mut self, samples: usize) -> Self {
        self.max_pending_samples = samples;
        self
    }

    /// Reads `registry` and sends its samples, once.
    ///
    /// A collector of `registry` that panics is an error
    /// ([`RemoteWriteError::CollectorPanicked`]), and nothing is sent. A
    /// reading of more than [`max_series_per_request`](Self::max_series_per_request)
    /// series is sent as several requests, in order, up to the first error.
    pub async fn write(&self, registry: &Registry) -> Result<(), RemoteWriteError> {
        self.request(Bytes::new())?;
        if !client::in_runtime() {
            return Err(RemoteWriteError::NoRuntime);
        }
        let reader = Reader::once(registry.clone(), self.max_series, self.shown_url.clone());
        for batch in Reader::read(&std::sync::Arc::new(std::sync::Mutex::new(reader))).await? {
            self.send(&batch).await?;
        }
        Ok(())
    }

    /// Sends one batch.
    async fn send(&self, batch: &Batch) -> Result<(), RemoteWriteError> {
        let request = self.request(batch.body.clone())?;
        Ok(self.client.send(request, self.timeout).await?)
    }

    /// The request carrying `body`, or what is wrong with the configuration.
    fn request(&self, body: Bytes) -> Result<Request<Full<Bytes>>, RemoteWriteError> {
        let uri = client::parse_http_url(&self.url).map_err(|reason| self.invalid_url(reason))?;
        if let Some(reason) = self.client.unusable() {
            return Err(RemoteWriteError::InvalidCertificate(reason.to_owned()));
        }
        let request = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(CONTENT_ENCODING, "snappy")
            .header(CONTENT_TYPE, "application/x-protobuf")
            .header("x-prometheus-remote-write-version", PROTOCOL_VERSION)
            .header(USER_AGENT, client::USER_AGENT);
        self.credentials
            .apply(request, &RESERVED)?
            .body(Full::new(body))
            .map_err(|_| self.invalid_url("not a valid URL"))
    }

    fn invalid_url(&self, reason: &'static str) -> RemoteWriteError {
        RemoteWriteError::InvalidUrl {
            url: self.shown_url.clone(),
            reason,
        }
    }
}

impl fmt::Debug for RemoteWrite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteWrite")
            .field("url", &self.shown_url)
            .field("credentials", &self.credentials)
            .field("timeout", &self.timeout)
            .field("max_pending_samples", &self.max_pending_samples)
            .field("max_series_per_request", &self.max_series)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(writer: &RemoteWrite, name: &str) -> String {
        let request = writer.request(Bytes::new()).unwrap();
        request.headers()[name].to_str().unwrap().to_owned()
    }

    fn error(writer: RemoteWrite) -> String {
        writer.request(Bytes::new()).unwrap_err().to_string()
    }

    #[test]
    fn the_protocol_headers_and_credentials_are_set() {
        let url = "http://127.0.0.1:9090/api/v1/write";
        let writer = RemoteWrite::new(url).basic_auth("Aladdin", "open sesame");
        assert_eq!(
            header(&writer, "authorization"),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert_eq!(header(&writer, "content-encoding"), "snappy");
        assert_eq!(header(&writer, "content-type"), "application/x-protobuf");
        assert_eq!(
            header(&writer, "x-prometheus-remote-write-version"),
            "0.1.0"
        );
        let writer = writer.bearer_token("t0k3n").header("X-Scope-OrgID", "a b");
        assert_eq!(header(&writer, "authorization"), "Bearer t0k3n");
        assert_eq!(header(&writer, "x-scope-orgid"), "a b");
    }

    #[test]
    fn bad_urls_and_headers_are_errors_not_panics() {
        let url = "http://127.0.0.1:9090/api/v1/write";
        #[cfg(not(feature = "tls"))]
        assert!(error(RemoteWrite::new("https://h/api/v1/write")).contains("`tls`"));
        assert!(error(RemoteWrite::new("h:1")).contains("http://"));
        assert!(error(RemoteWrite::new(url).header("bad name", "v")).contains("`bad name`"));
        assert!(error(RemoteWrite::new(url).header("x-a", "line\nbreak")).contains("header value"));
        assert!(
            error(RemoteWrite::new(url).header("Content-Type", "text/plain")).contains("protocol")
        );
        let twice = RemoteWrite::new(url)
            .bearer_token("t")
            .header("Authorization", "x");
        assert!(error(twice).contains("already"));
        assert!(error(RemoteWrite::new(url).bearer_token("a\r\nb")).contains("credentials"));
    }

    #[test]
    fn a_header_given_twice_or_set_by_the_client_is_sent_once() {
        let writer = RemoteWrite::new("http://127.0.0.1:9090/api/v1/write")
            .header("User-Agent", "mine/1")
            .header("X-Scope-OrgID", "a")
            .header("x-scope-orgid", "b");
        let request = writer.request(Bytes::new()).unwrap();
        let all = |name| request.headers().get_all(name).iter().count();
        assert_eq!((all("user-agent"), all("x-scope-orgid")), (1, 1));
        assert_eq!(header(&writer, "user-agent"), "mine/1");
        assert_eq!(header(&writer, "x-scope-orgid"), "b");
    }

    #[test]
    fn errors_and_debug_output_show_the_url_without_secrets() {
        let url = "ftp://user:hunter2@h:1/api/v1/write?api_key=k3y";
        let writer = RemoteWrite::new(url);
        let shown = [error(writer.clone()), format!("{writer:?}")];
        for text in shown {
            assert!(!text.contains("hunter2") && !text.contains("k3y"), "{text}");
            assert!(
                text.contains("ftp://h:1/api/v1/write?api_key=<redacted>"),
                "{text}"
            );
        }
    }

    #[test]
    fn a_timeout_too_long_for_a_timer_is_lowered_to_an_hour() {
        let writer = RemoteWrite::new("http://h:1").timeout(Duration::MAX);
        assert_eq!(writer.timeout, MAX_TIMEOUT);
    }

    #[test]
    fn debug_output_keeps_secrets_out() {
        let writer = RemoteWrite::new("http://h:1")
            .basic_auth("user", "hunter2")
            .header("X-Api-Key", "k3y");
        let debug = format!("{writer:?}");
        assert!(
            !debug.contains("hunter2") && !debug.contains("k3y"),
            "{debug}"
        );
        assert!(debug.contains("X-Api-Key"), "{debug}");
    }
}
