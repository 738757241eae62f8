//! [`AccountStore`] on SQL: organisations, accounts, sign-in requests,
//! sessions and the audit log.

use anyhow::{Context, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::SqlStore;
use crate::outbox::OutgoingEmail;
use crate::store::accounts::{
    Account, AccountStore, AuditEntry, Membership, Organisation, OrganisationSettings, Role,
    Session, SignInSecrets,
};
use crate::store::{parse_timestamp, timestamp};

/// The outbox's `notice` of sign-in emails.
const SIGN_IN_NOTICE: &str = "sign_in";

fn account_from(row: &AnyRow) -> Result<Account> {
    Ok(Account {
        id: row.try_get("account_id")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
    })
}

fn organisation_from(row: &AnyRow) -> Result<Organisation> {
    Ok(Organisation {
        id: row.try_get("id")?,
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
    })
}

fn session_from(row: &AnyRow) -> Result<Session> {
    Ok(Session {
        id: row.try_get("id")?,
        account: account_from(row)?,
        csrf_token: row.try_get("csrf_token")?,
        user_agent: row.try_get("user_agent")?,
        created_at: parse_timestamp(&row.try_get::<String, _>("created_at")?)?,
        last_seen_at: parse_timestamp(&row.try_get::<String, _>("last_seen_at")?)?,
    })
}

const SESSION_COLUMNS: &str = "s.id, s.csrf_token, s.user_agent, s.created_at, s.last_seen_at, \
     a.id AS account_id, a.email, a.name";

#[async_trait]
impl AccountStore for SqlStore {
    async fn create_organisation(
        &self,
        slug: &str,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Organisation>> {
        let id: Option<i64> = sqlx::query_scalar(&self.q(
            "INSERT INTO organisations (slug, name, created_at) VALUES (?, ?, ?)
             ON CONFLICT (slug) DO NOTHING RETURNING id",
        ))
        .bind(slug)
        .bind(name)
        .bind(timestamp(now))
        .fetch_optional(&self.pool)
        .await
        .context("failed to create an organisation")?;
        Ok(id.map(|id| Organisation {
            id,
            slug: slug.to_owned(),
            name: name.to_owned(),
        }))
    }

    async fn organisation(&self, slug: &str) -> Result<Option<Organisation>> {
        let row = sqlx::query(&self.q("SELECT id, slug, name FROM organisations WHERE slug = ?"))
            .bind(slug)
            .fetch_optional(&self.pool)
            .await
            .context("failed to read an organisation")?;
        row.as_ref().map(organisation_from).transpose()
    }

    async fn account_for(&self, email: &str, name: &str, now: DateTime<Utc>) -> Result<Account> {
        let row = sqlx::query(&self.q(
            "INSERT INTO accounts (email_key, email, name, created_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (email_key) DO UPDATE SET email_key = excluded.email_key
             RETURNING id AS account_id, email, name",
        ))
        .bind(email.trim().to_lowercase())
        .bind(email.trim())
        .bind(name)
        .bind(timestamp(now))
        .fetch_one(&self.pool)
        .await
        .context("failed to store an account")?;
        account_from(&row)
    }

    async fn set_member(
        &self,
        organisation_id: i64,
        account_id: i64,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(&self.q(
            "INSERT INTO memberships (organisation_id, account_id, role, created_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (organisation_id, account_id) DO UPDATE SET role = excluded.role",
        ))
        .bind(organisation_id)
        .bind(account_id)
        .bind(role.as_str())
        .bind(timestamp(now))
        .execute(&self.pool)
        .await
        .context("failed to store a membership")?;
        Ok(())
    }

    async fn memberships(&self, account_id: i64) -> Result<Vec<Membership>> {
        let rows = sqlx::query(
            &self.q("SELECT o.id, o.slug, o.name, m.role FROM memberships m
             JOIN organisations o ON o.id = m.organisation_id
             WHERE m.account_id = ? ORDER BY o.name"),
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await
        .context("failed to read memberships")?;
        rows.iter()
            .map(|row| {
                let role: String = row.try_get("role")?;
                Ok(Membership {
                    organisation: organisation_from(row)?,
                    role: Role::parse(&role)
                        .with_context(|| format!("unknown role in the database: {role:?}"))?,
                })
            })
            .collect()
    }

    async fn request_sign_in(
        &self,
        email_key: &str,
        secrets: &SignInSecrets,
        hourly_cap: u32,
        compose: &(dyn for<'a> Fn(&'a Account) -> Result<OutgoingEmail> + Send + Sync),
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let hour_ago = timestamp(now - chrono::Duration::hours(1));
        let now_text = timestamp(now);
        let mut tx = self.pool.begin().await?;
        let Some(row) = sqlx::query(
            &self.q("SELECT id AS account_id, email, name FROM accounts WHERE email_key = ?"),
        )
        .bind(email_key)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(false);
        };
        let account = account_from(&row)?;
        let recent: i64 = sqlx::query_scalar(
            &self
                .q("SELECT COUNT(*) FROM sign_in_requests WHERE account_id = ? AND created_at > ?"),
        )
        .bind(account.id)
        .bind(&hour_ago)
        .fetch_one(&mut *tx)
        .await?;
        if recent >= i64::from(hourly_cap) {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query(&self.q(
            "INSERT INTO sign_in_requests (account_id, link_hash, code_hash, created_at, expires_at)
             VALUES (?, ?, ?, ?, ?)",
        ))
        .bind(account.id)
        .bind(&secrets.link_hash)
        .bind(&secrets.code_hash)
        .bind(&now_text)
        .bind(timestamp(secrets.expires_at))
        .execute(&mut *tx)
        .await
        .context("failed to store a sign-in request")?;
        let email = compose(&account)?;
        sqlx::query(&self.q(
            "INSERT INTO outbox (message_id, registration_id, notice, recipient, subject, body_text, ics, console_note, sender_name, reply_to, created_at, next_attempt_at)
             VALUES (?, NULL, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?)",
        ))
        .bind(&email.message_id)
        .bind(SIGN_IN_NOTICE)
        .bind(&email.recipient)
        .bind(&email.subject)
        .bind(&email.body_text)
        .bind(&email.console_note)
        .bind(&email.sender_name)
        .bind(&email.reply_to)
        .bind(&now_text)
        .bind(&now_text)
        .execute(&mut *tx)
        .await
        .context("failed to queue a sign-in email")?;
        tx.commit().await?;
        Ok(true)
    }

    async fn use_sign_in_link(
        &self,
        link_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Account>> {
        let now = timestamp(now);
        let row = sqlx::query(&self.q("UPDATE sign_in_requests SET used_at = ?
             WHERE link_hash = ? AND used_at IS NULL AND expires_at > ?
             RETURNING account_id"))
        .bind(&now)
        .bind(link_hash)
        .bind(&now)
        .fetch_optional(&self.pool)
        .await
        .context("failed to use a sign-in link")?;
        let Some(row) = row else {
            return Ok(None);
        };
        let account_id: i64 = row.try_get("account_id")?;
        self.account_by_id(account_id).await.map(Some)
    }

    async fn use_sign_in_code(
        &self,
        email_key: &str,
        code: &str,
        max_attempts: u32,
        now: DateTime<Utc>,
    ) -> Result<Option<Account>> {
        let now = timestamp(now);
        let mut tx = self.pool.begin().await?;
        // Only the latest request's code counts, while it lives. Writing
        // first takes SQLite's write lock, so two guesses are counted in turn.
        let row = sqlx::query(&self.q("UPDATE sign_in_requests SET attempts = attempts + 1
             WHERE id = (SELECT r.id FROM sign_in_requests r JOIN accounts a ON a.id = r.account_id
                         WHERE a.email_key = ? ORDER BY r.id DESC LIMIT 1)
               AND used_at IS NULL AND expires_at > ? AND attempts < ?
             RETURNING id, account_id, link_hash, code_hash"))
        .bind(email_key)
        .bind(&now)
        .bind(i64::from(max_attempts))
        .fetch_optional(&mut *tx)
        .await
        .context("failed to check a sign-in code")?;
        let Some(row) = row else {
            tx.commit().await?;
            return Ok(None);
        };
        let link_hash: String = row.try_get("link_hash")?;
        let stored: String = row.try_get("code_hash")?;
        if crate::token::code_hash(&link_hash, code.trim()) != stored {
            tx.commit().await?;
            return Ok(None);
        }
        let id: i64 = row.try_get("id")?;
        sqlx::query(&self.q("UPDATE sign_in_requests SET used_at = ? WHERE id = ?"))
            .bind(&now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        let account_id: i64 = row.try_get("account_id")?;
        self.account_by_id(account_id).await.map(Some)
    }

    async fn create_session(
        &self,
        account_id: i64,
        token_hash: &str,
        csrf_token: &str,
        user_agent: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let now = timestamp(now);
        sqlx::query(&self.q(
            "INSERT INTO account_sessions (token_hash, csrf_token, account_id, user_agent, created_at, last_seen_at, expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        ))
        .bind(token_hash)
        .bind(csrf_token)
        .bind(account_id)
        .bind(user_agent)
        .bind(&now)
        .bind(&now)
        .bind(timestamp(expires_at))
        .execute(&self.pool)
        .await
        .context("failed to open a session")?;
        Ok(())
    }

    async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Session>> {
        let now = timestamp(now);
        let row = sqlx::query(&self.q(&format!(
            "SELECT {SESSION_COLUMNS} FROM account_sessions s JOIN accounts a ON a.id = s.account_id
             WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ?"
        )))
        .bind(token_hash)
        .bind(&now)
        .fetch_optional(&self.pool)
        .await
        .context("failed to read a session")?;
        let Some(row) = row else {
            return Ok(None);
        };
        let session = session_from(&row)?;
        // The last request is worth a write at most once a minute.
        if timestamp(session.last_seen_at + chrono::Duration::minutes(1)) < now {
            sqlx::query(&self.q("UPDATE account_sessions SET last_seen_at = ? WHERE id = ?"))
                .bind(&now)
                .bind(session.id)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(session))
    }

    async fn sessions_of(&self, account_id: i64, now: DateTime<Utc>) -> Result<Vec<Session>> {
        let rows = sqlx::query(&self.q(&format!(
            "SELECT {SESSION_COLUMNS} FROM account_sessions s JOIN accounts a ON a.id = s.account_id
             WHERE s.account_id = ? AND s.revoked_at IS NULL AND s.expires_at > ?
             ORDER BY s.last_seen_at DESC, s.id DESC"
        )))
        .bind(account_id)
        .bind(timestamp(now))
        .fetch_all(&self.pool)
        .await
        .context("failed to list sessions")?;
        rows.iter().map(session_from).collect()
    }

    async fn revoke_sessions(
        &self,
        account_id: i64,
        session_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        let sql = match session_id {
            Some(_) => {
                "UPDATE account_sessions SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL AND id = ?"
            }
            None => {
                "UPDATE account_sessions SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL"
            }
        };
        let sql = self.q(sql);
        let mut query = sqlx::query(&sql).bind(timestamp(now)).bind(account_id);
        if let Some(id) = session_id {
            query = query.bind(id);
        }
        let done = query
            .execute(&self.pool)
            .await
            .context("failed to end sessions")?;
        Ok(done.rows_affected())
    }

    async fn audit(
        &self,
        organisation_id: Option<i64>,
        account_id: Option<i64>,
        action: &str,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(&self.q(
            "INSERT INTO audit_log (organisation_id, account_id, action, detail, created_at) VALUES (?, ?, ?, ?, ?)",
        ))
        .bind(organisation_id)
        .bind(account_id)
        .bind(action)
        .bind(detail)
        .bind(timestamp(now))
        .execute(&self.pool)
        .await
        .context("failed to write the audit log")?;
        Ok(())
    }

    async fn audit_log(&self, organisation_id: i64, limit: u32) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(&self.q(
            "SELECT l.created_at, a.email, l.action, l.detail FROM audit_log l
             LEFT JOIN accounts a ON a.id = l.account_id
             WHERE l.organisation_id = ? ORDER BY l.id DESC LIMIT ?",
        ))
        .bind(organisation_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .context("failed to read the audit log")?;
        rows.iter()
            .map(|row| {
                Ok(AuditEntry {
                    at: parse_timestamp(&row.try_get::<String, _>("created_at")?)?,
                    who: row.try_get("email")?,
                    action: row.try_get("action")?,
                    detail: row.try_get("detail")?,
                })
            })
            .collect()
    }

    async fn organisation_settings(&self, organisation_id: i64) -> Result<OrganisationSettings> {
        let row = sqlx::query(
            &self.q("SELECT name, sender_name, contact_email FROM organisations WHERE id = ?"),
        )
        .bind(organisation_id)
        .fetch_one(&self.pool)
        .await
        .context("failed to read an organisation's settings")?;
        Ok(OrganisationSettings {
            name: row.try_get("name")?,
            sender_name: row.try_get("sender_name")?,
            contact_email: row.try_get("contact_email")?,
        })
    }

    async fn set_organisation_settings(
        &self,
        organisation_id: i64,
        settings: &OrganisationSettings,
    ) -> Result<()> {
        sqlx::query(&self.q(
            "UPDATE organisations SET name = ?, sender_name = ?, contact_email = ? WHERE id = ?",
        ))
        .bind(&settings.name)
        .bind(&settings.sender_name)
        .bind(&settings.contact_email)
        .bind(organisation_id)
        .execute(&self.pool)
        .await
        .context("failed to store an organisation's settings")?;
        Ok(())
    }

    async fn members(&self, organisation_id: i64) -> Result<Vec<(Account, Role)>> {
        let rows = sqlx::query(&self.q(
            "SELECT a.id AS account_id, a.email, a.name, m.role FROM memberships m
             JOIN accounts a ON a.id = m.account_id
             WHERE m.organisation_id = ? ORDER BY a.name, a.email",
        ))
        .bind(organisation_id)
        .fetch_all(&self.pool)
        .await
        .context("failed to list members")?;
        rows.iter()
            .map(|row| {
                let role: String = row.try_get("role")?;
                Ok((
                    account_from(row)?,
                    Role::parse(&role)
                        .with_context(|| format!("unknown role in the database: {role:?}"))?,
                ))
            })
            .collect()
    }

    async fn remove_member(&self, organisation_id: i64, account_id: i64) -> Result<bool> {
        // The last administrator stays: checked in the removing statement.
        let done = sqlx::query(&self.q(
            "DELETE FROM memberships WHERE organisation_id = ? AND account_id = ?
             AND (role <> 'administrateur' OR EXISTS (
                 SELECT 1 FROM memberships other WHERE other.organisation_id = ?
                 AND other.account_id <> ? AND other.role = 'administrateur'))",
        ))
        .bind(organisation_id)
        .bind(account_id)
        .bind(organisation_id)
        .bind(account_id)
        .execute(&self.pool)
        .await
        .context("failed to remove a member")?;
        Ok(done.rows_affected() == 1)
    }

    async fn publishing_organisations(&self) -> Result<Vec<Organisation>> {
        let rows = sqlx::query(&self.q("SELECT o.id, o.slug, o.name FROM organisations o
             WHERE EXISTS (SELECT 1 FROM events e WHERE e.organisation_id = o.id)
             ORDER BY o.name"))
        .fetch_all(&self.pool)
        .await
        .context("failed to list organisations")?;
        rows.iter().map(organisation_from).collect()
    }

    async fn assign_events(&self, organisation_id: i64, slugs: &[&str]) -> Result<()> {
        for slug in slugs {
            sqlx::query(&self.q("UPDATE events SET organisation_id = ? WHERE slug = ?"))
                .bind(organisation_id)
                .bind(*slug)
                .execute(&self.pool)
                .await
                .context("failed to assign an event")?;
        }
        Ok(())
    }

    async fn organisation_events(&self, organisation_id: i64) -> Result<Vec<String>> {
        sqlx::query_scalar(
            &self.q("SELECT slug FROM events WHERE organisation_id = ? ORDER BY starts_at, id"),
        )
        .bind(organisation_id)
        .fetch_all(&self.pool)
        .await
        .context("failed to list an organisation's events")
    }
}

impl SqlStore {
    async fn account_by_id(&self, account_id: i64) -> Result<Account> {
        let row =
            sqlx::query(&self.q("SELECT id AS account_id, email, name FROM accounts WHERE id = ?"))
                .bind(account_id)
                .fetch_one(&self.pool)
                .await
                .context("failed to read an account")?;
        account_from(&row)
    }
}
