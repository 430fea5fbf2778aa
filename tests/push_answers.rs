//! `metrics_runtime::push` against a fake Pushgateway on 127.0.0.1: what
//! it reads of an answer, how it reports one, what it refuses to send, and
//! that it leaves the runtime's thread free while it encodes.

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use metrics_runtime::push::{PushError, Pushgateway};
use prometheus::{IntCounter, IntCounterVec, Opts, Registry};
use support::gateway::{read_head, FakeGateway};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};

/// Fails the test, instead of hanging it, past `limit`.
async fn within<T>(limit: Duration, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(limit, future)
        .await
        .unwrap_or_else(|_| panic!("did not finish within {limit:?}"))
}

fn small_registry() -> Registry {
    let registry = Registry::new();
    let jobs = IntCounter::new("answers_jobs_total", "Jobs.").unwrap();
    registry.register(Box::new(jobs.clone())).unwrap();
    jobs.inc();
    registry
}

/// The error answer's length: 512 MiB, of which the fake gateway writes
/// as much as the client will take.
const HUGE: u64 = 512 << 20;

/// Answers one request with a 500 announcing [`HUGE`] bytes, writes them
/// until the client hangs up, and returns how many it could write.
async fn huge_answer(listener: tokio::net::TcpListener) -> u64 {
    let (stream, _) = listener.accept().await.expect("a connection");
    let mut reader = BufReader::new(stream);
    let head = read_head(&mut reader).await.expect("a request head");
    let length: usize = head
        .iter()
        .find_map(|line| {
            line.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(str::to_owned)
        })
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader
        .read_exact(&mut body)
        .await
        .expect("the request body");
    let mut stream = reader.into_inner();
    let head = format!("HTTP/1.1 500 Oops\r\ncontent-length: {HUGE}\r\n\r\n");
    stream
        .write_all(head.as_bytes())
        .await
        .expect("the answer head");
    let chunk = vec![b'x'; 64 << 10];
    let mut written = 0;
    while written < HUGE {
        match stream.write_all(&chunk).await {
            Ok(()) => written += chunk.len() as u64,
            Err(_) => break, // the client hung up
        }
    }
    written
}

/// Regression: the whole error answer was read into memory before it was
/// cut to 4 KiB (a 512 MiB answer took 523 MiB of RSS). Now the client
/// stops after its first 4 KiB and hangs up; the gateway can write no more
/// than what fits in the sockets' buffers.
#[tokio::test]
async fn only_the_start_of_a_huge_error_answer_is_read() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let gateway = tokio::spawn(huge_answer(listener));

    let started = Instant::now();
    let outcome = within(
        Duration::from_secs(60),
        Pushgateway::new(url)
            .job("huge")
            .timeout(Duration::from_secs(30))
            .push(&small_registry()),
    )
    .await;
    let elapsed = started.elapsed();
    let written = within(Duration::from_secs(30), gateway).await.unwrap();
    eprintln!("a {HUGE}-byte answer: the gateway could write {written} bytes; {elapsed:?}");

    match outcome {
        Err(PushError::Status { status: 500, body }) => {
            assert!(body.starts_with("xxxx") && body.ends_with('…'), "{body}");
            assert!(body.len() <= 4096 + '…'.len_utf8(), "{} bytes", body.len());
        }
        other => panic!("expected a 500, got {other:?}"),
    }
    assert!(written < 32 << 20, "the gateway wrote {written} bytes");
}

/// Regression: an error answer reached the error (and the logs) with its
/// control characters as they were, so a gateway could forge log lines or
/// send terminal escapes.
#[tokio::test]
async fn control_characters_of_an_error_answer_are_escaped() {
    let gateway = FakeGateway::start(
        400,
        "bad metric\nlevel=info msg=\"forged\"\r\u{1b}[2J\u{7}\n",
    )
    .await;
    let err = within(
        Duration::from_secs(30),
        Pushgateway::new(&gateway.url)
            .job("escaped")
            .push(&small_registry()),
    )
    .await
    .expect_err("a 400");
    match &err {
        PushError::Status { status: 400, body } => assert_eq!(
            body,
            "bad metric\\nlevel=info msg=\"forged\"\\r\\u{1b}[2J\\u{7}"
        ),
        other => panic!("expected a 400, got {other:?}"),
    }
    let message = err.to_string();
    assert!(!message.chars().any(char::is_control), "{message:?}");
}

