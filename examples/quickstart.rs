//! Quickstart: a small service whose instrumented functions are served on
//! `http://127.0.0.1:9201/metrics` until Ctrl-C.
//!
//! ```text
//! cargo run --example quickstart
//! curl http://127.0.0.1:9201/metrics
//! ```
//!
//! Set `QUICKSTART_ADDR` to listen elsewhere (say `127.0.0.1:0`).

use std::time::Duration;

use metrics_runtime::instrumented;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug)]
enum QuoteError {
    Unavailable,
}

/// Looks a price up; one call in seven fails.
#[instrumented(name = "quote_lookups", labels(symbol))]
async fn fetch_quote(symbol: &str, tick: u64) -> Result<f64, QuoteError> {
    tokio::time::sleep(Duration::from_millis(5 + tick % 20)).await;
    if tick.is_multiple_of(7) {
        return Err(QuoteError::Unavailable);
    }
    Ok(100.0 + (tick % 13) as f64 + symbol.len() as f64)
}

/// Slow on purpose: shows up in the upper histogram buckets.
#[instrumented(name = "reports", buckets = [0.1, 0.25, 0.5, 1.0])]
async fn build_report(prices: &[f64]) -> f64 {
    tokio::time::sleep(Duration::from_millis(300)).await;
    prices.iter().sum::<f64>() / prices.len().max(1) as f64
}

/// A sync function under the default name: `function_calls_total{function="checksum",…}`.
#[instrumented]
fn checksum(report: f64) -> u64 {
    report.to_bits().count_ones().into()
}

/// The work the service does, forever.
async fn trade() {
    let symbols = ["ACME", "GLOBEX", "INITECH"];
    for tick in 0u64.. {
        let mut prices = Vec::new();
        for symbol in symbols {
            if let Ok(price) = fetch_quote(symbol, tick).await {
                prices.push(price);
            }
        }
        checksum(build_report(&prices).await);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Answers one HTTP/1.1 request: the exposition on `GET /metrics`, 404 elsewhere.
async fn serve_one(mut stream: TcpStream) -> std::io::Result<()> {
    let mut request = vec![0; 8192];
    let mut read = 0;
    while !request[..read].windows(4).any(|w| w == b"\r\n\r\n") && read < request.len() {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut request[read..]))
            .await??;
        if n == 0 {
            return Ok(());
        }
        read += n;
    }
    let head = String::from_utf8_lossy(&request[..read]);
    let (status, content_type, body) = match head.split_whitespace().take(2).collect::<Vec<_>>()[..]
    {
        ["GET", "/metrics"] => (
            "200 OK",
            metrics_runtime::TEXT_CONTENT_TYPE,
            metrics_runtime::gather_text(),
        ),
        _ => ("404 Not Found", "text/plain", "try /metrics\n".to_owned()),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::var("QUICKSTART_ADDR").unwrap_or_else(|_| "127.0.0.1:9201".to_owned());
    let listener = TcpListener::bind(&addr).await?;
    println!(
        "serving metrics on http://{}/metrics (Ctrl-C to stop)",
        listener.local_addr()?
    );

    tokio::spawn(trade());
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _) = accepted?;
                tokio::spawn(async move {
                    if let Err(err) = serve_one(stream).await {
                        eprintln!("metrics request failed: {err}");
                    }
                });
            }
            _ = tokio::signal::ctrl_c() => {
                println!("stopped");
                return Ok(());
            }
        }
    }
}
