//! [`FeedbackStore`] on SQL (migration 0010): `feedback_questionnaires`
//! (the questionnaire in `data_json` as [`StoredQuestionnaire`]),
//! `feedback_invitations` (hashes of the personal links, `answered`) and
//! `feedback_responses` (answers in their wire form, keyed by
//! `response_key`; see [`crate::store::feedback`] for what anonymous mode
//! leaves out).

use std::collections::BTreeMap;

use anyhow::{Context, Result, anyhow};
use async_trait::async_trait;
use chrono::{DateTime, FixedOffset, Utc};
use parvis_core::feedback::{
    FeedbackAnswer, FeedbackQuestion, Questionnaire, QuestionnaireKind, Response,
};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Dialect, SqlStore, Tx};
use crate::store::feedback::{
    ComposeFeedback, FEEDBACK_NOTICE, FeedbackInvitation, FeedbackLink, FeedbackStore, LinkedEvent,
    OpenedLink, QuestionnaireRecord, QuestionnaireStatus, Recipient, Saved, SavedResponse,
    Submission, kind_name, link_response_key,
};
use crate::store::{parse_timestamp, timestamp};

/// A questionnaire as `feedback_questionnaires.data_json` holds it. The
/// only bridges to the contract's [`Questionnaire`] are [`Self::of`] and
/// [`Self::into_questionnaire`], which name every field; the questions
/// are stored in their wire form (as `StoredEvent` stores the organiser's
/// registration questions), and the kind lives in its own column.
#[derive(Debug, Serialize, Deserialize)]
struct StoredQuestionnaire {
    title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    intro: String,
    #[serde(default)]
    anonymous: bool,
    #[serde(
        default,
        with = "parvis_core::timestamp::option",
        skip_serializing_if = "Option::is_none"
    )]
    opens: Option<DateTime<FixedOffset>>,
    #[serde(
        default,
        with = "parvis_core::timestamp::option",
        skip_serializing_if = "Option::is_none"
    )]
    closes: Option<DateTime<FixedOffset>>,
    cold_delay_days: u16,
    #[serde(default)]
    automatic: bool,
    #[serde(default = "send_delay_default")]
    send_delay_hours: u16,
    #[serde(default = "reminder_delay_default")]
    reminder_delay_days: u16,
    questions: Vec<FeedbackQuestion>,
}

fn send_delay_default() -> u16 {
    parvis_core::feedback::SEND_DELAY_DEFAULT
}

fn reminder_delay_default() -> u16 {
    parvis_core::feedback::REMINDER_DELAY_DEFAULT
}

impl StoredQuestionnaire {
    fn of(questionnaire: &Questionnaire) -> Self {
        let Questionnaire {
            kind: _,
            title,
            intro,
            anonymous,
            opens,
            closes,
            cold_delay_days,
            automatic,
            send_delay_hours,
            reminder_delay_days,
            questions,
        } = questionnaire.clone();
        Self {
            title,
            intro,
            anonymous,
            opens,
            closes,
            cold_delay_days,
            automatic,
            send_delay_hours,
            reminder_delay_days,
            questions,
        }
    }

    fn into_questionnaire(self, kind: QuestionnaireKind) -> Questionnaire {
        let Self {
            title,
            intro,
            anonymous,
            opens,
            closes,
            cold_delay_days,
            automatic,
            send_delay_hours,
            reminder_delay_days,
            questions,
        } = self;
        Questionnaire {
            kind,
            title,
            intro,
            anonymous,
            opens,
            closes,
            cold_delay_days,
            automatic,
            send_delay_hours,
            reminder_delay_days,
            questions,
        }
    }
}

fn data_json(questionnaire: &Questionnaire) -> Result<String> {
    Ok(serde_json::to_string(&StoredQuestionnaire::of(
        questionnaire,
    ))?)
}

fn stored_kind(questionnaire: &Questionnaire) -> Result<&'static str> {
    kind_name(questionnaire.kind).ok_or_else(|| anyhow!("a stakeholder questionnaire has no event"))
}

const QUESTIONNAIRE_COLUMNS: &str = "q.id, q.event_id, q.organisation_id, q.kind, q.status, q.data_json, q.created_at, q.updated_at, \
     q.sent_at, q.reminded_at, q.public_token, \
     (SELECT o.name FROM organisations o WHERE o.id = q.organisation_id) AS organisation_name";

impl SqlStore {
    /// The columns naming a feedback link's event (`e`, left-joined):
    /// its address and the title in its page's JSON, read with the link
    /// instead of reading the whole event after it.
    fn linked_event_columns(&self) -> String {
        format!(
            "e.slug AS event_slug, {} AS event_title",
            self.dialect.json_text("e.data_json", "title")
        )
    }
}

/// The event of [`SqlStore::linked_event_columns`], if any.
fn linked_event_of(row: &AnyRow) -> Result<Option<LinkedEvent>> {
    let slug: Option<String> = row.try_get("event_slug")?;
    let title: Option<String> = row.try_get("event_title")?;
    Ok(slug
        .zip(title)
        .map(|(slug, title)| LinkedEvent { slug, title }))
}

fn optional_timestamp(row: &AnyRow, column: &str) -> Result<Option<DateTime<Utc>>> {
    row.try_get::<Option<String>, _>(column)?
        .map(|text| parse_timestamp(&text))
        .transpose()
}

