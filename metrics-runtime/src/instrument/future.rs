//! The future of an instrumented `async fn`: tells a panic in its body from
//! its cancellation.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::guard::{CallState, Guard};

pin_project_lite::pin_project! {
    /// Polls the body of an instrumented `async fn`, then hands back its
    /// output with the call's [`Guard`].
    ///
    /// The guard knows whether the body is being polled: dropped then, the
    /// body panicked (even if the executor catches the panic and drops the
    /// future later); dropped between polls, the call was cancelled (even
    /// while some other code is unwinding).
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
    pub fn new(mut guard: Guard, body: F) -> Self {
        guard.set_state(CallState::AsyncIdle);
        Instrumented { body, guard }
    }
}

impl<F: Future> Future for Instrumented<F> {
    type Output = (F::Output, Guard);

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        this.guard.set_state(CallState::AsyncPolling);
        let polled = this.body.poll(cx);
        this.guard.set_state(CallState::AsyncIdle);
        match polled {
            Poll::Ready(output) => Poll::Ready((output, this.guard.take())),
            Poll::Pending => Poll::Pending,
        }
    }
}
