//! The outbox's messages: what the store queues and the mail worker
//! delivers.
//!
//! Both sides depend on this module and on nothing of each other's: the
//! store never imports [`crate::mail`] (mail → store → outbox).

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
    /// A newsletter email's `List-Unsubscribe` value (`<https://…>`): the
    /// transport then adds it with `List-Unsubscribe-Post:
    /// List-Unsubscribe=One-Click` (RFC 2369, RFC 8058).
    pub list_unsubscribe: Option<String>,
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
