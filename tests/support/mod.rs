//! Shared by the integration tests: read samples back out of the text
//! and protobuf expositions, find the external binaries some tests need,
//! and fake a Pushgateway.
#![allow(dead_code)]

use std::path::PathBuf;

pub mod content;
pub mod foreign;
pub mod gateway;
pub mod prometheus;
pub mod prometheus_client;
pub mod protobuf_model;
pub mod scratch;
pub mod statsd;
pub mod tls;
pub mod victoria_metrics;

/// One sample line of the text exposition format.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

/// Parses every sample of a text exposition, checking the escaping of label
/// values as it goes. Panics, with the line, on anything malformed.
pub fn parse(text: &str) -> Vec<Sample> {
    text.lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| parse_line(line).unwrap_or_else(|| panic!("malformed sample line: {line:?}")))
        .collect()
}

fn parse_line(line: &str) -> Option<Sample> {
    let name_end = line.find(['{', ' '])?;
    let name = line[..name_end].to_owned();
    if !is_name(&name, true) {
        return None;
    }
    let mut rest = &line[name_end..];
    let mut labels: Vec<(String, String)> = Vec::new();
    if let Some(after_brace) = rest.strip_prefix('{') {
        rest = after_brace;
        loop {
            if let Some(after) = rest.strip_prefix('}') {
                rest = after;
                break;
            }
            let eq = rest.find('=')?;
            let label = rest[..eq].to_owned();
            if !is_name(&label, false) || labels.iter().any(|(seen, _)| *seen == label) {
                return None;
            }
            let (value, after) = parse_quoted(rest[eq + 1..].strip_prefix('"')?)?;
            labels.push((label, value));
            // A value ends the label set or is followed by the next label.
            rest = match after.strip_prefix(',') {
                Some(next) => next,
                None if after.starts_with('}') => after,
                None => return None,
            };
        }
    }
    if !rest.starts_with(' ') {
        return None;
    }
    let value = rest.trim().split(' ').next()?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        other => other.parse().ok()?,
    };
    Some(Sample {
        name,
        labels,
        value,
    })
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*` for a metric name, without `:` for a label name.
fn is_name(name: &str, colon: bool) -> bool {
    let allowed = |c: char| c.is_ascii_alphabetic() || c == '_' || (colon && c == ':');
    let mut chars = name.chars();
    chars.next().is_some_and(allowed) && chars.all(|c| allowed(c) || c.is_ascii_digit())
}

/// The unescaped value of a quoted label value, and what follows it.
fn parse_quoted(text: &str) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((value, &text[i + 1..])),
            '\\' => match chars.next()?.1 {
                'n' => value.push('\n'),
                '\\' => value.push('\\'),
                '"' => value.push('"'),
                _ => return None,
            },
            '\n' => return None,
            c => value.push(c),
        }
    }
    None
}

/// The value of the one sample named `name` that carries at least `labels`;
/// `None` when there is none. Panics when several match.
pub fn value(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let matching: Vec<Sample> = parse(text)
        .into_iter()
        .filter(|sample| sample.name == name && has_labels(sample, labels))
        .collect();
    assert!(
        matching.len() <= 1,
        "{name}{labels:?} matches several samples: {matching:#?}"
    );
    matching.first().map(|sample| sample.value)
}

/// Every sample named `name`.
pub fn samples(text: &str, name: &str) -> Vec<Sample> {
    parse(text)
        .into_iter()
        .filter(|sample| sample.name == name)
        .collect()
}

fn has_labels(sample: &Sample, labels: &[(&str, &str)]) -> bool {
    labels
        .iter()
        .all(|(k, v)| sample.labels.iter().any(|(sk, sv)| sk == k && sv == v))
}

/// [`value`] of the process-wide registry, where a missing sample is a test failure.
#[track_caller]
pub fn read(name: &str, labels: &[(&str, &str)]) -> f64 {
    let text = metrics_runtime::gather_text();
    value(&text, name, labels).unwrap_or_else(|| panic!("no sample {name}{labels:?} in:\n{text}"))
}

/// The path of an external program the test needs, from `PATH`.
///
/// Missing under `CI=true` it fails the test with the install command;
/// elsewhere it says the test is skipped and returns `None`.
pub fn require_binary(program: &str, install: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|candidate| candidate.is_file())
    });
    if found.is_none() {
        skip_or_fail(&format!("`{program}` is not on PATH"), install);
    }
    found
}

/// Something a test needs is missing, for reason `why`: under `CI=true`
/// the test fails with the command that installs it; elsewhere this says
/// the test is skipped, and the caller returns.
pub fn skip_or_fail(why: &str, install: &str) {
    if std::env::var("CI").is_ok_and(|ci| ci == "true") {
        panic!("{why}; install it with `{install}`")
    }
    eprintln!("skipped: {why} (install it with `{install}`)");
}

/// Runs `promtool check rules` on `rules` (YAML), failing the test when
/// it refuses them; nothing where promtool is missing and `CI` is not `true`.
pub fn promtool_check_rules(rules: &str) {
    let Some(promtool) = require_binary("promtool", "apt-get install prometheus") else {
        return;
    };
    let scratch = scratch::Scratch::new("rules");
    let file = scratch.join("rules.yml");
    std::fs::write(&file, rules).unwrap();
    let output = std::process::Command::new(promtool)
        .args(["check", "rules"])
        .arg(&file)
        .output()
        .expect("promtool runs");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success() && said.contains("SUCCESS"),
        "promtool check rules:\n{said}\n--- rules ---\n{rules}"
    );
}

/// Fails the test if `promtool check metrics` rejects `text` (skipped, with
/// a note, where promtool is not installed and `CI` is not `true`).
pub fn promtool_check(text: &str) {
    use std::io::Write;
    use std::process::{Command, Stdio};

    let Some(promtool) = require_binary("promtool", "apt-get install prometheus") else {
        return;
    };
    let mut child = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(text.as_bytes())
        .expect("promtool reads the exposition");
    let output = child.wait_with_output().expect("promtool finishes");
    assert!(
        output.status.success() && output.stdout.is_empty() && output.stderr.is_empty(),
        "promtool check metrics rejected the exposition:\n{}{}\n--- exposition ---\n{text}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
}

/// A free TCP port on 127.0.0.1 (bound and released; good enough for tests).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port on 127.0.0.1")
}

/// A child process killed (and reaped) when dropped, with a scratch directory.
pub struct Server {
    child: std::process::Child,
    /// Where the server keeps its data; removed on drop.
    pub dir: PathBuf,
    /// `http://127.0.0.1:port`.
    pub url: String,
}

