//! The encoding tables: ns per sample line and its ratios, allocations per
//! scrape, gzip; from criterion's medians and the facts the encoding bench
//! wrote beside them.

use std::path::Path;

use metrics_benches::facts::{facts_path, EncodingFacts};

use super::median;

/// A row of a per-line table: its label and the criterion id.
type Row = [&'static str; 2];

const SCRAPE: &[Row] = &[
    ["ours, text 0.0.4", "scrape/ours_text/10000"],
    ["ours, OpenMetrics 1.0", "scrape/ours_openmetrics/10000"],
    [
        "ours, protobuf (per line of the text exposition)",
        "scrape/ours_protobuf/10000",
    ],
    [
        "`prometheus`: `gather()` + `TextEncoder::encode`",
        "scrape/prometheus_text/10000",
    ],
];

const FAMILY: &[Row] = &[
    ["ours, text 0.0.4", "family/ours_text/100000"],
    [
        "`measured` 0.0.25 `TextEncoder` (labels in a `ParaCord`)",
        "family/measured_text/100000",
    ],
];

/// Prints every encoding table the facts and results allow.
pub fn tables(dir: &Path) {
    let path = facts_path(dir);
    let facts: EncodingFacts = match std::fs::read(&path)
        .ok()
        .and_then(|json| serde_json::from_slice(&json).ok())
    {
        Some(facts) => facts,
        None => {
            println!();
            println!(
                "(no encoding facts at {}: run the encoding bench)",
                path.display()
            );
            return;
        }
    };
    per_line(
        dir,
        &facts,
        "10,000 `#[instrumented]` label sets, one scrape into a reused buffer",
        SCRAPE,
        "÷ `TextEncoder` per line (≤ 0.1)",
    );
    per_line(
        dir,
        &facts,
        "100,000 `Family<L, IntCounter>` counters, one scrape into a reused buffer",
        FAMILY,
        "÷ `measured` per line (≤ 2)",
    );
    allocations(&facts);
    gzip(dir, &facts);
}

/// ns per sample line of each row, and its ratio to the last row's.
fn per_line(dir: &Path, facts: &EncodingFacts, title: &str, rows: &[Row], ratio: &str) {
    let per_line = |id: &str| Some(median(dir, id)? / *facts.lines.get(id)? as f64);
    let reference = rows.last().and_then(|[_, id]| per_line(id));
    println!();
    println!("| {title} | ms/scrape | sample lines | MB | ns/line | {ratio} |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for [label, id] in rows {
        let (Some(ns), Some(lines)) = (median(dir, id), facts.lines.get(*id)) else {
            continue;
        };
        let bytes = facts.bytes.get(*id).copied().unwrap_or_default();
        let line = ns / *lines as f64;
        println!(
            "| {label} | {:.2} | {lines} | {:.1} | {line:.1} | {} |",
            ns / 1e6,
            bytes as f64 / 1e6,
            reference.map_or(String::new(), |r| format!("{:.3}", line / r)),
        );
    }
}

fn allocations(facts: &EncodingFacts) {
    println!();
    println!(
        "| allocations of one encode | label sets | first encode: calls | bytes | later encode, same buffer: calls | bytes |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for row in &facts.allocations {
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            row.what,
            row.label_sets,
            row.first.calls,
            row.first.bytes,
            row.later.calls,
            row.later.bytes,
        );
    }
}

fn gzip(dir: &Path, facts: &EncodingFacts) {
    let text = "scrape/ours_text/10000";
    let (Some(&input), Some(encode)) = (facts.bytes.get(text), median(dir, text)) else {
        return;
    };
    println!();
    println!(
        "| gzip (flate2) of the 10,000-label-set text ({:.1} MB) | ms | ÷ the text encode | compressed MB | compressed ÷ text |",
        input as f64 / 1e6
    );
    println!("| --- | ---: | ---: | ---: | ---: |");
    for (label, id) in [
        ("`Compression::fast()` (the server's)", "gzip/fast/10000"),
        ("`Compression::default()`", "gzip/default/10000"),
    ] {
        let (Some(ns), Some(&bytes)) = (median(dir, id), facts.bytes.get(id)) else {
            continue;
        };
        println!(
            "| {label} | {:.2} | {:.1}× | {:.2} | {:.3} |",
            ns / 1e6,
            ns / encode,
            bytes as f64 / 1e6,
            bytes as f64 / input as f64,
        );
    }
}
