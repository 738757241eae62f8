//! Ways to deliver an email: `.eml` files in the outbox directory (the
//! default, for a local installation) or SMTP with TLS.

use std::path::PathBuf;

use anyhow::{Context, Result};
use async_trait::async_trait;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Attachment, Body, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use parvis_core::ics::Method;

use crate::outbox::OutgoingEmail;

/// Something that delivers a message or says why it could not.
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Delivers one message.
    async fn send(&self, email: &OutgoingEmail) -> Result<()>;

    /// How many messages the worker may hand over at once
    /// (`PARVIS_MAIL_CONCURRENCY` for the configured transports; one by
    /// default, each send then waiting for the previous one).
    fn parallel_sends(&self) -> usize {
        1
    }
}

/// A failure that trying again cannot fix: the relay refused the message
/// for good (SMTP 5xx) or the address cannot be written in a message.
#[derive(Debug)]
pub struct PermanentFailure(pub String);

impl std::fmt::Display for PermanentFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PermanentFailure {}

/// Whether a delivery error is permanent.
pub fn is_permanent(error: &anyhow::Error) -> bool {
    error
        .chain()
        .any(|cause| cause.downcast_ref::<PermanentFailure>().is_some())
}

/// Builds the MIME message: text body plus the calendar file.
pub fn build_message(from: &Mailbox, email: &OutgoingEmail) -> Result<Message> {
    let to: Mailbox = email.recipient.parse().map_err(|_| {
        PermanentFailure(format!(
            "the recipient {:?} is not a valid address",
            email.recipient
        ))
    })?;
    // The organisation's name, over the site's own address (which the
    // relay is allowed to send from); replies go to the event's contact.
    let sender = match &email.sender_name {
        Some(name) => Mailbox::new(Some(name.clone()), from.email.clone()),
        None => from.clone(),
    };
    let mut builder = Message::builder()
        .from(sender)
        .to(to)
        .subject(&email.subject)
        .message_id(Some(email.message_id.clone()));
    if let Some(reply_to) = email
        .reply_to
        .as_deref()
        .and_then(|a| a.parse::<Mailbox>().ok())
    {
        builder = builder.reply_to(reply_to);
    }
    if let Some(unsubscribe) = &email.list_unsubscribe {
        builder = with_list_unsubscribe(builder, unsubscribe);
    }
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
            // The part's method is the file's own (RFC 6047): PUBLISH, or
            // CANCEL for a file that removes the entries.
            let method = Method::of(ics).unwrap_or(Method::Publish).as_str();
            builder.multipart(MultiPart::mixed().singlepart(text).singlepart(
                Attachment::new("invitation.ics".to_owned()).body(
                    body,
                    ContentType::parse(&format!("text/calendar; charset=utf-8; method={method}"))?,
                ),
            ))
        }
        None => builder.singlepart(text),
    };
    message.context("failed to build the email")
}

/// A newsletter's unsubscribe headers: `List-Unsubscribe` (RFC 2369) with
/// the link, and `List-Unsubscribe-Post` (RFC 8058), which tells mail
/// clients they may unsubscribe in one click by POSTing to it.
fn with_list_unsubscribe(
    builder: lettre::message::MessageBuilder,
    value: &str,
) -> lettre::message::MessageBuilder {
    use lettre::message::header::{HeaderName, HeaderValue};
    builder
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Unsubscribe"),
            value.to_owned(),
        ))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
            "List-Unsubscribe=One-Click".to_owned(),
        ))
}

/// Files the file transport writes at once, at most: two lets one's
/// `fsync` overlap the other's writing. More only contend for the outbox
/// directory's lock and the file system's inode allocator: under a load of
/// registrations with 16 writers, a quarter of the endpoint's CPU time was
/// the kernel spinning on that lock and scanning for free inodes, and the
/// endpoint switched threads 26 times per registration, against 20 with 2.
pub const FILE_WRITERS: usize = 2;

