//! The protobuf exposition (`Format::Protobuf`), read back with a `prost`
//! model of our own: it says what `encode_text` says, `/metrics` answers
//! it when the protobuf type is named in `Accept`, and a real Prometheus
//! with native histograms on scrapes it and counts exactly.

mod support;

#[path = "support/program.rs"]
mod program;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use metrics_runtime::encoding::{Format, PROTOBUF_CONTENT_TYPE};
use metrics_runtime::{http, instrumented, Family, LabelSet, MetricsFamily};
use prometheus::{IntCounter, IntCounterVec, Opts, Registry};

use support::content::{self, Entry};
use support::protobuf_model::decode_delimited;
use support::Server;

/// What Prometheus 2.42 sends when started with native histograms on.
const NATIVE_ACCEPT: &str = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";

#[derive(LabelSet)]
struct Shard<'a> {
    shard: &'a str,
}

#[derive(MetricsFamily)]
struct Big {
    /// Items by shard.
    items_total: Family<Shard<'static>, IntCounter>,
}

/// Two families, one written from storage and one gathered, each longer
/// than 16 KiB, so that its delimiting length takes three bytes.
fn big_registry() -> Registry {
    let registry = Registry::new();
    let big = Big::register(&registry).unwrap();
    let opts = Opts::new("gathered_items_total", "Items by shard, gathered.");
    let gathered = IntCounterVec::new(opts, &["shard"]).unwrap();
    registry.register(Box::new(gathered.clone())).unwrap();
    for i in 0..1500_u64 {
        let shard = format!("shard-{i}");
        big.items_total.with(&Shard { shard: &shard }).inc_by(i);
        gathered.with_label_values(&[&shard]).inc_by(i + 1);
    }
    registry
}

#[test]
fn protobuf_says_what_encode_text_says() {
    let untyped = Registry::new();
    support::foreign::register_untyped(&untyped, &program::ODD);
    let [main, prefixed] = program::program();
    for registry in [main, prefixed, &untyped, &big_registry()] {
        let text = metrics_runtime::encode_text(registry);
        let body = Format::Protobuf.encode(registry);
        let (samples, families) = content::protobuf(&body);
        content::assert_same(
            "samples of encode_text and Format::Protobuf",
            &content::samples(&text),
            &samples,
        );
        content::assert_same(
            "families of encode_text and Format::Protobuf",
            &content::families(&text, content::Format::Text),
            &families,
        );
        // Nothing asked for native histograms: a histogram that looked
        // native would lose its classic buckets in Prometheus.
        for family in decode_delimited(&body) {
            for metric in &family.metric {
                let native = metric.histogram.as_ref().is_some_and(|h| h.is_native());
                assert!(!native, "{:?}: {metric:?}", family.name);
            }
        }
        // Appending after other bytes writes the same messages.
        let mut appended = b"before".to_vec();
        Format::Protobuf.encode_into(registry, &mut appended);
        assert!(
            appended[6..] == body[..],
            "encode_into after 6 bytes differs"
        );
    }
}

/// The value of the one entry named `name` with exactly `labels`.
fn entry_value(entries: &[Entry], name: &str, labels: &[(&str, &str)]) -> Option<String> {
    let mut labels: Vec<(String, String)> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    labels.sort();
    let mut matching = entries.iter().filter(|e| e.0 == name && e.1 == labels);
    let value = matching.next().map(|e| e.2.clone());
    assert!(matching.next().is_none(), "{name}{labels:?} comes twice");
    value
}

#[instrumented(name = "pb_negotiated", labels(path))]
fn negotiated(path: &str) {
    let _ = path;
}

/// The lower-cased head and the body of `GET /metrics` with `headers`.
fn get_metrics(addr: SocketAddr, headers: &[(&str, &str)]) -> (String, Vec<u8>) {
    let mut request = format!("GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&response[..split]).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200 "), "{head}");
    assert!(!head.contains("transfer-encoding"), "{head}");
    (head, response[split + 4..].to_vec())
}

/// The value of header `name` in a lower-cased `head`.
fn header<'h>(head: &'h str, name: &str) -> Option<&'h str> {
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim() == name).then(|| value.trim())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_answers_protobuf_when_the_scraper_names_it() {
    let path = "/näh \"x\" \\";
    for _ in 0..5 {
        negotiated(path);
    }
    let server = http::serve("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr();
    let answers = tokio::task::spawn_blocking(move || {
        [
            get_metrics(addr, &[("Accept", NATIVE_ACCEPT)]),
            get_metrics(
                addr,
                &[("Accept", NATIVE_ACCEPT), ("Accept-Encoding", "gzip")],
            ),
            get_metrics(addr, &[("Accept", "*/*")]),
        ]
    })
    .await
    .unwrap();
    server.shutdown().await.unwrap();
    let [plain, gzipped, wildcard] = answers;

    let labels = [("path", path), ("result", "ok")];
    for ((head, body), gzip) in [(plain, false), (gzipped, true)] {
        let content_type = PROTOBUF_CONTENT_TYPE.to_ascii_lowercase();
        assert_eq!(
            header(&head, "content-type"),
            Some(&*content_type),
            "{head}"
        );
        assert_eq!(header(&head, "content-encoding").is_some(), gzip, "{head}");
        let body = if gzip {
            let mut unzipped = Vec::new();
            flate2::read::GzDecoder::new(&body[..])
                .read_to_end(&mut unzipped)
                .unwrap();
            unzipped
        } else {
            body
        };
        let (samples, _) = content::protobuf(&body);
        let value = entry_value(&samples, "pb_negotiated_total", &labels);
        assert_eq!(value.as_deref(), Some("5.0"), "gzip: {gzip}");
    }

    let (head, body) = wildcard;
    assert_eq!(
        header(&head, "content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8"),
        "{head}"
    );
    let text = String::from_utf8(body).unwrap();
    let value = support::value(&text, "pb_negotiated_total", &labels);
    assert_eq!(value, Some(5.0));
}

#[instrumented(name = "pb_scraped", labels(key), buckets = [0.001, 0.1])]
fn scraped_call(key: &str) {
    let _ = key;
}

#[derive(LabelSet)]
struct Peer<'a> {
    peer: &'a str,
}

