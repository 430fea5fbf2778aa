//! A socket whose responses must reach the client in time: a client that
//! stops reading fails its connection instead of holding it forever.

use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};

use super::connection::Activity;

/// How long the client may take to receive what the server has to send,
/// counted from the first byte written since the socket was last flushed.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// A [`TcpStream`] whose pending output must be taken within [`WRITE_TIMEOUT`].
///
/// The deadline starts at the first write after a flush and ends at the
/// next complete flush, so it spans a whole response (or several
/// pipelined ones), not a single `write`: a client taking one byte a
/// second cannot stretch it.
pub(super) struct WriteDeadline {
    stream: TcpStream,
    deadline: Pin<Box<Sleep>>,
    armed: bool,
    activity: Arc<Activity>,
}

impl WriteDeadline {
    /// `stream`, reporting to `activity` whether output waits for the client.
    pub(super) fn new(stream: TcpStream, activity: Arc<Activity>) -> WriteDeadline {
        WriteDeadline {
            stream,
            deadline: Box::pin(tokio::time::sleep(WRITE_TIMEOUT)),
            armed: false,
            activity,
        }
    }

    fn arm(&mut self) {
        if !self.armed {
            self.armed = true;
            self.deadline.as_mut().reset(Instant::now() + WRITE_TIMEOUT);
            self.activity.set_unflushed(true);
        }
    }

    fn disarm(&mut self) {
        if self.armed {
            self.armed = false;
            self.activity.set_unflushed(false);
        }
    }

    /// `polled`, unless it is still pending past the deadline. Polling the
    /// timer with `cx` makes sure the connection wakes up when it fires.
    fn in_time<T>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        if polled.is_pending() && self.armed && self.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client did not take the response in time",
            )));
        }
        polled
    }
}

impl AsyncRead for WriteDeadline {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for WriteDeadline {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        this.arm();
        let polled = Pin::new(&mut this.stream).poll_write(cx, buf);
        this.in_time(cx, polled)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        this.arm();
        let polled = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        this.in_time(cx, polled)
    }

    /// Passed on: without it hyper would copy every body into one buffer.
    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.stream).poll_flush(cx);
        if let Poll::Ready(Ok(())) = polled {
            this.disarm();
        }
        this.in_time(cx, polled)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.stream).poll_shutdown(cx);
        this.in_time(cx, polled)
    }
}
