//! [`InvitationStore`] on SQL (migration 0009): invitations with the hash
//! of their link, one row of `invitation_sends` per email (the bounds count
//! them under a write on the event's row, so two organisers inviting at
//! once cannot pass them), and generated invitation codes.

use anyhow::{Context, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use parvis_core::api::RegistrationStatus;
use sqlx::Row;

use super::{SqlStore, Tx};
use crate::outbox::OutgoingEmail;
use crate::store::invitations::{
    ComposeInvitation, INVITATION_NOTICE, InvitationCodeRecord, InvitationLink, InvitationRecord,
    InvitationStore, Invited, Invitee, Resent,
};
use crate::store::{parse_timestamp, timestamp};

impl SqlStore {
    /// Takes the event's row for the transaction: on SQLite the write takes
    /// the database's write lock at once, on PostgreSQL it locks the row.
    async fn lock_event_for_invitations(&self, tx: &mut Tx<'_>, event_id: i64) -> Result<()> {
        sqlx::query(&self.q("UPDATE events SET slug = slug WHERE id = ?"))
            .bind(event_id)
            .execute(&mut **tx)
            .await
            .context("failed to lock the event")?;
        Ok(())
    }

    async fn invitation_sends_since(
        &self,
        tx: &mut Tx<'_>,
        column: &str,
        id: i64,
        since: DateTime<Utc>,
    ) -> Result<i64> {
        let sql =
            format!("SELECT COUNT(*) FROM invitation_sends WHERE {column} = ? AND sent_at > ?");
        sqlx::query_scalar(&self.q(&sql))
            .bind(id)
            .bind(timestamp(since))
            .fetch_one(&mut **tx)
            .await
            .context("failed to count invitation emails")
    }

    async fn queue_invitation(
        &self,
        tx: &mut Tx<'_>,
        invitation_id: i64,
        event_id: i64,
        email: &OutgoingEmail,
        now: &str,
    ) -> Result<()> {
        sqlx::query(
            &self.q(
                "INSERT INTO invitation_sends (invitation_id, event_id, sent_at) VALUES (?, ?, ?)",
            ),
        )
        .bind(invitation_id)
        .bind(event_id)
        .bind(now)
        .execute(&mut **tx)
        .await
        .context("failed to record an invitation email")?;
        sqlx::query(&self.q(
            "INSERT INTO outbox (message_id, registration_id, notice, recipient, subject, body_text, ics, console_note, sender_name, reply_to, created_at, next_attempt_at)
             VALUES (?, NULL, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?)",
        ))
        .bind(&email.message_id)
        .bind(INVITATION_NOTICE)
        .bind(&email.recipient)
        .bind(&email.subject)
        .bind(&email.body_text)
        .bind(&email.console_note)
        .bind(&email.sender_name)
        .bind(&email.reply_to)
        .bind(now)
        .bind(now)
        .execute(&mut **tx)
        .await
        .context("failed to queue an invitation email")?;
        Ok(())
    }

    async fn invite_once(
        &self,
        event_id: i64,
        account_id: i64,
        invitees: &[Invitee],
        daily_limit: u32,
        compose: ComposeInvitation<'_>,
        now: DateTime<Utc>,
    ) -> Result<Invited> {
        let now_text = timestamp(now);
        let mut tx = self
            .pool
            .begin()
            .await
            .context("failed to begin invitations")?;
        self.lock_event_for_invitations(&mut tx, event_id).await?;
        let sent = self
            .invitation_sends_since(
                &mut tx,
                "event_id",
                event_id,
                now - chrono::Duration::hours(24),
            )
            .await?;
        let mut new = Vec::new();
        let mut already = Vec::new();
        for invitee in invitees {
            let token = crate::token::generate()?;
            let id: Option<i64> = sqlx::query_scalar(&self.q(
                "INSERT INTO invitations (event_id, email_key, email, token_hash, invited_at, invited_by, last_sent_at, sent_count)
                 VALUES (?, ?, ?, ?, ?, ?, ?, 1)
                 ON CONFLICT (event_id, email_key) DO NOTHING RETURNING id",
            ))
            .bind(event_id)
            .bind(&invitee.key)
            .bind(&invitee.email)
            .bind(&token.hash)
            .bind(&now_text)
            .bind(account_id)
            .bind(&now_text)
            .fetch_optional(&mut *tx)
            .await
            .context("failed to store an invitation")?;
            let Some(id) = id else {
                already.push(invitee.email.clone());
                continue;
            };
            if sent + i64::try_from(new.len()).unwrap_or(i64::MAX) >= i64::from(daily_limit) {
                tx.rollback().await?;
                let left = (i64::from(daily_limit) - sent).max(0);
                return Ok(Invited::DailyLimit {
                    left: u32::try_from(left).unwrap_or(0),
                });
            }
            let email = compose(&invitee.email, &token.token)?;
            self.queue_invitation(&mut tx, id, event_id, &email, &now_text)
                .await?;
            new.push(invitee.email.clone());
        }
        tx.commit().await.context("failed to commit invitations")?;
        Ok(Invited::Done { new, already })
    }

    #[allow(clippy::too_many_arguments)]
    async fn resend_invitation_once(
        &self,
        event_id: i64,
        id: i64,
        per_day: u32,
        daily_limit: u32,
        compose: ComposeInvitation<'_>,
        now: DateTime<Utc>,
    ) -> Result<Resent> {
        let now_text = timestamp(now);
        let since = now - chrono::Duration::hours(24);
        let mut tx = self
            .pool
            .begin()
            .await
            .context("failed to begin a resend")?;
        self.lock_event_for_invitations(&mut tx, event_id).await?;
        let row = sqlx::query(&self.q("SELECT i.email, r.status FROM invitations i
             LEFT JOIN people p ON p.email_key = i.email_key
             LEFT JOIN registrations r ON r.person_id = p.id AND r.event_id = i.event_id
             WHERE i.id = ? AND i.event_id = ?"))
        .bind(id)
        .bind(event_id)
        .fetch_optional(&mut *tx)
        .await
        .context("failed to read an invitation")?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(Resent::Unknown);
        };
        let email: String = row.try_get("email")?;
        let status: Option<String> = row.try_get("status")?;
        if status.is_some_and(|s| s != "cancelled") {
            tx.rollback().await?;
            return Ok(Resent::Registered(email));
        }
        if self
            .invitation_sends_since(&mut tx, "invitation_id", id, since)
            .await?
            >= i64::from(per_day)
        {
            tx.rollback().await?;
            return Ok(Resent::TooMany(email));
        }
        if self
            .invitation_sends_since(&mut tx, "event_id", event_id, since)
            .await?
            >= i64::from(daily_limit)
        {
            tx.rollback().await?;
            return Ok(Resent::DailyLimit);
        }
        let token = crate::token::generate()?;
        sqlx::query(&self.q(
            "UPDATE invitations SET token_hash = ?, last_sent_at = ?, sent_count = sent_count + 1 WHERE id = ?",
        ))
        .bind(&token.hash)
        .bind(&now_text)
        .bind(id)
        .execute(&mut *tx)
        .await
        .context("failed to renew an invitation's link")?;
        let outgoing = compose(&email, &token.token)?;
        self.queue_invitation(&mut tx, id, event_id, &outgoing, &now_text)
            .await?;
        tx.commit().await.context("failed to commit a resend")?;
        Ok(Resent::Done(email))
    }
}

#[async_trait]
impl InvitationStore for SqlStore {
    async fn invite(
        &self,
        event_id: i64,
        account_id: i64,
        invitees: &[Invitee],
        daily_limit: u32,
        compose: ComposeInvitation<'_>,
        now: DateTime<Utc>,
    ) -> Result<Invited> {
        retrying!(self.invite_once(event_id, account_id, invitees, daily_limit, compose, now))
    }

    async fn resend_invitation(
        &self,
        event_id: i64,
        id: i64,
        per_day: u32,
        daily_limit: u32,
        compose: ComposeInvitation<'_>,
        now: DateTime<Utc>,
    ) -> Result<Resent> {
        retrying!(self.resend_invitation_once(event_id, id, per_day, daily_limit, compose, now))
    }

    async fn invitations(&self, event_id: i64) -> Result<Vec<InvitationRecord>> {
        let rows = sqlx::query(&self.q(
            "SELECT i.id, i.email, i.invited_at, i.last_sent_at, i.sent_count, i.registration_id,
                    a.email AS invited_by, r.id AS registered_id, r.status
             FROM invitations i
             LEFT JOIN accounts a ON a.id = i.invited_by
             LEFT JOIN people p ON p.email_key = i.email_key
             LEFT JOIN registrations r ON r.person_id = p.id AND r.event_id = i.event_id
             WHERE i.event_id = ? ORDER BY i.id",
        ))
        .bind(event_id)
        .fetch_all(&self.pool)
        .await
        .context("failed to list an event's invitations")?;
        rows.iter()
            .map(|row| {
                let registered: Option<i64> = row.try_get("registered_id")?;
                let status: Option<String> = row.try_get("status")?;
                let registration = match (registered, status) {
                    (Some(id), Some(status)) => Some((
                        id,
                        RegistrationStatus::parse(&status).with_context(|| {
                            format!("unknown registration status in the database: {status:?}")
                        })?,
                    )),
                    _ => None,
                };
                let linked: Option<i64> = row.try_get("registration_id")?;
                Ok(InvitationRecord {
                    id: row.try_get("id")?,
                    email: row.try_get("email")?,
                    invited_at: parse_timestamp(&row.try_get::<String, _>("invited_at")?)?,
                    invited_by: row.try_get("invited_by")?,
                    last_sent_at: parse_timestamp(&row.try_get::<String, _>("last_sent_at")?)?,
                    sent_count: row.try_get("sent_count")?,
                    through_link: linked.is_some() && linked == registered,
                    registration,
                })
            })
            .collect()
    }

    async fn invitation_emails_since(&self, event_id: i64, since: DateTime<Utc>) -> Result<u32> {
        let count: i64 = sqlx::query_scalar(
            &self.q("SELECT COUNT(*) FROM invitation_sends WHERE event_id = ? AND sent_at > ?"),
        )
        .bind(event_id)
        .bind(timestamp(since))
        .fetch_one(&self.pool)
        .await
        .context("failed to count invitation emails")?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    async fn invitation_by_token(&self, token_hash: &str) -> Result<Option<InvitationLink>> {
        let row = sqlx::query(
            &self.q("SELECT id, event_id, email FROM invitations WHERE token_hash = ?"),
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .context("failed to read an invitation")?;
        row.map(|row| {
            Ok(InvitationLink {
                id: row.try_get("id")?,
                event_id: row.try_get("event_id")?,
                email: row.try_get("email")?,
            })
        })
        .transpose()
    }

    async fn link_invitation(&self, id: i64) -> Result<()> {
        sqlx::query(&self.q("UPDATE invitations SET registration_id = (
                 SELECT r.id FROM registrations r JOIN people p ON p.id = r.person_id
                 WHERE r.event_id = invitations.event_id AND p.email_key = invitations.email_key)
             WHERE id = ?"))
        .bind(id)
        .execute(&self.pool)
        .await
        .context("failed to link an invitation to its registration")?;
        Ok(())
    }

    async fn create_invitation_code(
        &self,
        event_id: i64,
        label: &str,
        code_hash: &str,
        account_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        sqlx::query_scalar(&self.q(
            "INSERT INTO invitation_codes (event_id, label, code_hash, created_at, created_by, uses)
             VALUES (?, ?, ?, ?, ?, 0) RETURNING id",
        ))
        .bind(event_id)
        .bind(label)
        .bind(code_hash)
        .bind(timestamp(now))
        .bind(account_id)
        .fetch_one(&self.pool)
        .await
        .context("failed to store an invitation code")
    }

    async fn invitation_codes(&self, event_id: i64) -> Result<Vec<InvitationCodeRecord>> {
        let rows = sqlx::query(&self.q(
            "SELECT c.id, c.label, c.created_at, c.revoked_at, c.uses, a.email
             FROM invitation_codes c LEFT JOIN accounts a ON a.id = c.created_by
             WHERE c.event_id = ? ORDER BY c.id DESC",
        ))
        .bind(event_id)
        .fetch_all(&self.pool)
        .await
        .context("failed to list invitation codes")?;
        rows.iter()
            .map(|row| {
                let revoked: Option<String> = row.try_get("revoked_at")?;
                Ok(InvitationCodeRecord {
                    id: row.try_get("id")?,
                    label: row.try_get("label")?,
                    created_at: parse_timestamp(&row.try_get::<String, _>("created_at")?)?,
                    created_by: row.try_get("email")?,
                    revoked_at: revoked.as_deref().map(parse_timestamp).transpose()?,
                    uses: row.try_get("uses")?,
                })
            })
            .collect()
    }

    async fn revoke_invitation_code(
        &self,
        event_id: i64,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<String>> {
        sqlx::query_scalar(&self.q("UPDATE invitation_codes SET revoked_at = ?
             WHERE id = ? AND event_id = ? AND revoked_at IS NULL RETURNING label"))
        .bind(timestamp(now))
        .bind(id)
        .bind(event_id)
        .fetch_optional(&self.pool)
        .await
        .context("failed to revoke an invitation code")
    }

    async fn valid_invitation_code(&self, event_id: i64, code_hash: &str) -> Result<Option<i64>> {
        sqlx::query_scalar(&self.q("SELECT id FROM invitation_codes
             WHERE event_id = ? AND code_hash = ? AND revoked_at IS NULL ORDER BY id LIMIT 1"))
        .bind(event_id)
        .bind(code_hash)
        .fetch_optional(&self.pool)
        .await
        .context("failed to read an invitation code")
    }

    async fn count_invitation_code_use(&self, id: i64) -> Result<()> {
        sqlx::query(&self.q("UPDATE invitation_codes SET uses = uses + 1 WHERE id = ?"))
            .bind(id)
            .execute(&self.pool)
            .await
            .context("failed to count an invitation code's use")?;
        Ok(())
    }
}
