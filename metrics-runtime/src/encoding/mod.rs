//! Exposition formats.

mod text;

pub use text::{encode_text, gather_text, TEXT_CONTENT_TYPE};
