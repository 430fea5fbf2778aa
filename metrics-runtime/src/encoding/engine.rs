//! One exposition of a registry: the toolkit's own series written straight
//! from their storage, everything else from `gather()`.
//!
//! A `prometheus::Registry` only hands out what its collectors return from
//! `collect`, built as `proto` structs. While an encode runs on a thread,
//! the toolkit's collectors on that thread return instead one small
//! *marker* family per metric family, which stands for samples they will
//! write later ([`defer`]). The registry still merges, sorts, prefixes and
//! labels the markers like any family, so the exposition keeps its order,
//! no family appears twice, and a registry's `new_custom` prefix and
//! labels apply; the encoder then asks each marker's source for its
//! samples, written with labels rendered when each series was created.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use prometheus::proto::{self, MetricFamily, MetricType};
use prometheus::Registry;

use super::direct::{render_pair, DirectFamily};
use super::lines::LineWriter;
use super::{foreign, openmetrics, text, Format};

/// The label that marks a deferred family's stand-in metric.
const MARKER: &str = "__metrics_runtime_deferred__";

/// A source of samples written after the gather.
#[derive(Clone)]
pub(crate) enum Source {
    Static(&'static dyn DirectFamily),
    Shared(Arc<dyn DirectFamily>),
}

impl Source {
    fn family(&self) -> &dyn DirectFamily {
        match self {
            Source::Static(family) => *family,
            Source::Shared(family) => &**family,
        }
    }
}

/// A metric family a source announces: the number it knows it by, its
/// name, help and type.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Announced<'a> {
    pub(crate) part: usize,
    pub(crate) name: &'a str,
    pub(crate) help: &'a str,
    pub(crate) kind: MetricType,
}

/// A deferred metric family: its source, its part number, and the
/// values the source read during the gather (a range of the arena).
struct Job {
    source: Source,
    part: usize,
    values: std::ops::Range<usize>,
}

/// Numbers each encode, so that a marker kept from an earlier one (a
/// collector returning a cached `gather()`) is told apart.
static ENCODES: AtomicU64 = AtomicU64::new(0);

/// What a gather collects into while an encode runs on this thread.
#[derive(Default)]
struct Deferred {
    /// This encode's number, in every marker it hands out.
    encode: u64,
    /// In the order the markers name them.
    jobs: Vec<Job>,
    /// Values read by every source, one after the other.
    arena: Vec<u64>,
}