fn questionnaire_of(row: &AnyRow) -> Result<QuestionnaireRecord> {
    let kind: String = row.try_get("kind")?;
    let kind = match kind.as_str() {
        "hot" => QuestionnaireKind::Hot,
        "cold" => QuestionnaireKind::Cold,
        "stakeholder" => QuestionnaireKind::Stakeholder,
        other => anyhow::bail!("unknown questionnaire kind in the database: {other:?}"),
    };
    let status: String = row.try_get("status")?;
    let data: String = row.try_get("data_json")?;
    let stored: StoredQuestionnaire =
        serde_json::from_str(&data).context("unreadable questionnaire in the database")?;
    Ok(QuestionnaireRecord {
        id: row.try_get("id")?,
        event_id: row.try_get("event_id")?,
        organisation_id: row.try_get("organisation_id")?,
        organisation_name: row.try_get("organisation_name")?,
        status: QuestionnaireStatus::parse(&status)
            .with_context(|| format!("unknown questionnaire status in the database: {status:?}"))?,
        questionnaire: stored.into_questionnaire(kind),
        created_at: parse_timestamp(&row.try_get::<String, _>("created_at")?)?,
        updated_at: parse_timestamp(&row.try_get::<String, _>("updated_at")?)?,
        sent_at: optional_timestamp(row, "sent_at")?,
        reminded_at: optional_timestamp(row, "reminded_at")?,
        public_token: row.try_get("public_token")?,
    })
}

fn answers_of(row: &AnyRow) -> Result<BTreeMap<String, FeedbackAnswer>> {
    let json: String = row.try_get("answers_json")?;
    serde_json::from_str(&json).context("unreadable feedback answers in the database")
}

/// The day of `now`, as stored for an anonymous response.
fn day_of(now: DateTime<Utc>) -> String {
    format!("{}T00:00:00.000000Z", now.format("%Y-%m-%d"))
}

#[async_trait]
impl FeedbackStore for SqlStore {
    async fn create_questionnaire(
        &self,
        event_id: i64,
        questionnaire: &Questionnaire,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        let now = timestamp(now);
        sqlx::query_scalar(&self.q(
            "INSERT INTO feedback_questionnaires (event_id, kind, status, data_json, created_at, updated_at)
             VALUES (?, ?, 'draft', ?, ?, ?)
             ON CONFLICT (event_id, kind) DO NOTHING RETURNING id",
        ))
        .bind(event_id)
        .bind(stored_kind(questionnaire)?)
        .bind(data_json(questionnaire)?)
        .bind(&now)
        .bind(&now)
        .fetch_optional(&self.pool)
        .await
        .context("failed to store a questionnaire")
    }

    async fn create_stakeholder_questionnaire(
        &self,
        organisation_id: i64,
        questionnaire: &Questionnaire,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let now = timestamp(now);
        sqlx::query_scalar(&self.q(
            "INSERT INTO feedback_questionnaires (organisation_id, kind, status, data_json, created_at, updated_at)
             VALUES (?, 'stakeholder', 'draft', ?, ?, ?) RETURNING id",
        ))
        .bind(organisation_id)
        .bind(data_json(questionnaire)?)
        .bind(&now)
        .bind(&now)
        .fetch_one(&self.pool)
        .await
        .context("failed to store a stakeholder questionnaire")
    }

    async fn stakeholder_questionnaires(
        &self,
        organisation_id: i64,
    ) -> Result<Vec<QuestionnaireRecord>> {
        let rows = sqlx::query(&self.q(&format!(
            "SELECT {QUESTIONNAIRE_COLUMNS} FROM feedback_questionnaires q
             WHERE q.organisation_id = ? AND q.kind = 'stakeholder' ORDER BY q.id DESC"
        )))
        .bind(organisation_id)
        .fetch_all(&self.pool)
        .await
        .context("failed to read stakeholder questionnaires")?;
        rows.iter().map(questionnaire_of).collect()
    }

    async fn questionnaires(&self, event_id: i64) -> Result<Vec<QuestionnaireRecord>> {
        let rows = sqlx::query(&self.q(&format!(
            "SELECT {QUESTIONNAIRE_COLUMNS} FROM feedback_questionnaires q
             WHERE q.event_id = ? ORDER BY q.kind DESC, q.id"
        )))
        .bind(event_id)
        .fetch_all(&self.pool)
        .await
        .context("failed to read an event's questionnaires")?;
        rows.iter().map(questionnaire_of).collect()
    }

    async fn questionnaire(&self, event_id: i64, id: i64) -> Result<Option<QuestionnaireRecord>> {
        let row = sqlx::query(&self.q(&format!(
            "SELECT {QUESTIONNAIRE_COLUMNS} FROM feedback_questionnaires q
             WHERE q.event_id = ? AND q.id = ?"
        )))
        .bind(event_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .context("failed to read a questionnaire")?;
        row.as_ref().map(questionnaire_of).transpose()
    }

    async fn replace_questionnaire(
        &self,
        id: i64,
        questionnaire: &Questionnaire,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            &self
                .q("UPDATE feedback_questionnaires SET data_json = ?, updated_at = ? WHERE id = ?"),
        )
        .bind(data_json(questionnaire)?)
        .bind(timestamp(now))
        .bind(id)
        .execute(&self.pool)
        .await
        .context("failed to replace a questionnaire")?;
        Ok(())
    }

