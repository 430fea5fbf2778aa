//! Pushing to a Prometheus Pushgateway from inside a tokio runtime: once, for
//! a batch job, or on an interval with a final push on shutdown.
//!
//! ```no_run
//! # async fn run() -> Result<(), metrics_runtime::push::PushError> {
//! use metrics_runtime::push::Pushgateway;
//!
//! Pushgateway::new("http://127.0.0.1:9091")
//!     .job("nightly_backup")
//!     .grouping("database", "orders")
//!     .push(metrics_runtime::registry())
//!     .await?;
//! # Ok(())
//! # }
//! ```

use std::fmt::{self, Write as _};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{CONTENT_TYPE, USER_AGENT};
use hyper::{Method, Request, Uri};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use prometheus::Registry;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::encoding::{encode_text, TEXT_CONTENT_TYPE};

/// How long one request may take, unless [`Pushgateway::timeout`] says otherwise.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The first wait after a failed interval push; it doubles up to the interval.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// The shortest interval [`Pushgateway::spawn_interval`] accepts.
const MIN_INTERVAL: Duration = Duration::from_millis(10);
/// An error body is cut here: it ends up in logs.
const MAX_ERROR_BODY: usize = 4096;

/// Where and as what to push: a Pushgateway's base URL, the job and the
/// grouping labels that, together, name the group the metrics replace.
///
/// Requests go over plain HTTP (no TLS) with a timeout of 10 seconds, and
/// must be awaited on a tokio runtime with IO and timers enabled (as
/// `#[tokio::main]` builds); they never block the runtime's threads.
#[derive(Clone)]
pub struct Pushgateway {
    url: String,
    job: Option<String>,
    grouping: Vec<(String, String)>,
    timeout: Duration,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Pushgateway {
    /// A pusher to the Pushgateway at `url`, such as `http://127.0.0.1:9091`.
    ///
    /// The URL is checked when pushing: only `http://` is supported, and a
    /// path (`http://proxy/pushgateway`) is kept as a prefix.
    pub fn new(url: impl Into<String>) -> Pushgateway {
        // One request per push, often minutes apart: an idle pooled
        // connection would only go stale, or outlive the runtime it
        // belongs to.
        let client = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(0)
            .build(HttpConnector::new());
        Pushgateway {
            url: url.into(),
            job: None,
            grouping: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            client,
        }
    }

    /// Sets the `job` label of the group; required.
    pub fn job(mut self, name: impl Into<String>) -> Pushgateway {
        self.job = Some(name.into());
        self
    }

    /// Adds a grouping label, after those already added.
    ///
    /// The name must be a valid label name other than `job`; the value may
    /// be anything, including empty or containing `/`.
    pub fn grouping(mut self, name: impl Into<String>, value: impl Into<String>) -> Pushgateway {
        self.grouping.push((name.into(), value.into()));
        self
    }

    /// Sets how long one request may take in all (10 seconds by default).
    pub fn timeout(mut self, timeout: Duration) -> Pushgateway {
        self.timeout = timeout;
        self
    }

    /// Replaces every metric of the group with those of `registry` (HTTP `PUT`).
    pub async fn push(&self, registry: &Registry) -> Result<(), PushError> {
        self.send(Method::PUT, Some(encode_text(registry))).await
    }

    /// Replaces only the metrics of the group that `registry` has metrics of
    /// the same name for, and keeps the others (HTTP `POST`).
    pub async fn push_add(&self, registry: &Registry) -> Result<(), PushError> {
        self.send(Method::POST, Some(encode_text(registry))).await
    }

    /// Deletes every metric of the group (HTTP `DELETE`).
    pub async fn delete(&self) -> Result<(), PushError> {
        self.send(Method::DELETE, None).await
    }

    /// Pushes `registry` (as [`push`](Self::push) does) now and then every
    /// `every` in a task of its own, until [`PushTask::shutdown`].
    ///
    /// A failed push is logged (`log::warn!`, or `log::error!` when the
    /// Pushgateway rejects the request) and retried after 100 ms, then
    /// twice as long each time, up to `every`. An `every` under 10 ms is
    /// raised to 10 ms.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime: the task is started with `tokio::spawn`.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), metrics_runtime::push::PushError> {
    /// use std::time::Duration;
    /// use metrics_runtime::push::Pushgateway;
    ///
    /// let task = Pushgateway::new("http://127.0.0.1:9091")
    ///     .job("indexer")
    ///     .spawn_interval(metrics_runtime::registry().clone(), Duration::from_secs(15));
    /// // … the work …
    /// task.shutdown().await?; // stops, then pushes the final values
    /// # Ok(())
    /// # }
    /// ```
    pub fn spawn_interval(self, registry: Registry, every: Duration) -> PushTask {
        let (stop, stopped) = oneshot::channel();
        let handle = tokio::spawn(self.run(registry, every.max(MIN_INTERVAL), stopped));
        PushTask {
            stop: Some(stop),
            handle,
        }
    }

    async fn run(
        self,
        registry: Registry,
        every: Duration,
        mut stopped: oneshot::Receiver<()>,
    ) -> Result<(), PushError> {
        if let Err(err) = self.target() {
            // Retrying cannot fix the configuration: say so once, not every `every`.
            log::error!("cannot push to the Pushgateway at {}: {err}", self.url);
            let _ = stopped.await;
            return Err(err);
        }
        let mut backoff = FIRST_BACKOFF.min(every);
        let mut failures = 0u32;
        loop {
            let outcome = tokio::select! {
                _ = &mut stopped => break,
                outcome = self.push(&registry) => outcome,
            };
            let wait = match outcome {
                Ok(()) => {
                    if failures > 0 {
                        log::info!(
                            "pushed to the Pushgateway at {} again after {failures} failed attempts",
                            self.url
                        );
                    }
                    failures = 0;
                    backoff = FIRST_BACKOFF.min(every);
                    every
                }
                Err(err) => {
                    failures = failures.saturating_add(1);
                    let wait = backoff;
                    backoff = backoff.saturating_mul(2).min(every);
                    if err.is_rejection() {
                        log::error!(
                            "push to the Pushgateway at {} failed: {err}; retrying in {wait:?}",
                            self.url
                        );
                    } else {
                        log::warn!(
                            "push to the Pushgateway at {} failed: {err}; retrying in {wait:?}",
                            self.url
                        );
                    }
                    wait
                }
            };
            tokio::select! {
                _ = &mut stopped => break,
                () = tokio::time::sleep(wait) => {}
            }
        }
        self.push(&registry).await
    }

    async fn send(&self, method: Method, body: Option<String>) -> Result<(), PushError> {
        let uri = self.target()?;
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(PushError::NoRuntime);
        }
        let mut request = Request::builder().method(method).uri(uri).header(
            USER_AGENT,
            concat!("metrics-runtime/", env!("CARGO_PKG_VERSION")),
        );
        let body = match body {
            Some(text) => {
                request = request.header(CONTENT_TYPE, TEXT_CONTENT_TYPE);
                Full::new(Bytes::from(text))
            }
            None => Full::default(),
        };
        let request = request
            .body(body)
            .map_err(|_| self.invalid_url("not a valid URL"))?;
        match tokio::time::timeout(self.timeout, self.exchange(request)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(PushError::Timeout(self.timeout)),
        }
    }

