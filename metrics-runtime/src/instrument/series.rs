//! One label set of an instrumented function: its counters and histogram.

use std::sync::{Arc, OnceLock};

use super::error_kinds::ErrorKinds;
use super::exemplar_slots::ExemplarSlots;
use super::guard::Outcome;
use super::native::{NativeBuckets, NativeReading};
use super::sampling::SampleRate;
use super::striped::Striped;
use super::table::LabelValues;
use crate::encoding::direct::{render_pair, LabelPairs};

/// What every series of one family shares.
#[derive(Debug)]
pub(crate) struct SeriesShape {
    /// The declared label names, for the rendered labels of each series.
    label_names: Box<[&'static str]>,
    /// Finite histogram bounds; empty when the duration is not measured.
    bounds_nanos: Box<[u64]>,
    tracks_in_flight: bool,
    measures_duration: bool,
    /// Whether the histogram has native buckets.
    native: bool,
    /// Which calls have their duration observed.
    sample: SampleRate,
    /// `N_errors_total{…, kind}`, with `error_kind`.
    error_kinds: Option<ErrorKinds>,
    /// The family's name and constant labels, for exporters that send
    /// each call (StatsD).
    naming: Naming,
}

/// The name of a family of series (`N`, without suffix) and its constant
/// labels.
#[derive(Debug, Default)]
pub(crate) struct Naming {
    pub(crate) name: Box<str>,
    pub(crate) const_labels: Box<[(Box<str>, Box<str>)]>,
}

// Counter cells of a series. One add records both the result and the
// histogram bucket: a row of buckets per result, `ok` and `error`, and one
// shared by the rare `panic` and `cancelled`, which also count themselves.
// Each row ends in a column for calls whose duration was not sampled: they
// count towards their result, not towards the histogram.
const STARTED: usize = 0;
const SUM_NANOS: usize = 1;
const PANICS: usize = 2;
const CANCELLATIONS: usize = 3;
const HEADER: usize = 4;
const OK_ROW: usize = 0;
const ERROR_ROW: usize = 1;
const RARE_ROW: usize = 2;
const ROWS: usize = 3;

impl SeriesShape {
    pub(crate) fn new(
        label_names: &[&'static str],
        bounds_nanos: Vec<u64>,
        measures_duration: bool,
        native: bool,
        tracks_in_flight: bool,
        sample: SampleRate,
        error_kinds: Option<ErrorKinds>,
    ) -> Self {
        SeriesShape {
            label_names: label_names.into(),
            bounds_nanos: if measures_duration {
                bounds_nanos.into()
            } else {
                Box::default()
            },
            tracks_in_flight,
            measures_duration,
            native: native && measures_duration,
            sample,
            error_kinds,
            naming: Naming::default(),
        }
    }

    /// This shape, for the family `name` with `const_labels`.
    pub(crate) fn named(mut self, name: &str, const_labels: &[(String, String)]) -> Self {
        self.naming = Naming {
            name: name.into(),
            const_labels: const_labels
                .iter()
                .map(|(name, value)| (name.as_str().into(), value.as_str().into()))
                .collect(),
        };
        self
    }

    /// The family's name and constant labels.
    pub(crate) fn naming(&self) -> &Naming {
        &self.naming
    }

    /// The declared label names.
    pub(crate) fn label_names(&self) -> &[&'static str] {
        &self.label_names
    }

    /// The share of calls whose duration is observed, in (0, 1].
    pub(crate) fn sample_share(&self) -> f64 {
        self.sample.share()
    }

    pub(crate) fn error_kinds(&self) -> Option<&ErrorKinds> {
        self.error_kinds.as_ref()
    }

    /// Buckets per row, `+Inf` included.
    fn buckets(&self) -> usize {
        self.bounds_nanos.len() + 1
    }

    /// Cells per row: the buckets and the unsampled column.
    fn columns(&self) -> usize {
        self.buckets() + 1
    }

    fn cells(&self) -> usize {
        HEADER + ROWS * self.columns()
    }

    fn cell(&self, row: usize, column: usize) -> usize {
        HEADER + row * self.columns() + column
    }

    #[inline]
    fn bucket_of(&self, nanos: u64) -> usize {
        self.bounds_nanos
            .iter()
            .position(|&bound| nanos <= bound)
            .unwrap_or(self.bounds_nanos.len())
    }
}

/// The live numbers of one label set.
///
/// A call costs three uncontended atomic adds on its thread's stripe:
/// calls started, one result-and-bucket cell, and the duration sum in whole
/// nanoseconds (no compare-and-swap loop). The in-flight gauge is read as
/// started minus finished.
#[derive(Debug)]
pub(crate) struct Series {
    values: Box<[Box<str>]>,
    /// `name="value",…` of the declared labels, escaped, for the exposition.
    text: Box<str>,
    shape: Arc<SeriesShape>,
    counters: Striped,
    /// Native histogram buckets, when the family has them.
    native: Option<Box<NativeBuckets>>,
    /// Exemplars, once an exemplar source gives one.
    exemplars: OnceLock<Box<ExemplarSlots>>,
    /// The next series whose label values hash the same (see `SeriesTable`).
    next_with_hash: OnceLock<&'static Series>,
    /// The series created after this one in its table.
    next_born: OnceLock<&'static Series>,
}

/// The labels of a series as the exposition writes them.
pub(crate) struct SeriesLabels<'a> {
    names: &'a [&'static str],
    values: &'a [Box<str>],
    text: &'a str,
}

