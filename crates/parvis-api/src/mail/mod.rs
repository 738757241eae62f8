//! Emails: composing them, queueing them in the outbox, delivering them.
//!
//! A confirmation is composed before the registration transaction and written
//! to the outbox table inside it ([`crate::Store::register`]), so an
//! acknowledged registration always has its email durably queued. The
//! [`worker`] then delivers it through a [`transport::Mailer`] with retries.

pub mod compose;
pub mod feedback;
pub mod invitation;
pub mod message;
pub mod newsletter;
pub mod sign_in;
pub mod transport;
pub mod worker;

/// The outbox's messages, also reachable by this older path; the store
/// imports them from [`crate::outbox`], never from this module.
pub use crate::outbox::{OutgoingEmail, QueuedEmail};
pub use compose::{compose, composer};
