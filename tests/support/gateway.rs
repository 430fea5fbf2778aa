//! A tiny fake Pushgateway (or remote-write receiver) on 127.0.0.1:
//! answers every request with one status and body, or with statuses in
//! turn, and keeps the requests it was sent.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{AbortHandle, JoinHandle};

/// A request as the fake gateway received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub body: String,
    /// The request line and headers, as sent.
    pub head: Vec<String>,
    /// The body's bytes.
    pub bytes: Vec<u8>,
}

impl Received {
    /// The value of header `name` (any case), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.iter().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }
}

/// The fake gateway; stops when dropped.
pub struct FakeGateway {
    /// `http://127.0.0.1:port`.
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    task: AbortHandle,
}

impl FakeGateway {
    /// Answers every request `status` with `body`, one connection at a
    /// time, on the current runtime.
    pub async fn start(status: u16, body: &'static str) -> FakeGateway {
        FakeGateway::spawn(vec![status], body).await.0
    }

    /// Answers the requests with `statuses` in turn (and an empty body),
    /// the last one to every request after, on the current runtime.
    pub async fn start_scripted(statuses: &[u16]) -> FakeGateway {
        FakeGateway::spawn(statuses.to_vec(), "").await.0
    }

    /// As [`start`](Self::start), on a thread and runtime of its own: the
    /// test's runtime then does nothing of the gateway's work.
    pub fn start_in_thread(status: u16, body: &'static str) -> FakeGateway {
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async move {
                let (gateway, task) = FakeGateway::spawn(vec![status], body).await;
                let _ = sender.send(gateway);
                let _ = task.await; // until aborted
            });
        });
        receiver.recv().expect("the gateway started")
    }

    async fn spawn(statuses: Vec<u16>, body: &'static str) -> (FakeGateway, JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("bound"));
        let received = Arc::new(Mutex::new(Vec::new()));
        let task = tokio::spawn({
            let received = Arc::clone(&received);
            async move {
                let mut turn = 0;
                while let Ok((stream, _)) = listener.accept().await {
                    let status = statuses[turn.min(statuses.len() - 1)];
                    if answer(stream, status, body, &received).await.is_some() {
                        turn += 1;
                    }
                }
            }
        });
        let gateway = FakeGateway {
            url,
            received,
            task: task.abort_handle(),
        };
        (gateway, task)
    }

    /// The requests received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for FakeGateway {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request from `stream`, keeps it in `received`, and answers it.
async fn answer(
    stream: TcpStream,
    status: u16,
    body: &str,
    received: &Mutex<Vec<Received>>,
) -> Option<()> {
    let mut reader = BufReader::new(stream);
    let head = read_head(&mut reader).await?;
    let mut request_line = head.first()?.split(' ');
    let method = request_line.next()?.to_owned();
    let path = request_line.next()?.to_owned();
    let length = head
        .iter()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let mut request_body = vec![0; length];
    reader.read_exact(&mut request_body).await.ok()?;
    // Kept before the answer: once answered, the client may look.
    received.lock().unwrap().push(Received {
        method,
        path,
        body: String::from_utf8_lossy(&request_body).into_owned(),
        head: head.clone(),
        bytes: request_body,
    });
    let response = format!(
        "HTTP/1.1 {status} Fake\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    reader.get_mut().write_all(response.as_bytes()).await.ok()?;
    let _ = reader.get_mut().shutdown().await;
    Some(())
}

/// The lines of a request head, without their `\r\n`.
pub async fn read_head(reader: &mut BufReader<TcpStream>) -> Option<Vec<String>> {
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            return Some(head);
        }
        head.push(line.to_owned());
    }
}