    async fn set_questionnaire_status(
        &self,
        id: i64,
        status: QuestionnaireStatus,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            &self.q("UPDATE feedback_questionnaires SET status = ?, updated_at = ? WHERE id = ?"),
        )
        .bind(status.as_str())
        .bind(timestamp(now))
        .bind(id)
        .execute(&self.pool)
        .await
        .context("failed to set a questionnaire's status")?;
        Ok(())
    }

    async fn invite_feedback(
        &self,
        id: i64,
        recipients: &[Recipient],
        compose: ComposeFeedback<'_>,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        retrying!(self.invite_feedback_once(id, recipients, compose, now))
    }

    async fn remind_feedback(
        &self,
        id: i64,
        compose: ComposeFeedback<'_>,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        retrying!(self.remind_feedback_once(id, compose, now))
    }

    async fn feedback_invitations(&self, id: i64) -> Result<Vec<FeedbackInvitation>> {
        self.invitations_where(id, "").await
    }

    async fn feedback_waiting(&self, id: i64) -> Result<Vec<FeedbackInvitation>> {
        self.invitations_where(id, "AND i.answered = 0").await
    }

    async fn open_feedback(
        &self,
        token: &str,
        browser: Option<&str>,
    ) -> Result<Option<OpenedLink>> {
        // A personal link: its invitation, questionnaire and event in one
        // query; otherwise the event-wide public link.
        let token_hash = crate::token::hash(token);
        let row = sqlx::query(&self.q(&format!(
            "SELECT i.id AS invitation_id, i.registration_id, i.answered, {QUESTIONNAIRE_COLUMNS}, {}
             FROM feedback_invitations i
             JOIN feedback_questionnaires q ON q.id = i.questionnaire_id
             LEFT JOIN events e ON e.id = q.event_id
             WHERE i.token_hash = ? OR i.reminder_token_hash = ?",
            self.linked_event_columns()
        )))
        .bind(&token_hash)
        .bind(&token_hash)
        .fetch_optional(&self.pool)
        .await
        .context("failed to open a feedback link")?;
        let link = match row {
            Some(row) => FeedbackLink {
                invitation_id: Some(row.try_get("invitation_id")?),
                registration_id: row.try_get("registration_id")?,
                answered: row.try_get::<i64, _>("answered")? != 0,
                questionnaire: questionnaire_of(&row)?,
                event: linked_event_of(&row)?,
            },
            None => {
                let row = sqlx::query(&self.q(&format!(
                    "SELECT {QUESTIONNAIRE_COLUMNS}, {} FROM feedback_questionnaires q
                     LEFT JOIN events e ON e.id = q.event_id
                     WHERE q.public_token = ?",
                    self.linked_event_columns()
                )))
                .bind(token)
                .fetch_optional(&self.pool)
                .await
                .context("failed to open a public feedback link")?;
                let Some(row) = row else {
                    return Ok(None);
                };
                FeedbackLink {
                    invitation_id: None,
                    registration_id: None,
                    answered: false,
                    questionnaire: questionnaire_of(&row)?,
                    event: linked_event_of(&row)?,
                }
            }
        };
        let key = link_response_key(&link, token, browser);
        Ok(Some(OpenedLink { link, key }))
    }

    async fn feedback_response(
        &self,
        questionnaire_id: i64,
        key: &str,
    ) -> Result<Option<SavedResponse>> {
        // A query of its own, an equality on the unique index whatever the
        // planner knows of the table: a join on every key a link might have
        // was planned as a scan of the questionnaire's responses on a new
        // PostgreSQL database.
        let row = sqlx::query(
            &self.q("SELECT answers_json, submitted FROM feedback_responses
             WHERE questionnaire_id = ? AND response_key = ?"),
        )
        .bind(questionnaire_id)
        .bind(key)
        .fetch_optional(&self.pool)
        .await
        .context("failed to read a feedback response")?;
        row.map(|row| {
            Ok(SavedResponse {
                answers: answers_of(&row)?,
                submitted: row.try_get::<i64, _>("submitted")? != 0,
            })
        })
        .transpose()
    }

    async fn set_public_feedback(
        &self,
        id: i64,
        token: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            &self.q(
                "UPDATE feedback_questionnaires SET public_token = ?, updated_at = ? WHERE id = ?",
            ),
        )
        .bind(token)
        .bind(timestamp(now))
        .bind(id)
        .execute(&self.pool)
        .await
        .context("failed to set a public feedback link")?;
        Ok(())
    }

    async fn pending_feedback(&self) -> Result<Vec<QuestionnaireRecord>> {
        let rows = sqlx::query(&self.q(&format!(
            "SELECT {QUESTIONNAIRE_COLUMNS} FROM feedback_questionnaires q
             WHERE q.status <> 'closed' AND (q.sent_at IS NULL OR q.reminded_at IS NULL)
             ORDER BY q.id"
        )))
        .fetch_all(&self.pool)
        .await
        .context("failed to read pending questionnaires")?;
        rows.iter().map(questionnaire_of).collect()
    }

    async fn save_feedback(
        &self,
        link: &FeedbackLink,
        key: &str,
        answers: &BTreeMap<String, FeedbackAnswer>,
        submission: Submission,
        client: Option<(&str, u32)>,
        now: DateTime<Utc>,
    ) -> Result<Saved> {
        if !self.batch_writes {
            return retrying!(
                self.save_feedback_alone(link, key, answers, submission, client, now)
            );
        }
        // SQLite: in the open batch of writes, like a registration.
        super::batch::retried(|| {
            self.save_feedback_batched(link, key, answers, submission, client, now)
        })
        .await
    }

    async fn feedback_responses(&self, questionnaire_id: i64) -> Result<Vec<Response>> {
        let rows = sqlx::query(&self.q(
            "SELECT answers_json, submitted, structure_type, territory, workshop, source
             FROM feedback_responses WHERE questionnaire_id = ? ORDER BY id",
        ))
        .bind(questionnaire_id)
        .fetch_all(&self.pool)
        .await
        .context("failed to read feedback responses")?;
        rows.iter()
            .map(|row| {
                Ok(Response {
                    answers: answers_of(row)?,
                    submitted: row.try_get::<i64, _>("submitted")? != 0,
                    structure_type: row.try_get("structure_type")?,
                    territory: row.try_get("territory")?,
                    workshop: row.try_get("workshop")?,
                    public: row.try_get::<String, _>("source")? == "public",
                })
            })
            .collect()
    }
}

