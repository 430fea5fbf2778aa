//! The `/metrics` server against clients that misbehave: never reading,
//! never speaking, leaving mid-scrape, asking for everything at once, and
//! against a shutdown in the middle of it all. Real sockets on 127.0.0.1,
//! every wait bounded so a hang fails the test instead of hanging it.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use metrics_runtime::http;
use prometheus::{GaugeVec, Opts, Registry};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::timeout;

/// The server's write deadline (a response must reach its client in time).
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// The server's shutdown grace.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// The server's cap on requests per connection.
const MAX_REQUESTS: usize = 100;
/// A receive buffer small enough that a client not reading stalls the server.
const TINY_RECEIVE_BUFFER: u32 = 4096;

/// One test at a time: they measure time and memory of the whole process.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A registry whose text exposition is about 4 MiB.
fn big_registry() -> Registry {
    static BIG: OnceLock<Registry> = OnceLock::new();
    BIG.get_or_init(|| {
        let registry = Registry::new();
        let gauge = GaugeVec::new(
            Opts::new("hardening_big", "A large exposition."),
            &["series", "padding"],
        )
        .unwrap();
        registry.register(Box::new(gauge.clone())).unwrap();
        let padding = "p".repeat(64);
        for series in 0..40_000 {
            gauge
                .with_label_values(&[&series.to_string(), &padding])
                .set(f64::from(series));
        }
        registry
    })
    .clone()
}

/// A registry with one sample, for tests about connections, not bodies.
fn small_registry() -> Registry {
    let registry = Registry::new();
    let up = prometheus::IntGauge::new("hardening_up", "Always 1.").unwrap();
    up.set(1);
    registry.register(Box::new(up)).unwrap();
    registry
}

async fn connect(addr: SocketAddr, receive_buffer: Option<u32>) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    if let Some(size) = receive_buffer {
        socket.set_recv_buffer_size(size).unwrap();
    }
    timeout(Duration::from_secs(5), socket.connect(addr))
        .await
        .expect("connects in time")
        .unwrap()
}

fn get(extra_headers: &str) -> String {
    format!("GET /metrics HTTP/1.1\r\nHost: x\r\n{extra_headers}\r\n")
}

/// How many bytes `stream` receives until the server closes (or resets) it.
async fn count_until_closed(stream: &mut TcpStream) -> usize {
    let mut received = 0;
    let mut chunk = vec![0; 64 * 1024];
    loop {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return received,
            Ok(read) => received += read,
        }
    }
}

/// Everything `stream` receives until the server closes (or resets) it.
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let mut chunk = vec![0; 64 * 1024];
    loop {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return received,
            Ok(read) => received.extend_from_slice(&chunk[..read]),
        }
    }
}

/// One scrape on a fresh connection: the lower-cased head and the body.
async fn scrape(addr: SocketAddr, extra_headers: &str) -> (String, Vec<u8>) {
    let mut stream = connect(addr, None).await;
    let request = get(&format!("Connection: close\r\n{extra_headers}"));
    stream.write_all(request.as_bytes()).await.unwrap();
    let response = read_until_closed(&mut stream).await;
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head in {} bytes", response.len()));
    let head = String::from_utf8_lossy(&response[..split]).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    (head, response[split + 4..].to_vec())
}

/// This process's resident memory now, where `/proc` tells it.
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// The highest resident memory seen while it runs, sampled every 2 ms.
struct PeakMemory {
    before: u64,
    done: Arc<AtomicBool>,
    sampler: std::thread::JoinHandle<u64>,
}

impl PeakMemory {
    fn start() -> Option<PeakMemory> {
        let before = resident_bytes()?;
        let done = Arc::new(AtomicBool::new(false));
        let sampler = std::thread::spawn({
            let done = done.clone();
            move || {
                let mut peak = 0;
                while !done.load(Ordering::Relaxed) {
                    peak = peak.max(resident_bytes().unwrap_or(0));
                    std::thread::sleep(Duration::from_millis(2));
                }
                peak
            }
        });
        Some(PeakMemory {
            before,
            done,
            sampler,
        })
    }

