//! A real StatsD daemon (the `statsd` package from npm, on Node) on
//! 127.0.0.1, flushing never, read back through its management port.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::Duration;

use super::scratch::Scratch;
use super::Server;

/// How `.ci/run` installs it.
pub const INSTALL: &str = "npm install --prefix target/statsd statsd@0.9.0";

/// The daemon, its UDP address and its management port.
pub struct Daemon {
    pub server: Server,
    pub udp: SocketAddr,
    mgmt: u16,
    /// Its configuration, which it watches: kept while it runs.
    _config: Scratch,
}

/// `stats.js` of the npm package, where `.ci/run` puts it.
fn stats_js() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/statsd/node_modules/statsd/stats.js")
}

/// Starts the daemon; `None` where Node or the package is missing and
/// `CI` is not `true`.
pub fn start() -> Option<Daemon> {
    let node = super::require_binary("node", "apt-get install nodejs")?;
    let stats = stats_js();
    if !stats.exists() {
        super::skip_or_fail(&format!("{} is missing", stats.display()), INSTALL);
        return None;
    }
    let (udp_port, mgmt) = (super::free_port(), super::free_port());
    let scratch = Scratch::new(&format!("statsd-{udp_port}"));
    let config = scratch.join("config.js");
    std::fs::write(
        &config,
        format!(
            "{{ port: {udp_port}, address: \"127.0.0.1\", mgmt_port: {mgmt}, \
             mgmt_address: \"127.0.0.1\", flushInterval: 3600000, backends: [] }}"
        ),
    )
    .unwrap();
    let args = [stats.to_str().unwrap(), config.to_str().unwrap()];
    let server = Server::start_until(mgmt, &node, &args, |_| {
        TcpStream::connect(("127.0.0.1", mgmt)).is_ok()
    });
    Some(Daemon {
        server,
        udp: ([127, 0, 0, 1], udp_port).into(),
        mgmt,
        _config: scratch,
    })
}

impl Daemon {
    /// What the management command `command` (`counters`, `timers`,
    /// `gauges`) prints: `util.inspect` of the daemon's table.
    pub fn query(&self, command: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.mgmt))
            .unwrap_or_else(|err| panic!("{err}; the daemon's log:\n{}", self.server.log()));
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream.write_all(format!("{command}\n").as_bytes()).unwrap();
        let mut text = String::new();
        let mut buffer = [0u8; 4096];
        while !text.contains("\nEND") {
            let read = stream.read(&mut buffer).unwrap();
            assert!(read > 0, "the daemon closed the management connection");
            text.push_str(&String::from_utf8_lossy(&buffer[..read]));
        }
        text
    }

    /// The daemon's counters or gauges, by key (`name;tag=value;…`).
    pub fn numbers(&self, command: &str) -> BTreeMap<String, f64> {
        entries(&self.query(command))
            .into_iter()
            .filter_map(|(key, value)| Some((key, value.trim().parse().ok()?)))
            .collect()
    }

    /// The daemon's timers: every value received, by key.
    pub fn timers(&self) -> BTreeMap<String, Vec<f64>> {
        entries(&self.query("timers"))
            .into_iter()
            .map(|(key, value)| {
                let values = value
                    .trim()
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .split(',')
                    .filter_map(|v| v.trim().parse().ok())
                    .collect();
                (key, values)
            })
            .collect()
    }
}

/// `key: value` entries of an `util.inspect` object, keys quoted (`'a;b=c'`)
/// or bare, values numbers or arrays (which may span lines).
fn entries(text: &str) -> Vec<(String, String)> {
    let body = text.split("\nEND").next().unwrap_or_default();
    let body = body.trim().trim_start_matches('{').trim_end_matches('}');
    let mut entries = Vec::new();
    let mut rest = body;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
        if rest.is_empty() {
            return entries;
        }
        let (key, after) = match rest.strip_prefix('\'') {
            Some(quoted) => {
                let end = quoted.find('\'').expect("a closing quote");
                (&quoted[..end], &quoted[end + 1..])
            }
            None => {
                let end = rest.find(':').expect("a key");
                (rest[..end].trim(), &rest[end..])
            }
        };
        let after = after.trim_start().trim_start_matches(':').trim_start();
        let end = match after.starts_with('[') {
            true => after.find(']').expect("a closing bracket") + 1,
            false => after.find(',').unwrap_or(after.len()),
        };
        entries.push((key.to_owned(), after[..end].to_owned()));
        rest = &after[end..];
    }
}