thread_local! {
    /// Set while an encode gathers on this thread.
    static DEFERRED: RefCell<Option<Deferred>> = const { RefCell::new(None) };
    /// Buffers kept from one encode to the next on this thread.
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

#[derive(Default)]
struct Scratch {
    deferred: Deferred,
    labels: String,
    #[cfg(feature = "protobuf")]
    protobuf: super::protobuf::ProtobufScratch,
}

/// Whether an encode is gathering on this thread, so that a collector
/// should [`defer`] rather than build its families.
pub(crate) fn deferring() -> bool {
    DEFERRED.with(|deferred| deferred.borrow().is_some())
}

/// Inside an encode: marker families for `families`, whose samples
/// `source` writes once the gather is over, from the values `read`
/// appends now (one read for all its families, so that they agree);
/// none when `read` says there are no samples, as a gather prunes empty
/// families. Outside an encode: `None`.
pub(crate) fn defer(
    source: Source,
    families: &[Announced<'_>],
    read: impl FnOnce(&mut Vec<u64>) -> bool,
) -> Option<Vec<MetricFamily>> {
    DEFERRED.with(|deferred| {
        let mut deferred = deferred.borrow_mut();
        let Deferred {
            encode,
            jobs,
            arena,
        } = deferred.as_mut()?;
        let start = arena.len();
        if !read(arena) {
            arena.truncate(start);
            return Some(Vec::new());
        }
        let values = start..arena.len();
        let markers = families
            .iter()
            .map(|announced| {
                let index = jobs.len();
                let source = source.clone();
                let values = values.clone();
                let part = announced.part;
                jobs.push(Job {
                    source,
                    part,
                    values,
                });
                marker(announced, *encode, index)
            })
            .collect();
        Some(markers)
    })
}

fn marker(announced: &Announced<'_>, encode: u64, index: usize) -> MetricFamily {
    let mut pair = proto::LabelPair::default();
    pair.set_name(MARKER.to_owned());
    pair.set_value(format!("{encode}:{index}"));
    let mut metric = proto::Metric::default();
    metric.set_label(vec![pair]);
    let mut family = MetricFamily::default();
    family.set_name(announced.name.to_owned());
    family.set_help(announced.help.to_owned());
    family.set_field_type(announced.kind);
    family.set_metric(vec![metric]);
    family
}

/// Runs `f` (a gather that must see real samples) with no deferral on
/// this thread, and restores it after.
pub(crate) fn paused<T>(f: impl FnOnce() -> T) -> T {
    let deferral = Deferral {
        previous: DEFERRED.with(|deferred| deferred.borrow_mut().take()),
    };
    let result = f();
    drop(deferral);
    result
}

/// Ends the deferral when dropped, even if a collector panics.
struct Deferral {
    previous: Option<Deferred>,
}

impl Deferral {
    fn begin(deferred: Deferred) -> Deferral {
        let previous = DEFERRED.with(|current| current.borrow_mut().replace(deferred));
        Deferral { previous }
    }

    fn end(mut self) -> Deferred {
        let previous = self.previous.take();
        DEFERRED
            .with(|deferred| std::mem::replace(&mut *deferred.borrow_mut(), previous))
            .unwrap_or_default()
    }
}

impl Drop for Deferral {
    fn drop(&mut self) {
        let previous = self.previous.take();
        DEFERRED.with(|deferred| *deferred.borrow_mut() = previous);
    }
}

/// Appends `registry`'s exposition in `format` to `out`.
pub(crate) fn encode_into(registry: &Registry, format: Format, out: &mut Vec<u8>) {
    let mut scratch = SCRATCH.with(|scratch| std::mem::take(&mut *scratch.borrow_mut()));
    crate::registration::settle();
    let mut deferred = std::mem::take(&mut scratch.deferred);
    deferred.encode = ENCODES.fetch_add(1, Ordering::Relaxed);
    let deferral = Deferral::begin(deferred);
    let families = registry.gather();
    scratch.deferred = deferral.end();
    for family in &families {
        write_family(out, format, family, &mut scratch);
    }
    if format == Format::OpenMetrics {
        out.extend_from_slice(b"# EOF\n");
    }
    // Sources are released; the capacity stays for the next encode.
    scratch.deferred.jobs.clear();
    scratch.deferred.arena.clear();
    SCRATCH.with(|kept| *kept.borrow_mut() = scratch);
}

fn write_family(out: &mut Vec<u8>, format: Format, family: &MetricFamily, scratch: &mut Scratch) {
    match format {
        Format::Text => {
            text::write_header(out, family);
            write_lines(out, format, family, "", scratch);
        }
        Format::OpenMetrics => {
            openmetrics::write_header(out, family);
            let counter_suffix = openmetrics::counter_suffix(family.name());
            write_lines(out, format, family, counter_suffix, scratch);
        }
        #[cfg(feature = "protobuf")]
        Format::Protobuf => write_protobuf(out, family, scratch),
    }
}

/// The sample lines of `family`, in text or OpenMetrics.
fn write_lines(
    out: &mut Vec<u8>,
    format: Format,
    family: &MetricFamily,
    counter_suffix: &str,
    scratch: &mut Scratch,
) {
    let (name, kind) = (family.name(), family.get_field_type());
    for metric in family.get_metric() {
        let job = match marked(metric, scratch.deferred.encode, &scratch.deferred.jobs) {
            Marked::Job(job) => &scratch.deferred.jobs[job],
            Marked::Stale => continue,
            Marked::Foreign => {
                foreign::write_metric(out, format, kind, name, metric, &mut scratch.labels);
                continue;
            }
        };
        scratch.labels.clear();
        for (name, value) in common_labels(metric) {
            render_pair(&mut scratch.labels, name, value);
        }
        let mut lines = LineWriter {
            out,
            name,
            counter_suffix,
            common: &scratch.labels,
            exemplars: format == Format::OpenMetrics,
        };
        let values = &scratch.deferred.arena[job.values.clone()];
        job.source
            .family()
            .write_samples(job.part, values, &mut lines);
    }
}

/// `family` as one length-delimited protobuf `MetricFamily`.
#[cfg(feature = "protobuf")]
fn write_protobuf(out: &mut Vec<u8>, family: &MetricFamily, scratch: &mut Scratch) {
    use super::protobuf::{self, DelimitedFamily, GatheredScratch, ProtobufSamples};
    let kind = protobuf::model_type(family.get_field_type());
    let mut delimited = DelimitedFamily::begin(out, family.name(), family.help(), kind, None);
    let mut gathered = GatheredScratch::default();
    for metric in family.get_metric() {
        let job = match marked(metric, scratch.deferred.encode, &scratch.deferred.jobs) {
            Marked::Job(job) => &scratch.deferred.jobs[job],
            Marked::Stale => continue,
            Marked::Foreign => {
                protobuf::write_gathered_metric(&mut delimited, kind, metric, &mut gathered);
                continue;
            }
        };
        // Empty, and so not allocated, unless the registry adds labels.
        let common: Vec<(&str, &str)> = common_labels(metric).collect();
        let mut samples = ProtobufSamples {
            family: &mut delimited,
            common: &common,
            scratch: &mut scratch.protobuf,
        };
        let values = &scratch.deferred.arena[job.values.clone()];
        job.source
            .family()
            .write_samples(job.part, values, &mut samples);
    }
    delimited.finish();
}

/// The labels a registry added to a marker metric (`Registry::new_custom`).
fn common_labels(metric: &proto::Metric) -> impl Iterator<Item = (&str, &str)> {
    metric
        .get_label()
        .iter()
        .filter(|pair| pair.name() != MARKER)
        .map(|pair| (pair.name(), pair.value()))
}

/// What a metric is: a marker of this encode (its job), a stale marker
/// of another one, or a foreign metric.
enum Marked {
    Job(usize),
    Stale,
    Foreign,
}

/// What `metric` stands for in the encode numbered `encode`.
fn marked(metric: &proto::Metric, encode: u64, jobs: &[Job]) -> Marked {
    let Some(pair) = metric.get_label().iter().find(|pair| pair.name() == MARKER) else {
        return Marked::Foreign;
    };
    let job = pair
        .value()
        .split_once(':')
        .filter(|(number, _)| number.parse() == Ok(encode))
        .and_then(|(_, index)| index.parse::<usize>().ok())
        .filter(|&index| index < jobs.len());
    match job {
        Some(index) => Marked::Job(index),
        None => {
            static LOGGED: AtomicBool = AtomicBool::new(false);
            if !LOGGED.swap(true, Ordering::Relaxed) {
                log::warn!(
                    "a collector returned families gathered during an earlier scrape; \
                     their toolkit series are left out (gather them in `collect`, not before)"
                );
            }
            Marked::Stale
        }
    }
}
