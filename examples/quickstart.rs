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

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::var("QUICKSTART_ADDR").unwrap_or_else(|_| "127.0.0.1:9201".to_owned());
    let server = metrics_runtime::http::serve(addr.as_str()).await?;
    println!(
        "serving metrics on http://{}/metrics (Ctrl-C to stop)",
        server.local_addr()
    );

    let work = tokio::spawn(trade());
    tokio::signal::ctrl_c().await?;
    work.abort();
    server.shutdown().await?;
    println!("stopped");
    Ok(())
}