fn recipient_of(row: &AnyRow) -> Result<Recipient> {
    Ok(Recipient {
        registration_id: row.try_get("registration_id")?,
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        email: row.try_get("email")?,
    })
}

impl SqlStore {
    /// The people a questionnaire asked, `filter` narrowing them.
    async fn invitations_where(&self, id: i64, filter: &str) -> Result<Vec<FeedbackInvitation>> {
        let rows = sqlx::query(&self.q(&format!(
            "SELECT i.registration_id, COALESCE(p.first_name, i.first_name) AS first_name,
                    COALESCE(p.last_name, i.last_name) AS last_name,
                    COALESCE(p.email, i.email) AS email, i.sent_at, i.reminded_at, i.answered
             FROM feedback_invitations i
             LEFT JOIN registrations r ON r.id = i.registration_id
             LEFT JOIN people p ON p.id = r.person_id
             WHERE i.questionnaire_id = ? {filter} ORDER BY i.id"
        )))
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .context("failed to read the people asked for feedback")?;
        rows.iter()
            .map(|row| {
                let reminded: Option<String> = row.try_get("reminded_at")?;
                Ok(FeedbackInvitation {
                    recipient: recipient_of(row)?,
                    sent_at: parse_timestamp(&row.try_get::<String, _>("sent_at")?)?,
                    reminded_at: reminded.as_deref().map(parse_timestamp).transpose()?,
                    answered: row.try_get::<i64, _>("answered")? != 0,
                })
            })
            .collect()
    }

    /// Takes the questionnaire's row for the transaction (SQLite's write
    /// lock at once, PostgreSQL's row lock).
    async fn lock_questionnaire(&self, tx: &mut Tx<'_>, id: i64) -> Result<()> {
        sqlx::query(&self.q("UPDATE feedback_questionnaires SET status = status WHERE id = ?"))
            .bind(id)
            .execute(&mut **tx)
            .await
            .context("failed to lock a questionnaire")?;
        Ok(())
    }

    async fn invite_feedback_once(
        &self,
        id: i64,
        recipients: &[Recipient],
        compose: ComposeFeedback<'_>,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        let now_text = timestamp(now);
        let mut tx = self
            .pool
            .begin()
            .await
            .context("failed to begin feedback invitations")?;
        self.lock_questionnaire(&mut tx, id).await?;
        let mut asked = Vec::new();
        for recipient in recipients {
            let token = crate::token::generate()?;
            let inserted: Option<i64> = match recipient.registration_id {
                Some(registration_id) => sqlx::query_scalar(&self.q(
                    "INSERT INTO feedback_invitations (questionnaire_id, registration_id, token_hash, sent_at)
                     VALUES (?, ?, ?, ?)
                     ON CONFLICT (questionnaire_id, registration_id) DO NOTHING RETURNING id",
                ))
                .bind(id)
                .bind(registration_id)
                .bind(&token.hash)
                .bind(&now_text)
                .fetch_optional(&mut *tx)
                .await,
                // An address of a stakeholder list, asked once.
                None => sqlx::query_scalar(&self.q(
                    "INSERT INTO feedback_invitations
                         (questionnaire_id, email, first_name, last_name, token_hash, sent_at)
                     VALUES (?, ?, ?, ?, ?, ?)
                     ON CONFLICT (questionnaire_id, email) WHERE email IS NOT NULL
                     DO NOTHING RETURNING id",
                ))
                .bind(id)
                .bind(&recipient.email)
                .bind(&recipient.first_name)
                .bind(&recipient.last_name)
                .bind(&token.hash)
                .bind(&now_text)
                .fetch_optional(&mut *tx)
                .await,
            }
            .context("failed to store a feedback invitation")?;
            if inserted.is_none() {
                continue;
            }
            let email = compose(recipient, &token.token, false)?;
            self.queue(
                &mut tx,
                recipient.registration_id,
                FEEDBACK_NOTICE,
                &email,
                &now_text,
            )
            .await?;
            asked.push(recipient.email.clone());
        }
        sqlx::query(&self.q(
            "UPDATE feedback_questionnaires SET status = 'open', updated_at = ?,
                 sent_at = COALESCE(sent_at, ?)
             WHERE id = ? AND status <> 'closed'",
        ))
        .bind(&now_text)
        .bind(&now_text)
        .bind(id)
        .execute(&mut *tx)
        .await
        .context("failed to open a questionnaire")?;
        tx.commit()
            .await
            .context("failed to commit feedback invitations")?;
        Ok(asked)
    }

