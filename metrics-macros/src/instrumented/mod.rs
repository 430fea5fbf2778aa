//! `#[instrumented]`: arguments (`attr`), the item (`ast`), checks and plan
//! (`valid`), code (`expand`, and `callsite` for the call site's statics).

pub mod ast;
pub mod attr;
pub mod callsite;
pub mod expand;
pub mod valid;
