//! The future of an instrumented `async fn`: tells a panic from a cancellation.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::guard::Guard;

pin_project_lite::pin_project! {
    /// Polls the body of an instrumented `async fn` and hands its output
    /// back together with the call's [`Guard`].
    ///
    /// A panic while polling is recorded at once, as the panic leaves
    /// `poll`: executors such as tokio catch it and drop the future later,
    /// when the thread is no longer unwinding, which would otherwise read
    /// as a cancellation.
    #[must_use = "futures do nothing unless polled"]
    pub struct Instrumented<F> {
        #[pin]
        body: F,
        guard: Guard,
    }
}

impl<F> Instrumented<F> {
    /// Measures `body` under `guard`.
    #[inline]
    pub fn new(guard: Guard, body: F) -> Self {
        Instrumented { body, guard }
    }
}

impl<F: Future> Future for Instrumented<F> {
    type Output = (F::Output, Guard);

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let on_panic = PanicSentinel {
            guard: &mut *this.guard,
        };
        let output = match this.body.poll(cx) {
            Poll::Ready(output) => output,
            Poll::Pending => return Poll::Pending,
        };
        drop(on_panic);
        Poll::Ready((output, std::mem::take(this.guard)))
    }
}

/// Drops the guard, which then records a panic, if `poll` unwinds.
struct PanicSentinel<'a> {
    guard: &'a mut Guard,
}

impl Drop for PanicSentinel<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            drop(std::mem::take(self.guard));
        }
    }
}