    async fn exchange(&self, request: Request<Full<Bytes>>) -> Result<(), PushError> {
        let response = self
            .client
            .request(request)
            .await
            .map_err(|err| PushError::Transport(Box::new(err)))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        // The body says why (an inconsistent metric, say); a body that
        // cannot be read still leaves the status to report.
        let body = match response.into_body().collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(_) => Bytes::new(),
        };
        Err(PushError::Status {
            status: status.as_u16(),
            body: error_body(&body),
        })
    }

    /// The URL of the group: `<base>/metrics/job/<job>{/<label>/<value>}`.
    fn target(&self) -> Result<Uri, PushError> {
        let mut target = self.base()?;
        let job = self.job.as_deref().unwrap_or_default();
        if job.is_empty() {
            return Err(PushError::InvalidArgument(
                "a job name is required: call `.job(name)` with a non-empty name".to_owned(),
            ));
        }
        target.push_str("/metrics");
        push_label(&mut target, "job", job);
        for (i, (name, value)) in self.grouping.iter().enumerate() {
            if !is_label_name(name) {
                return Err(PushError::InvalidArgument(format!(
                    "invalid grouping label name `{name}`"
                )));
            }
            if name == "job" {
                return Err(PushError::InvalidArgument(
                    "`job` is not a grouping label: set it with `.job(name)`".to_owned(),
                ));
            }
            if self.grouping[..i]
                .iter()
                .any(|(earlier, _)| earlier == name)
            {
                return Err(PushError::InvalidArgument(format!(
                    "grouping label `{name}` given twice"
                )));
            }
            push_label(&mut target, name, value);
        }
        target
            .parse()
            .map_err(|_| self.invalid_url("not a valid URL"))
    }

    /// `http://authority[/prefix]`, without a trailing `/`.
    fn base(&self) -> Result<String, PushError> {
        let uri: Uri = self
            .url
            .parse()
            .map_err(|_| self.invalid_url("not a valid URL"))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => {
                return Err(self.invalid_url(
                    "https is not supported; use http:// (to a TLS-terminating proxy if needed)",
                ))
            }
            Some(_) => return Err(self.invalid_url("the scheme must be http://")),
            None => return Err(self.invalid_url("expected http://host:port")),
        }
        let authority = match uri.authority() {
            Some(authority) if !authority.as_str().contains('@') => authority,
            Some(_) => return Err(self.invalid_url("credentials in the URL are not supported")),
            None => return Err(self.invalid_url("expected http://host:port")),
        };
        if uri.query().is_some() {
            return Err(self.invalid_url("a query string is not supported"));
        }
        Ok(format!(
            "http://{authority}{}",
            uri.path().trim_end_matches('/')
        ))
    }

    fn invalid_url(&self, reason: &'static str) -> PushError {
        PushError::InvalidUrl {
            url: self.url.clone(),
            reason,
        }
    }
}

