//! Organisations, the accounts of the people who work for them, password-less
//! sign-in and server-side sessions, and the audit log: the storage side of
//! the back-office (see [`crate::auth`]).

use anyhow::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::outbox::OutgoingEmail;

/// What someone may do in an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Manages the organisation's organisers and settings, and its events.
    Administrateur,
    /// Manages the organisation's events.
    Organisateur,
}

impl Role {
    /// The name stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrateur => "administrateur",
            Role::Organisateur => "organisateur",
        }
    }

    /// The role of a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "administrateur" => Some(Role::Administrateur),
            "organisateur" => Some(Role::Organisateur),
            _ => None,
        }
    }
}

/// A resource centre, a State service, a network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    /// Database identifier.
    pub id: i64,
    /// Stable address part (`/gestion/{slug}/…`).
    pub slug: String,
    /// Name, as its emails sign.
    pub name: String,
}

/// Someone who signs in to the back-office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Database identifier.
    pub id: i64,
    /// Address the sign-in emails go to.
    pub email: String,
    /// Name, as greeted.
    pub name: String,
}

/// An account's place in an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// The organisation.
    pub organisation: Organisation,
    /// What the account may do there.
    pub role: Role,
}

/// A signed-in browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Database identifier.
    pub id: i64,
    /// Who.
    pub account: Account,
    /// The proof every writing request must carry in `x-parvis-csrf`.
    pub csrf_token: String,
    /// The browser, as it named itself.
    pub user_agent: String,
    /// When it signed in.
    pub created_at: DateTime<Utc>,
    /// Last request.
    pub last_seen_at: DateTime<Utc>,
}

/// What an organisation says of itself in its emails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationSettings {
    /// Its name.
    pub name: String,
    /// The display name of its emails' sender, when not its events'
    /// organiser.
    pub sender_name: Option<String>,
    /// Where people can write to it.
    pub contact_email: Option<String>,
}

/// One line of an organisation's audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// Who (their address), when known.
    pub who: Option<String>,
    /// What, as a short code (`connexion`, `export`…).
    pub action: String,
    /// The details, in French.
    pub detail: String,
}

/// What a sign-in request stores: the hashes of the link and of the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInSecrets {
    /// SHA-256 of the link's token.
    pub link_hash: String,
    /// [`crate::token::code_hash`] of the code.
    pub code_hash: String,
    /// When both stop working.
    pub expires_at: DateTime<Utc>,
}

/// Storage of organisations, accounts, sign-in and sessions.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates an organisation; `None` when the slug is taken.
    async fn create_organisation(
        &self,
        slug: &str,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Organisation>>;

    /// An organisation by its slug.
    async fn organisation(&self, slug: &str) -> Result<Option<Organisation>>;

    /// The account of an address, created with `name` if new.
    async fn account_for(&self, email: &str, name: &str, now: DateTime<Utc>) -> Result<Account>;

    /// Gives an account a role in an organisation (replacing any other).
    async fn set_member(
        &self,
        organisation_id: i64,
        account_id: i64,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// Every organisation an account belongs to, by name.
    async fn memberships(&self, account_id: i64) -> Result<Vec<Membership>>;

    /// Stores a sign-in request for the account of `email_key`, if there is
    /// one and it asked fewer than `hourly_cap` times in the last hour, and
    /// queues the email `compose` writes for it, in one transaction.
    /// Returns whether an email was queued.
    async fn request_sign_in(
        &self,
        email_key: &str,
        secrets: &SignInSecrets,
        hourly_cap: u32,
        compose: &(dyn for<'a> Fn(&'a Account) -> Result<OutgoingEmail> + Send + Sync),
        now: DateTime<Utc>,
    ) -> Result<bool>;

    /// Uses a sign-in link: its account, once, before it expires.
    async fn use_sign_in_link(
        &self,
        link_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Account>>;

    /// Uses the code of the latest sign-in request of `email_key`: its
    /// account, once, before it expires and while fewer than `max_attempts`
    /// wrong codes were tried (see [`crate::token::code_hash`]).
    async fn use_sign_in_code(
        &self,
        email_key: &str,
        code: &str,
        max_attempts: u32,
        now: DateTime<Utc>,
    ) -> Result<Option<Account>>;

    /// Opens a session.
    async fn create_session(
        &self,
        account_id: i64,
        token_hash: &str,
        csrf_token: &str,
        user_agent: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// The live session of a cookie's token hash, seen now.
    async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Session>>;

    /// The live sessions of an account, most recent first.
    async fn sessions_of(&self, account_id: i64, now: DateTime<Utc>) -> Result<Vec<Session>>;

    /// Ends one session of an account (`None`: all of them); returns how
    /// many were ended.
    async fn revoke_sessions(
        &self,
        account_id: i64,
        session_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<u64>;

    /// Records an action.
    async fn audit(
        &self,
        organisation_id: Option<i64>,
        account_id: Option<i64>,
        action: &str,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// An organisation's audit log, most recent first.
    async fn audit_log(&self, organisation_id: i64, limit: u32) -> Result<Vec<AuditEntry>>;

    /// An organisation's settings.
    async fn organisation_settings(&self, organisation_id: i64) -> Result<OrganisationSettings>;

    /// Replaces an organisation's settings.
    async fn set_organisation_settings(
        &self,
        organisation_id: i64,
        settings: &OrganisationSettings,
    ) -> Result<()>;

    /// An organisation's members and their roles, by name.
    async fn members(&self, organisation_id: i64) -> Result<Vec<(Account, Role)>>;

    /// Takes an account out of an organisation, unless it is its last
    /// administrator; returns whether it was removed.
    async fn remove_member(&self, organisation_id: i64, account_id: i64) -> Result<bool>;

    /// The organisations that have at least one event, by name.
    async fn publishing_organisations(&self) -> Result<Vec<Organisation>>;

    /// Makes these events the organisation's.
    async fn assign_events(&self, organisation_id: i64, slugs: &[&str]) -> Result<()>;

    /// The slugs of an organisation's events, soonest first.
    async fn organisation_events(&self, organisation_id: i64) -> Result<Vec<String>>;
}
