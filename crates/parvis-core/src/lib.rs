//! Shared domain of Parvis, used by the browser app and the endpoint alike.
//!
//! Everything a user types is parsed here into checked types, so a field is
//! validated by the same code on both sides of the wire. The crate does no
//! I/O and pulls nothing heavy, because it is compiled into the wasm app.
//!
//! - [`gestion`]: the back-office's side of the contract; [`desk`]: its
//!   registrants desk (promotion, on-behalf registration, messages).
//! - [`presence`]: attendance of an event's sessions, in the back-office.
//! - [`api`]: the HTTP contract (paths, request and response types, the one
//!   error shape).
//! - [`registration`]: the registration form and its validation.
//! - [`questions`]: the organiser's own questions and their answers.
//! - [`email`], [`text`]: parsed field types.
//! - [`dates`]: dates and times written the French way.
//! - [`ics`]: calendar files (RFC 5545); [`calendar_links`]: Google and
//!   Outlook links to the same entries.
//! - [`timestamp`]: RFC 3339 timestamps on the wire.
//! - [`search`]: the text normalisation used for accent-insensitive search.

pub mod api;
pub mod calendar_links;
pub mod dates;
pub mod desk;
pub mod editor;
pub mod email;
pub mod feedback;
pub mod gestion;
pub mod ics;
pub mod invitations;
pub mod lettre;
pub mod presence;
pub mod publications;
pub mod questions;
pub mod registration;
pub mod search;
pub mod text;
pub mod timestamp;