impl fmt::Debug for Pushgateway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pushgateway")
            .field("url", &self.url)
            .field("job", &self.job)
            .field("grouping", &self.grouping)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Appends `/<name>/<value>`, escaped as the Pushgateway documents: base64url
/// under `<name>@base64` for a value that would not survive as a path
/// segment (empty, with a `/`, or a dot segment), percent-encoded otherwise.
fn push_label(target: &mut String, name: &str, value: &str) {
    if value.is_empty() {
        // The empty string's base64 is empty too: the Pushgateway reads `=` as it.
        let _ = write!(target, "/{name}@base64/=");
    } else if value.contains('/') || value == "." || value == ".." {
        let _ = write!(target, "/{name}@base64/{}", base64url(value.as_bytes()));
    } else {
        let _ = write!(target, "/{name}/");
        for byte in value.bytes() {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
                target.push(char::from(byte));
            } else {
                let _ = write!(target, "%{byte:02X}");
            }
        }
    }
}

/// RFC 4648 base64url, without padding.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let triple = chunk.iter().enumerate().fold(0u32, |acc, (i, &byte)| {
            acc | u32::from(byte) << (16 - 8 * i)
        });
        // n bytes carry 8n bits: n + 1 characters of 6 bits.
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(triple >> (18 - 6 * i)) as usize & 63]));
        }
    }
    out
}

fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The response body as text, cut to [`MAX_ERROR_BODY`] bytes.
fn error_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.len() <= MAX_ERROR_BODY {
        return text.to_owned();
    }
    let mut end = MAX_ERROR_BODY;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// An interval pusher started by [`Pushgateway::spawn_interval`].
///
/// [`shutdown`](Self::shutdown) stops it with a final push. Dropping it
/// stops it too (the task is aborted), but without a final push.
#[derive(Debug)]
#[must_use = "dropping a `PushTask` stops it at once; keep it and call `shutdown`"]
pub struct PushTask {
    stop: Option<oneshot::Sender<()>>,
    handle: JoinHandle<Result<(), PushError>>,
}

impl PushTask {
    /// Stops the interval (cancelling a push under way), then pushes the
    /// registry one last time and returns how that went.
    pub async fn shutdown(mut self) -> Result<(), PushError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match (&mut self.handle).await {
            Ok(outcome) => outcome,
            Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
            Err(_) => Err(PushError::Cancelled),
        }
    }
}

