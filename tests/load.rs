//! Under load: instrumented calls on many threads and tasks while another
//! thread scrapes, and the `/metrics` server against concurrent, slow and
//! oversized requests. All bounded in time, all on 127.0.0.1.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use metrics_runtime::{http, instrumented};

#[instrumented(name = "load_calls", labels(worker))]
fn call(worker: usize) -> Result<(), ()> {
    if worker.is_multiple_of(5) {
        Err(())
    } else {
        Ok(())
    }
}

#[instrumented(name = "load_async")]
async fn async_call() {
    tokio::task::yield_now().await;
}

/// Something to serve, apart from what the other tests count.
#[instrumented(name = "load_served")]
fn served() {}

#[test]
fn counts_stay_exact_while_scraped_continuously() {
    const THREADS: usize = 6;
    const CALLS: usize = 20_000;
    let done = AtomicBool::new(false);
    let scrapes = std::thread::scope(|scope| {
        let scraper = scope.spawn(|| {
            let mut scrapes = 0;
            while !done.load(Ordering::Relaxed) {
                let text = metrics_runtime::gather_text();
                // Every scrape parses, and counts never go backwards.
                let total: f64 = support::samples(&text, "load_calls_total")
                    .iter()
                    .map(|s| s.value)
                    .sum();
                assert!(total <= (THREADS * CALLS) as f64);
                scrapes += 1;
            }
            scrapes
        });
        let workers: Vec<_> = (0..THREADS)
            .map(|worker| {
                scope.spawn(move || {
                    (0..CALLS).for_each(|i| {
                        let _ = call((worker + i) % 10);
                    })
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }
        done.store(true, Ordering::Relaxed);
        scraper.join().unwrap()
    });
    assert!(scrapes > 0);
    let text = metrics_runtime::gather_text();
    let total: f64 = support::samples(&text, "load_calls_total")
        .iter()
        .map(|s| s.value)
        .sum();
    assert_eq!(total, (THREADS * CALLS) as f64);
    let in_flight: f64 = support::samples(&text, "load_calls_in_flight")
        .iter()
        .map(|s| s.value)
        .sum();
    assert_eq!(in_flight, 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_count_exactly() {
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            tokio::spawn(async {
                for _ in 0..50 {
                    async_call().await
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(
        support::read("load_async_total", &[("result", "ok")]),
        10_000.0
    );
}

fn get(addr: std::net::SocketAddr) -> u16 {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    String::from_utf8_lossy(&response)
        .split(' ')
        .nth(1)
        .and_then(|status| status.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_serves_a_burst_despite_slow_and_oversized_clients() {
    served();
    let memory_before = resident_bytes();
    let server = http::serve("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr();
    let outcome = tokio::task::spawn_blocking(move || {
        // Slow clients: connected, sending half a request head, then nothing.
        let slow: Vec<TcpStream> = (0..20)
            .map(|_| {
                let mut stream = TcpStream::connect(addr).unwrap();
                stream.write_all(b"GET /metrics HTTP/1.1\r\nHo").unwrap();
                stream
            })
            .collect();
        // An oversized head: far past the server's limit.
        let mut huge = TcpStream::connect(addr).unwrap();
        huge.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let header = format!(
            "GET /metrics HTTP/1.1\r\nX-Big: {}\r\n\r\n",
            "a".repeat(64 * 1024)
        );
        let _ = huge.write_all(header.as_bytes());
        let mut answer = Vec::new();
        let _ = huge.read_to_end(&mut answer);
        let huge_status = String::from_utf8_lossy(&answer)
            .split(' ')
            .nth(1)
            .map(str::to_owned);

        // A burst of ordinary scrapes from 8 clients, 2,000 requests in all.
        let started = Instant::now();
        let statuses: Vec<u16> = std::thread::scope(|scope| {
            let clients: Vec<_> = (0..8)
                .map(|_| scope.spawn(move || (0..250).map(|_| get(addr)).collect::<Vec<_>>()))
                .collect();
            clients
                .into_iter()
                .flat_map(|c| c.join().unwrap())
                .collect()
        });
        drop(slow);
        (huge_status, statuses, started.elapsed())
    })
    .await
    .unwrap();
    let (huge_status, statuses, elapsed) = outcome;
    assert_eq!(statuses.len(), 2_000);
    assert!(
        statuses.iter().all(|&status| status == 200),
        "every scrape answered 200"
    );
    assert_ne!(
        huge_status.as_deref(),
        Some("200"),
        "an oversized head is refused"
    );
    assert!(elapsed < Duration::from_secs(60), "{elapsed:?}");
    if let (Some(before), Some(after)) = (memory_before, resident_bytes()) {
        let grown = after.saturating_sub(before);
        assert!(grown < 64 << 20, "resident memory grew by {grown} bytes");
    }
    let shutdown = tokio::time::timeout(Duration::from_secs(10), server.shutdown()).await;
    assert!(
        shutdown.is_ok(),
        "shutdown completes despite idle connections"
    );
}

/// This process's resident memory, where `/proc` tells it.
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}
