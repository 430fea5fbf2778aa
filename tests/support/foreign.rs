//! Collectors a program registers by hand, next to the toolkit's: plain
//! `prometheus` vectors, and the summary and untyped families that only a
//! hand-written collector produces.

use std::collections::HashMap;

use prometheus::core::{Collector, Desc};
use prometheus::{proto, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts, Registry};

/// Registers a counter vector, a counter, a histogram vector and a summary
/// in `registry`, each with a series for every one of `values`.
pub fn register(registry: &Registry, values: &[&str]) {
    let jobs = IntCounterVec::new(
        Opts::new("foreign_jobs_total", "Jobs with \\ backslash,\n\"quotes\""),
        &["queue"],
    )
    .unwrap();
    let restarts = IntCounter::new("foreign_restarts_total", "Restarts.").unwrap();
    let waits = HistogramVec::new(
        HistogramOpts::new("foreign_wait_seconds", "Waits.").buckets(vec![0.5, 1.0]),
        &["queue"],
    )
    .unwrap();
    for value in values {
        jobs.with_label_values(&[value]).inc_by(2);
        waits.with_label_values(&[value]).observe(0.75);
    }
    restarts.inc();
    registry.register(Box::new(jobs)).unwrap();
    registry.register(Box::new(restarts)).unwrap();
    registry.register(Box::new(waits)).unwrap();
    let rpc = Hand::new("foreign_rpc_seconds", proto::MetricType::SUMMARY, values);
    registry.register(Box::new(rpc)).unwrap();
}

/// Registers an untyped family with a series for every one of `values`.
pub fn register_untyped(registry: &Registry, values: &[&str]) {
    let legacy = Hand::new("foreign_legacy", proto::MetricType::UNTYPED, values);
    registry.register(Box::new(legacy)).unwrap();
}

/// A family of one type, labelled `method`, written by hand.
struct Hand {
    desc: Desc,
    kind: proto::MetricType,
    values: Vec<String>,
}

impl Hand {
    fn new(name: &str, kind: proto::MetricType, values: &[&str]) -> Hand {
        let (help, labels) = ("Written by hand.".to_owned(), vec!["method".to_owned()]);
        Hand {
            desc: Desc::new(name.to_owned(), help, labels, HashMap::new()).unwrap(),
            kind,
            values: values.iter().map(|value| value.to_string()).collect(),
        }
    }
}

impl Collector for Hand {
    fn desc(&self) -> Vec<&Desc> {
        vec![&self.desc]
    }

    fn collect(&self) -> Vec<proto::MetricFamily> {
        let metrics = self.values.iter().enumerate().map(|(i, value)| {
            let mut label = proto::LabelPair::default();
            label.set_name("method".to_owned());
            label.set_value(value.clone());
            // An untyped sample has no setter both `proto` models share:
            // left unset, it is 0 in either.
            let mut metric = proto::Metric::from_label(vec![label]);
            if self.kind == proto::MetricType::SUMMARY {
                let sum = i as f64 * 0.25;
                let quantiles = [(0.5, sum / 4.0), (0.99, sum / 2.0)].map(|(q, v)| {
                    let mut quantile = proto::Quantile::default();
                    quantile.set_quantile(q);
                    quantile.set_value(v);
                    quantile
                });
                let mut summary = proto::Summary::default();
                summary.set_sample_count(i as u64);
                summary.set_sample_sum(sum);
                summary.set_quantile(quantiles.to_vec());
                metric.set_summary(summary);
            }
            metric
        });
        let mut family = proto::MetricFamily::default();
        family.set_name(self.desc.fq_name.clone());
        family.set_help(self.desc.help.clone());
        family.set_field_type(self.kind);
        family.set_metric(metrics.collect());
        vec![family]
    }
}
