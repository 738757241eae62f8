//! The newsletter (« lettre d'information »), one per organisation:
//! sign-ups confirmed by an emailed link (double opt-in), unsubscribing by
//! the link of each issue, issues queued through the outbox once per
//! subscriber, the list read a page at a time for its export, and the
//! issues' emails given up on (bounces). Migration 0014.

use anyhow::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::outbox::OutgoingEmail;

/// Composes an email to one address with a fresh token (the confirmation
/// link's, or an issue's unsubscribe link's); called inside the store's
/// transaction.
pub type ComposeLink<'a> = &'a (dyn Fn(&str, &str) -> Result<OutgoingEmail> + Send + Sync);

/// The notice name of an issue's emails in the outbox.
pub const ISSUE_NOTICE: &str = "lettre";
/// The notice name of a confirmation email in the outbox.
pub const CONFIRMATION_NOTICE: &str = "lettre_confirmation";

/// Days a confirmation link works; the jobs' purge then forgets an address
/// left unconfirmed.
pub const CONFIRMATION_DAYS: i64 = 7;

/// A sign-up to store.
#[derive(Debug, Clone)]
pub struct NewSignUp<'a> {
    /// The organisation.
    pub organisation_id: i64,
    /// The address as typed (checked).
    pub email: &'a str,
    /// Its lower-cased form.
    pub email_key: &'a str,
    /// The consent sentence the form showed.
    pub consent_text: &'a str,
    /// Confirmation emails one address may receive in 24 hours, all
    /// organisations together.
    pub per_address_per_day: u32,
    /// Confirmation emails one organisation may send in 24 hours.
    pub per_organisation_per_day: u32,
}

/// What a sign-up did (the requester is told the same thing each time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignUpOutcome {
    /// A confirmation email is queued.
    Queued,
    /// The address is subscribed and confirmed already: nothing sent.
    AlreadyConfirmed,
    /// The address had its confirmation emails for the day: nothing sent.
    AddressLimit,
    /// The organisation sent its confirmation emails for the day.
    OrganisationLimit,
}

/// Whom an emailed link is about, for its page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkTarget {
    /// The subscriber.
    pub subscriber_id: i64,
    /// The address.
    pub email: String,
    /// The organisation's name.
    pub organisation: String,
    /// The address is confirmed.
    pub confirmed: bool,
    /// The address unsubscribed.
    pub unsubscribed: bool,
}

/// An issue, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueRecord {
    /// Its id.
    pub id: i64,
    /// The organisation.
    pub organisation_id: i64,
    /// Subject.
    pub subject: String,
    /// Text, in Markdown.
    pub body_markdown: String,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When its every email was queued.
    pub sent_at: Option<DateTime<Utc>>,
    /// Emails queued.
    pub recipients: u64,
    /// Emails given up on.
    pub bounces: u64,
}

/// Subscribers by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Confirmed, not unsubscribed.
    pub confirmed: u64,
    /// Not confirmed yet.
    pub pending: u64,
    /// Unsubscribed.
    pub unsubscribed: u64,
}

/// One subscriber, for the export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscriber {
    /// Its id (the export's pages follow it).
    pub id: i64,
    /// The address.
    pub email: String,
    /// The consent sentence.
    pub consent_text: String,
    /// When consent was given.
    pub consented_at: DateTime<Utc>,
    /// When the address was confirmed.
    pub confirmed_at: Option<DateTime<Utc>>,
    /// When it unsubscribed.
    pub unsubscribed_at: Option<DateTime<Utc>>,
}

/// An issue's email given up on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounce {
    /// The address.
    pub recipient: String,
    /// The issue.
    pub issue_id: i64,
    /// Its subject.
    pub subject: String,
    /// The last error.
    pub reason: String,
    /// When it was given up on.
    pub dead_at: DateTime<Utc>,
}

/// The newsletter's storage.
#[async_trait]
pub trait NewsletterStore: Send + Sync {
    /// Records a sign-up (the address and its consent, unconfirmed) and
    /// queues the email `compose` writes with a fresh confirmation token,
    /// in one transaction; nothing for an address already confirmed, nor
    /// beyond the daily bounds.
    async fn newsletter_sign_up(
        &self,
        sign_up: &NewSignUp<'_>,
        compose: ComposeLink<'_>,
        now: DateTime<Utc>,
    ) -> Result<SignUpOutcome>;

    /// Whom a confirmation link (its token's hash) is about, if it is one
    /// and is less than `valid_days` old.
    async fn newsletter_confirmation(
        &self,
        token_hash: &str,
        valid_days: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<LinkTarget>>;

    /// Confirms the address of a confirmation link (again subscribed if it
    /// had unsubscribed), storing the consent its sign-up gave; `None` for
    /// an unknown or expired link. Confirming twice changes nothing.
    async fn newsletter_confirm(
        &self,
        token_hash: &str,
        valid_days: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<LinkTarget>>;

    /// Whom an issue's unsubscribe link is about.
    async fn newsletter_unsubscription(&self, token_hash: &str) -> Result<Option<LinkTarget>>;

    /// Unsubscribes the address of an issue's unsubscribe link (once:
    /// again changes nothing); `None` for an unknown link.
    async fn newsletter_unsubscribe(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<LinkTarget>>;

    /// An organisation's subscribers by status.
    async fn newsletter_counts(&self, organisation_id: i64) -> Result<Counts>;

    /// Stores an issue; its id.
    async fn newsletter_create_issue(
        &self,
        organisation_id: i64,
        account_id: i64,
        subject: &str,
        body_markdown: &str,
        now: DateTime<Utc>,
    ) -> Result<i64>;

    /// One of the organisation's issues.
    async fn newsletter_issue(
        &self,
        organisation_id: i64,
        issue_id: i64,
    ) -> Result<Option<IssueRecord>>;

    /// The organisation's latest issues, most recent first.
    async fn newsletter_issues(&self, organisation_id: i64, limit: u32)
    -> Result<Vec<IssueRecord>>;

    /// Queues the issue to at most `batch` confirmed subscribers who have
    /// not had it, one email each with a fresh unsubscribe token, in one
    /// transaction; how many were queued (0: everyone has it).
    async fn newsletter_send_batch(
        &self,
        issue: &IssueRecord,
        batch: u32,
        compose: ComposeLink<'_>,
        now: DateTime<Utc>,
    ) -> Result<u64>;

    /// Marks the issue sent (once); the number of its emails.
    async fn newsletter_finish_issue(&self, issue_id: i64, now: DateTime<Utc>) -> Result<u64>;

    /// A page of the organisation's subscribers after `after_id`, by id.
    async fn newsletter_subscribers(
        &self,
        organisation_id: i64,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<Subscriber>>;

    /// The organisation's issue emails given up on, most recent first.
    async fn newsletter_bounces(&self, organisation_id: i64, limit: u32) -> Result<Vec<Bounce>>;
}