/// Regression: a job name too long for a URI was reported as "not a valid
/// URL". It is an invalid argument naming the job and its length, and
/// nothing is sent.
#[tokio::test]
async fn a_job_name_too_long_for_a_url_is_reported_as_such() {
    let gateway = FakeGateway::start(200, "").await;
    let job = "j".repeat(70_000);
    let err = within(
        Duration::from_secs(30),
        Pushgateway::new(&gateway.url)
            .job(job.as_str())
            .push(&small_registry()),
    )
    .await
    .expect_err("too long");
    let message = err.to_string();
    assert!(matches!(err, PushError::InvalidArgument(_)), "{err:?}");
    assert!(message.starts_with("the job name `jjjj"), "{message}");
    assert!(message.contains("(70000 bytes)"), "{message}");
    assert!(message.len() < 200, "{message}");

    let value = "v".repeat(70_000);
    let err = Pushgateway::new(&gateway.url)
        .job("j")
        .grouping("shard", value)
        .delete()
        .await
        .expect_err("too long");
    assert!(err.to_string().contains("grouping label `shard`"), "{err}");
    assert!(
        gateway.received().is_empty(),
        "{:?}",
        gateway.received().len()
    );
}

/// About 8 MiB of text exposition: 20,000 series with long label values.
fn large_registry() -> Registry {
    let registry = Registry::new();
    let requests = IntCounterVec::new(
        Opts::new("answers_requests_total", "Requests by route."),
        &["route"],
    )
    .unwrap();
    registry.register(Box::new(requests.clone())).unwrap();
    let tail = "/segment".repeat(48);
    for i in 0..20_000 {
        requests
            .with_label_values(&[&format!("/api/{i:06}{tail}")])
            .inc();
    }
    registry
}

/// The longest time a task waiting on a 1 ms timer waited between two
/// wake-ups, while `work` ran on the same (current-thread) runtime.
async fn longest_gap_during<T>(work: impl std::future::Future<Output = T>) -> (T, Duration) {
    let stop = Arc::new(AtomicBool::new(false));
    let ticker = tokio::spawn({
        let stop = Arc::clone(&stop);
        async move {
            let (mut last, mut longest) = (Instant::now(), Duration::ZERO);
            while !stop.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_millis(1)).await;
                longest = longest.max(last.elapsed());
                last = Instant::now();
            }
            longest
        }
    });
    tokio::task::yield_now().await; // the ticker is running
    let output = work.await;
    stop.store(true, Ordering::Relaxed);
    (output, ticker.await.unwrap())
}

/// Regression: the registry was encoded on the runtime's thread, so
/// pushing an 8 MiB registry stalled a 1 ms ticker for as long as the
/// encoding took (256 ms in a release build).
#[tokio::test]
async fn pushing_a_large_registry_leaves_the_runtime_thread_free() {
    let registry = large_registry();
    let started = Instant::now();
    let size = metrics_runtime::encode_text(&registry).len();
    let encoding = started.elapsed();
    assert!(size > 8 << 20, "{size} bytes");
    // The gateway's own work (reading 8 MiB) on another thread.
    let gateway = FakeGateway::start_in_thread(200, "");

    let pusher = Pushgateway::new(&gateway.url).job("large");
    let (outcome, gap) = within(
        Duration::from_secs(60),
        longest_gap_during(pusher.push(&registry)),
    )
    .await;
    eprintln!(
        "{size} bytes: encoding took {encoding:?}; the 1 ms ticker's longest gap was {gap:?}"
    );

    outcome.expect("pushed");
    assert_eq!(gateway.received()[0].body.len(), size);
    let limit = Duration::from_millis(100).min(encoding / 2);
    assert!(
        gap < limit,
        "a {gap:?} stall (limit {limit:?}; encoding takes {encoding:?})"
    );
}
