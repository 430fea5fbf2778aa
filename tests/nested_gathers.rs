//! Gathers made inside a collector during an encode: of another registry,
//! fresh or kept from an earlier scrape, and snapshots. The exposition
//! keeps real values, never writes a family twice, and never shows the
//! encoder's internal stand-ins.

use std::sync::Mutex;

use metrics_runtime::snapshot::Snapshot;
use metrics_runtime::{Family, LabelSet, MetricsFamily};
use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{IntCounter, IntGauge, Registry};

#[derive(LabelSet)]
struct Disk<'a> {
    disk: &'a str,
}

#[derive(MetricsFamily)]
struct Disks {
    /// Bytes free, by disk.
    free_bytes: Family<Disk<'static>, IntGauge>,
    /// Reads, by disk.
    reads_total: Family<Disk<'static>, IntCounter>,
}

/// A collector of `outer` that returns `inner`'s families: gathered anew
/// each time, or once and then kept.
struct Forwarding {
    inner: Registry,
    keep: bool,
    kept: Mutex<Option<Vec<MetricFamily>>>,
    desc: Desc,
}

impl Forwarding {
    fn new(inner: Registry, keep: bool) -> Self {
        let desc = Desc::new(
            "forwarded".into(),
            "Forwarded.".into(),
            vec![],
            Default::default(),
        );
        Forwarding {
            inner,
            keep,
            kept: Mutex::new(None),
            desc: desc.unwrap(),
        }
    }
}

impl Collector for Forwarding {
    fn desc(&self) -> Vec<&Desc> {
        vec![&self.desc]
    }

    fn collect(&self) -> Vec<MetricFamily> {
        if !self.keep {
            return self.inner.gather();
        }
        let mut kept = self.kept.lock().unwrap();
        kept.get_or_insert_with(|| self.inner.gather()).clone()
    }
}

fn disks(registry: &Registry, disk: &'static str, free: i64, reads: u64) {
    let metrics = Disks::register(registry).unwrap();
    metrics.free_bytes.with(&Disk { disk }).set(free);
    metrics.reads_total.with(&Disk { disk }).inc_by(reads);
}

fn lines_with<'t>(text: &'t str, needle: &str) -> Vec<&'t str> {
    text.lines().filter(|line| line.contains(needle)).collect()
}

#[test]
fn a_registry_gathered_inside_a_collector_shows_its_values() {
    let inner = Registry::new();
    disks(&inner, "sda", 5, 2);
    let outer = Registry::new();
    outer
        .register(Box::new(Forwarding::new(inner, false)))
        .unwrap();
    for _ in 0..2 {
        let text = metrics_runtime::encode_text(&outer);
        assert_eq!(
            lines_with(&text, "sda"),
            [
                r#"free_bytes{disk="sda"} 5"#,
                r#"reads_total{disk="sda"} 2"#
            ],
            "{text}"
        );
    }
}

/// Regression: families kept from an earlier scrape held that scrape's
/// stand-ins, which the next one resolved against its own series: another
/// family's samples written twice, or the stand-in itself at 0.
#[test]
fn families_kept_from_an_earlier_scrape_never_show_stand_ins() {
    let inner = Registry::new();
    disks(&inner, "sda", 5, 2);
    let outer = Registry::new();
    outer
        .register(Box::new(Forwarding::new(inner, true)))
        .unwrap();
    disks(&outer, "nvme", 9, 3);
    for _ in 0..3 {
        let text = metrics_runtime::encode_text(&outer);
        assert!(!text.contains("__metrics_runtime"), "{text}");
        assert_eq!(
            lines_with(&text, "nvme"),
            [
                r#"free_bytes{disk="nvme"} 9"#,
                r#"reads_total{disk="nvme"} 3"#
            ],
            "{text}"
        );
        for family in ["free_bytes", "reads_total"] {
            let headers = lines_with(&text, &format!("# TYPE {family} "));
            assert_eq!(headers.len(), 1, "{text}");
        }
    }
}

/// A snapshot taken inside a collector while the registry is encoded.
struct Snapshotting {
    inner: Registry,
    seen: Mutex<Vec<f64>>,
    desc: Desc,
}

impl Collector for Snapshotting {
    fn desc(&self) -> Vec<&Desc> {
        vec![&self.desc]
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let snapshot = Snapshot::of(&self.inner);
        let value = snapshot.gauge("free_bytes", &[("disk", "sda")]);
        self.seen.lock().unwrap().push(value);
        Vec::new()
    }
}

#[test]
fn a_snapshot_inside_a_collector_reads_real_values() {
    let inner = Registry::new();
    disks(&inner, "sda", 7, 1);
    let outer = Registry::new();
    let desc = Desc::new("snap".into(), "Snap.".into(), vec![], Default::default()).unwrap();
    let collector = std::sync::Arc::new(Snapshotting {
        inner,
        seen: Mutex::new(Vec::new()),
        desc,
    });
    struct Shared(std::sync::Arc<Snapshotting>);
    impl Collector for Shared {
        fn desc(&self) -> Vec<&Desc> {
            self.0.desc()
        }
        fn collect(&self) -> Vec<MetricFamily> {
            self.0.collect()
        }
    }
    outer.register(Box::new(Shared(collector.clone()))).unwrap();
    metrics_runtime::encode_openmetrics(&outer);
    assert_eq!(*collector.seen.lock().unwrap(), [7.0]);
}
