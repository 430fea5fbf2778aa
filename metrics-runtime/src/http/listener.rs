//! The accept loop: a bounded number of connections, each a tracked task,
//! and the shutdown that leaves none of them behind.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;

use super::connection::{self, SHUTDOWN_GRACE};

/// Connections served at once; more wait in the listen backlog.
const MAX_CONNECTIONS: usize = 256;
/// How long to wait after a failed accept (out of descriptors and the like).
const ACCEPT_RETRY: Duration = Duration::from_millis(50);

/// Accepts connections on `listener` until `stopped`, then shuts down.
pub(super) async fn run(listener: TcpListener, router: Router, mut stopped: oneshot::Receiver<()>) {
    let (stop, stopping) = watch::channel(false);
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut connections = JoinSet::new();
    loop {
        let (stream, slot) = tokio::select! {
            accepted = accept(&listener, &slots) => match accepted {
                Some(accepted) => accepted,
                None => break,
            },
            _ = &mut stopped => break,
        };
        connections.spawn(connection::serve(
            stream,
            router.clone(),
            stopping.clone(),
            slot,
        ));
        // Reap finished connections so the set holds only live ones.
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = stop.send(true);
    // Quiet connections close at once; the others get the grace, then are
    // aborted, so nothing of this server outlives `Server::shutdown`.
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        connections.shutdown().await;
    }
}

/// The next connection, once a slot is free for it (`None` if the slots
/// were closed, which nothing does).
async fn accept(
    listener: &TcpListener,
    slots: &Arc<Semaphore>,
) -> Option<(TcpStream, OwnedSemaphorePermit)> {
    loop {
        let slot = slots.clone().acquire_owned().await.ok()?;
        match listener.accept().await {
            Ok((stream, _)) => return Some((stream, slot)),
            Err(err) => {
                log::warn!("metrics server: accept failed: {err}");
                drop(slot);
                tokio::time::sleep(ACCEPT_RETRY).await;
            }
        }
    }
}