impl LabelPairs for SeriesLabels<'_> {
    fn text(&self) -> &[u8] {
        self.text.as_bytes()
    }

    fn for_each_pair<'p>(&'p self, each: &mut dyn FnMut(&'p str, &'p str)) {
        for (name, value) in self.names.iter().zip(self.values) {
            each(name, value);
        }
    }
}

/// What one read of a series gives besides its buckets.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Reading {
    outcomes: [u64; Outcome::COUNT],
    in_flight: u64,
    /// Calls in the histogram: finished, and sampled.
    count: u64,
    sum_nanos: u64,
}

/// A series as one gather read it, kept in a `u64` arena: results, in
/// flight, histogram count, sum in nanoseconds, cumulative buckets.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Record<'a> {
    classic: &'a [u64],
    native: Option<NativeReading<'a>>,
}

const RECORD_IN_FLIGHT: usize = Outcome::COUNT;
const RECORD_COUNT: usize = RECORD_IN_FLIGHT + 1;
const RECORD_SUM_NANOS: usize = RECORD_COUNT + 1;
const RECORD_HEADER: usize = RECORD_SUM_NANOS + 1;

/// Reads of a series' native buckets before a scrape leaves them out.
const NATIVE_READS: usize = 4;

impl<'a> Record<'a> {
    /// The record at the start of `values`, and what follows it; `None`
    /// when `values` is too short to hold one of `shape`.
    fn split(values: &'a [u64], shape: &SeriesShape) -> Option<(Self, &'a [u64])> {
        let len = RECORD_HEADER + shape.buckets();
        if values.len() < len {
            return None;
        }
        let (classic, rest) = values.split_at(len);
        let (native, rest) = match shape.native {
            true => NativeReading::split_optional(rest)?,
            false => (None, rest),
        };
        Some((Record { classic, native }, rest))
    }

    /// The native buckets, when the family has them.
    pub(crate) fn native(self) -> Option<NativeReading<'a>> {
        self.native
    }

    pub(crate) fn outcome(self, outcome: Outcome) -> u64 {
        self.classic[outcome as usize]
    }

    pub(crate) fn in_flight(self) -> u64 {
        self.classic[RECORD_IN_FLIGHT]
    }

    pub(crate) fn count(self) -> u64 {
        self.classic[RECORD_COUNT]
    }

    pub(crate) fn sum_seconds(self) -> f64 {
        self.classic[RECORD_SUM_NANOS] as f64 / 1e9
    }

    /// Cumulative counts, one per finite bound and then `+Inf`.
    pub(crate) fn cumulative(self) -> &'a [u64] {
        &self.classic[RECORD_HEADER..]
    }
}

/// A copy of a [`Series`] taken at scrape time.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SeriesValues {
    pub(crate) outcomes: [u64; Outcome::COUNT],
    pub(crate) in_flight: u64,
    /// Cumulative counts, one per finite bound and then `+Inf`.
    pub(crate) cumulative_buckets: Vec<u64>,
    pub(crate) sum_seconds: f64,
}

