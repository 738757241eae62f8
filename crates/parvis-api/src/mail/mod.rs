//! Emails: composing them, queueing them in the outbox, delivering them.
//!
//! A confirmation is composed before the registration transaction and written
//! to the outbox table inside it ([`crate::Store::register`]), so an
//! acknowledged registration always has its email durably queued. The
//! [`worker`] then delivers it through a [`transport::Mailer`] with retries.

pub mod compose;
pub mod transport;
pub mod worker;

pub use compose::compose;

/// An email ready to be queued: every part is already rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    /// `<random@host>`, fixed at queueing time so a re-delivery is
    /// recognisable as the same message.
    pub message_id: String,
    /// The registrant's address.
    pub recipient: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body_text: String,
    /// Calendar file attached as `invitation.ics`, when there is one.
    pub ics: Option<String>,
    /// One line for the console of a local installation (file transport
    /// only): the links of the email, so a newcomer can follow them.
    pub console_note: String,
    /// Display name of the sender: the organisation behind the event (the
    /// address stays `PARVIS_MAIL_FROM`'s).
    pub sender_name: Option<String>,
    /// Where replies go: the event's contact, when it has an address.
    pub reply_to: Option<String>,
}

/// An email waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedEmail {
    /// Outbox row.
    pub id: i64,
    /// Failed attempts so far.
    pub attempts: i64,
    /// The message itself.
    pub email: OutgoingEmail,
}