/// The transport the configuration asks for: SMTP when `PARVIS_SMTP_URL`
/// is set, with `PARVIS_MAIL_CONCURRENCY` messages at once on as many
/// pooled connections, otherwise `.eml` files in the outbox directory,
/// [`FILE_WRITERS`] at once at most. It is built once, when the state is,
/// and shared by every delivery (the SMTP connections stay open in its pool
/// between emails).
pub fn from_config(config: &crate::Config) -> Result<std::sync::Arc<dyn Mailer>> {
    let parallel = config.mail_concurrency;
    Ok(match &config.smtp_url {
        Some(url) => std::sync::Arc::new(SmtpMailer::with_connections(
            url,
            &config.mail_from,
            parallel,
        )?),
        None => std::sync::Arc::new(
            FileMailer::new(config.outbox_dir(), &config.mail_from)?
                .announce(config.seed_demo)
                .parallel(parallel.min(FILE_WRITERS)),
        ),
    })
}

/// Writes each email to `{dir}/{message-id}.eml` and prints a one-line note.
///
/// The file is named after the Message-ID and published atomically (written
/// to a temporary file, then hard-linked to its final name, which fails if
/// that name exists). A second delivery of the same email, by a runner that
/// crashed after writing but before recording it, or by two replicas, thus
/// leaves the first file untouched: each email is delivered exactly once.
///
/// Files and their directory are readable by the server's user only (0600,
/// 0700): they hold personal links. The console line, which names the
/// recipient and the links, is printed only in the local demo.
pub struct FileMailer {
    dir: PathBuf,
    from: Mailbox,
    announce: bool,
    parallel: usize,
}

impl FileMailer {
    /// A file transport writing into `dir` (created if needed).
    pub fn new(dir: PathBuf, from: &str) -> Result<Self> {
        crate::store::private_dir(&dir)
            .with_context(|| format!("failed to create the outbox directory {}", dir.display()))?;
        Ok(Self {
            dir,
            from: from
                .parse()
                .context("PARVIS_MAIL_FROM is not a valid mailbox")?,
            announce: false,
            parallel: 1,
        })
    }

    /// Prints a line with each email's links on the console (the local
    /// demo, where the outbox stands in for a mailbox).
    pub fn announce(mut self, announce: bool) -> Self {
        self.announce = announce;
        self
    }

    /// Lets the worker write `parallel` files at once (their `fsync`s
    /// overlap instead of following each other).
    pub fn parallel(mut self, parallel: usize) -> Self {
        self.parallel = parallel.max(1);
        self
    }
}

#[async_trait]
impl Mailer for FileMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<()> {
        let message = build_message(&self.from, email)?.formatted();
        let name: String = email
            .message_id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '@'))
            .collect();
        let dir = self.dir.clone();
        // One hand-over to a blocking thread for the whole file, rather than
        // one for each of its seven steps through tokio::fs.
        let written = tokio::task::spawn_blocking(move || write_once(&dir, &name, &message))
            .await
            .context("the outbox's file writer stopped")??;
        let Some(path) = written else {
            return Ok(());
        };
        if !self.announce {
            return Ok(());
        }
        println!(
            "courriel pour {} « {} » → {} ({})",
            email.recipient,
            email.subject,
            path.display(),
            email.console_note
        );
        Ok(())
    }

    fn parallel_sends(&self) -> usize {
        self.parallel
    }
}

/// Writes an email's file once (see [`FileMailer`]): written and synced
/// first, then linked under its final name, which fails if another runner
/// got there first. `None` when the file was already there.
///
/// On Linux the file is written without a name (`O_TMPFILE`), then linked
/// into the directory: one directory entry per email instead of three
/// changes (a temporary name created, the final one linked, the temporary
/// one removed), about a quarter less CPU per file on ext4, and a crash
/// between the steps leaves nothing behind. Elsewhere, or where the file
/// system or a missing `/proc` refuses it, a named temporary file does
/// the same.
fn write_once(dir: &std::path::Path, name: &str, message: &[u8]) -> Result<Option<PathBuf>> {
    let path = dir.join(format!("{name}.eml"));
    if path.try_exists().unwrap_or(false) {
        return Ok(None);
    }
    #[cfg(target_os = "linux")]
    if let Some(written) = anonymous::write_once(dir, &path, message)? {
        return Ok(written.then_some(path));
    }
    write_once_named(dir, &path, name, message)
}