impl Server {
    /// Starts `program` with `args` (where `{dir}` and `{port}` are replaced)
    /// on a free 127.0.0.1 port, and waits until `ready_path` answers 200.
    pub fn start(program: &std::path::Path, args: &[&str], ready_path: &str) -> Server {
        Server::start_on(free_port(), program, args, ready_path)
    }

    /// As [`start`](Self::start), on `port` (one picked earlier, which a
    /// client may already be trying).
    pub fn start_on(
        port: u16,
        program: &std::path::Path,
        args: &[&str],
        ready_path: &str,
    ) -> Server {
        Server::start_until(port, program, args, |server| {
            http_get(&format!("{}{ready_path}", server.url))
                .is_some_and(|(status, _)| status == 200)
        })
    }

    /// As [`start_on`](Self::start_on), ready once `ready` says so (a
    /// server that speaks only TLS: once its port takes connections).
    ///
    /// A server that exits at once because `port` is in use (another
    /// process took it for a moment) is started again, a few times.
    pub fn start_until(
        port: u16,
        program: &std::path::Path,
        args: &[&str],
        ready: impl Fn(&Server) -> bool,
    ) -> Server {
        let dir = std::env::temp_dir().join(format!(
            "metrics-test-{}-{}-{port}",
            program
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("server"),
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("scratch directory");
        let args: Vec<String> = args
            .iter()
            .map(|arg| {
                arg.replace("{dir}", &dir.display().to_string())
                    .replace("{port}", &port.to_string())
            })
            .collect();
        let mut server = Server {
            child: spawn_logged(program, &args, &dir),
            dir,
            url: format!("http://127.0.0.1:{port}"),
        };
        let mut restarts = 0;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::time::Instant::now() < deadline {
            if ready(&server) {
                return server;
            }
            let exited = server.child.try_wait().ok().flatten().is_some();
            if exited && restarts < 5 && server.log().contains("address already in use") {
                restarts += 1;
                std::thread::sleep(std::time::Duration::from_millis(500));
                server.child = spawn_logged(program, &args, &server.dir);
                continue;
            }
            if exited {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!(
            "{} did not get ready; its log:\n{}",
            program.display(),
            server.log()
        );
    }

    /// What the server logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts `program` with `args`, its output in `dir/server.log`.
fn spawn_logged(
    program: &std::path::Path,
    args: &[String],
    dir: &std::path::Path,
) -> std::process::Child {
    let log = std::fs::File::create(dir.join("server.log")).expect("log file");
    std::process::Command::new(program)
        .args(args)
        .stdout(log.try_clone().expect("log file"))
        .stderr(log)
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start {}: {err}", program.display()))
}

/// A port on 127.0.0.1 kept from other processes until dropped: its
/// connections are accepted and closed at once (a client sees a server
/// that is down), so that a server started on it later finds it free.
pub struct HeldPort {
    pub port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl HeldPort {
    pub fn new() -> HeldPort {
        use std::sync::atomic::{AtomicBool, Ordering};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        let port = listener.local_addr().expect("bound").port();
        listener.set_nonblocking(true).expect("non-blocking");
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let thread = std::thread::spawn({
            let stop = std::sync::Arc::clone(&stop);
            move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((stream, _)) => drop(stream),
                        Err(_) => std::thread::sleep(std::time::Duration::from_millis(5)),
                    }
                }
            }
        });
        HeldPort {
            port,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for HeldPort {
    /// Closes the port: a server may take it now.
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A blocking HTTP/1.1 GET of `url` (`http://127.0.0.1:port/path`):
/// the status and the body, or `None` if nothing answers.
pub fn http_get(url: &str) -> Option<(u16, String)> {
    http_request("GET", url, &[], "")
}

/// A blocking HTTP/1.1 request with extra `headers` and a `body`.
pub fn http_request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Option<(u16, String)> {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://")?;
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
    let mut stream = std::net::TcpStream::connect(host).ok()?;
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .ok()?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response.split(' ').nth(1)?.parse().ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Some((status, body))
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

/// `text` percent-encoded for a URL query value (PromQL expressions).
pub fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'.' | b'-' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}
