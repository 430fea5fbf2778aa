//! Instrumented families written straight from their series: read once
//! per gather into records, written with the labels each series rendered
//! when it was created.

use std::cell::RefCell;

use prometheus::proto::MetricType;

use super::function_family::FunctionFamily;
use super::guard::Outcome;
use super::series::Series;
use crate::encoding::direct::{result_pair, HistogramSample, Labels, Number, Samples};
use crate::encoding::engine::Announced;

/// The metric families of an instrumented name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Total = 0,
    Duration = 1,
    InFlight = 2,
}

impl Part {
    pub(crate) const ALL: [Part; 3] = [Part::Total, Part::Duration, Part::InFlight];

    pub(crate) fn from_index(index: usize) -> Option<Part> {
        Part::ALL.get(index).copied()
    }
}

thread_local! {
    /// Counter cells of the series being read, reused.
    static CELLS: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

impl FunctionFamily {
    /// Whether it exports `part`.
    pub(crate) fn has(&self, part: Part) -> bool {
        match part {
            Part::Total => true,
            Part::Duration => self.shape().measures_duration,
            Part::InFlight => self.shape().tracks_in_flight,
        }
    }

    /// `part` as announced to a gather.
    pub(crate) fn announced(&self, part: Part) -> Announced<'_> {
        let (name, help, kind) = match part {
            Part::Total => (&self.names.total, &self.helps.total, MetricType::COUNTER),
            Part::Duration => (
                &self.names.duration,
                &self.helps.duration,
                MetricType::HISTOGRAM,
            ),
            Part::InFlight => (
                &self.names.in_flight,
                &self.helps.in_flight,
                MetricType::GAUGE,
            ),
        };
        Announced {
            part: part as usize,
            name,
            help,
            kind,
        }
    }

    /// Appends a record of every series to `arena`: how many there are,
    /// whether the overflow series follows, then each one's record.
    /// Whether there was any series.
    pub(crate) fn read_records(&self, arena: &mut Vec<u64>) -> bool {
        CELLS.with(|cells| {
            let cells = &mut *cells.borrow_mut();
            let header = arena.len();
            arena.extend([0, 0]);
            let mut count = 0;
            self.series_table().for_each(|series| {
                series.read_record(cells, arena);
                count += 1;
            });
            arena[header] = count;
            if let Some(overflow) = self.overflow_series_if_any() {
                overflow.read_record(cells, arena);
                arena[header + 1] = 1;
            }
            arena[header] + arena[header + 1] > 0
        })
    }

    /// Writes the samples of `part` from the records at the start of
    /// `values`; returns what follows them.
    pub(crate) fn write_part<'v>(
        &self,
        part: Part,
        values: &'v [u64],
        out: &mut dyn Samples,
    ) -> &'v [u64] {
        let [count, overflowed, rest @ ..] = values else {
            return &[];
        };
        let mut rest = rest;
        let mut write = |series: &Series| {
            if let Some((record, after)) = series.record(rest) {
                if self.has(part) {
                    self.write_record(part, series, record, out);
                }
                rest = after;
            }
        };
        let mut left = *count;
        self.series_table().for_each(|series| {
            if left > 0 {
                left -= 1;
                write(series);
            }
        });
        if *overflowed == 1 {
            if let Some(overflow) = self.overflow_series_if_any() {
                write(overflow);
            }
        }
        rest
    }

    fn write_record(
        &self,
        part: Part,
        series: &Series,
        record: super::series::Record<'_>,
        out: &mut dyn Samples,
    ) {
        let series_labels = series.labels();
        let labels = Labels {
            series: &series_labels,
            extra: None,
            constant: &self.constant,
        };
        match part {
            Part::Total => {
                let exemplars = series.exemplars();
                for outcome in Outcome::ALL {
                    let extra = Some(result_pair(outcome.as_str()));
                    let value = Number::Unsigned(record.outcome(outcome));
                    let exemplar = exemplars.and_then(|slots| slots.outcome(outcome));
                    out.counter(Labels { extra, ..labels }, value, exemplar);
                }
            }
            Part::Duration => {
                let histogram = HistogramSample {
                    bounds: &self.bounds,
                    cumulative: record.cumulative(),
                    count: record.count(),
                    sum: record.sum_seconds(),
                    exemplars: series.exemplars().map(|slots| slots as _),
                    native: record.native(),
                };
                out.histogram(labels, histogram);
            }
            Part::InFlight => out.gauge(labels, Number::Unsigned(record.in_flight())),
        }
    }
}
