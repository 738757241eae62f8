//! [`NewsletterStore`] on SQL (migration 0014): `newsletter_subscribers`
//! (one row per organisation and lower-cased address),
//! `newsletter_confirmations` (one row per confirmation email: its token's
//! hash and the consent given), `newsletter_issues` and
//! `newsletter_deliveries` (one row per issue and subscriber emailed: the
//! unsubscribe token's hash and the outbox Message-ID).

use anyhow::{Context, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::SqlStore;
use crate::store::lettre::{
    Bounce, CONFIRMATION_NOTICE, ComposeLink, Counts, ISSUE_NOTICE, IssueRecord, LinkTarget,
    NewSignUp, NewsletterStore, SignUpOutcome, Subscriber,
};
use crate::store::{parse_timestamp, timestamp};

fn optional_time(row: &AnyRow, column: &str) -> Result<Option<DateTime<Utc>>> {
    row.try_get::<Option<String>, _>(column)?
        .as_deref()
        .map(parse_timestamp)
        .transpose()
}

fn count(row: &AnyRow, column: &str) -> Result<u64> {
    Ok(u64::try_from(row.try_get::<i64, _>(column)?).unwrap_or(0))
}

fn target_of(row: &AnyRow) -> Result<LinkTarget> {
    Ok(LinkTarget {
        subscriber_id: row.try_get("id")?,
        email: row.try_get("email")?,
        organisation: row.try_get("name")?,
        confirmed: optional_time(row, "confirmed_at")?.is_some(),
        unsubscribed: optional_time(row, "unsubscribed_at")?.is_some(),
    })
}

fn issue_of(row: &AnyRow) -> Result<IssueRecord> {
    Ok(IssueRecord {
        id: row.try_get("id")?,
        organisation_id: row.try_get("organisation_id")?,
        subject: row.try_get("subject")?,
        body_markdown: row.try_get("body_markdown")?,
        created_at: parse_timestamp(&row.try_get::<String, _>("created_at")?)?,
        sent_at: optional_time(row, "sent_at")?,
        recipients: count(row, "recipients")?,
        bounces: count(row, "bounces")?,
    })
}

const TARGET: &str = "SELECT s.id, s.email, s.confirmed_at, s.unsubscribed_at, o.name
     FROM newsletter_subscribers s JOIN organisations o ON o.id = s.organisation_id";

const ISSUE: &str =
    "SELECT i.id, i.organisation_id, i.subject, i.body_markdown, i.created_at, i.sent_at,
        (SELECT COUNT(*) FROM newsletter_deliveries d WHERE d.issue_id = i.id) AS recipients,
        (SELECT COUNT(*) FROM newsletter_deliveries d JOIN outbox x ON x.message_id = d.message_id
          WHERE d.issue_id = i.id AND x.dead_at IS NOT NULL) AS bounces
     FROM newsletter_issues i";

impl SqlStore {
    async fn newsletter_sign_up_once(
        &self,
        sign_up: &NewSignUp<'_>,
        compose: ComposeLink<'_>,
        now: DateTime<Utc>,
    ) -> Result<SignUpOutcome> {
        let now_text = timestamp(now);
        let day_ago = timestamp(now - chrono::Duration::hours(24));
        let mut tx = self
            .pool
            .begin()
            .await
            .context("failed to begin a sign-up")?;
        // The first statement writes (SQLite's write lock at once) and
        // locks the subscriber's row (PostgreSQL): two sign-ups of one
        // address are counted one after the other.
        let row = sqlx::query(&self.q("INSERT INTO newsletter_subscribers
                 (organisation_id, email, email_key, consent_text, consented_at, created_at)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (organisation_id, email_key) DO UPDATE SET email_key = excluded.email_key
             RETURNING id, confirmed_at, unsubscribed_at"))
        .bind(sign_up.organisation_id)
        .bind(sign_up.email)
        .bind(sign_up.email_key)
        .bind(sign_up.consent_text)
        .bind(&now_text)
        .bind(&now_text)
        .fetch_one(&mut *tx)
        .await
        .context("failed to record a sign-up")?;
        let subscriber_id: i64 = row.try_get("id")?;
        if optional_time(&row, "confirmed_at")?.is_some()
            && optional_time(&row, "unsubscribed_at")?.is_none()
        {
            tx.rollback().await?;
            return Ok(SignUpOutcome::AlreadyConfirmed);
        }
        let for_address: i64 =
            sqlx::query_scalar(&self.q("SELECT COUNT(*) FROM newsletter_confirmations c
             JOIN newsletter_subscribers s ON s.id = c.subscriber_id
             WHERE s.email_key = ? AND c.created_at > ?"))
            .bind(sign_up.email_key)
            .bind(&day_ago)
            .fetch_one(&mut *tx)
            .await?;
        if for_address >= i64::from(sign_up.per_address_per_day) {
            tx.rollback().await?;
            return Ok(SignUpOutcome::AddressLimit);
        }
        let for_organisation: i64 =
            sqlx::query_scalar(&self.q("SELECT COUNT(*) FROM newsletter_confirmations c
             JOIN newsletter_subscribers s ON s.id = c.subscriber_id
             WHERE s.organisation_id = ? AND c.created_at > ?"))
            .bind(sign_up.organisation_id)
            .bind(&day_ago)
            .fetch_one(&mut *tx)
            .await?;
        if for_organisation >= i64::from(sign_up.per_organisation_per_day) {
            tx.rollback().await?;
            return Ok(SignUpOutcome::OrganisationLimit);
        }
        let token = crate::token::generate()?;
        sqlx::query(&self.q(
            "INSERT INTO newsletter_confirmations (token_hash, subscriber_id, consent_text, created_at)
             VALUES (?, ?, ?, ?)",
        ))
        .bind(&token.hash)
        .bind(subscriber_id)
        .bind(sign_up.consent_text)
        .bind(&now_text)
        .execute(&mut *tx)
        .await
        .context("failed to record a confirmation link")?;
        let email = compose(sign_up.email, &token.token)?;
        self.queue(&mut tx, None::<i64>, CONFIRMATION_NOTICE, &email, &now_text)
            .await?;
        tx.commit().await.context("failed to commit a sign-up")?;
        Ok(SignUpOutcome::Queued)
    }

    async fn newsletter_confirm_once(
        &self,
        token_hash: &str,
        valid_days: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<LinkTarget>> {
        let now_text = timestamp(now);
        let mut tx = self
            .pool
            .begin()
            .await
            .context("failed to begin a confirmation")?;
        // Writes first (SQLite's lock); a confirmed address is left as it
        // is, its consent and date included.
        sqlx::query(&self.q(
            "UPDATE newsletter_subscribers SET confirmed_at = ?, unsubscribed_at = NULL,
                    consent_text = (SELECT c.consent_text FROM newsletter_confirmations c WHERE c.token_hash = ?),
                    consented_at = (SELECT c.created_at FROM newsletter_confirmations c WHERE c.token_hash = ?)
             WHERE id = (SELECT c.subscriber_id FROM newsletter_confirmations c
                         WHERE c.token_hash = ? AND c.created_at > ?)
               AND (confirmed_at IS NULL OR unsubscribed_at IS NOT NULL)",
        ))
        .bind(&now_text)
        .bind(token_hash)
        .bind(token_hash)
        .bind(token_hash)
        .bind(timestamp(now - chrono::Duration::days(valid_days)))
        .execute(&mut *tx)
        .await
        .context("failed to confirm a subscription")?;
        let target = self
            .confirmation_target(&mut *tx, token_hash, valid_days, now)
            .await?;
        tx.commit().await?;
        Ok(target)
    }

    async fn confirmation_target<'e, E>(
        &self,
        executor: E,
        token_hash: &str,
        valid_days: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<LinkTarget>>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let row = sqlx::query(&self.q(&format!(
            "{TARGET} JOIN newsletter_confirmations c ON c.subscriber_id = s.id
             WHERE c.token_hash = ? AND c.created_at > ?"
        )))
        .bind(token_hash)
        .bind(timestamp(now - chrono::Duration::days(valid_days)))
        .fetch_optional(executor)
        .await
        .context("failed to read a confirmation link")?;
        row.as_ref().map(target_of).transpose()
    }

    async fn unsubscription_target<'e, E>(
        &self,
        executor: E,
        token_hash: &str,
    ) -> Result<Option<LinkTarget>>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let row = sqlx::query(&self.q(&format!(
            "{TARGET} JOIN newsletter_deliveries d ON d.subscriber_id = s.id WHERE d.token_hash = ?"
        )))
        .bind(token_hash)
        .fetch_optional(executor)
        .await
        .context("failed to read an unsubscribe link")?;
        row.as_ref().map(target_of).transpose()
    }

    async fn newsletter_unsubscribe_once(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<LinkTarget>> {
        let mut tx = self
            .pool
            .begin()
            .await
            .context("failed to begin an unsubscription")?;
        sqlx::query(
            &self.q("UPDATE newsletter_subscribers SET unsubscribed_at = ?
             WHERE id = (SELECT d.subscriber_id FROM newsletter_deliveries d WHERE d.token_hash = ?)
               AND unsubscribed_at IS NULL"),
        )
        .bind(timestamp(now))
        .bind(token_hash)
        .execute(&mut *tx)
        .await
        .context("failed to unsubscribe")?;
        let target = self.unsubscription_target(&mut *tx, token_hash).await?;
        tx.commit().await?;
        Ok(target)
    }

    async fn newsletter_send_batch_once(
        &self,
        issue: &IssueRecord,
        batch: u32,
        compose: ComposeLink<'_>,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        let now_text = timestamp(now);
        let mut tx = self
            .pool
            .begin()
            .await
            .context("failed to begin sending an issue")?;
        // Writes the issue's row first: SQLite's write lock, PostgreSQL's
        // row lock, so two sendings of one issue take turns.
        sqlx::query(
            &self.q(
                "UPDATE newsletter_issues SET started_at = COALESCE(started_at, ?) WHERE id = ?",
            ),
        )
        .bind(&now_text)
        .bind(issue.id)
        .execute(&mut *tx)
        .await
        .context("failed to start sending an issue")?;
        let rows = sqlx::query(&self.q(
            "SELECT s.id, s.email FROM newsletter_subscribers s
             WHERE s.organisation_id = ? AND s.confirmed_at IS NOT NULL AND s.unsubscribed_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM newsletter_deliveries d
                               WHERE d.issue_id = ? AND d.subscriber_id = s.id)
             ORDER BY s.id LIMIT ?",
        ))
        .bind(issue.organisation_id)
        .bind(issue.id)
        .bind(i64::from(batch))
        .fetch_all(&mut *tx)
        .await
        .context("failed to read an issue's recipients")?;
        let mut queued = 0;
        for row in &rows {
            let subscriber_id: i64 = row.try_get("id")?;
            let address: String = row.try_get("email")?;
            let token = crate::token::generate()?;
            let email = compose(&address, &token.token)?;
            sqlx::query(&self.q(
                "INSERT INTO newsletter_deliveries (issue_id, subscriber_id, token_hash, message_id, created_at)
                 VALUES (?, ?, ?, ?, ?)",
            ))
            .bind(issue.id)
            .bind(subscriber_id)
            .bind(&token.hash)
            .bind(&email.message_id)
            .bind(&now_text)
            .execute(&mut *tx)
            .await
            .context("failed to record an issue's email")?;
            self.queue(&mut tx, None::<i64>, ISSUE_NOTICE, &email, &now_text)
                .await?;
            queued += 1;
        }
        tx.commit()
            .await
            .context("failed to commit an issue's emails")?;
        Ok(queued)
    }
}

#[async_trait]
impl NewsletterStore for SqlStore {
    async fn newsletter_sign_up(
        &self,
        sign_up: &NewSignUp<'_>,
        compose: ComposeLink<'_>,
        now: DateTime<Utc>,
    ) -> Result<SignUpOutcome> {
        retrying!(self.newsletter_sign_up_once(sign_up, compose, now))
    }

    async fn newsletter_confirmation(
        &self,
        token_hash: &str,
        valid_days: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<LinkTarget>> {
        self.confirmation_target(&self.pool, token_hash, valid_days, now)
            .await
    }

    async fn newsletter_confirm(
        &self,
        token_hash: &str,
        valid_days: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<LinkTarget>> {
        retrying!(self.newsletter_confirm_once(token_hash, valid_days, now))
    }

    async fn newsletter_unsubscription(&self, token_hash: &str) -> Result<Option<LinkTarget>> {
        self.unsubscription_target(&self.pool, token_hash).await
    }

    async fn newsletter_unsubscribe(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<LinkTarget>> {
        retrying!(self.newsletter_unsubscribe_once(token_hash, now))
    }

    async fn newsletter_counts(&self, organisation_id: i64) -> Result<Counts> {
        let row = sqlx::query(&self.q(
            "SELECT
                COUNT(CASE WHEN unsubscribed_at IS NULL AND confirmed_at IS NOT NULL THEN 1 END) AS confirmed,
                COUNT(CASE WHEN unsubscribed_at IS NULL AND confirmed_at IS NULL THEN 1 END) AS pending,
                COUNT(CASE WHEN unsubscribed_at IS NOT NULL THEN 1 END) AS unsubscribed
             FROM newsletter_subscribers WHERE organisation_id = ?",
        ))
        .bind(organisation_id)
        .fetch_one(&self.pool)
        .await
        .context("failed to count subscribers")?;
        Ok(Counts {
            confirmed: count(&row, "confirmed")?,
            pending: count(&row, "pending")?,
            unsubscribed: count(&row, "unsubscribed")?,
        })
    }

    async fn newsletter_create_issue(
        &self,
        organisation_id: i64,
        account_id: i64,
        subject: &str,
        body_markdown: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        sqlx::query_scalar(&self.q(
            "INSERT INTO newsletter_issues (organisation_id, account_id, subject, body_markdown, created_at)
             VALUES (?, ?, ?, ?, ?) RETURNING id",
        ))
        .bind(organisation_id)
        .bind(account_id)
        .bind(subject)
        .bind(body_markdown)
        .bind(timestamp(now))
        .fetch_one(&self.pool)
        .await
        .context("failed to store an issue")
    }

    async fn newsletter_issue(
        &self,
        organisation_id: i64,
        issue_id: i64,
    ) -> Result<Option<IssueRecord>> {
        let row =
            sqlx::query(&self.q(&format!("{ISSUE} WHERE i.organisation_id = ? AND i.id = ?")))
                .bind(organisation_id)
                .bind(issue_id)
                .fetch_optional(&self.pool)
                .await
                .context("failed to read an issue")?;
        row.as_ref().map(issue_of).transpose()
    }

    async fn newsletter_issues(
        &self,
        organisation_id: i64,
        limit: u32,
    ) -> Result<Vec<IssueRecord>> {
        let rows = sqlx::query(&self.q(&format!(
            "{ISSUE} WHERE i.organisation_id = ? ORDER BY i.id DESC LIMIT ?"
        )))
        .bind(organisation_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .context("failed to list issues")?;
        rows.iter().map(issue_of).collect()
    }

    async fn newsletter_send_batch(
        &self,
        issue: &IssueRecord,
        batch: u32,
        compose: ComposeLink<'_>,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        retrying!(self.newsletter_send_batch_once(issue, batch, compose, now))
    }

    async fn newsletter_finish_issue(&self, issue_id: i64, now: DateTime<Utc>) -> Result<u64> {
        sqlx::query(
            &self.q("UPDATE newsletter_issues SET sent_at = ? WHERE id = ? AND sent_at IS NULL"),
        )
        .bind(timestamp(now))
        .bind(issue_id)
        .execute(&self.pool)
        .await
        .context("failed to mark an issue sent")?;
        let sent: i64 = sqlx::query_scalar(
            &self.q("SELECT COUNT(*) FROM newsletter_deliveries WHERE issue_id = ?"),
        )
        .bind(issue_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(sent).unwrap_or(0))
    }

    async fn newsletter_subscribers(
        &self,
        organisation_id: i64,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<Subscriber>> {
        let rows = sqlx::query(&self.q(
            "SELECT id, email, consent_text, consented_at, confirmed_at, unsubscribed_at
             FROM newsletter_subscribers WHERE organisation_id = ? AND id > ? ORDER BY id LIMIT ?",
        ))
        .bind(organisation_id)
        .bind(after_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .context("failed to read subscribers")?;
        rows.iter()
            .map(|row| {
                Ok(Subscriber {
                    id: row.try_get("id")?,
                    email: row.try_get("email")?,
                    consent_text: row.try_get("consent_text")?,
                    consented_at: parse_timestamp(&row.try_get::<String, _>("consented_at")?)?,
                    confirmed_at: optional_time(row, "confirmed_at")?,
                    unsubscribed_at: optional_time(row, "unsubscribed_at")?,
                })
            })
            .collect()
    }

    async fn newsletter_bounces(&self, organisation_id: i64, limit: u32) -> Result<Vec<Bounce>> {
        let rows = sqlx::query(&self.q(
            "SELECT x.recipient, x.last_error, x.dead_at, i.id AS issue_id, i.subject
             FROM outbox x
             JOIN newsletter_deliveries d ON d.message_id = x.message_id
             JOIN newsletter_issues i ON i.id = d.issue_id
             WHERE x.dead_at IS NOT NULL AND x.notice = ? AND i.organisation_id = ?
             ORDER BY x.dead_at DESC, x.id DESC LIMIT ?",
        ))
        .bind(ISSUE_NOTICE)
        .bind(organisation_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .context("failed to list bounces")?;
        rows.iter()
            .map(|row| {
                Ok(Bounce {
                    recipient: row.try_get("recipient")?,
                    issue_id: row.try_get("issue_id")?,
                    subject: row.try_get("subject")?,
                    reason: row
                        .try_get::<Option<String>, _>("last_error")?
                        .unwrap_or_default(),
                    dead_at: parse_timestamp(&row.try_get::<String, _>("dead_at")?)?,
                })
            })
            .collect()
    }
}
