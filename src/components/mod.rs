//! Prop-driven widgets shared by the pages.

pub mod field;
pub mod status;

pub use field::TextField;
pub use status::{ErrorNotice, Loading};