    /// How far above the start resident memory rose.
    fn growth(self) -> u64 {
        self.done.store(true, Ordering::Relaxed);
        self.sampler.join().unwrap().saturating_sub(self.before)
    }
}

/// CPU time this process used so far (user and system), from `/proc`.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which may hold spaces: utime is the 14th
    // field of the line, the 12th after the closing parenthesis.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

// 13. Clients that never read held every slot forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_never_read_are_cut_off_and_scrapes_go_on() {
    let _serial = SERIAL.lock().await;
    let registry = big_registry();
    let memory = PeakMemory::start();
    let server = http::serve_registry("127.0.0.1:0", registry).await.unwrap();
    let addr = server.local_addr();
    let started = Instant::now();
    // As many as the server has slots, each pipelining requests it never reads.
    let mut stalled = Vec::new();
    for _ in 0..256 {
        let mut stream = connect(addr, Some(TINY_RECEIVE_BUFFER)).await;
        stream
            .write_all(get("").repeat(4).as_bytes())
            .await
            .unwrap();
        stalled.push(stream);
    }
    let (head, body) = timeout(WRITE_TIMEOUT + Duration::from_secs(10), scrape(addr, ""))
        .await
        .expect("a scrape is answered once the stalled clients are cut off");
    let waited = started.elapsed();
    assert!(body.len() > 4 << 20, "the whole exposition: {}", body.len());
    eprintln!("256 stalled clients: a scrape answered after {waited:?}");
    assert!(
        waited < WRITE_TIMEOUT + Duration::from_secs(5),
        "{waited:?}"
    );
    if let Some(memory) = memory {
        let grown = memory.growth();
        eprintln!(
            "256 stalled clients: resident memory grew {} MiB",
            grown >> 20
        );
        assert!(grown < 256 << 20, "resident memory grew by {grown} bytes");
    }
    // The server let go of every one of them: what they can still read is
    // what the kernels buffered, less than even the first of their responses.
    // Reading one the server has not cut off yet would unstall it, and it
    // would get everything: give each stalled write its timeout first (a
    // loaded machine may still have been writing some when the scrape came).
    tokio::time::sleep(WRITE_TIMEOUT + Duration::from_secs(5)).await;
    let full = head.len() + 4 + body.len();
    let leftovers: Vec<_> = stalled
        .into_iter()
        .map(|mut stream| tokio::spawn(async move { count_until_closed(&mut stream).await }))
        .collect();
    // Each was cut off when its own write stalled for the write timeout;
    // on a loaded machine the last of 256 can come a while after the scrape.
    for left in leftovers {
        let left = timeout(WRITE_TIMEOUT + Duration::from_secs(20), left)
            .await
            .expect("a stalled connection is closed")
            .unwrap();
        assert!(left < full, "{left} bytes came, of {full} in one response");
    }
    timeout(Duration::from_secs(10), server.shutdown())
        .await
        .expect("shutdown in time")
        .unwrap();
}

// 13. Pipelined requests are capped per connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_requests_stop_at_the_cap() {
    let _serial = SERIAL.lock().await;
    let server = http::serve_registry("127.0.0.1:0", small_registry())
        .await
        .unwrap();
    let mut stream = connect(server.local_addr(), None).await;
    let sent = MAX_REQUESTS + 50;
    stream
        .write_all(get("").repeat(sent).as_bytes())
        .await
        .unwrap();
    let received = timeout(Duration::from_secs(5), read_until_closed(&mut stream))
        .await
        .expect("the server closes the connection at the cap");
    let text = String::from_utf8_lossy(&received).to_ascii_lowercase();
    assert_eq!(text.matches("http/1.1 200").count(), MAX_REQUESTS);
    let last_head = text.rsplit("http/1.1 200").next().unwrap();
    assert!(last_head.contains("connection: close"), "{last_head}");
    server.shutdown().await.unwrap();
}

