//! The machinery behind `#[instrumented]`: call sites, series and guards.

pub(crate) mod callsite;
pub(crate) mod clock;
mod direct;
pub(crate) mod error_kinds;
mod exemplar_slots;
pub(crate) mod exposition;
pub(crate) mod function_family;
pub(crate) mod future;
pub(crate) mod group;
pub(crate) mod guard;
pub(crate) mod native;
pub(crate) mod sampling;
pub(crate) mod series;
pub(crate) mod striped;
pub(crate) mod table;
