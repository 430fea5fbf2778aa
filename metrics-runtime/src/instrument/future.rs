//! The future of an instrumented `async fn`: tells a panic in its body from
//! its cancellation.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::guard::{CallState, Guard};

pin_project_lite::pin_project! {
    /// Polls the body of an instrumented `async fn`, marking the call's
    /// [`Guard`] while it does.
    ///
    /// The guard then knows whether the body is being polled: dropped then,
    /// the body panicked (even if the executor catches the panic and drops
    /// the future later); dropped between polls, the call was cancelled
    /// (even while some other code is unwinding).
    #[must_use = "futures do nothing unless polled"]
    pub struct Instrumented<'g, F> {
        #[pin]
        body: F,
        guard: &'g mut Guard,
    }
}

impl<'g, F> Instrumented<'g, F> {
    /// Measures `body` under `guard`, which stays with the caller.
    #[inline]
    pub fn new(guard: &'g mut Guard, body: F) -> Self {
        guard.set_state(CallState::AsyncIdle);
        Instrumented { body, guard }
    }
}

impl<F: Future> Future for Instrumented<'_, F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        this.guard.set_state(CallState::AsyncPolling);
        let polled = this.body.poll(cx);
        this.guard.set_state(CallState::AsyncIdle);
        polled
    }
}
