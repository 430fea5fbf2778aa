//! StatsD / DogStatsD export (feature `statsd`): each measured call of an
//! `#[instrumented]` function as a timing, and a registry's counters and
//! gauges at every flush, over UDP with DogStatsD tags (`|#name:value`),
//! batched into datagrams under the MTU by a background thread. A call
//! never waits for the network: it hands its duration to a bounded queue,
//! and a full queue drops the call's timing (counted), never the call.
//!
//! ```no_run
//! use metrics_runtime::statsd::Statsd;
//!
//! let exporter = Statsd::new("127.0.0.1:8125")
//!     .tag("service", "checkout")
//!     .spawn()?;
//! // … the program runs; at exit, send what is left:
//! exporter.shutdown();
//! # Ok::<(), metrics_runtime::statsd::StatsdError>(())
//! ```
//!
//! What is sent, every `flush_every` (1 s by default) and at shutdown:
//!
//! | source | line |
//! | --- | --- |
//! | a measured call of `#[instrumented(name = "N")]` | `N_duration:<ms>\|ms\|#<labels>,result:<result>`, with `\|@<rate>` under `sample = rate` |
//! | a counter | its increase since the last flush: `name:<increase>\|c\|#<labels>` |
//! | a gauge (or an untyped sample) | `name:<value>\|g\|#<labels>` |
//! | a histogram or summary | the increases of `name_count` and `name_sum`, as counters |
//!
//! Names keep letters, digits, `_`, `.` and `-` (anything else becomes
//! `_`); tag values keep everything but `,`, `|`, `#` and line breaks.

use std::fmt;
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use prometheus::Registry;

pub(crate) mod calls;
mod datagrams;
mod line;
mod registry_lines;
mod worker;

use calls::CallReceiver;
use datagrams::{Datagrams, Sent};
use worker::Worker;

/// The payload of a datagram that crosses an Ethernet MTU of 1,500 bytes
/// unfragmented, as DogStatsD clients send.
const DEFAULT_MAX_DATAGRAM_BYTES: usize = 1432;
const DEFAULT_FLUSH_EVERY: Duration = Duration::from_secs(1);

/// Where and what to send: a StatsD daemon's (or Datadog agent's) UDP
/// address, the registry to read, and tags for every line.
#[derive(Debug, Clone)]
pub struct Statsd {
    target: String,
    registry: Option<Registry>,
    tags: Vec<(String, String)>,
    flush_every: Duration,
    max_datagram_bytes: usize,
}

impl Statsd {
    /// An exporter to the daemon at `target`, such as `127.0.0.1:8125`,
    /// reading [`crate::registry()`] unless [`registry`](Statsd::registry)
    /// says otherwise.
    pub fn new(target: impl Into<String>) -> Statsd {
        Statsd {
            target: target.into(),
            registry: None,
            tags: Vec::new(),
            flush_every: DEFAULT_FLUSH_EVERY,
            max_datagram_bytes: DEFAULT_MAX_DATAGRAM_BYTES,
        }
    }

    /// Reads the counters and gauges of `registry` instead of the global one.
    pub fn registry(mut self, registry: Registry) -> Statsd {
        self.registry = Some(registry);
        self
    }

    /// Adds the DogStatsD tag `name:value` to every line.
    pub fn tag(mut self, name: impl Into<String>, value: impl Into<String>) -> Statsd {
        self.tags.push((name.into(), value.into()));
        self
    }

    /// Sets how often the registry is read and datagrams sent (1 s by
    /// default; a full datagram goes at once).
    pub fn flush_every(mut self, every: Duration) -> Statsd {
        self.flush_every = every.max(Duration::from_millis(10));
        self
    }

    /// Sets the largest datagram payload (1,432 bytes by default; 8,192
    /// suits a daemon on the same host). A single longer line goes alone.
    pub fn max_datagram_bytes(mut self, bytes: usize) -> Statsd {
        self.max_datagram_bytes = bytes.max(1);
        self
    }

