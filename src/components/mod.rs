//! Prop-driven widgets shared by the pages.

pub mod choice;
pub mod field;
pub mod status;

pub use choice::{Choice, ChoiceGroup};
pub use field::TextField;
pub use status::{ErrorNotice, Loading};