impl Series {
    /// A zeroed series for `values`.
    pub(crate) fn new(values: LabelValues<'_>, shape: &Arc<SeriesShape>) -> Self {
        let mut text = String::new();
        for (name, value) in shape.label_names.iter().zip(values.iter()) {
            render_pair(&mut text, name, value);
        }
        Series {
            values: values.iter().map(Box::from).collect(),
            text: text.into(),
            shape: Arc::clone(shape),
            counters: Striped::new(shape.cells()),
            native: shape.native.then(|| Box::new(NativeBuckets::new())),
            exemplars: OnceLock::new(),
            next_with_hash: OnceLock::new(),
            next_born: OnceLock::new(),
        }
    }

    /// Its labels, rendered when it was created.
    pub(crate) fn labels(&self) -> SeriesLabels<'_> {
        SeriesLabels {
            names: &self.shape.label_names,
            values: &self.values,
            text: &self.text,
        }
    }

    /// Its [`Record`] at the start of `values` (read by
    /// [`read_record`](Series::read_record)), and what follows it.
    pub(crate) fn record<'a>(&self, values: &'a [u64]) -> Option<(Record<'a>, &'a [u64])> {
        Record::split(values, &self.shape)
    }

    /// The series created after this one in its table.
    pub(crate) fn next_born(&self) -> &OnceLock<&'static Series> {
        &self.next_born
    }

    pub(crate) fn values(&self) -> &[Box<str>] {
        &self.values
    }

    /// What every series of its family shares.
    pub(crate) fn shape(&self) -> &SeriesShape {
        &self.shape
    }

    pub(crate) fn has_values(&self, values: LabelValues<'_>) -> bool {
        self.values.len() == values.len()
            && self
                .values
                .iter()
                .zip(values.iter())
                .all(|(own, other)| **own == *other)
    }

    /// The series after this one with the same hash.
    pub(crate) fn next_with_hash(&self) -> &OnceLock<&'static Series> {
        &self.next_with_hash
    }

    /// Whether this call's duration is observed: measured, and sampled.
    #[inline]
    pub(crate) fn samples_this_call(&self) -> bool {
        self.shape.measures_duration && self.shape.sample.draw()
    }

    #[inline]
    pub(crate) fn record_start(&self) {
        if self.shape.tracks_in_flight {
            self.counters.local().add(STARTED, 1);
        }
    }

    #[inline]
    pub(crate) fn record_finish(&self, outcome: Outcome, elapsed_nanos: Option<u64>) {
        let stripe = self.counters.local();
        let column = match elapsed_nanos {
            Some(nanos) => self.shape.bucket_of(nanos),
            None if self.shape.measures_duration => self.shape.buckets(),
            None => 0,
        };
        let row = match outcome {
            Outcome::Ok => OK_ROW,
            Outcome::Error => ERROR_ROW,
            Outcome::Panic | Outcome::Cancelled => RARE_ROW,
        };
        stripe.add(self.shape.cell(row, column), 1);
        match outcome {
            Outcome::Panic => stripe.add(PANICS, 1),
            Outcome::Cancelled => stripe.add(CANCELLATIONS, 1),
            Outcome::Ok | Outcome::Error => {}
        }
        if let Some(nanos) = elapsed_nanos {
            stripe.add(SUM_NANOS, nanos);
            // Last: a scrape that sees it sees the classic count too.
            if let Some(native) = &self.native {
                native.record(nanos);
            }
        }
        if crate::exemplars::installed() {
            self.keep_exemplar(outcome, elapsed_nanos.map(|nanos| (column, nanos)));
        }
    }

    /// Asks the exemplar source for the current trace and keeps it; out of
    /// line, so that a call without a source pays one relaxed load.
    #[cold]
    #[inline(never)]
    fn keep_exemplar(&self, outcome: Outcome, bucket: Option<(usize, u64)>) {
        let Some(trace) = crate::exemplars::current() else {
            return;
        };
        let slots = self
            .exemplars
            .get_or_init(|| Box::new(ExemplarSlots::new(self.shape.buckets())));
        slots.keep(
            trace,
            outcome,
            bucket.filter(|_| self.shape.measures_duration),
        );
    }

    /// Its exemplars, once it has any.
    pub(crate) fn exemplars(&self) -> Option<&ExemplarSlots> {
        self.exemplars.get().map(|slots| &**slots)
    }

    /// Counts an error of `kind` in `N_errors_total`, when it is kept.
    pub(crate) fn record_error_kind(&self, kind: &str) {
        if let Some(error_kinds) = &self.shape.error_kinds {
            let values: Vec<&str> = self.values.iter().map(|v| &**v).chain([kind]).collect();
            error_kinds.inc(&values);
        }
    }

    pub(crate) fn read(&self) -> SeriesValues {
        let mut cumulative_buckets = vec![0; self.shape.buckets()];
        let reading = self.read_into(&mut Vec::new(), &mut cumulative_buckets);
        SeriesValues {
            outcomes: reading.outcomes,
            in_flight: reading.in_flight,
            cumulative_buckets,
            sum_seconds: reading.sum_nanos as f64 / 1e9,
        }
    }

    /// Appends the series' [`Record`] to `arena`; `cells` is scratch space.
    pub(crate) fn read_record(&self, cells: &mut Vec<u64>, arena: &mut Vec<u64>) {
        let header = arena.len();
        let classic = header + RECORD_HEADER + self.shape.buckets();
        arena.resize(classic, 0);
        let Some(native) = &self.native else {
            self.read_classic(cells, &mut arena[header..classic]);
            return;
        };
        // Prometheus rejects native buckets that do not add up to the
        // count. Read them first (the count read after holds them all),
        // then the count; a call that finished in between makes the two
        // differ: read again, and after a few tries leave the native
        // buckets out of this scrape.
        for _ in 0..NATIVE_READS {
            arena.truncate(classic);
            native.read_into(arena);
            let count = self.read_classic(cells, &mut arena[header..classic]);
            let read = NativeReading::split(&arena[classic..]).map(|(native, _)| native);
            if read.is_some_and(|native| native.total() == count) {
                return;
            }
        }
        arena.truncate(classic);
        NativeReading::write_absent(arena);
    }

    /// Reads the classic record into `record` (header and buckets); its count.
    fn read_classic(&self, cells: &mut Vec<u64>, record: &mut [u64]) -> u64 {
        let (record, cumulative) = record.split_at_mut(RECORD_HEADER);
        let reading = self.read_into(cells, cumulative);
        record[..Outcome::COUNT].copy_from_slice(&reading.outcomes);
        record[RECORD_IN_FLIGHT] = reading.in_flight;
        record[RECORD_COUNT] = reading.count;
        record[RECORD_SUM_NANOS] = reading.sum_nanos;
        reading.count
    }

    /// Reads the series, its cumulative buckets into `cumulative` (one per
    /// bucket); `cells` is scratch space.
    fn read_into(&self, cells: &mut Vec<u64>, cumulative: &mut [u64]) -> Reading {
        // One read of each cell, finished counts before calls started: a
        // call that finishes meanwhile shows as still in flight, never as a
        // negative gauge, and the totals agree with the histogram's count.
        self.counters.totals_into(cells);
        let cells = &*cells;
        let buckets = self.shape.buckets();
        let columns = self.shape.columns();
        let row = |row: usize| &cells[self.shape.cell(row, 0)..self.shape.cell(row, 0) + columns];
        let outcomes = [
            row(OK_ROW).iter().sum(),
            row(ERROR_ROW).iter().sum(),
            cells[PANICS],
            cells[CANCELLATIONS],
        ];
        // A panic or cancellation adds to its row and then to its own
        // counter, so the two can be read a call apart: the histogram's
        // count is the calls counted by result, and no bucket exceeds it,
        // so `_count` always equals the sum of `_total` (both stay
        // monotonic: each is the minimum of two monotonic counts).
        // With sampling, the histogram holds the sampled calls only.
        let finished: u64 = outcomes.iter().sum();
        let unsampled: u64 = (0..ROWS).map(|r| row(r)[buckets]).sum();
        let mut running = 0;
        for (bucket, cumulative) in cumulative.iter_mut().enumerate().take(buckets) {
            running += (0..ROWS).map(|r| row(r)[bucket]).sum::<u64>();
            *cumulative = running.min(finished);
        }
        if let (Some(last), 0) = (cumulative.last_mut(), unsampled) {
            *last = finished;
        }
        let in_flight = if self.shape.tracks_in_flight {
            cells[STARTED].saturating_sub(finished)
        } else {
            0
        };
        Reading {
            outcomes,
            in_flight,
            count: cumulative.last().copied().unwrap_or(0),
            sum_nanos: cells[SUM_NANOS],
        }
    }

    /// Bytes this series takes, counters and label values included.
    pub(crate) fn allocated_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.counters.allocated_bytes()
            + self.text.len()
            + self
                .native
                .as_ref()
                .map_or(0, |native| native.allocated_bytes())
            + self.exemplars().map_or(0, ExemplarSlots::allocated_bytes)
            + self
                .values
                .iter()
                .map(|value| value.len() + std::mem::size_of::<Box<str>>())
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(measures_duration: bool) -> Arc<SeriesShape> {
        Arc::new(SeriesShape::new(
            &["key"],
            vec![1_000, 1_000_000],
            measures_duration,
            false,
            true,
            SampleRate::ALL,
            None,
        ))
    }

    #[test]
    fn durations_land_in_the_first_bucket_that_holds_them() {
        let series = Series::new(LabelValues::All(&["a"]), &shape(true));
        for nanos in [0, 1_000, 1_001, 5_000_000] {
            series.record_start();
            series.record_finish(Outcome::Ok, Some(nanos));
        }
        series.record_start();
        series.record_finish(Outcome::Cancelled, Some(2_000));
        let values = series.read();
        assert_eq!(values.cumulative_buckets, vec![2, 4, 5]);
        assert_eq!(values.outcomes, [4, 0, 0, 1]);
        assert_eq!(values.in_flight, 0);
        assert!((values.sum_seconds - 0.005_004_001).abs() < 1e-12);
    }

    /// Regression: a scrape between a panic's row add and its counter add
    /// showed `_total` and `_count` a call apart.
    #[test]
    fn the_histogram_count_is_the_sum_of_results_mid_record() {
        let series = Series::new(LabelValues::All(&["b"]), &shape(true));
        series.record_start();
        series.record_finish(Outcome::Ok, Some(10));
        // Half of a panic's record: its row, not yet its counter.
        series
            .counters
            .local()
            .add(series.shape.cell(RARE_ROW, 0), 1);
        let values = series.read();
        assert_eq!(values.outcomes.iter().sum::<u64>(), 1);
        assert_eq!(values.cumulative_buckets, vec![1, 1, 1]);
        series.counters.local().add(PANICS, 1);
        let values = series.read();
        assert_eq!(values.outcomes, [1, 0, 1, 0]);
        assert_eq!(values.cumulative_buckets, vec![2, 2, 2]);
    }

    fn native_shape() -> Arc<SeriesShape> {
        Arc::new(SeriesShape::new(
            &["key"],
            vec![1_000, 1_000_000],
            true,
            true,
            true,
            SampleRate::ALL,
            None,
        ))
    }

    #[test]
    fn native_buckets_are_read_only_when_they_add_up_to_the_count() {
        let shape = native_shape();
        let series = Series::new(LabelValues::All(&["n"]), &shape);
        for nanos in [0, 500, 2_000_000] {
            series.record_start();
            series.record_finish(Outcome::Ok, Some(nanos));
        }
        let mut arena = Vec::new();
        series.read_record(&mut Vec::new(), &mut arena);
        let (record, rest) = series.record(&arena).unwrap();
        assert!(rest.is_empty());
        assert_eq!(record.count(), 3);
        assert_eq!(record.native().map(NativeReading::total), Some(3));
        // A native observation without its classic count (a call caught
        // half-recorded at every read): left out, never a mismatch.
        series.native.as_ref().unwrap().record(7);
        let mut arena = Vec::new();
        series.read_record(&mut Vec::new(), &mut arena);
        let (record, rest) = series.record(&arena).unwrap();
        assert!(rest.is_empty());
        assert_eq!(record.count(), 3);
        assert!(record.native().is_none());
    }

    #[test]
    fn in_flight_is_started_minus_finished() {
        let series = Series::new(LabelValues::All(&["c"]), &shape(false));
        series.record_start();
        series.record_start();
        series.record_finish(Outcome::Panic, None);
        series.record_finish(Outcome::Error, None);
        series.record_start();
        let values = series.read();
        assert_eq!(values.in_flight, 1);
        assert_eq!(values.outcomes, [0, 1, 1, 0]);
        assert_eq!(values.cumulative_buckets, vec![2]);
    }
}
