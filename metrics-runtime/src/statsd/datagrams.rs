//! Lines packed into UDP datagrams of at most a set size, sent without
//! blocking.

use std::io::ErrorKind;
use std::net::UdpSocket;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// What was sent, for the exporter's handle.
#[derive(Debug, Default)]
pub(crate) struct Sent {
    pub(crate) datagrams: AtomicU64,
    pub(crate) lines: AtomicU64,
    /// Datagrams the socket refused (nobody listening, buffer full).
    pub(crate) failed: AtomicU64,
}

/// A datagram being filled.
pub(crate) struct Datagrams {
    socket: UdpSocket,
    buffer: Vec<u8>,
    lines: u64,
    max_bytes: usize,
    sent: Arc<Sent>,
}

impl Datagrams {
    /// Datagrams of at most `max_bytes` on `socket` (connected, non-blocking).
    pub(crate) fn new(socket: UdpSocket, max_bytes: usize, sent: Arc<Sent>) -> Datagrams {
        Datagrams {
            socket,
            buffer: Vec::with_capacity(max_bytes),
            lines: 0,
            max_bytes,
            sent,
        }
    }

    /// Adds `line`, sending the datagram first when it would not fit; a
    /// line longer than a datagram goes alone.
    pub(crate) fn push(&mut self, line: &[u8]) {
        if line.is_empty() {
            return;
        }
        if !self.buffer.is_empty() && self.buffer.len() + 1 + line.len() > self.max_bytes {
            self.flush();
        }
        if !self.buffer.is_empty() {
            self.buffer.push(b'\n');
        }
        self.buffer.extend_from_slice(line);
        self.lines += 1;
    }

    /// Sends what is buffered.
    pub(crate) fn flush(&mut self) {
        if self.buffer.is_empty() {
            return;
        }
        match self.socket.send(&self.buffer) {
            Ok(_) => {
                self.sent.datagrams.fetch_add(1, Ordering::Relaxed);
                self.sent.lines.fetch_add(self.lines, Ordering::Relaxed);
            }
            Err(err) => {
                if err.kind() != ErrorKind::ConnectionRefused {
                    log::debug!("statsd: a datagram was not sent: {err}");
                }
                self.sent.failed.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.buffer.clear();
        self.lines = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_packed_under_the_size_and_split_between_datagrams() {
        let receiver = UdpSocket::bind("127.0.0.1:0").unwrap();
        receiver
            .set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.connect(receiver.local_addr().unwrap()).unwrap();
        let sent = Arc::new(Sent::default());
        // "a:1|c\nbb:2|c" is 12 bytes: "ccc:3|c" after it would make 20.
        let mut datagrams = Datagrams::new(socket, 19, Arc::clone(&sent));
        for line in [
            "a:1|c",
            "bb:2|c",
            "ccc:3|c",
            "a_line_longer_than_twenty:1|c",
        ] {
            datagrams.push(line.as_bytes());
        }
        datagrams.flush();
        let mut received = Vec::new();
        let mut buffer = [0u8; 100];
        for _ in 0..3 {
            let len = receiver.recv(&mut buffer).unwrap();
            received.push(String::from_utf8(buffer[..len].to_vec()).unwrap());
        }
        assert_eq!(
            received,
            ["a:1|c\nbb:2|c", "ccc:3|c", "a_line_longer_than_twenty:1|c"]
        );
        assert_eq!(sent.datagrams.load(Ordering::Relaxed), 3);
        assert_eq!(sent.lines.load(Ordering::Relaxed), 4);
    }
}
