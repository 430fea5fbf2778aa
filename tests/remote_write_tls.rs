//! Remote write over `https` with basic auth to a real Prometheus started
//! with a `--web.config.file` that requires both (a private CA and a
//! certificate made with `openssl`, a bcrypt password hash); what it
//! stored is read back over TLS with `curl`.

mod support;

use std::time::Duration;

use metrics_runtime::remote_write::{RemoteWrite, RemoteWriteError};
use prometheus::{IntCounter, Registry};

use support::scratch::Scratch;
use support::Server;

const USER: &str = "ingest";
const PASSWORD: &str = "s3cret ünïcode";

/// A Prometheus receiver on 127.0.0.1 that speaks only TLS and wants
/// `USER` and `PASSWORD`; the directory of its CA (`ca.pem`) and
/// configuration. `None` where a binary is missing and `CI` is not `true`.
fn start_receiver() -> Option<(Server, Scratch)> {
    let openssl = support::require_binary("openssl", "apt-get install openssl")?;
    support::require_binary("curl", "apt-get install curl")?;
    let scratch = Scratch::new("remote-write-tls");
    support::tls::make_certificates(&openssl, scratch.path());
    let web_config = support::tls::write_web_config(scratch.path(), USER, PASSWORD);
    let ca_file = scratch.join("ca.pem");
    let ready = |server: &Server| {
        let url = format!("{}/-/ready", https_url(server));
        support::tls::curl_get(&url, &ca_file, USER, PASSWORD).is_some()
    };
    let port = support::free_port();
    let server = support::prometheus::start_tls_receiver(port, &web_config, ready)?;
    Some((server, scratch))
}

fn https_url(server: &Server) -> String {
    server.url.replace("http://", "https://")
}

/// The value of `promql`'s one result, asked over TLS with the credentials.
fn query(server: &Server, ca_file: &std::path::Path, promql: &str) -> Option<f64> {
    let url = format!(
        "{}/api/v1/query?query={}",
        https_url(server),
        support::url_encode(promql)
    );
    let body = support::tls::curl_get(&url, ca_file, USER, PASSWORD)?;
    let json: serde_json::Value = serde_json::from_str(&body).ok()?;
    json["data"]["result"][0]["value"][1].as_str()?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_over_https_with_basic_auth_lands_and_bad_credentials_are_errors() {
    let Some((server, scratch)) = tokio::task::spawn_blocking(start_receiver).await.unwrap() else {
        return;
    };
    let ca = std::fs::read(scratch.join("ca.pem")).unwrap();
    let registry = Registry::new();
    let uploads = IntCounter::new("rw_tls_uploads_total", "Uploads.").unwrap();
    registry.register(Box::new(uploads.clone())).unwrap();
    uploads.inc_by(7);
    let url = format!("{}/api/v1/write", https_url(&server));
    let writer = || RemoteWrite::new(&url).root_certificates_pem(&ca);

    writer()
        .basic_auth(USER, PASSWORD)
        .write(&registry)
        .await
        .unwrap_or_else(|err| panic!("{err}; Prometheus' log:\n{}", server.log()));
    let found = tokio::task::block_in_place(|| {
        support::prometheus::poll(Duration::from_secs(10), || {
            query(&server, &scratch.join("ca.pem"), "rw_tls_uploads_total")
                .filter(|value| *value == 7.0)
        })
    });
    assert_eq!(found, Some(7.0), "{}", server.log());

    let wrong = writer().basic_auth(USER, "wrong").write(&registry).await;
    assert!(
        matches!(wrong, Err(RemoteWriteError::Status { status: 401, .. })),
        "{wrong:?}"
    );
    let anonymous = writer().write(&registry).await;
    assert!(
        matches!(anonymous, Err(RemoteWriteError::Status { status: 401, .. })),
        "{anonymous:?}"
    );
    // The system's roots do not know the test CA.
    let untrusted = RemoteWrite::new(&url)
        .basic_auth(USER, PASSWORD)
        .write(&registry)
        .await;
    assert!(
        matches!(untrusted, Err(RemoteWriteError::Transport(_))),
        "{untrusted:?}"
    );
}
