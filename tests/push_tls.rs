//! Pushing over `https` with basic auth to a real Pushgateway started with
//! a `--web.config.file` that requires both: a private CA and the
//! gateway's certificate made here with `openssl`, a bcrypt password hash.
//! A wrong password, an untrusted certificate or a broken PEM is an error,
//! never a panic or a silent drop.

mod support;

use std::path::PathBuf;
use std::process::Command;

use metrics_runtime::push::{PushError, Pushgateway};
use prometheus::{IntCounter, Registry};

use support::scratch::Scratch;
use support::Server;

const USER: &str = "ci";
const PASSWORD: &str = "s3cret ünïcode";

/// A Pushgateway on 127.0.0.1 that speaks only TLS and wants `USER` and
/// `PASSWORD`; its CA's PEM, and the directory of its configuration (which
/// it reads again at each connection). `None` where a binary is missing
/// and `CI` is not `true`.
fn start_gateway() -> Option<(Server, Vec<u8>, Scratch)> {
    let gateway = support::require_binary(
        "prometheus-pushgateway",
        "apt-get install prometheus-pushgateway",
    )?;
    let openssl = support::require_binary("openssl", "apt-get install openssl")?;
    let scratch = Scratch::new("push-tls");
    let dir = scratch.path();
    support::tls::make_certificates(&openssl, dir);
    let config = support::tls::write_web_config(dir, USER, PASSWORD);
    let config_arg = format!("--web.config.file={}", config.display());
    let args = [
        "--web.listen-address=127.0.0.1:{port}",
        "--persistence.file=",
        config_arg.as_str(),
    ];
    let server = Server::start_until(support::free_port(), &gateway, &args, |server| {
        let addr = server.url.trim_start_matches("http://");
        std::net::TcpStream::connect(addr).is_ok()
    });
    let ca = std::fs::read(dir.join("ca.pem")).unwrap();
    Some((server, ca, scratch))
}

fn https_url(server: &Server) -> String {
    server.url.replace("http://", "https://")
}

/// What the gateway at `url` exposes, read over TLS with the same
/// credentials through `curl`.
fn gateway_metrics(url: &str, ca: &[u8]) -> String {
    let curl = support::require_binary("curl", "apt-get install curl").expect("curl");
    let ca_file: PathBuf =
        std::env::temp_dir().join(format!("metrics-push-tls-ca-{}.pem", std::process::id()));
    std::fs::write(&ca_file, ca).unwrap();
    let output = Command::new(curl)
        .args(["-fsS", "--cacert"])
        .arg(&ca_file)
        .args(["-u", &format!("{USER}:{PASSWORD}")])
        .arg(format!("{url}/metrics"))
        .output()
        .expect("curl runs");
    let _ = std::fs::remove_file(&ca_file);
    assert!(
        output.status.success(),
        "curl: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_over_https_with_basic_auth_lands_and_bad_credentials_are_errors() {
    let Some((server, ca, _config)) = tokio::task::spawn_blocking(start_gateway).await.unwrap()
    else {
        return;
    };
    let registry = Registry::new();
    let uploads = IntCounter::new("tls_uploads_total", "Uploads.").unwrap();
    registry.register(Box::new(uploads.clone())).unwrap();
    uploads.inc_by(7);
    let gateway = || {
        Pushgateway::new(https_url(&server))
            .job("tls_job")
            .root_certificates_pem(&ca)
    };

    gateway()
        .basic_auth(USER, PASSWORD)
        .push(&registry)
        .await
        .unwrap_or_else(|err| panic!("{err}; gateway log:\n{}", server.log()));
    let exposed = tokio::task::spawn_blocking({
        let (url, ca) = (https_url(&server), ca.clone());
        move || gateway_metrics(&url, &ca)
    })
    .await
    .unwrap();
    assert!(
        exposed.contains(r#"tls_uploads_total{instance="",job="tls_job"} 7"#),
        "{exposed}"
    );

    let wrong = gateway().basic_auth(USER, "wrong").push(&registry).await;
    assert!(
        matches!(wrong, Err(PushError::Status { status: 401, .. })),
        "{wrong:?}"
    );
    let anonymous = gateway().push(&registry).await;
    assert!(
        matches!(anonymous, Err(PushError::Status { status: 401, .. })),
        "{anonymous:?}"
    );
    // The system's roots do not know the test CA.
    let untrusted = Pushgateway::new(https_url(&server))
        .job("tls_job")
        .basic_auth(USER, PASSWORD)
        .push(&registry)
        .await;
    assert!(
        matches!(untrusted, Err(PushError::Transport(_))),
        "{untrusted:?}"
    );
    let broken = gateway()
        .root_certificates_pem(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
        .basic_auth(USER, PASSWORD)
        .push(&registry)
        .await;
    assert!(
        matches!(broken, Err(PushError::InvalidCertificate(_))),
        "{broken:?}"
    );
    // Plain HTTP to a TLS port is refused by the gateway, as an error.
    let plain = Pushgateway::new(server.url.clone())
        .job("tls_job")
        .basic_auth(USER, PASSWORD)
        .push(&registry)
        .await;
    assert!(plain.is_err(), "{plain:?}");
}
