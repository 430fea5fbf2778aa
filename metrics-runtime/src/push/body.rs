//! What goes over the wire: the registry, encoded off the runtime's threads.

use prometheus::Registry;

use super::PushError;
use crate::encoding::{try_encode, Format};

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
