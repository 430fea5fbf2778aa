//! `#[derive(MetricsFamily)]`: arguments (`attr`), the struct (`ast`),
//! checks and plan (`valid`), code (`expand`).

pub mod ast;
pub mod attr;
pub mod expand;
pub mod valid;
