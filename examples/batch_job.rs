//! A nightly import: a batch job that parses a few files with instrumented
//! functions, then pushes its metrics to a Pushgateway once before exiting,
//! since it does not live long enough to be scraped.
//!
//! ```text
//! prometheus-pushgateway --web.listen-address=127.0.0.1:9091 --persistence.file= &
//! cargo run --example batch_job
//! curl -s http://127.0.0.1:9091/metrics | grep 'job="batch_job"'
//! ```
//!
//! Set `PUSHGATEWAY_URL` to push to another Pushgateway on this machine
//! (`http://127.0.0.1:port`; only loopback addresses are accepted).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use metrics_runtime::instrumented;
use metrics_runtime::push::Pushgateway;

/// What the import finds wrong with a record.
#[derive(Debug)]
enum ImportError {
    Malformed,
}

/// The files of tonight's run: `sku,quantity` lines, one of them bad.
const FILES: [(&str, &str); 3] = [
    ("orders-eu.csv", "A-100,3\nA-200,1\nB-7,12\n"),
    ("orders-us.csv", "A-100,9\nC-3,two\nC-4,5\n"),
    ("returns.csv", "A-200,1\n"),
];

/// Parses one `sku,quantity` line.
#[instrumented(name = "import_records", labels(file))]
fn parse_record(file: &str, line: &str) -> Result<(String, u32), ImportError> {
    let (sku, quantity) = line.split_once(',').ok_or(ImportError::Malformed)?;
    let quantity = quantity.parse().map_err(|_| ImportError::Malformed)?;
    Ok((sku.to_owned(), quantity))
}

/// Imports one file: a file with a bad record is rejected whole.
#[instrumented(name = "import_files", labels(file), buckets = [0.01, 0.05, 0.1, 0.5])]
async fn import_file(file: &str, contents: &str) -> Result<u32, ImportError> {
    // Stands in for reading the file and writing the rows somewhere.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let mut units = 0;
    for line in contents.lines() {
        units += parse_record(file, line)?.1;
    }
    Ok(units)
}

/// Whether `url` is `http://` to this machine: the example pushes nowhere else.
fn is_loopback(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[tokio::main]
async fn main() {
    let url =
        std::env::var("PUSHGATEWAY_URL").unwrap_or_else(|_| "http://127.0.0.1:9091".to_owned());
    if !is_loopback(&url) {
        eprintln!("error: PUSHGATEWAY_URL must be http:// to a loopback address, not `{url}`");
        std::process::exit(2);
    }

    let mut imported = 0;
    for (file, contents) in FILES {
        match import_file(file, contents).await {
            Ok(units) => {
                println!("imported {file}: {units} units");
                imported += units;
            }
            Err(err) => println!("rejected {file}: {err:?}"),
        }
    }

    // The usual batch-job gauge: alert when it gets old.
    let finished = prometheus::Gauge::new(
        "batch_job_last_completion_timestamp_seconds",
        "When the batch job last ran to the end, in Unix seconds.",
    )
    .expect("a valid gauge");
    metrics_runtime::registry()
        .register(Box::new(finished.clone()))
        .expect("registered once");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    finished.set(now.as_secs_f64());

    let gateway = Pushgateway::new(url.as_str())
        .job("batch_job")
        .grouping("dataset", "orders");
    match gateway.push(metrics_runtime::registry()).await {
        Ok(()) => println!(
            "imported {imported} units; pushed {} metric families to {url} \
             as job=\"batch_job\", dataset=\"orders\"",
            metrics_runtime::registry().gather().len()
        ),
        Err(err) => {
            eprintln!("error: pushing the metrics to {url} failed: {err}");
            std::process::exit(1);
        }
    }
}
