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

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{CONTENT_TYPE, USER_AGENT};
use hyper::{Method, Request, Uri};
use prometheus::Registry;

use crate::client::{self, Client, Credentials};
use crate::encoding::TEXT_CONTENT_TYPE;

mod body;
mod error;
mod path;
mod task;

pub use error::PushError;
pub use task::PushTask;

use path::{check_length, is_label_name, push_label};

/// How long one request may take, unless [`Pushgateway::timeout`] says otherwise.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where and as what to push: a Pushgateway's base URL, the job and the
/// grouping labels that, together, name the group the metrics replace.
///
/// Requests go over HTTP, or HTTPS with the `tls` feature, with a timeout
/// of 10 seconds, and must be awaited on a tokio runtime with IO and
/// timers enabled (as `#[tokio::main]` builds); they never block the
/// runtime's threads: the registry is encoded on tokio's blocking pool
/// (`spawn_blocking`), and of an error answer only the first 4 KiB are
/// read. A gateway behind basic auth or a bearer token (as with its
/// `--web.config.file`) takes [`basic_auth`](Pushgateway::basic_auth) or
/// [`bearer_token`](Pushgateway::bearer_token).
#[derive(Clone)]
pub struct Pushgateway {
    url: String,
    job: Option<String>,
    grouping: Vec<(String, String)>,
    timeout: Duration,
    credentials: Credentials,
    client: Client,
}

/// Headers a push sets itself.
const RESERVED: [&str; 4] = [
    "content-length",
    "content-type",
    "host",
    "transfer-encoding",
];

impl Pushgateway {
    /// A pusher to the Pushgateway at `url`, such as `http://127.0.0.1:9091`.
    ///
    /// The URL is checked when pushing: `http://`, or `https://` with the
    /// `tls` feature (trusting the system's root certificates unless
    /// [`root_certificates_pem`](Pushgateway::root_certificates_pem) says
    /// otherwise); a path (`http://proxy/pushgateway`) is kept as a prefix.
    pub fn new(url: impl Into<String>) -> Pushgateway {
        Pushgateway {
            url: url.into(),
            job: None,
            grouping: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            credentials: Credentials::default(),
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

    /// Adds a header to every request; checked when pushing (a valid name
    /// and value, not `Content-Type`, nor `Authorization` beside
    /// [`basic_auth`](Self::basic_auth) or [`bearer_token`](Self::bearer_token)).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.credentials.header(name.into(), value.into());
        self
    }

    /// Trusts only the CA certificates of `pem` for `https://` (a private
    /// CA's, or a self-signed gateway's), instead of the system's roots.
    /// A PEM without a usable certificate makes every push fail with
    /// [`PushError::InvalidCertificate`].
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let pem = std::fs::read("/etc/pushgateway/ca.pem")?;
    /// metrics_runtime::push::Pushgateway::new("https://127.0.0.1:9091")
    ///     .root_certificates_pem(&pem)
    ///     .basic_auth("ci", "s3cret")
    ///     .job("nightly_backup")
    ///     .push(metrics_runtime::registry())
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(feature = "tls")]
    pub fn root_certificates_pem(mut self, pem: &[u8]) -> Self {
        self.client = Client::with_root_certificates(pem);
        self
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
    ///
    /// A collector of `registry` that panics is an error
    /// ([`PushError::CollectorPanicked`]), and nothing is sent.
    pub async fn push(&self, registry: &Registry) -> Result<(), PushError> {
        self.send(Method::PUT, Some(registry)).await
    }

    /// Replaces only the metrics of the group that `registry` has metrics of
    /// the same name for, and keeps the others (HTTP `POST`).
    pub async fn push_add(&self, registry: &Registry) -> Result<(), PushError> {
        self.send(Method::POST, Some(registry)).await
    }

    /// Deletes every metric of the group (HTTP `DELETE`).
    pub async fn delete(&self) -> Result<(), PushError> {
        self.send(Method::DELETE, None).await
    }

    async fn send(&self, method: Method, registry: Option<&Registry>) -> Result<(), PushError> {
        let uri = self.target()?;
        if let Some(reason) = self.client.unusable() {
            return Err(PushError::InvalidCertificate(reason.to_owned()));
        }
        // Checked before the registry is read: a bad header sends nothing.
        self.credentials
            .apply(Request::builder(), &RESERVED)
            .map_err(PushError::from)?;
        if !client::in_runtime() {
            return Err(PushError::NoRuntime);
        }
        let body = match registry {
            Some(registry) => Some(body::encode(registry).await?),
            None => None,
        };
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header(USER_AGENT, client::USER_AGENT);
        let mut request = self.credentials.apply(request, &RESERVED)?;
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
        Ok(self.client.send(request, self.timeout).await?)
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
        check_length(&target, "the job name", job)?;
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
            check_length(
                &target,
                &format!("the value of grouping label `{name}`"),
                value,
            )?;
        }
        target
            .parse()
            .map_err(|_| self.invalid_url("not a valid URL"))
    }

    /// `http[s]://authority[/prefix]`, without a trailing `/`.
    fn base(&self) -> Result<String, PushError> {
        let uri = client::parse_http_url(&self.url).map_err(|reason| self.invalid_url(reason))?;
        let scheme = uri.scheme_str().unwrap_or("http");
        let authority = uri.authority().map(|a| a.as_str()).unwrap_or_default();
        if uri.query().is_some() {
            return Err(self.invalid_url("a query string is not supported"));
        }
        Ok(format!(
            "{scheme}://{authority}{}",
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
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

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
        #[cfg(not(feature = "tls"))]
        assert!(target(Pushgateway::new("https://h:1").job("j")).contains("`tls`"));
        #[cfg(feature = "tls")]
        assert_eq!(
            target(Pushgateway::new("https://h:1/p").job("j")),
            "https://h:1/p/metrics/job/j"
        );
        assert!(target(Pushgateway::new("127.0.0.1:9091").job("j")).contains("http://"));
        assert!(target(Pushgateway::new("http://u:p@h:1").job("j")).contains("credentials"));
    }
}
