//! One module per page of the app.

pub mod agenda;
pub mod confirmation;
pub mod event;
pub mod lookup;
pub mod manage;
pub mod not_found;
pub mod register;