// 14. A shutdown waits for no connection without a request in progress.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_does_not_wait_for_connections_without_a_request() {
    let _serial = SERIAL.lock().await;
    let server = http::serve_registry("127.0.0.1:0", small_registry())
        .await
        .unwrap();
    let addr = server.local_addr();
    let silent = connect(addr, None).await;
    let mut half_head = connect(addr, None).await;
    half_head
        .write_all(b"GET /metrics HTTP/1.1\r\nHo")
        .await
        .unwrap();
    let mut kept_alive = connect(addr, None).await;
    kept_alive.write_all(get("").as_bytes()).await.unwrap();
    let mut answer = vec![0; 4096];
    let read = timeout(Duration::from_secs(5), kept_alive.read(&mut answer))
        .await
        .expect("answered")
        .unwrap();
    assert!(String::from_utf8_lossy(&answer[..read]).starts_with("HTTP/1.1 200"));
    // Give the server time to take in the half head.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let started = Instant::now();
    timeout(SHUTDOWN_GRACE * 2, server.shutdown())
        .await
        .expect("shutdown in time")
        .unwrap();
    let took = started.elapsed();
    eprintln!("shutdown with idle, silent and half-sent connections: {took:?}");
    assert!(took < Duration::from_secs(1), "shutdown took {took:?}");
    for mut stream in [silent, half_head, kept_alive] {
        let left = timeout(Duration::from_secs(1), read_until_closed(&mut stream))
            .await
            .expect("closed by the shutdown");
        assert!(left.is_empty());
    }
}

// 14. After the grace, a shutdown closes what is still writing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_leaves_no_connection_writing() {
    let _serial = SERIAL.lock().await;
    let server = http::serve_registry("127.0.0.1:0", big_registry())
        .await
        .unwrap();
    let mut stream = connect(server.local_addr(), Some(TINY_RECEIVE_BUFFER)).await;
    stream.write_all(get("").as_bytes()).await.unwrap();
    // The response has started: the client just does not take it.
    timeout(Duration::from_secs(10), stream.readable())
        .await
        .expect("the response starts")
        .unwrap();

    let started = Instant::now();
    timeout(SHUTDOWN_GRACE * 2, server.shutdown())
        .await
        .expect("shutdown in time")
        .unwrap();
    let took = started.elapsed();
    assert!(took < SHUTDOWN_GRACE + Duration::from_secs(2), "{took:?}");
    // Had a connection task outlived the shutdown, it would go on writing
    // as the client reads, to the end of the response.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let received = timeout(Duration::from_secs(5), read_until_closed(&mut stream))
        .await
        .expect("the connection is closed");
    let split = received.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&received[..split]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length: "))
        .and_then(|length| length.trim().parse().ok())
        .unwrap_or_else(|| panic!("no content-length in {head}"));
    let body = received.len() - split - 4;
    // The kernels buffer some of it; the server sends no more.
    assert!(
        body < length,
        "{body} of {length} bytes came after the shutdown"
    );
    eprintln!("a response cut by the shutdown: {body} of {length} body bytes arrived");
}

// 15. Concurrent scrapes share a bounded number of encodes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_gzip_scrapes_share_bounded_encodes() {
    let _serial = SERIAL.lock().await;
    let registry = big_registry();
    let server = http::serve_registry("127.0.0.1:0", registry).await.unwrap();
    let addr = server.local_addr();
    let memory = PeakMemory::start();
    let scrapes: Vec<_> = (0..64)
        .map(|_| tokio::spawn(scrape(addr, "Accept-Encoding: gzip\r\n")))
        .collect();
    let mut bodies = Vec::new();
    for scrape in scrapes {
        let (head, body) = timeout(Duration::from_secs(60), scrape)
            .await
            .expect("every scrape answered in time")
            .unwrap();
        assert!(head.contains("content-encoding: gzip"), "{head}");
        bodies.push(body);
    }
    let grown = memory.map(PeakMemory::growth);
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bodies[0][..]), &mut text)
        .unwrap();
    assert!(text.len() > 4 << 20, "{}", text.len());
    if let Some(grown) = grown {
        eprintln!(
            "64 concurrent gzip scrapes of 4 MiB: resident memory grew {} MiB",
            grown >> 20
        );
        assert!(grown < 256 << 20, "resident memory grew by {grown} bytes");
    }
    server.shutdown().await.unwrap();
}

