//! What happens between entering and leaving an instrumented call.

use super::clock;
use super::series::Series;

/// How a call ended: the `result` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Outcome {
    /// Returned normally (`Ok`, or any non-`Result` value).
    Ok = 0,
    /// Returned `Err`, or failed the `ok_if` / `error_if` test.
    Error = 1,
    /// A panic unwound out of the body.
    Panic = 2,
    /// The future was dropped before it completed.
    Cancelled = 3,
}

impl Outcome {
    pub(crate) const COUNT: usize = 4;
    pub(crate) const ALL: [Outcome; Outcome::COUNT] = [
        Outcome::Ok,
        Outcome::Error,
        Outcome::Panic,
        Outcome::Cancelled,
    ];

    /// The value of the `result` label.
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
            Outcome::Panic => "panic",
            Outcome::Cancelled => "cancelled",
        }
    }

    /// `Ok` when `ok` is true, `Error` otherwise.
    #[inline]
    pub const fn from_ok(ok: bool) -> Self {
        if ok {
            Outcome::Ok
        } else {
            Outcome::Error
        }
    }
}

/// An instrumented call in progress.
///
/// [`finish`](Guard::finish) records how it returned. Dropped without it, a
/// sync call was left by a panic; an `async` call (see
/// [`Instrumented`](super::future::Instrumented)) panicked if it was being
/// polled and was cancelled otherwise. Either way the duration is observed
/// and the in-flight gauge goes back down.
#[derive(Debug)]
#[must_use = "a call is measured until its guard is finished or dropped"]
pub struct Guard {
    series: Option<SeriesRef>,
    start: u64,
    /// Whether this call's duration is observed (`start` was read).
    sampled: bool,
    state: CallState,
}

/// The series a call records into: a program's, which lives as long as
/// the program, or a capture's, which lives as long as its last user.
#[derive(Debug)]
pub(crate) enum SeriesRef {
    Static(&'static Series),
    /// Only with `testing`: without it the guard has no drop glue to run.
    #[cfg(feature = "testing")]
    Shared(std::sync::Arc<Series>),
}

impl std::ops::Deref for SeriesRef {
    type Target = Series;

    #[inline]
    fn deref(&self) -> &Series {
        match self {
            SeriesRef::Static(series) => series,
            #[cfg(feature = "testing")]
            SeriesRef::Shared(series) => series,
        }
    }
}

/// What an unfinished guard's drop means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallState {
    /// A sync body: only a panic leaves it without finishing.
    Sync,
    /// A future between polls: dropping it cancels it.
    AsyncIdle,
    /// A future inside `poll`: a drop now comes from a panic in the body.
    AsyncPolling,
}

impl Guard {
    /// A guard that records nothing (recording switched off).
    pub const DISABLED: Guard = Guard {
        series: None,
        start: 0,
        sampled: false,
        state: CallState::Sync,
    };

    #[inline]
    pub(crate) fn start(series: &'static Series) -> Self {
        Guard::start_with(SeriesRef::Static(series))
    }

    /// A call into a series that a capture owns.
    #[cfg(feature = "testing")]
    pub(crate) fn start_shared(series: std::sync::Arc<Series>) -> Self {
        Guard::start_with(SeriesRef::Shared(series))
    }

    #[inline]
    fn start_with(series: SeriesRef) -> Self {
        series.record_start();
        // Unsampled calls read no clock.
        let sampled = series.samples_this_call();
        Guard {
            series: Some(series),
            start: if sampled { clock::now() } else { 0 },
            sampled,
            state: CallState::Sync,
        }
    }

    /// Records the call as ended with `outcome`.
    #[inline]
    pub fn finish(mut self, outcome: Outcome) {
        self.record(outcome);
    }

    /// Records the call as ended with `outcome`, and an error of `kind`
    /// when there is one (`error_kind`) and the call counts as an error:
    /// an `Err` that `ok_if` judged ok is not counted in `N_errors_total`.
    #[inline]
    pub fn finish_with_kind(mut self, outcome: Outcome, kind: Option<&str>) {
        if let (Some(series), Some(kind), Outcome::Error) = (&self.series, kind, outcome) {
            series.record_error_kind(kind);
        }
        self.record(outcome);
    }

    #[inline]
    fn record(&mut self, outcome: Outcome) {
        if let Some(series) = self.series.take() {
            let elapsed = self.sampled.then(|| clock::nanos_since(self.start));
            series.record_finish(outcome, elapsed);
            #[cfg(feature = "statsd")]
            if let Some(nanos) = elapsed.filter(|_| crate::statsd::calls::forwarding()) {
                crate::statsd::calls::forward(crate::statsd::calls::Call {
                    series,
                    outcome,
                    nanos,
                });
            }
        }
    }

    /// This guard, for a call that goes on in a future it returns (a
    /// function returning `impl Future`): dropped before the future
    /// completes, the call was cancelled.
    #[inline]
    pub fn into_async(mut self) -> Guard {
        self.state = CallState::AsyncIdle;
        self
    }

    #[inline]
    pub(crate) fn set_state(&mut self, state: CallState) {
        self.state = state;
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if self.series.is_some() {
            let outcome = match self.state {
                CallState::Sync | CallState::AsyncPolling => Outcome::Panic,
                CallState::AsyncIdle => Outcome::Cancelled,
            };
            self.record(outcome);
        }
    }
}

/// Wraps a return value for classification by autoref specialisation:
/// `(&Classify(&value)).outcome()` picks [`ClassifyResult`] for a `Result`
/// and [`ClassifyAny`] for every other type.
pub struct Classify<'a, T: ?Sized>(pub &'a T);

/// `Ok` → [`Outcome::Ok`], `Err` → [`Outcome::Error`].
pub trait ClassifyResult {
    /// The outcome of the wrapped value.
    fn outcome(&self) -> Outcome;
}

impl<T, E> ClassifyResult for Classify<'_, Result<T, E>> {
    #[inline]
    fn outcome(&self) -> Outcome {
        Outcome::from_ok(self.0.is_ok())
    }
}

/// Any value that is not a `Result` → [`Outcome::Ok`].
pub trait ClassifyAny {
    /// The outcome of the wrapped value.
    fn outcome(&self) -> Outcome;
}

impl<T: ?Sized> ClassifyAny for &Classify<'_, T> {
    #[inline]
    fn outcome(&self) -> Outcome {
        Outcome::Ok
    }
}

/// The kind of error a return value carries, for `error_kind`.
#[diagnostic::on_unimplemented(
    message = "`error_kind` needs a function returning `Result<T, E>` where `E: LabelValue`, not `{Self}`",
    label = "this function's return type",
    note = "derive `metrics_runtime::LabelValue` on the error enum, or implement it by hand"
)]
pub trait ErrorKind {
    /// The label text of the error, if this is one.
    fn error_kind<'a>(&'a self, buf: &'a mut crate::LabelBuf) -> Option<&'a str>;
}

impl<T, E: crate::LabelValue> ErrorKind for Result<T, E> {
    #[inline]
    fn error_kind<'a>(&'a self, buf: &'a mut crate::LabelBuf) -> Option<&'a str> {
        match self {
            Ok(_) => None,
            Err(error) => Some(error.label_value(buf)),
        }
    }
}
