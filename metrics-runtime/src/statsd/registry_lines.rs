//! A registry's samples as StatsD lines: counters as the increase since
//! the last reading, gauges as their value, histograms and summaries as the
//! increase of their `_count` and `_sum`.

use std::collections::HashMap;

use prometheus::proto::{MetricFamily, MetricType};

use super::line::{write_line, Kind};
use crate::gathered;

/// The last value sent of each counter, to send increases.
#[derive(Default)]
pub(crate) struct Increases {
    /// Each counter's last value, and the reading that saw it last.
    last: HashMap<String, (f64, u64)>,
    /// The number of this reading: series not seen in it are forgotten.
    reading: u64,
}

/// A sample: its name, labels and value.
struct Sample<'a> {
    name: &'a str,
    suffix: &'static str,
    labels: &'a [(&'a str, &'a str)],
    value: f64,
}

impl Increases {
    /// Writes one line per sample of `families` through `emit`, with the
    /// exporter's `tags` after each sample's labels.
    pub(crate) fn read(
        &mut self,
        families: &[MetricFamily],
        tags: &[(String, String)],
        emit: &mut dyn FnMut(&[u8]),
    ) {
        self.reading += 1;
        let mut line = Vec::new();
        let mut labels: Vec<(&str, &str)> = Vec::new();
        for family in families {
            for metric in family.get_metric() {
                labels.clear();
                labels.extend(metric.get_label().iter().map(|p| (p.name(), p.value())));
                let sample = |suffix, value| Sample {
                    name: family.name(),
                    suffix,
                    labels: &labels,
                    value,
                };
                let (kind, samples) = match family.get_field_type() {
                    MetricType::COUNTER => (
                        Kind::Counter,
                        vec![sample("", gathered::counter_value(metric))],
                    ),
                    MetricType::GAUGE => {
                        (Kind::Gauge, vec![sample("", gathered::gauge_value(metric))])
                    }
                    MetricType::UNTYPED => (
                        Kind::Gauge,
                        vec![sample("", gathered::untyped_value(metric))],
                    ),
                    MetricType::HISTOGRAM => {
                        let histogram = metric.get_histogram();
                        (
                            Kind::Counter,
                            vec![
                                sample("_count", histogram.get_sample_count() as f64),
                                sample("_sum", histogram.get_sample_sum()),
                            ],
                        )
                    }
                    MetricType::SUMMARY => {
                        let summary = metric.get_summary();
                        (
                            Kind::Counter,
                            vec![
                                sample("_count", summary.sample_count() as f64),
                                sample("_sum", summary.sample_sum()),
                            ],
                        )
                    }
                };
                for sample in samples {
                    line.clear();
                    self.write(&mut line, &sample, kind, tags);
                    emit(&line);
                }
            }
        }
        let reading = self.reading;
        self.last.retain(|_, (_, seen)| *seen == reading);
    }

    fn write(
        &mut self,
        out: &mut Vec<u8>,
        sample: &Sample<'_>,
        kind: Kind,
        tags: &[(String, String)],
    ) {
        let name = [sample.name, sample.suffix];
        let all_tags = || {
            sample
                .labels
                .iter()
                .copied()
                .chain(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        };
        match kind {
            Kind::Counter => {
                let key = series_key(&name, sample.labels);
                let last = self.last.insert(key, (sample.value, self.reading));
                // A counter that went down was reset: all of it is new.
                let increase = match last {
                    Some((last, _)) if sample.value >= last => sample.value - last,
                    _ => sample.value,
                };
                if increase > 0.0 {
                    write_line(out, &name, increase, Kind::Counter, 1.0, all_tags());
                }
            }
            _ if sample.value < 0.0 => {
                // `-5|g` changes a StatsD gauge by -5: set it to 0 first.
                write_line(out, &name, 0.0, Kind::Gauge, 1.0, all_tags());
                out.push(b'\n');
                write_line(out, &name, sample.value, Kind::Gauge, 1.0, all_tags());
            }
            _ => write_line(out, &name, sample.value, Kind::Gauge, 1.0, all_tags()),
        }
    }
}

/// The name and label pairs, separated by NULs: what tells two series apart.
fn series_key(name: &[&str], labels: &[(&str, &str)]) -> String {
    let mut key = name.concat();
    for (label, value) in labels {
        key.push('\u{0}');
        key.push_str(label);
        key.push('\u{0}');
        key.push_str(value);
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus::{Gauge, IntCounterVec, Opts, Registry};

    fn lines(increases: &mut Increases, registry: &Registry) -> Vec<String> {
        let mut out = Vec::new();
        let tags = [("service".to_owned(), "checkout".to_owned())];
        increases.read(&registry.gather(), &tags, &mut |line| {
            out.extend(
                std::str::from_utf8(line)
                    .unwrap()
                    .lines()
                    .map(str::to_owned),
            )
        });
        out
    }

    #[test]
    fn counters_send_increases_and_gauges_their_value() {
        let registry = Registry::new();
        let jobs = IntCounterVec::new(Opts::new("jobs_total", "Jobs."), &["queue"]).unwrap();
        let depth = Gauge::new("depth", "Depth.").unwrap();
        registry.register(Box::new(jobs.clone())).unwrap();
        registry.register(Box::new(depth.clone())).unwrap();
        let mut increases = Increases::default();
        jobs.with_label_values(&["mail"]).inc_by(3);
        depth.set(-2.0);
        assert_eq!(
            lines(&mut increases, &registry),
            [
                "depth:0|g|#service:checkout",
                "depth:-2|g|#service:checkout",
                "jobs_total:3|c|#queue:mail,service:checkout"
            ]
        );
        jobs.with_label_values(&["mail"]).inc_by(2);
        depth.set(4.0);
        assert_eq!(
            lines(&mut increases, &registry),
            [
                "depth:4|g|#service:checkout",
                "jobs_total:2|c|#queue:mail,service:checkout"
            ]
        );
        // No increase, no line; a removed series is forgotten.
        assert_eq!(
            lines(&mut increases, &registry),
            ["depth:4|g|#service:checkout"]
        );
        jobs.remove_label_values(&["mail"]).unwrap();
        lines(&mut increases, &registry);
        assert!(increases.last.is_empty());
        jobs.with_label_values(&["mail"]).inc();
        assert_eq!(
            lines(&mut increases, &registry),
            [
                "depth:4|g|#service:checkout",
                "jobs_total:1|c|#queue:mail,service:checkout"
            ]
        );
    }
}
