//! The node_exporter textfile collector: the exposition written to a file.
//!
//! [`write()`] replaces the file atomically; [`spawn`] keeps doing so on an interval.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use prometheus::Registry;

use crate::encoding::{try_encode, CollectorPanic, Format};

mod replace;

/// Writes [`encode_text`](crate::encode_text) of `registry` to `path`, atomically.
///
/// The text goes to a temporary file in the same directory (named
/// `.{pid}.{n}.tmp`: hidden, short, and not `*.prom`, so node_exporter
/// never reads it), is synced to disk, then renamed over `path`: a reader
/// sees the old file or the new one, never a part. On an error the
/// temporary file is removed and the error returned; `path` is left as it
/// was.
///
/// - An existing file keeps its permission bits, and its owner and group
///   where the process may set them (root; others: a group they are in).
///   A new file is created `0644` less the process's umask (`0600` under
///   `umask 077`: then a node_exporter running as another user cannot
///   read it).
/// - A symbolic link at `path` is followed: the file it points to is
///   replaced (the temporary file is written beside it) and the link stays.
/// - A collector of `registry` that panics is an error (of kind `Other`);
///   nothing is written.
///
/// ```
/// let registry = prometheus::Registry::new();
/// let jobs = prometheus::IntCounter::new("jobs_total", "Jobs run.").unwrap();
/// registry.register(Box::new(jobs.clone())).unwrap();
/// jobs.inc();
///
/// // In production: the directory of node_exporter's `--collector.textfile.directory`.
/// let dir = std::env::temp_dir().join(format!("textfile-write-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// metrics_runtime::textfile::write(&registry, dir.join("jobs.prom"))?;
///
/// let text = std::fs::read_to_string(dir.join("jobs.prom"))?;
/// assert!(text.ends_with("jobs_total 1\n"));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write(registry: &Registry, path: impl AsRef<Path>) -> io::Result<()> {
    let text = try_encode(Format::Text, registry).map_err(io::Error::other)?;
    replace::replace(path.as_ref(), &text)
}

/// Whether `err` is [`write()`]'s error for a panicking collector.
fn is_collector_panic(err: &io::Error) -> bool {
    err.get_ref()
        .is_some_and(|inner| inner.is::<CollectorPanic>())
}

/// Starts a thread that [`write()`]s `registry` to `path` at once, then every
/// `every` until [`TextfileWriter::stop`] or drop.
///
/// A failed write (a full disk, a missing directory, a collector that
/// panicked) is logged with `log::error!` and tried again at the next tick;
/// the thread keeps going and the file keeps its last contents (its
/// modification time shows how old they are). Panics are also counted:
/// [`TextfileWriter::collector_panics`].
/// `stop`, and dropping the handle, wake the thread at once for a final
/// write, so the file ends with the last values.
///
/// ```
/// use std::time::Duration;
///
/// let registry = prometheus::Registry::new();
/// let jobs = prometheus::IntCounter::new("jobs_total", "Jobs run.").unwrap();
/// registry.register(Box::new(jobs.clone())).unwrap();
///
/// let dir = std::env::temp_dir().join(format!("textfile-spawn-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let writer = metrics_runtime::textfile::spawn(registry, dir.join("jobs.prom"), Duration::from_secs(15));
/// jobs.inc();
/// writer.stop()?; // returns at once, after a final write
///
/// let text = std::fs::read_to_string(dir.join("jobs.prom"))?;
/// assert!(text.ends_with("jobs_total 1\n"));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Panics
///
/// If `every` is zero (as `tokio::time::interval`), or if the thread cannot
/// be created (as [`std::thread::spawn`]).
pub fn spawn(registry: Registry, path: impl Into<PathBuf>, every: Duration) -> TextfileWriter {
    assert!(
        !every.is_zero(),
        "textfile::spawn: the interval `every` must not be zero"
    );
    let path = path.into();
    // The thread waits on `wake` between writes; dropping `stop` wakes it.
    let (stop, wake) = mpsc::channel();
    let panics = Arc::new(AtomicU64::new(0));
    let thread = thread::Builder::new()
        .name("metrics-textfile".to_owned())
        .spawn({
            let (path, panics) = (path.clone(), Arc::clone(&panics));
            move || run(&registry, &path, every, &wake, &panics)
        })
        .expect("cannot start the metrics textfile thread");
    TextfileWriter {
        path,
        every,
        panics,
        stop: Some(stop),
        thread: Some(thread),
    }
}

/// The writer thread: returns the result of the final write.
fn run(
    registry: &Registry,
    path: &Path,
    every: Duration,
    wake: &Receiver<()>,
    panics: &AtomicU64,
) -> io::Result<()> {
    let write_counted = || {
        let result = write(registry, path);
        if result.as_ref().is_err_and(is_collector_panic) {
            panics.fetch_add(1, Ordering::Relaxed);
        }
        result
    };
    let mut failing = false;
    loop {
        let started = Instant::now();
        match write_counted() {
            Ok(()) if failing => {
                log::info!("metrics textfile `{}` written again", path.display());
                failing = false;
            }
            Ok(()) => {}
            Err(err) => {
                log::error!(
                    "cannot write metrics textfile `{}`: {err}; retrying in {every:?}",
                    path.display()
                );
                failing = true;
            }
        }
        // Time spent writing counts towards the interval; a write slower
        // than `every` is followed at once by the next (`recv_timeout(0)`
        // still sees a stop).
        match wake.recv_timeout(every.saturating_sub(started.elapsed())) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    write_counted()
}

/// A thread writing a registry to a textfile on an interval; from [`spawn`].
///
/// Dropping it stops the thread after a final write, as [`stop`](Self::stop)
/// does, and logs that write's error.
pub struct TextfileWriter {
    path: PathBuf,
    every: Duration,
    /// Writes skipped because a collector panicked.
    panics: Arc<AtomicU64>,
    /// Dropped to wake the thread and stop it.
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl TextfileWriter {
    /// The file written to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes skipped so far because a collector of the registry panicked
    /// (each one also logged with `log::error!`).
    pub fn collector_panics(&self) -> u64 {
        self.panics.load(Ordering::Relaxed)
    }

    /// Stops the thread promptly, after a final write; returns that write's result.
    pub fn stop(mut self) -> io::Result<()> {
        self.finish()
    }

    fn finish(&mut self) -> io::Result<()> {
        drop(self.stop.take());
        match self.thread.take() {
            Some(thread) => thread
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the metrics textfile thread panicked"))),
            None => Ok(()),
        }
    }
}

impl Drop for TextfileWriter {
    fn drop(&mut self) {
        if let Err(err) = self.finish() {
            log::error!(
                "cannot write metrics textfile `{}` on drop: {err}",
                self.path.display()
            );
        }
    }
}

impl fmt::Debug for TextfileWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TextfileWriter")
            .field("path", &self.path)
            .field("every", &self.every)
            .field("collector_panics", &self.collector_panics())
            .field(
                "running",
                &self.thread.as_ref().is_some_and(|t| !t.is_finished()),
            )
            .finish_non_exhaustive()
    }
}