/// [`write_once`] through a named temporary file, its name drawn at
/// random so that runners writing the same email never share it.
fn write_once_named(
    dir: &std::path::Path,
    path: &std::path::Path,
    name: &str,
    message: &[u8],
) -> Result<Option<PathBuf>> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let suffix = crate::token::random_hex(8)?;
    let temporary = dir.join(format!(".{name}.{suffix}.tmp"));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temporary)
        .with_context(|| format!("failed to write {}", temporary.display()))?;
    file.write_all(message)?;
    file.sync_all()?;
    drop(file);
    let linked = std::fs::hard_link(&temporary, path);
    let _ = std::fs::remove_file(&temporary);
    match linked {
        Ok(()) => Ok(Some(path.to_owned())),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(None),
        Err(error) => Err(error).with_context(|| format!("failed to write {}", path.display())),
    }
}

/// Files written without a name, then linked (`O_TMPFILE`, Linux).
#[cfg(target_os = "linux")]
mod anonymous {
    use std::io::Write as _;
    use std::path::Path;
    use std::sync::atomic::{AtomicBool, Ordering};

    use anyhow::{Context, Result};
    use rustix::fs::{AtFlags, CWD, Mode, OFlags};
    use rustix::io::Errno;

    /// Cleared once the file system or the system refused: the named way
    /// is then used without trying again.
    static USABLE: AtomicBool = AtomicBool::new(true);

    /// `Some(true)` when the file was linked at `path`, `Some(false)` when
    /// another runner's file was already there, `None` when this way is
    /// not available here.
    pub(super) fn write_once(dir: &Path, path: &Path, message: &[u8]) -> Result<Option<bool>> {
        if !USABLE.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let fd = match rustix::fs::open(
            dir,
            OFlags::WRONLY | OFlags::TMPFILE | OFlags::CLOEXEC,
            Mode::RUSR | Mode::WUSR,
        ) {
            Ok(fd) => fd,
            // No O_TMPFILE on this file system (or this kernel).
            Err(Errno::OPNOTSUPP | Errno::ISDIR | Errno::INVAL) => {
                USABLE.store(false, Ordering::Relaxed);
                return Ok(None);
            }
            Err(error) => {
                return Err(std::io::Error::from(error))
                    .with_context(|| format!("failed to write into {}", dir.display()));
            }
        };
        let mut file = std::fs::File::from(fd);
        file.write_all(message)?;
        file.sync_all()?;
        // The file has no name: it is reached through its descriptor's
        // entry in /proc, followed (linking it from the descriptor alone,
        // `AT_EMPTY_PATH`, needs a privilege the server does not have).
        let source = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&file));
        match rustix::fs::linkat(CWD, source.as_str(), CWD, path, AtFlags::SYMLINK_FOLLOW) {
            Ok(()) => Ok(Some(true)),
            Err(Errno::EXIST) => Ok(Some(false)),
            // No /proc here: the named way.
            Err(Errno::NOENT) if !Path::new("/proc/self/fd").exists() => {
                USABLE.store(false, Ordering::Relaxed);
                Ok(None)
            }
            Err(error) => Err(std::io::Error::from(error))
                .with_context(|| format!("failed to write {}", path.display())),
        }
    }
}

/// Delivers by SMTP (STARTTLS or implicit TLS as the URL says, rustls).
///
/// Connections are pooled (lettre's pool): an email reuses an open,
/// authenticated connection instead of paying for TCP, TLS and `EHLO`
/// each time. The pool keeps as many idle connections as the worker sends
/// at once, so none is closed between two batches.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    connections: usize,
}

impl SmtpMailer {
    /// An SMTP transport from a URL such as `smtps://user:pass@host` or
    /// `smtp://localhost:2525` (no TLS, for a local relay), one email at a
    /// time.
    pub fn new(url: &str, from: &str) -> Result<Self> {
        Self::with_connections(url, from, 1)
    }