#[derive(MetricsFamily)]
struct Scraped {
    /// Bytes sent, by peer.
    pb_sent_bytes_total: Family<Peer<'static>, IntCounter>,
}

/// Label values Prometheus must store as they are, with the calls made
/// for each: quotes, backslashes, a newline, non-ASCII.
const KEYS: [(&str, u64); 6] = [
    ("plain", 1),
    ("say \"hi\"", 2),
    ("back\\slash", 3),
    ("ünïcødé ✓", 4),
    ("two\nlines", 5),
    ("trailing\\", 6),
];

/// What our server answered to each scrape: the format chosen from
/// `Accept`, and the `Content-Type` sent.
static ANSWERS: Mutex<Vec<(Format, String)>> = Mutex::new(Vec::new());

/// `router`, noting each scrape in [`ANSWERS`].
fn recording(router: axum::Router) -> axum::Router {
    router.layer(axum::middleware::from_fn(
        |request: axum::extract::Request, next: axum::middleware::Next| async move {
            let accept = request.headers().get("accept");
            let format = Format::from_accept(accept.and_then(|v| v.to_str().ok()).unwrap_or(""));
            let response = next.run(request).await;
            let sent = response.headers().get("content-type");
            let sent = sent.and_then(|v| v.to_str().ok()).unwrap_or("");
            ANSWERS.lock().unwrap().push((format, sent.to_owned()));
            response
        },
    ))
}

/// Starts Prometheus with native histograms on, scraping `target` every
/// second; `None` where it is not installed and `CI` is not `true`.
fn start_prometheus(target: SocketAddr) -> Option<Server> {
    support::prometheus::start(target, &["--enable-feature=native-histograms"])
}

/// The series `query` returns, by the value of `label`, polled until they
/// are `expected` or 30 s pass; the last answer either way.
fn series_until(
    server: &Server,
    query: &str,
    label: &str,
    expected: &BTreeMap<String, f64>,
) -> BTreeMap<String, f64> {
    let url = format!(
        "{}/api/v1/query?query={}",
        server.url,
        support::url_encode(query)
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = BTreeMap::new();
    while Instant::now() < deadline {
        if let Some((200, body)) = support::http_get(&url) {
            let json: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(json["status"], "success", "{body}");
            let results = json["data"]["result"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            last = results
                .iter()
                .map(|series| {
                    let key = series["metric"][label].as_str().unwrap_or("<none>");
                    let value = series["value"][1].as_str().and_then(|v| v.parse().ok());
                    (key.to_owned(), value.unwrap_or(f64::NAN))
                })
                .collect();
            if last == *expected {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    last
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_with_native_histograms_scrapes_protobuf_exactly() {
    let family = Scraped::register(metrics_runtime::registry()).unwrap();
    let mut calls = BTreeMap::new();
    let mut bytes = BTreeMap::new();
    for (key, n) in KEYS {
        for _ in 0..n {
            scraped_call(key);
        }
        family
            .pb_sent_bytes_total
            .with(&Peer { peer: key })
            .inc_by(10 * n);
        calls.insert(key.to_owned(), n as f64);
        bytes.insert(key.to_owned(), 10.0 * n as f64);
    }
    let ours = http::serve_router("127.0.0.1:0", recording(http::router()))
        .await
        .unwrap();
    let target = ours.local_addr();
    let expected = (calls.clone(), bytes.clone());
    let stored = tokio::task::spawn_blocking(move || {
        let server = start_prometheus(target)?;
        let (calls, bytes) = expected;
        let ok = series_until(&server, "pb_scraped_total{result=\"ok\"}", "key", &calls);
        let counts = series_until(&server, "pb_scraped_duration_seconds_count", "key", &calls);
        let sent = series_until(&server, "pb_sent_bytes_total", "peer", &bytes);
        let targets = support::http_get(&format!("{}/api/v1/targets", server.url));
        Some(([ok, counts, sent], targets.unwrap().1, server.log()))
    })
    .await
    .unwrap();
    ours.shutdown().await.unwrap();
    let Some(([ok, counts, sent], targets, log)) = stored else {
        return;
    };
    assert_eq!(ok, calls, "pb_scraped_total{{result=\"ok\"}}; log:\n{log}");
    assert_eq!(counts, calls, "pb_scraped_duration_seconds_count");
    assert_eq!(sent, bytes, "pb_sent_bytes_total");
    assert!(targets.contains("\"health\":\"up\""), "{targets}");
    assert!(targets.contains("\"lastError\":\"\""), "{targets}");
    let answers = ANSWERS.lock().unwrap().clone();
    let protobuf = (Format::Protobuf, PROTOBUF_CONTENT_TYPE.to_owned());
    assert!(
        !answers.is_empty() && answers.iter().all(|answer| *answer == protobuf),
        "every scrape should have been answered in protobuf: {answers:?}"
    );
}
