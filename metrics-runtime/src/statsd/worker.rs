//! The exporter's thread: it sends each measured call as a timing as it
//! comes, and at every flush the registry's counters and gauges.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use prometheus::Registry;

use super::calls::{Call, CallReceiver};
use super::datagrams::Datagrams;
use super::line::{write_line, Kind};
use super::registry_lines::Increases;

/// The longest the thread waits before it looks at the stop flag again.
const STOP_CHECK: Duration = Duration::from_millis(50);

pub(crate) struct Worker {
    pub(crate) datagrams: Datagrams,
    pub(crate) registry: Registry,
    pub(crate) tags: Vec<(String, String)>,
    pub(crate) calls: Option<CallReceiver>,
    pub(crate) flush_every: Duration,
    pub(crate) stop: Arc<AtomicBool>,
}

impl Worker {
    /// Runs until the stop flag is set, then sends what is queued and
    /// reads the registry once more.
    pub(crate) fn run(mut self) {
        let mut increases = Increases::default();
        let mut line = Vec::new();
        let mut next_flush = Instant::now() + self.flush_every;
        while !self.stop.load(Ordering::Acquire) {
            let now = Instant::now();
            if now >= next_flush {
                self.flush(&mut increases);
                next_flush = now + self.flush_every;
                continue;
            }
            let wait = (next_flush - now).min(STOP_CHECK);
            match &self.calls {
                Some(calls) => {
                    if let Some(call) = calls.next(wait) {
                        self.send_call(&call, &mut line);
                    }
                }
                None => std::thread::sleep(wait),
            }
        }
        while let Some(call) = self.calls.as_ref().and_then(CallReceiver::try_next) {
            self.send_call(&call, &mut line);
        }
        self.flush(&mut increases);
    }

    /// `N_duration:<ms>|ms[|@rate]|#label:value,…,result:<outcome>`.
    fn send_call(&mut self, call: &Call, line: &mut Vec<u8>) {
        let series = &*call.series;
        let shape = series.shape();
        let naming = shape.naming();
        let declared = shape
            .label_names()
            .iter()
            .copied()
            .zip(series.values().iter().map(|value| &**value));
        let constant = naming
            .const_labels
            .iter()
            .map(|(name, value)| (&**name, &**value));
        let exporter = self
            .tags
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()));
        let tags = declared
            .chain([("result", call.outcome.as_str())])
            .chain(constant)
            .chain(exporter);
        line.clear();
        let millis = call.nanos as f64 / 1e6;
        let name = [&*naming.name, "_duration"];
        write_line(
            line,
            &name,
            millis,
            Kind::Timing,
            shape.sample_share(),
            tags,
        );
        self.datagrams.push(line);
    }

    /// Reads the registry into lines, and sends every datagram.
    fn flush(&mut self, increases: &mut Increases) {
        match crate::encoding::collector_panic::try_gather(&self.registry) {
            Ok(families) => {
                let datagrams = &mut self.datagrams;
                increases.read(&families, &self.tags, &mut |line| datagrams.push(line));
            }
            Err(panic) => log::error!("statsd: the registry was not read: {panic}"),
        }
        self.datagrams.flush();
    }
}
