//! The threads that run `collect` functions: a few, shared by every
//! collected metric and reused from scrape to scrape (not a thread per
//! metric per scrape), so that one that panics or hangs never stalls a
//! scrape beyond its budget.

use std::sync::mpsc::{self, Sender};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crate::self_metrics::SkipReason;

/// Computes, and returns how to deliver the result: a thread is back in
/// the pool before the caller hears from it, so that a caller's next
/// function finds it free.
type Job = Box<dyn FnOnce() -> Box<dyn FnOnce() + Send> + Send>;

/// Threads at most: past it, a function whose turn finds every thread busy
/// (with slow functions) is skipped as slow.
const MAX_THREADS: usize = 8;

/// Senders to the threads waiting for work, and how many threads exist.
static POOL: Mutex<(Vec<Sender<Job>>, usize)> = Mutex::new((Vec::new(), 0));

/// Runs `compute` on a pool thread and waits for it at most `budget`.
pub(crate) fn run<T: Send + 'static>(
    compute: impl FnOnce() -> T + Send + 'static,
    budget: Duration,
) -> Result<T, SkipReason> {
    let (answer, answered) = mpsc::sync_channel(1);
    let job: Job = Box::new(move || {
        let value = std::panic::catch_unwind(std::panic::AssertUnwindSafe(compute));
        Box::new(move || {
            let _ = answer.send(value);
        })
    });
    let Some(thread) = idle_thread() else {
        return Err(SkipReason::Slow);
    };
    if thread.send(job).is_err() {
        return Err(SkipReason::Slow);
    }
    match answered.recv_timeout(budget) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(_)) => Err(SkipReason::Panic),
        Err(_) => Err(SkipReason::Slow),
    }
}

/// A thread waiting for work, started if none is and there is room.
fn idle_thread() -> Option<Sender<Job>> {
    let mut pool = POOL.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(thread) = pool.0.pop() {
        return Some(thread);
    }
    if pool.1 >= MAX_THREADS {
        return None;
    }
    let (sender, jobs) = mpsc::channel::<Job>();
    let back = sender.clone();
    std::thread::Builder::new()
        .name("metrics-collect".to_owned())
        .spawn(move || {
            for job in jobs {
                let deliver = job();
                POOL.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
                    .push(back.clone());
                deliver();
            }
        })
        .ok()?;
    pool.1 += 1;
    Some(sender)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_are_reused_and_failures_are_told_apart() {
        let budget = Duration::from_secs(5);
        for i in 0..200 {
            assert_eq!(run(move || i, budget).unwrap(), i);
        }
        let threads = POOL.lock().unwrap().1;
        assert!(
            threads <= 2,
            "{threads} threads for 200 runs one after another"
        );
        assert_eq!(
            run(|| -> u8 { panic!("in a collect function") }, budget).unwrap_err(),
            SkipReason::Panic
        );
        let slow = run(
            || std::thread::sleep(Duration::from_millis(300)),
            Duration::from_millis(10),
        );
        assert_eq!(slow.unwrap_err(), SkipReason::Slow);
        assert_eq!(
            run(|| 7, budget).unwrap(),
            7,
            "another thread while one is busy"
        );
    }
}
