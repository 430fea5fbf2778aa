//! A private CA and a server certificate for 127.0.0.1 made with
//! `openssl`, a `--web.config.file` asking for TLS and basic auth (as the
//! Prometheus tools read it), and `curl` to talk to such a server.

use std::path::Path;
use std::process::Command;

/// A CA, and a certificate for 127.0.0.1 it signed, in `dir`: `ca.pem`,
/// `server.pem`, `server.key`.
pub fn make_certificates(openssl: &Path, dir: &Path) {
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    let key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    for command in [
        format!("req -x509 {key} -keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca"),
        format!("req {key} -keyout server.key -out server.csr -subj /CN=127.0.0.1"),
        "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
         -out server.pem -days 2 -extfile server.ext"
            .to_owned(),
    ] {
        let output = Command::new(openssl)
            .args(command.split_whitespace())
            .current_dir(dir)
            .output()
            .expect("openssl runs");
        assert!(
            output.status.success(),
            "openssl {command}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// Writes `dir/web.yml`: TLS with `dir`'s certificate, and `user` with a
/// bcrypt hash of `password`. Returns its path.
pub fn write_web_config(dir: &Path, user: &str, password: &str) -> std::path::PathBuf {
    let hash = bcrypt::hash(password, 4).unwrap();
    let config = dir.join("web.yml");
    let path = |name: &str| dir.join(name).display().to_string();
    std::fs::write(
        &config,
        format!(
            "tls_server_config:\n  cert_file: {}\n  key_file: {}\nbasic_auth_users:\n  {user}: {hash}\n",
            path("server.pem"),
            path("server.key")
        ),
    )
    .unwrap();
    config
}

/// GETs `url` with `curl`, trusting `ca_file` and sending `user:password`:
/// the body of a 2xx answer, `None` otherwise.
pub fn curl_get(url: &str, ca_file: &Path, user: &str, password: &str) -> Option<String> {
    let curl = super::require_binary("curl", "apt-get install curl")?;
    let output = Command::new(curl)
        .args(["-fsS", "--max-time", "10", "--cacert"])
        .arg(ca_file)
        .args(["-u", &format!("{user}:{password}")])
        .arg(url)
        .output()
        .expect("curl runs");
    output
        .status
        .success()
        .then(|| String::from_utf8(output.stdout).unwrap())
}