// 15. Clients that leave take their encodes with them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encodes_of_clients_that_left_are_dropped() {
    let _serial = SERIAL.lock().await;
    let server = http::serve_registry("127.0.0.1:0", big_registry())
        .await
        .unwrap();
    let addr = server.local_addr();
    let gzip = "Accept-Encoding: gzip\r\n";
    let started = Instant::now();
    timeout(Duration::from_secs(30), scrape(addr, gzip))
        .await
        .expect("scraped in time");
    let alone = started.elapsed();

    let leaving: Vec<_> = (0..100)
        .map(|_| {
            tokio::spawn(async move {
                let mut stream = connect(addr, None).await;
                stream.write_all(get(gzip).as_bytes()).await.unwrap();
                tokio::time::sleep(Duration::from_millis(50)).await;
            })
        })
        .collect();
    for client in leaving {
        client.await.unwrap();
    }
    let started = Instant::now();
    timeout(Duration::from_secs(60), scrape(addr, gzip))
        .await
        .expect("scraped in time");
    let after = started.elapsed();
    eprintln!("after 100 clients left mid-scrape: a scrape took {after:?} (alone {alone:?})");
    assert!(
        after < alone * 3 + Duration::from_secs(1),
        "{after:?} against {alone:?} alone"
    );
    // Nothing is left encoding for anyone.
    if let Some(before) = cpu_time() {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let busy = cpu_time().unwrap_or(before).saturating_sub(before);
        eprintln!("CPU time in the second after: {busy:?}");
        assert!(
            busy < Duration::from_millis(300),
            "{busy:?} of CPU in the second after"
        );
    }
    server.shutdown().await.unwrap();
}

// 16. Connections that never speak are let go quickly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_connections_do_not_delay_a_scrape() {
    let _serial = SERIAL.lock().await;
    let server = http::serve_registry("127.0.0.1:0", small_registry())
        .await
        .unwrap();
    let addr = server.local_addr();
    let mut silent = Vec::new();
    for _ in 0..256 {
        silent.push(connect(addr, None).await);
    }
    let started = Instant::now();
    let (_, body) = timeout(Duration::from_secs(15), scrape(addr, ""))
        .await
        .expect("scraped in time");
    let took = started.elapsed();
    assert!(String::from_utf8_lossy(&body).contains("hardening_up 1"));
    eprintln!("256 silent connections: a scrape answered in {took:?}");
    assert!(took < Duration::from_secs(4), "{took:?}");
    for mut stream in silent {
        let left = timeout(Duration::from_secs(2), read_until_closed(&mut stream))
            .await
            .expect("a silent connection is closed");
        assert!(left.is_empty());
    }
    server.shutdown().await.unwrap();
}

// 17. Negotiation: every header line counts, and q=0 refuses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn negotiation_reads_every_line_and_honours_q_zero() {
    let _serial = SERIAL.lock().await;
    let server = http::serve_registry("127.0.0.1:0", small_registry())
        .await
        .unwrap();
    let addr = server.local_addr();
    let negotiated = |headers: &'static str| async move {
        let (head, _) = timeout(Duration::from_secs(10), scrape(addr, headers))
            .await
            .expect("scraped in time");
        (
            head.contains("content-encoding: gzip"),
            head.contains("content-type: application/openmetrics-text"),
        )
    };
    assert_eq!(
        negotiated("Accept-Encoding: gzip;q=0, *\r\n").await,
        (false, false)
    );
    assert_eq!(
        negotiated("Accept-Encoding: identity\r\nAccept-Encoding: gzip\r\n").await,
        (true, false)
    );
    assert_eq!(
        negotiated("Accept: text/plain;q=0, */*\r\n").await,
        (false, true)
    );
    assert_eq!(
        negotiated("Accept: text/plain;q=0.1\r\nAccept: application/openmetrics-text\r\n").await,
        (false, true)
    );
    assert_eq!(negotiated("Accept: */*\r\n").await, (false, false));
    server.shutdown().await.unwrap();
}
