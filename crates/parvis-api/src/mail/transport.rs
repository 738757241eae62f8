//! Ways to deliver an email: `.eml` files in the outbox directory (the
//! default, for a local installation) or SMTP with TLS.

use std::path::PathBuf;

use anyhow::{Context, Result};
use async_trait::async_trait;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Attachment, Body, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::OutgoingEmail;

/// Something that delivers a message or says why it could not.
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Delivers one message.
    async fn send(&self, email: &OutgoingEmail) -> Result<()>;
}

/// Builds the MIME message: text body plus the calendar file.
pub fn build_message(from: &Mailbox, email: &OutgoingEmail) -> Result<Message> {
    let to: Mailbox = email
        .recipient
        .parse()
        .with_context(|| format!("invalid recipient {}", email.recipient))?;
    let builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(&email.subject)
        .message_id(Some(email.message_id.clone()));
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(email.body_text.clone());
    let message = match &email.ics {
        Some(ics) => {
            // Base64 keeps the calendar's CRLF line ends byte for byte, as
            // RFC 5545 requires; a text encoding would let relays rewrite them.
            let body =
                Body::new_with_encoding(ics.clone().into_bytes(), ContentTransferEncoding::Base64)
                    .map_err(|_| anyhow::anyhow!("the calendar file could not be encoded"))?;
            builder.multipart(MultiPart::mixed().singlepart(text).singlepart(
                Attachment::new("invitation.ics".to_owned()).body(
                    body,
                    ContentType::parse("text/calendar; charset=utf-8; method=PUBLISH")?,
                ),
            ))
        }
        None => builder.singlepart(text),
    };
    message.context("failed to build the email")
}

/// Writes each email to `{dir}/{message-id}.eml` and prints a one-line note.
///
/// The file is named after the Message-ID and written atomically (temporary
/// file, then rename), so delivering the same email twice leaves one file.
pub struct FileMailer {
    dir: PathBuf,
    from: Mailbox,
}

impl FileMailer {
    /// A file transport writing into `dir` (created if needed).
    pub fn new(dir: PathBuf, from: &str) -> Result<Self> {
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("failed to create the outbox directory {}", dir.display()))?;
        Ok(Self {
            dir,
            from: from
                .parse()
                .context("PARVIS_MAIL_FROM is not a valid mailbox")?,
        })
    }
}

#[async_trait]
impl Mailer for FileMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<()> {
        let message = build_message(&self.from, email)?;
        let name: String = email
            .message_id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '@'))
            .collect();
        let path = self.dir.join(format!("{name}.eml"));
        let temporary = self.dir.join(format!(".{name}.tmp"));
        tokio::fs::write(&temporary, message.formatted())
            .await
            .with_context(|| format!("failed to write {}", temporary.display()))?;
        tokio::fs::rename(&temporary, &path)
            .await
            .with_context(|| format!("failed to write {}", path.display()))?;
        println!(
            "courriel pour {} « {} » → {} ({})",
            email.recipient,
            email.subject,
            path.display(),
            email.console_note
        );
        Ok(())
    }
}

/// Delivers by SMTP (STARTTLS or implicit TLS as the URL says, rustls).
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// An SMTP transport from a URL such as `smtps://user:pass@host` or
    /// `smtp://localhost:2525` (no TLS, for a local relay).
    pub fn new(url: &str, from: &str) -> Result<Self> {
        Ok(Self {
            transport: AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .context("PARVIS_SMTP_URL is not a valid SMTP URL")?
                .build(),
            from: from
                .parse()
                .context("PARVIS_MAIL_FROM is not a valid mailbox")?,
        })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<()> {
        let message = build_message(&self.from, email)?;
        self.transport
            .send(message)
            .await
            .context("the SMTP server refused or could not be reached")?;
        Ok(())
    }
}