    async fn remind_feedback_once(
        &self,
        id: i64,
        compose: ComposeFeedback<'_>,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        let now_text = timestamp(now);
        let mut tx = self
            .pool
            .begin()
            .await
            .context("failed to begin feedback reminders")?;
        self.lock_questionnaire(&mut tx, id).await?;
        let rows = sqlx::query(&self.q(
            "SELECT i.id, i.registration_id, COALESCE(p.first_name, i.first_name) AS first_name,
                    COALESCE(p.last_name, i.last_name) AS last_name,
                    COALESCE(p.email, i.email) AS email
             FROM feedback_invitations i
             LEFT JOIN registrations r ON r.id = i.registration_id
             LEFT JOIN people p ON p.id = r.person_id
             WHERE i.questionnaire_id = ? AND i.answered = 0 AND i.reminded_at IS NULL
             ORDER BY i.id",
        ))
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .context("failed to read whom to remind")?;
        sqlx::query(&self.q(
            "UPDATE feedback_questionnaires SET reminded_at = COALESCE(reminded_at, ?) WHERE id = ?",
        ))
        .bind(&now_text)
        .bind(id)
        .execute(&mut *tx)
        .await
        .context("failed to record a questionnaire's reminder")?;
        let mut reminded = Vec::new();
        for row in &rows {
            let recipient = recipient_of(row)?;
            let token = crate::token::generate()?;
            sqlx::query(&self.q(
                "UPDATE feedback_invitations SET reminder_token_hash = ?, reminded_at = ? WHERE id = ?",
            ))
            .bind(&token.hash)
            .bind(&now_text)
            .bind(row.try_get::<i64, _>("id")?)
            .execute(&mut *tx)
            .await
            .context("failed to record a feedback reminder")?;
            let email = compose(&recipient, &token.token, true)?;
            self.queue(
                &mut tx,
                recipient.registration_id,
                FEEDBACK_NOTICE,
                &email,
                &now_text,
            )
            .await?;
            reminded.push(recipient.email);
        }
        tx.commit()
            .await
            .context("failed to commit feedback reminders")?;
        Ok(reminded)
    }

    /// A save in a transaction of its own (PostgreSQL).
    async fn save_feedback_alone(
        &self,
        link: &FeedbackLink,
        key: &str,
        answers: &BTreeMap<String, FeedbackAnswer>,
        submission: Submission,
        client: Option<(&str, u32)>,
        now: DateTime<Utc>,
    ) -> Result<Saved> {
        let mut tx = self
            .pool
            .begin()
            .await
            .context("failed to begin a feedback save")?;
        let saved = self
            .save_feedback_in(&mut tx, link, key, answers, submission, client, now)
            .await?;
        if let Saved::Done { .. } = saved {
            tx.commit()
                .await
                .context("failed to commit a feedback response")?;
        } else {
            tx.rollback().await?;
        }
        Ok(saved)
    }

    /// A save in a savepoint of the open batch of writes (SQLite, see
    /// `batch.rs`): saves and registrations take SQLite's write lock one
    /// after the other in this process, instead of meeting its busy
    /// handler and its sleeps, and share commits. Answered after the
    /// batch's commit, so a 200 still means a committed response.
    #[allow(clippy::too_many_arguments)]
    async fn save_feedback_batched(
        &self,
        link: &FeedbackLink,
        key: &str,
        answers: &BTreeMap<String, FeedbackAnswer>,
        submission: Submission,
        client: Option<(&str, u32)>,
        now: DateTime<Utc>,
    ) -> Result<Saved> {
        use sqlx::Connection as _;
        let mut member = self.batcher.join(&self.pool, self.dialect).await?;
        // An error on the savepoint itself returns early and drops the
        // member, which gives the whole batch up (its members run again).
        let saved = {
            let mut savepoint = (**member.tx())
                .begin()
                .await
                .context("failed to open a feedback save's savepoint")?;
            let saved = self
                .save_feedback_in(&mut savepoint, link, key, answers, submission, client, now)
                .await;
            if matches!(saved, Ok(Saved::Done { .. })) {
                savepoint.commit().await
            } else {
                savepoint.rollback().await
            }
            .context("failed to close a feedback save's savepoint")?;
            saved
        };
        member.answer(saved).await
    }