impl Drop for PushTask {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

/// Why a push or delete failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum PushError {
    /// The Pushgateway URL is not one this client can use.
    InvalidUrl {
        /// The URL given to [`Pushgateway::new`].
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The job or a grouping label is missing or invalid.
    InvalidArgument(String),
    /// Not awaited on a tokio runtime.
    NoRuntime,
    /// The Pushgateway could not be reached, or the connection failed; the
    /// message includes the underlying causes.
    Transport(Box<dyn std::error::Error + Send + Sync>),
    /// No answer within the timeout.
    Timeout(Duration),
    /// The Pushgateway answered with a status other than 2xx.
    Status {
        /// The HTTP status code.
        status: u16,
        /// The response body: the Pushgateway's explanation.
        body: String,
    },
    /// The interval task was cancelled (its runtime shut down) before its final push.
    Cancelled,
}

impl PushError {
    /// Whether retrying the same request cannot help.
    fn is_rejection(&self) -> bool {
        match self {
            PushError::InvalidUrl { .. } | PushError::InvalidArgument(_) => true,
            PushError::Status { status, .. } => (400..500).contains(status),
            _ => false,
        }
    }
}

impl fmt::Display for PushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PushError::InvalidUrl { url, reason } => {
                write!(f, "invalid Pushgateway URL `{url}`: {reason}")
            }
            PushError::InvalidArgument(message) => f.write_str(message),
            PushError::NoRuntime => f.write_str("pushing needs a tokio runtime"),
            PushError::Transport(err) => {
                write!(f, "cannot reach the Pushgateway: {err}")?;
                let mut cause = err.source();
                while let Some(err) = cause {
                    write!(f, ": {err}")?;
                    cause = err.source();
                }
                Ok(())
            }
            PushError::Timeout(timeout) => {
                write!(f, "the Pushgateway did not answer within {timeout:?}")
            }
            PushError::Status { status, body } if body.is_empty() => {
                write!(f, "the Pushgateway answered {status}")
            }
            PushError::Status { status, body } => {
                write!(f, "the Pushgateway answered {status}: {body}")
            }
            PushError::Cancelled => f.write_str("the push task was cancelled"),
        }
    }
}

impl std::error::Error for PushError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(gateway: Pushgateway) -> String {
        gateway
            .target()
            .map(|uri| uri.to_string())
            .unwrap_or_else(|err| err.to_string())
    }

    #[test]
    fn base64url_matches_rfc_4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
        ];
        for (input, encoded) in cases {
            assert_eq!(base64url(input.as_bytes()), encoded);
        }
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn label_values_are_escaped_as_the_pushgateway_documents() {
        let gateway = Pushgateway::new("http://127.0.0.1:9091/")
            .job("a/b")
            .grouping("path", "/var/tmp")
            .grouping("empty", "")
            .grouping("city", "zürich west")
            .grouping("dots", "..");
        assert_eq!(
            target(gateway),
            "http://127.0.0.1:9091/metrics/job@base64/YS9i/path@base64/L3Zhci90bXA\
             /empty@base64/=/city/z%C3%BCrich%20west/dots@base64/Li4"
        );
    }

    #[test]
    fn a_url_prefix_is_kept() {
        let gateway = Pushgateway::new("http://localhost:8080/pushgateway/").job("j");
        assert_eq!(
            target(gateway),
            "http://localhost:8080/pushgateway/metrics/job/j"
        );
    }

    #[test]
    fn bad_arguments_are_reported() {
        let url = "http://127.0.0.1:9091";
        assert!(target(Pushgateway::new(url)).contains("job name is required"));
        assert!(target(Pushgateway::new(url).job("")).contains("job name is required"));
        assert!(target(Pushgateway::new(url).job("j").grouping("1x", "v")).contains("`1x`"));
        assert!(target(Pushgateway::new(url).job("j").grouping("job", "v")).contains("`job`"));
        let twice = Pushgateway::new(url)
            .job("j")
            .grouping("a", "1")
            .grouping("a", "2");
        assert!(target(twice).contains("twice"));
        assert!(target(Pushgateway::new("https://h:1").job("j")).contains("https"));
        assert!(target(Pushgateway::new("127.0.0.1:9091").job("j")).contains("http://"));
        assert!(target(Pushgateway::new("http://u:p@h:1").job("j")).contains("credentials"));
    }

    #[test]
    fn long_error_bodies_are_cut_on_a_char_boundary() {
        let body = "é".repeat(MAX_ERROR_BODY);
        let cut = error_body(body.as_bytes());
        assert!(cut.len() <= MAX_ERROR_BODY + '…'.len_utf8());
        assert!(cut.ends_with('…'));
    }
}
