use metrics_runtime::{Family, LabelSet, MetricsFamily};

#[derive(LabelSet)]
struct Disk {
    disk: String,
}

fn free_bytes() -> f64 {
    0.0
}

#[derive(MetricsFamily)]
struct Host {
    /// Free bytes by disk, read at every scrape.
    #[metric(collect = free_bytes)]
    free_bytes: Family<Disk, prometheus::Gauge>,
}

fn main() {
    let _ = Host::unregistered();
}