    /// A save's work in the caller's transaction, which the caller commits
    /// when it is [`Saved::Done`] and rolls back otherwise.
    #[allow(clippy::too_many_arguments)]
    async fn save_feedback_in(
        &self,
        tx: &mut Tx<'_>,
        link: &FeedbackLink,
        key: &str,
        answers: &BTreeMap<String, FeedbackAnswer>,
        submission: Submission,
        client: Option<(&str, u32)>,
        now: DateTime<Utc>,
    ) -> Result<Saved> {
        let anonymous = link.questionnaire.questionnaire.anonymous;
        // What a named response copies from its registration: the type of
        // structure, the territory and the first workshop chosen.
        let named = link.registration_id.filter(|_| !anonymous);
        let (already, copied) = match link.invitation_id {
            Some(invitation_id) => {
                // The invitation's row first: the transaction's first
                // statement writes (SQLite's write lock), and two saves of
                // one person queue. The same statement reads whether this
                // key's response was submitted, and the registration.
                let row = sqlx::query(&self.q(
                    "UPDATE feedback_invitations SET answered = answered WHERE id = ?
                     RETURNING answered,
                         (SELECT submitted FROM feedback_responses
                          WHERE questionnaire_id = ? AND response_key = ?) AS already,
                         (SELECT r.structure_type FROM registrations r WHERE r.id = ?) AS structure_type,
                         (SELECT p.territory FROM registrations r JOIN people p ON p.id = r.person_id
                          WHERE r.id = ?) AS territory,
                         (SELECT r.tracks_json FROM registrations r WHERE r.id = ?) AS tracks_json",
                ))
                .bind(invitation_id)
                .bind(link.questionnaire.id)
                .bind(key)
                .bind(named)
                .bind(named)
                .bind(named)
                .fetch_one(&mut **tx)
                .await
                .context("failed to lock a feedback invitation")?;
                let answered: i64 = row.try_get("answered")?;
                let already = row
                    .try_get::<Option<i64>, _>("already")?
                    .is_some_and(|s| s != 0);
                if answered != 0 && !already {
                    return Ok(Saved::AnsweredElsewhere);
                }
                let tracks: Option<String> = row.try_get("tracks_json")?;
                let tracks: Vec<String> = tracks
                    .and_then(|t| serde_json::from_str(&t).ok())
                    .unwrap_or_default();
                let copied = (
                    row.try_get::<Option<String>, _>("structure_type")?
                        .filter(|s| !s.is_empty()),
                    row.try_get::<Option<String>, _>("territory")?
                        .filter(|t| !t.trim().is_empty()),
                    tracks.into_iter().next(),
                );
                (already, copied)
            }
            None => {
                self.lock_questionnaire(tx, link.questionnaire.id).await?;
                let exists: Option<i64> =
                    sqlx::query_scalar(&self.q("SELECT submitted FROM feedback_responses
                     WHERE questionnaire_id = ? AND response_key = ?"))
                    .bind(link.questionnaire.id)
                    .bind(key)
                    .fetch_optional(&mut **tx)
                    .await
                    .context("failed to read a feedback response")?;
                if exists.is_none()
                    && let Some((client_hash, cap)) = client
                    && cap > 0
                {
                    let recent: i64 =
                        sqlx::query_scalar(&self.q("SELECT COUNT(*) FROM feedback_public_clients
                         WHERE questionnaire_id = ? AND client_hash = ? AND created_at > ?"))
                        .bind(link.questionnaire.id)
                        .bind(client_hash)
                        .bind(timestamp(now - chrono::Duration::hours(1)))
                        .fetch_one(&mut **tx)
                        .await
                        .context("failed to count a client's feedback")?;
                    if recent >= i64::from(cap) {
                        return Ok(Saved::TooManyFromClient);
                    }
                    sqlx::query(&self.q(
                        "INSERT INTO feedback_public_clients (questionnaire_id, client_hash, created_at)
                         VALUES (?, ?, ?)",
                    ))
                    .bind(link.questionnaire.id)
                    .bind(client_hash)
                    .bind(timestamp(now))
                    .execute(&mut **tx)
                    .await
                    .context("failed to count a client's feedback")?;
                }
                (exists.is_some_and(|s| s != 0), (None, None, None))
            }
        };
        let public = link.invitation_id.is_none();
        let (structure_type, territory, workshop) = copied;
        // A named response keeps the time of its last save; an anonymous
        // one the day only.
        let updated_at = if named.is_some() {
            timestamp(now)
        } else {
            day_of(now)
        };
        // A submitted response stays submitted, and complete.
        let submitted = match submission {
            Submission::Submit => true,
            Submission::Draft { .. } if !already => false,
            Submission::Draft { complete: true } => true,
            Submission::Draft { complete: false } => return Ok(Saved::Incomplete),
        };
        // The response, and a submission's mark on its invitation, in one
        // statement.
        let sql = match self.dialect {
            Dialect::Sqlite => format!("{SAVE_RESPONSE}; {MARK_ANSWERED}"),
            Dialect::Postgres => format!(
                "WITH saved AS ({SAVE_RESPONSE} RETURNING 1) {MARK_ANSWERED} AND EXISTS (SELECT 1 FROM saved)"
            ),
        };
        sqlx::query(&self.q(&sql))
            .bind(link.questionnaire.id)
            .bind(key)
            .bind(named)
            .bind(serde_json::to_string(answers)?)
            .bind(i64::from(submitted))
            .bind(updated_at)
            .bind(structure_type)
            .bind(territory)
            .bind(workshop)
            .bind(if public { "public" } else { "invitation" })
            .bind(link.invitation_id)
            .bind(i64::from(submitted))
            .execute(&mut **tx)
            .await
            .context("failed to save a feedback response")?;
        Ok(Saved::Done { submitted })
    }
}

/// A response saved (the first time, or again under its key).
const SAVE_RESPONSE: &str = "INSERT INTO feedback_responses (questionnaire_id, response_key, registration_id, answers_json, submitted, updated_at, structure_type, territory, workshop, source)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (questionnaire_id, response_key) DO UPDATE SET
         answers_json = excluded.answers_json, submitted = excluded.submitted,
         updated_at = excluded.updated_at, structure_type = excluded.structure_type,
         territory = excluded.territory, workshop = excluded.workshop";

/// A submitted response's invitation marked answered (none for a public
/// link, nothing for a draft): the invitation, then whether it was
/// submitted.
const MARK_ANSWERED: &str = "UPDATE feedback_invitations SET answered = 1 WHERE id = ? AND ? <> 0";

// ---- Exports: the responses a page at a time ----

#[async_trait]
impl crate::store::feedback::FeedbackExportStore for SqlStore {
    async fn feedback_contacts(
        &self,
        questionnaire_id: i64,
    ) -> Result<Vec<(i64, crate::store::feedback::Respondent)>> {
        let rows = sqlx::query(&self.q(
            "SELECT id, first_name, last_name, email FROM feedback_invitations
             WHERE questionnaire_id = ? AND email IS NOT NULL ORDER BY id",
        ))
        .bind(questionnaire_id)
        .fetch_all(&self.pool)
        .await
        .context("failed to read a stakeholder list")?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get("id")?,
                    crate::store::feedback::Respondent {
                        first_name: row
                            .try_get::<Option<String>, _>("first_name")?
                            .unwrap_or_default(),
                        last_name: row
                            .try_get::<Option<String>, _>("last_name")?
                            .unwrap_or_default(),
                        email: row.try_get("email")?,
                    },
                ))
            })
            .collect()
    }

