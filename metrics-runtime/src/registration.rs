//! Registering the toolkit's collectors without ever waiting on a gather.
//!
//! `prometheus::Registry::register` takes the registry's write lock, and
//! `gather` holds its read lock while it runs every collector, so a
//! registration made from inside a collector (one that calls an
//! instrumented function, or `T::global()`, for the first time) would
//! wait forever. Lazy registrations therefore run on one worker thread,
//! and the caller waits for them at most [`WAIT`]: a free registry answers
//! in microseconds; inside a gather the caller goes on (its metrics are
//! already recording) and the registration lands when the gather ends.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

type Job = Box<dyn FnOnce() + Send>;

/// How long a caller waits for its registration before going on.
const WAIT: Duration = Duration::from_millis(100);

/// How long a gather waits for the registrations queued before it.
const SETTLE: Duration = Duration::from_secs(1);

/// Registrations sent to the worker and not yet done.
static PENDING: AtomicUsize = AtomicUsize::new(0);

/// Runs `register` on the registration worker and waits for it at most
/// [`WAIT`]. `register` reports its own failures: it may finish after the
/// caller has gone on.
pub(crate) fn register_soon(register: impl FnOnce() + Send + 'static) {
    PENDING.fetch_add(1, Ordering::SeqCst);
    let counted = move || {
        // Done however `register` ends: the worker catches a panic.
        let _done = Done;
        register();
    };
    // No worker thread could be started: register here, as the
    // `prometheus` crate itself would.
    if let Err(job) = run_on_worker(counted, WAIT) {
        job();
    }
}

/// Takes one registration off [`PENDING`] when dropped.
struct Done;

impl Drop for Done {
    fn drop(&mut self) {
        PENDING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// `registry.gather()`, once the registrations queued before it have
/// landed (or [`SETTLE`] has passed): a function called for the first
/// time just before a scrape is in that scrape, even while another,
/// slower scrape held the registration up. With none pending, it goes
/// straight to the registry. Inside an encode (a collector taking a
/// snapshot), it still gathers real samples, not the encode's stand-ins.
pub(crate) fn gather(registry: &prometheus::Registry) -> Vec<prometheus::proto::MetricFamily> {
    settle();
    crate::encoding::engine::paused(|| registry.gather())
}

/// Waits for the registrations queued so far, at most [`SETTLE`].
pub(crate) fn settle() {
    if PENDING.load(Ordering::SeqCst) > 0 {
        // The worker runs jobs in order: this one ends after those queued.
        let _ = run_on_worker(|| {}, SETTLE);
    }
}

/// Runs `job` on the worker and waits for it at most `wait`; gives the
/// job back when there is no worker.
fn run_on_worker(job: impl FnOnce() + Send + 'static, wait: Duration) -> Result<(), Job> {
    let (done, finished) = mpsc::sync_channel::<()>(1);
    send(Box::new(move || {
        job();
        let _ = done.send(());
    }))?;
    let _ = finished.recv_timeout(wait);
    Ok(())
}

fn send(job: Job) -> Result<(), Job> {
    static WORKER: OnceLock<Option<Mutex<Sender<Job>>>> = OnceLock::new();
    let worker = WORKER.get_or_init(|| {
        let (sender, jobs) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("metrics-register".to_owned())
            .spawn(move || {
                for job in jobs {
                    // A job reports its own failures; a panic in one must
                    // not end the worker.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                }
            })
            .ok()
            .map(|_| Mutex::new(sender))
    });
    match worker {
        Some(sender) => sender
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .send(job)
            .map_err(|returned| returned.0),
        None => Err(job),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    #[test]
    fn a_free_registry_is_registered_before_the_caller_goes_on() {
        let registry = prometheus::Registry::new();
        let counter = prometheus::IntCounter::new("soon_total", "Soon.").unwrap();
        let (target, collector) = (registry.clone(), counter.clone());
        register_soon(move || target.register(Box::new(collector)).unwrap());
        counter.inc();
        assert_eq!(registry.gather().len(), 1);
    }

    #[test]
    fn a_registration_from_inside_a_gather_does_not_hang_it() {
        struct Registering {
            registry: prometheus::Registry,
            done: Arc<AtomicBool>,
            desc: prometheus::core::Desc,
        }
        impl prometheus::core::Collector for Registering {
            fn desc(&self) -> Vec<&prometheus::core::Desc> {
                vec![&self.desc]
            }
            fn collect(&self) -> Vec<prometheus::proto::MetricFamily> {
                if !self.done.swap(true, Ordering::SeqCst) {
                    let registry = self.registry.clone();
                    let late = prometheus::IntCounter::new("late_total", "Late.").unwrap();
                    register_soon(move || registry.register(Box::new(late)).unwrap());
                }
                Vec::new()
            }
        }
        let registry = prometheus::Registry::new();
        let desc = prometheus::core::Desc::new("r".into(), "R.".into(), vec![], Default::default())
            .unwrap();
        let done = Arc::new(AtomicBool::new(false));
        registry
            .register(Box::new(Registering {
                registry: registry.clone(),
                done: done.clone(),
                desc,
            }))
            .unwrap();
        let (finished, answer) = mpsc::channel();
        let gathering = registry.clone();
        std::thread::spawn(move || {
            gathering.gather();
            let _ = finished.send(());
        });
        answer
            .recv_timeout(Duration::from_secs(20))
            .expect("the gather finished");
        // The registration landed once the gather ended.
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while !registry
            .gather()
            .iter()
            .any(|family| family.name() == "late_total")
        {
            assert!(
                std::time::Instant::now() < deadline,
                "late_total was never registered"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}
