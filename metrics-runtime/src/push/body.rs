//! What goes over the wire: the registry, encoded off the runtime's
//! threads, and the start of an error answer.

use http_body_util::BodyExt;
use hyper::body::Incoming;
use prometheus::Registry;

use super::error::{error_body, MAX_ERROR_BODY};
use super::PushError;
use crate::encoding::{try_encode, Format};

/// Bytes of an error answer read at most: enough for [`MAX_ERROR_BODY`]
/// and to tell that the answer went on. The rest is never read.
const MAX_READ: usize = MAX_ERROR_BODY + 64;

/// `registry` in the text format, encoded on tokio's blocking pool: a
/// large registry takes milliseconds to encode, which would stall every
/// other task of the runtime's thread.
pub(super) async fn encode(registry: &Registry) -> Result<Vec<u8>, PushError> {
    let registry = registry.clone();
    match tokio::task::spawn_blocking(move || try_encode(Format::Text, &registry)).await {
        Ok(Ok(text)) => Ok(text),
        Ok(Err(panic)) => Err(PushError::CollectorPanicked(panic.into_message())),
        // `try_encode` catches panics: only a runtime shutting down gets here.
        Err(_) => Err(PushError::Cancelled),
    }
}

/// The start of an error answer, escaped and cut for the logs.
///
/// Reads [`MAX_READ`] bytes at most and then stops, whatever the answer's
/// length: dropping the body closes the connection.
pub(super) async fn read_error_start(mut body: Incoming) -> String {
    let mut start = Vec::new();
    let mut more = false;
    while let Some(frame) = body.frame().await {
        // A body that cannot be read further still leaves what came.
        let Ok(frame) = frame else { break };
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        let room = MAX_READ - start.len();
        if data.len() > room {
            start.extend_from_slice(&data[..room]);
            more = true;
            break;
        }
        start.extend_from_slice(&data);
    }
    error_body(&start, more)
}
