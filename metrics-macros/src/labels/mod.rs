//! `#[derive(LabelValue)]` on field-less enums and `#[derive(LabelSet)]`
//! on structs: the item (`ast`) and the code (`expand`).

pub mod ast;
pub mod expand;