    async fn feedback_response_page(
        &self,
        questionnaire_id: i64,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<crate::store::feedback::ExportedResponse>> {
        self.response_page(questionnaire_id, after, limit).await
    }

    fn feedback_answers(
        &self,
        questionnaire_id: i64,
    ) -> futures_util::stream::BoxStream<'_, Result<crate::store::feedback::UndecodedResponses>>
    {
        use futures_util::StreamExt as _;
        // Chunks in the order of the unique (questionnaire_id, response_key)
        // index, each one row that the database writes as a JSON array:
        // reading 100,000 responses a row each cost more in the driver
        // than in the database. One read transaction sees them all as of
        // its start, as a single statement would.
        let sql = match self.dialect {
            super::Dialect::Sqlite => ANSWERS_SQL_SQLITE,
            super::Dialect::Postgres => ANSWERS_SQL_POSTGRES,
        };
        let start = (None::<sqlx::Transaction<'static, sqlx::Any>>, String::new());
        futures_util::stream::try_unfold(Some(start), move |state| async move {
            let Some((tx, after)) = state else {
                return Ok(None);
            };
            let mut tx = match tx {
                Some(tx) => tx,
                None => self
                    .pool
                    .begin()
                    .await
                    .context("failed to read feedback responses")?,
            };
            let row = sqlx::query(sql)
                .bind(questionnaire_id)
                .bind(&after)
                .bind(i64::from(ANSWERS_CHUNK))
                .fetch_one(&mut *tx)
                .await
                .context("failed to read feedback responses")?;
            let count: i64 = row.try_get(2)?;
            if count == 0 {
                tx.commit().await?;
                return Ok(None);
            }
            let chunk = crate::store::feedback::UndecodedResponses(row.try_get(0)?);
            let next = if count < i64::from(ANSWERS_CHUNK) {
                tx.commit().await?;
                None
            } else {
                Some((Some(tx), row.try_get::<String, _>(1)?))
            };
            Ok(Some((chunk, next)))
        })
        .boxed()
    }

    async fn feedback_invitation_counts(&self, questionnaire_id: i64) -> Result<(usize, usize)> {
        let row = sqlx::query(&self.q(
            "SELECT COUNT(*) AS invited, COUNT(CASE WHEN answered = 1 THEN 1 END) AS answered
             FROM feedback_invitations WHERE questionnaire_id = ?",
        ))
        .bind(questionnaire_id)
        .fetch_one(&self.pool)
        .await
        .context("failed to count feedback invitations")?;
        let count = |column: &str| -> Result<usize> {
            Ok(usize::try_from(row.try_get::<i64, _>(column)?)?)
        };
        Ok((count("invited")?, count("answered")?))
    }
}

/// Responses in one chunk of [`FeedbackExportStore::feedback_answers`].
const ANSWERS_CHUNK: u32 = 500;

/// [`FeedbackExportStore::feedback_answers`]'s statement for each dialect
/// (a `&'static str` outlives the stream): the next chunk after a key, as
/// one JSON array of `[[submitted, structure_type, territory, workshop,
/// source], answers]` (the stored answers pasted in as they are), the last
/// key and the count.
const ANSWERS_SQL_SQLITE: &str =
    "SELECT '[' || group_concat(line, ',' ORDER BY response_key) || ']',
            max(response_key), COUNT(*)
     FROM (SELECT response_key,
                  '[' || json_array(submitted, structure_type, territory, workshop, source)
                      || ',' || answers_json || ']' AS line
           FROM feedback_responses
           WHERE questionnaire_id = ? AND response_key > ?
           ORDER BY response_key LIMIT ?)";
const ANSWERS_SQL_POSTGRES: &str = "SELECT '[' || string_agg(line, ',' ORDER BY response_key) || ']',
            max(response_key), COUNT(*)
     FROM (SELECT response_key,
                  '[' || json_build_array(submitted, structure_type, territory, workshop, source)::text
                      || ',' || answers_json || ']' AS line
           FROM feedback_responses
           WHERE questionnaire_id = $1 AND response_key > $2
           ORDER BY response_key LIMIT $3) AS chunk";

impl SqlStore {
    /// A page of responses in the order of their keys, with the person
    /// (read through the registration).
    async fn response_page(
        &self,
        questionnaire_id: i64,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<crate::store::feedback::ExportedResponse>> {
        // Keyset pagination on the unique (questionnaire_id, response_key)
        // index; the person only through a registration, which anonymous
        // and public responses do not have.
        let rows_sql = "SELECT f.response_key, f.answers_json, f.submitted, f.updated_at, f.source,
                    f.structure_type, f.territory, f.workshop,
                    p.first_name, p.last_name, p.email
             FROM feedback_responses f
             LEFT JOIN registrations r ON r.id = f.registration_id
             LEFT JOIN people p ON p.id = r.person_id
             WHERE f.questionnaire_id = ? AND f.response_key > ?
             ORDER BY f.response_key
             LIMIT ?";
        let after = after.unwrap_or("");
        if self.dialect == super::Dialect::Sqlite {
            // The page as one JSON array that SQLite builds: one row
            // through sqlx's Any driver instead of one per response (see
            // `registrant_page`).
            let sql = format!(
                "SELECT {} FROM ({rows_sql}) AS page_rows",
                super::Dialect::Sqlite.json_rows(EXPORTED_COLUMNS, "response_key")
            );
            let json: String = sqlx::query_scalar(&sql)
                .bind(questionnaire_id)
                .bind(after)
                .bind(i64::from(limit))
                .fetch_one(&self.pool)
                .await
                .context("failed to read a page of feedback responses")?;
            let rows: Vec<ExportedRow> = serde_json::from_str(&json)
                .context("a page of feedback responses is not valid JSON")?;
            return rows.into_iter().map(ExportedRow::response).collect();
        }
        // Each row decoded as it arrives, never the page's rows at once.
        let sql = self.q(rows_sql);
        let mut rows = sqlx::query(&sql)
            .bind(questionnaire_id)
            .bind(after)
            .bind(i64::from(limit))
            .fetch(&self.pool);
        let mut page = Vec::with_capacity(usize::try_from(limit).unwrap_or_default().min(1_000));
        while let Some(row) = futures_util::TryStreamExt::try_next(&mut rows)
            .await
            .context("failed to read a page of feedback responses")?
        {
            page.push(ExportedRow::from_row(&row)?.response()?);
        }
        Ok(page)
    }
}

/// The columns of [`SqlStore::response_page`]'s rows, in [`ExportedRow`]'s
/// order.
const EXPORTED_COLUMNS: &str = "response_key, answers_json, submitted, updated_at, source,
     structure_type, territory, workshop, first_name, last_name, email";

/// One response of a page: a row, or an element of SQLite's JSON array.
#[derive(serde::Deserialize)]
struct ExportedRow {
    response_key: String,
    answers_json: String,
    submitted: i64,
    updated_at: String,
    source: String,
    structure_type: Option<String>,
    territory: Option<String>,
    workshop: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
}

impl ExportedRow {
    fn from_row(row: &AnyRow) -> Result<Self> {
        Ok(Self {
            response_key: row.try_get("response_key")?,
            answers_json: row.try_get("answers_json")?,
            submitted: row.try_get("submitted")?,
            updated_at: row.try_get("updated_at")?,
            source: row.try_get("source")?,
            structure_type: row.try_get("structure_type")?,
            territory: row.try_get("territory")?,
            workshop: row.try_get("workshop")?,
            first_name: row.try_get("first_name")?,
            last_name: row.try_get("last_name")?,
            email: row.try_get("email")?,
        })
    }

    fn response(self) -> Result<crate::store::feedback::ExportedResponse> {
        let respondent = match (self.first_name, self.last_name, self.email) {
            (Some(first_name), Some(last_name), Some(email)) => {
                Some(crate::store::feedback::Respondent {
                    first_name,
                    last_name,
                    email,
                })
            }
            _ => None,
        };
        Ok(crate::store::feedback::ExportedResponse {
            key: self.response_key,
            answers: serde_json::from_str(&self.answers_json)
                .context("unreadable feedback answers in the database")?,
            submitted: self.submitted != 0,
            updated_at: parse_timestamp(&self.updated_at)?,
            public: self.source == "public",
            respondent,
            structure_type: self.structure_type,
            territory: self.territory,
            workshop: self.workshop,
        })
    }
}