    /// The same, sending up to `connections` emails at once, each on a
    /// connection of its own.
    pub fn with_connections(url: &str, from: &str, connections: usize) -> Result<Self> {
        let connections = connections.max(1);
        let pool = lettre::transport::smtp::PoolConfig::new()
            .max_size(u32::try_from(connections).unwrap_or(u32::MAX));
        Ok(Self {
            transport: AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .context("PARVIS_SMTP_URL is not a valid SMTP URL")?
                .timeout(Some(super::worker::SEND_TIMEOUT))
                .pool_config(pool)
                .build(),
            from: from
                .parse()
                .context("PARVIS_MAIL_FROM is not a valid mailbox")?,
            connections,
        })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<()> {
        let message = build_message(&self.from, email)?;
        // lettre gives a connection back to its pool from a task of its
        // own: letting that task run first, a send that follows another
        // reuses its connection instead of opening one more.
        tokio::task::yield_now().await;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(error) if error.is_permanent() => Err(anyhow::Error::new(PermanentFailure(
                format!("the SMTP server refused the message for good: {error}"),
            ))),
            Err(error) => Err(anyhow::Error::new(error)
                .context("the SMTP server refused or could not be reached")),
        }
    }

    fn parallel_sends(&self) -> usize {
        self.connections
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names in `dir`, sorted: temporary files included.
    fn entries(dir: &std::path::Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Both ways of writing: the one used here, and the named one.
    fn writers() -> [(&'static str, WriteOnce); 2] {
        [
            ("as used", write_once),
            ("named", |dir, name, message| {
                let path = dir.join(format!("{name}.eml"));
                write_once_named(dir, &path, name, message)
            }),
        ]
    }

    type WriteOnce = fn(&std::path::Path, &str, &[u8]) -> Result<Option<PathBuf>>;

    #[test]
    fn an_email_file_is_written_once_private_and_whole_with_nothing_left_beside_it() {
        use std::os::unix::fs::PermissionsExt as _;
        for (way, write) in writers() {
            let dir = tempfile::tempdir().unwrap();
            let written = write(dir.path(), "abc@exemple.fr", b"premier").unwrap();
            let path = dir.path().join("abc@exemple.fr.eml");
            assert_eq!(written.as_deref(), Some(path.as_path()), "{way}");
            assert_eq!(std::fs::read(&path).unwrap(), b"premier", "{way}");
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{way}: readable by the server only");
            // A second delivery of the same email leaves the first file.
            let again = write(dir.path(), "abc@exemple.fr", b"second").unwrap();
            assert_eq!(again, None, "{way}");
            assert_eq!(std::fs::read(&path).unwrap(), b"premier", "{way}");
            assert_eq!(entries(dir.path()), ["abc@exemple.fr.eml"], "{way}");
        }
    }

    /// Here (Linux, ext4 or tmpfs) the file is written without a name:
    /// the named way is only a fallback.
    #[cfg(target_os = "linux")]
    #[test]
    fn on_linux_the_file_is_written_without_a_name_then_linked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sans-nom@exemple.fr.eml");
        assert_eq!(
            anonymous::write_once(dir.path(), &path, b"corps").unwrap(),
            Some(true)
        );
        assert_eq!(
            anonymous::write_once(dir.path(), &path, b"autre").unwrap(),
            Some(false)
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"corps");
    }

    #[test]
    fn runners_writing_the_same_email_at_once_leave_one_whole_file() {
        for (way, write) in writers() {
            let dir = tempfile::tempdir().unwrap();
            let winners: Vec<Vec<u8>> = std::thread::scope(|scope| {
                let handles: Vec<_> = (0..8)
                    .map(|n| {
                        let dir = dir.path();
                        scope.spawn(move || {
                            let body = format!("copie {n} ").repeat(2000).into_bytes();
                            write(dir, "meme@exemple.fr", &body).unwrap().map(|_| body)
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .filter_map(|handle| handle.join().unwrap())
                    .collect()
            });
            assert_eq!(winners.len(), 1, "{way}: one runner wrote the file");
            let path = dir.path().join("meme@exemple.fr.eml");
            assert_eq!(std::fs::read(&path).unwrap(), winners[0], "{way}");
            assert_eq!(entries(dir.path()), ["meme@exemple.fr.eml"], "{way}");
        }
    }
}