    /// Starts the exporter's thread.
    ///
    /// Measured calls go to the first exporter started that is still
    /// running; a second one sends its registry's samples only
    /// ([`StatsdExporter::receives_calls`] tells).
    pub fn spawn(self) -> Result<StatsdExporter, StatsdError> {
        let target = self.resolve()?;
        let local: SocketAddr = match target {
            SocketAddr::V4(_) => ([0, 0, 0, 0], 0).into(),
            SocketAddr::V6(_) => (std::net::Ipv6Addr::UNSPECIFIED, 0).into(),
        };
        let socket = UdpSocket::bind(local)
            .and_then(|socket| socket.connect(target).map(|()| socket))
            .and_then(|socket| socket.set_nonblocking(true).map(|()| socket))
            .map_err(StatsdError::Socket)?;
        let sent = Arc::new(Sent::default());
        let stop = Arc::new(AtomicBool::new(false));
        let calls = CallReceiver::take();
        let receives_calls = calls.is_some();
        let worker = Worker {
            datagrams: Datagrams::new(socket, self.max_datagram_bytes, Arc::clone(&sent)),
            registry: self.registry.unwrap_or_else(|| crate::registry().clone()),
            tags: self.tags,
            calls,
            flush_every: self.flush_every,
            stop: Arc::clone(&stop),
        };
        let thread = std::thread::Builder::new()
            .name("metrics-statsd".to_owned())
            .spawn(move || worker.run())
            .map_err(StatsdError::Socket)?;
        Ok(StatsdExporter {
            stop,
            thread: Some(thread),
            sent,
            receives_calls,
        })
    }

    fn resolve(&self) -> Result<SocketAddr, StatsdError> {
        let invalid = |reason: String| StatsdError::InvalidTarget {
            target: self.target.clone(),
            reason,
        };
        let mut addresses = self
            .target
            .to_socket_addrs()
            .map_err(|err| invalid(err.to_string()))?;
        addresses
            .next()
            .ok_or_else(|| invalid("it resolves to no address".to_owned()))
    }
}

/// A running exporter; [`shutdown`](StatsdExporter::shutdown) (or dropping
/// it) sends what is queued and reads the registry a last time.
#[derive(Debug)]
pub struct StatsdExporter {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    sent: Arc<Sent>,
    receives_calls: bool,
}

impl StatsdExporter {
    /// Whether measured calls come to this exporter (see [`Statsd::spawn`]).
    pub fn receives_calls(&self) -> bool {
        self.receives_calls
    }

    /// Datagrams sent so far.
    pub fn datagrams_sent(&self) -> u64 {
        self.sent.datagrams.load(Ordering::Relaxed)
    }

    /// Datagrams the socket refused so far (the daemon not listening, say).
    pub fn datagrams_failed(&self) -> u64 {
        self.sent.failed.load(Ordering::Relaxed)
    }

    /// Timings of calls dropped because the queue was full, in this process.
    pub fn dropped_calls(&self) -> u64 {
        calls::dropped()
    }

    /// Stops the thread after it has sent what is queued and read the
    /// registry a last time.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                log::error!("statsd: the exporter's thread panicked");
            }
        }
    }
}

impl Drop for StatsdExporter {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

/// Why an exporter could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum StatsdError {
    /// The target is not an address (`host:port`) that resolves.
    InvalidTarget {
        /// The target given to [`Statsd::new`].
        target: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// The UDP socket or the thread could not be made.
    Socket(std::io::Error),
}

impl fmt::Display for StatsdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatsdError::InvalidTarget { target, reason } => {
                write!(f, "invalid StatsD target `{target}`: {reason}")
            }
            StatsdError::Socket(err) => write!(f, "cannot open the StatsD socket: {err}"),
        }
    }
}

impl std::error::Error for StatsdError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StatsdError::Socket(err) => Some(err),
            StatsdError::InvalidTarget { .. } => None,
        }
    }
}
