//! Participant feedback: questionnaires as data, their rules, their
//! answers and their results (the same code in the browser and on the
//! endpoint, as for the registration questions of [`crate::questions`]).
//!
//! - [`Questionnaire`]: what the organiser edits, per event (« à chaud »,
//!   « à froid ») or for a list of addresses (stakeholders); the order of
//!   the questions is their order in the list.
//! - [`prepare`] / [`check_questionnaire`]: its rules, French messages
//!   keyed like the event editor's (`questions.2.options`).
//! - [`FeedbackAnswer`], [`check_answers`], [`visible`]: one person's
//!   answers, saved as they go (`partial`) or submitted, with the questions
//!   shown on a condition.
//! - [`templates`]: ready questionnaires (webinar, study day, cycle, cold
//!   follow-up, stakeholders), worded for Qualiopi indicator 30.
//! - [`results`]: per-question figures over many responses, breakdowns by
//!   group, hot versus cold.
//!
//! Wire shapes, for the endpoint and the store:
//!
//! ```json
//! {"kind": "hot", "title": "…", "intro": "…", "anonymous": true,
//!  "opens": null, "closes": "2026-12-20T23:59:00+01:00", "cold_delay_days": 60,
//!  "questions": [
//!   {"id": "satisfaction", "label": "…", "required": true,
//!    "kind": {"type": "scale", "min_label": "…", "max_label": "…"}},
//!   {"id": "suite", "label": "…", "kind": {"type": "yes_no"}},
//!   {"id": "sujets", "label": "…", "kind": {"type": "long_text"},
//!    "condition": {"question": "suite", "equals": true}}]}
//! ```
//!
//! Answers, keyed by question id: a whole number (scale, 0–10, number), a
//! boolean (yes/no), a string (text, or the option of a single choice), a
//! list of strings (multiple choice), `{"choices": [...], "other": "…"}`
//! for a choice with the « Autre : … » field filled in, and
//! `{"Jour 1": 4, "Jour 2": 5}` for a matrix (row label → rating).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::api::FieldErrors;
use crate::text::{ShortText, TextError};

pub mod api;
pub mod results;
pub mod templates;

pub use results::{Response, Summary, breakdown, summary};

/// Longest title, in characters.
pub const TITLE_MAX: usize = 200;
/// Longest introduction (several paragraphs).
pub const INTRO_MAX: usize = 2_000;
/// Longest question label, option or matrix row.
pub const LABEL_MAX: usize = 300;
/// Longest help text of a question.
pub const HELP_MAX: usize = 2_000;
/// Longest label of either end of a scale.
pub const END_LABEL_MAX: usize = 100;
/// Most questions of a questionnaire.
pub const QUESTIONS_MAX: usize = 60;
/// Most options of a choice, or rows of a matrix.
pub const ITEMS_MAX: usize = 50;
/// Longest question id (as [`crate::editor::slugify`] makes them).
pub const ID_MAX: usize = 80;
/// Days between the end of an event and its cold questionnaire, by default.
pub const COLD_DELAY_DEFAULT: u16 = 60;
/// Longest delay before a cold questionnaire, in days.
pub const COLD_DELAY_MAX: u16 = 365;
/// Hours between the end of an event and its hot questionnaire, by default.
pub const SEND_DELAY_DEFAULT: u16 = 2;
/// Longest delay before a hot questionnaire, in hours (30 days).
pub const SEND_DELAY_MAX: u16 = 720;
/// Days between the invitations and the automatic reminder, by default.
pub const REMINDER_DELAY_DEFAULT: u16 = 7;
/// Longest delay before the automatic reminder, in days.
pub const REMINDER_DELAY_MAX: u16 = 60;
/// Longest answer to a short text question, and « Autre » text.
pub const SHORT_ANSWER_MAX: usize = 200;
/// Longest answer to a long text question.
pub const LONG_ANSWER_MAX: usize = 4_000;
/// The ratings of a scale or of a matrix row: 1 to 5.
pub const SCALE: std::ops::RangeInclusive<i64> = 1..=5;
/// The ratings of « Recommanderiez-vous… » : 0 to 10.
pub const RECOMMEND: std::ops::RangeInclusive<i64> = 0..=10;

/// When a questionnaire is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionnaireKind {
    /// « À chaud »: at the end of the event.
    Hot,
    /// « À froid »: [`Questionnaire::cold_delay_days`] after its end, on
    /// what participants have applied.
    Cold,
    /// Not tied to an event: sent to a list of addresses (funders,
    /// speakers, partners) for the yearly appreciations.
    Stakeholder,
}

impl QuestionnaireKind {
    /// The French name, for the back-office.
    pub fn label(self) -> &'static str {
        match self {
            QuestionnaireKind::Hot => "Questionnaire à chaud",
            QuestionnaireKind::Cold => "Questionnaire à froid",
            QuestionnaireKind::Stakeholder => "Questionnaire aux partenaires",
        }
    }
}

fn default_cold_delay() -> u16 {
    COLD_DELAY_DEFAULT
}

fn default_send_delay() -> u16 {
    SEND_DELAY_DEFAULT
}

fn default_reminder_delay() -> u16 {
    REMINDER_DELAY_DEFAULT
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// A questionnaire, as the back-office edits it and the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Questionnaire {
    /// Hot, cold or stakeholder.
    pub kind: QuestionnaireKind,
    /// Title, shown above the form.
    pub title: String,
    /// Introduction (line breaks kept).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub intro: String,
    /// Answers are not linked to the person (see [`anonymity_notice`]);
    /// results then have no breakdown by group.
    #[serde(default)]
    pub anonymous: bool,
    /// Answers accepted from this instant (from the start when `None`).
    #[serde(
        default,
        with = "crate::timestamp::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub opens: Option<DateTime<FixedOffset>>,
    /// Answers accepted until this instant, then read-only (never closes
    /// when `None`).
    #[serde(
        default,
        with = "crate::timestamp::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub closes: Option<DateTime<FixedOffset>>,
    /// For a cold questionnaire: days between the end of the event and the
    /// invitation (60 by default; Qualiopi asks for 1 to 3 months).
    #[serde(default = "default_cold_delay")]
    pub cold_delay_days: u16,
    /// Sent by itself when due (see [`send_due`](Self::send_due)), with its
    /// reminder [`reminder_delay_days`](Self::reminder_delay_days) later;
    /// otherwise only when an organiser sends it.
    #[serde(default)]
    pub automatic: bool,
    /// For a hot questionnaire sent automatically: hours between the end of
    /// the event's last session and the invitations.
    #[serde(default = "default_send_delay")]
    pub send_delay_hours: u16,
    /// For a questionnaire sent automatically: days between the invitations
    /// and the one reminder to those who have not answered; 0 for none.
    #[serde(default = "default_reminder_delay")]
    pub reminder_delay_days: u16,
    /// The questions, in the order shown.
    pub questions: Vec<FeedbackQuestion>,
}

impl Questionnaire {
    /// True when answers may be given or changed at `now`: after
    /// [`opens`](Self::opens), strictly before [`closes`](Self::closes).
    /// Otherwise a saved response is read-only.
    pub fn accepts_answers(&self, now: DateTime<FixedOffset>) -> bool {
        self.opens.is_none_or(|opens| now >= opens) && self.closes.is_none_or(|closes| now < closes)
    }

    /// When the invitation to a cold questionnaire is due, for an event
    /// ending at `event_end`.
    pub fn cold_send_at(&self, event_end: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
        event_end + chrono::Duration::days(i64::from(self.cold_delay_days))
    }

    /// When an automatic questionnaire goes out by itself, for an event
    /// ending at `event_end`: `None` when it is sent by hand, or not tied to
    /// an event.
    pub fn send_due(&self, event_end: DateTime<FixedOffset>) -> Option<DateTime<FixedOffset>> {
        if !self.automatic {
            return None;
        }
        match self.kind {
            QuestionnaireKind::Hot => {
                Some(event_end + chrono::Duration::hours(i64::from(self.send_delay_hours)))
            }
            QuestionnaireKind::Cold => Some(self.cold_send_at(event_end)),
            QuestionnaireKind::Stakeholder => None,
        }
    }

    /// When the automatic reminder is due, for invitations sent at
    /// `sent_at`: `None` when sent by hand or without a reminder.
    pub fn reminder_due(&self, sent_at: DateTime<FixedOffset>) -> Option<DateTime<FixedOffset>> {
        (self.automatic && self.reminder_delay_days > 0)
            .then(|| sent_at + chrono::Duration::days(i64::from(self.reminder_delay_days)))
    }

    /// The question with this id.
    pub fn question(&self, id: &str) -> Option<&FeedbackQuestion> {
        self.questions.iter().find(|q| q.id == id)
    }
}

/// The sentence stating on the form whether answers are anonymous.
pub fn anonymity_notice(questionnaire: &Questionnaire) -> &'static str {
    if questionnaire.anonymous {
        "Ce questionnaire est anonyme : vos réponses ne sont pas associées à votre nom."
    } else {
        "Ce questionnaire n'est pas anonyme : l'équipe organisatrice voit vos réponses \
         avec votre nom et votre structure."
    }
}

/// One question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackQuestion {
    /// Stable identifier, keying answers and conditions: lower case, digits
    /// and hyphens. Made from the label by [`prepare`] when blank; once a
    /// questionnaire is stored it must not change, or answers are lost.
    #[serde(default)]
    pub id: String,
    /// The question as shown.
    pub label: String,
    /// Help shown under the question.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Whether an answer is required on submission (when shown).
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// Kind of answer expected.
    pub kind: FeedbackKind,
    /// Shown only when an earlier question has a given answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
}

/// Kinds of feedback questions.
///
/// Written `{"type": "single", "options": [...], "other": true}`. Like
/// [`crate::questions::QuestionKind`], it is read through a flat struct of
/// its own: serde's internally tagged enums buffer the whole value first,
/// which costs the browser app several KB.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "KindWire")]
pub enum FeedbackKind {
    /// A rating from 1 to 5, both ends labelled.
    Scale {
        /// What 1 means (« Pas du tout satisfaisant »).
        min_label: String,
        /// What 5 means (« Très satisfaisant »).
        max_label: String,
    },
    /// « Recommanderiez-vous… » from 0 to 10; its results give the
    /// promoters minus detractors score.
    Recommend,
    /// One option, or « Autre : … » when `other`.
    Single {
        /// The options, as shown.
        options: Vec<String>,
        /// Offers an « Autre : … » field.
        #[serde(default, skip_serializing_if = "is_false")]
        other: bool,
    },
    /// Any number of options, and « Autre : … » when `other`.
    Multiple {
        /// The options, as shown.
        options: Vec<String>,
        /// Offers an « Autre : … » field.
        #[serde(default, skip_serializing_if = "is_false")]
        other: bool,
    },
    /// Oui / non.
    YesNo,
    /// One line ([`SHORT_ANSWER_MAX`] characters).
    ShortText,
    /// Several lines ([`LONG_ANSWER_MAX`] characters).
    LongText,
    /// A whole number, optionally bounded.
    Number {
        /// Smallest accepted value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<i64>,
        /// Largest accepted value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<i64>,
    },
    /// One rating from 1 to 5 per row (one row per day of a cycle, say).
    Matrix {
        /// The rows, as shown; answers are keyed by them.
        rows: Vec<String>,
        /// What 1 means.
        min_label: String,
        /// What 5 means.
        max_label: String,
    },
}

impl FeedbackKind {
    /// The French name of the kind, for the back-office's picker.
    pub fn label(&self) -> &'static str {
        match self {
            FeedbackKind::Scale { .. } => "Échelle de 1 à 5",
            FeedbackKind::Recommend => "Recommandation de 0 à 10",
            FeedbackKind::Single { .. } => "Choix unique",
            FeedbackKind::Multiple { .. } => "Choix multiple",
            FeedbackKind::YesNo => "Oui / non",
            FeedbackKind::ShortText => "Texte court",
            FeedbackKind::LongText => "Texte long",
            FeedbackKind::Number { .. } => "Nombre",
            FeedbackKind::Matrix { .. } => "Tableau de notes",
        }
    }
}

/// The wire shape of a [`FeedbackKind`]: its `type` and every field any
/// kind may have.
#[derive(Deserialize)]
struct KindWire {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    options: Option<Vec<String>>,
    #[serde(default)]
    other: bool,
    #[serde(default)]
    min: Option<i64>,
    #[serde(default)]
    max: Option<i64>,
    #[serde(default)]
    rows: Option<Vec<String>>,
    #[serde(default)]
    min_label: Option<String>,
    #[serde(default)]
    max_label: Option<String>,
}

impl TryFrom<KindWire> for FeedbackKind {
    type Error = String;

    fn try_from(wire: KindWire) -> Result<Self, String> {
        fn field<T>(value: Option<T>, name: &str) -> Result<T, String> {
            value.ok_or_else(|| format!("champ `{name}` manquant"))
        }
        let kind = match wire.kind.as_str() {
            "scale" => FeedbackKind::Scale {
                min_label: field(wire.min_label, "min_label")?,
                max_label: field(wire.max_label, "max_label")?,
            },
            "recommend" => FeedbackKind::Recommend,
            "single" => FeedbackKind::Single {
                options: field(wire.options, "options")?,
                other: wire.other,
            },
            "multiple" => FeedbackKind::Multiple {
                options: field(wire.options, "options")?,
                other: wire.other,
            },
            "yes_no" => FeedbackKind::YesNo,
            "short_text" => FeedbackKind::ShortText,
            "long_text" => FeedbackKind::LongText,
            "number" => FeedbackKind::Number {
                min: wire.min,
                max: wire.max,
            },
            "matrix" => FeedbackKind::Matrix {
                rows: field(wire.rows, "rows")?,
                min_label: field(wire.min_label, "min_label")?,
                max_label: field(wire.max_label, "max_label")?,
            },
            other => return Err(format!("type de question inconnu : `{other}`")),
        };
        Ok(kind)
    }
}

/// « Only if the answer to X is Y »: `{"question": "x", "equals": "Y"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    /// The id of an earlier single choice, multiple choice or yes/no
    /// question.
    pub question: String,
    /// An option of that question (chosen, for a multiple choice), or
    /// `true` / `false` for a yes/no question.
    pub equals: ConditionValue,
}

/// The value a [`Condition`] expects: `true`, `false` or an option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ConditionValue {
    /// Oui / non.
    Bool(bool),
    /// An option of a choice.
    Option(String),
}

// Read by hand rather than `#[serde(untagged)]`, which buffers the value
// first (see [`FeedbackKind`]).
impl<'de> Deserialize<'de> for ConditionValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = ConditionValue;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("oui/non ou une réponse proposée")
            }

            fn visit_bool<E>(self, value: bool) -> Result<ConditionValue, E> {
                Ok(ConditionValue::Bool(value))
            }

            fn visit_str<E>(self, value: &str) -> Result<ConditionValue, E> {
                Ok(ConditionValue::Option(value.to_owned()))
            }

            fn visit_string<E>(self, value: String) -> Result<ConditionValue, E> {
                Ok(ConditionValue::Option(value))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// One answer, as sent and as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum FeedbackAnswer {
    /// Yes/no.
    Bool(bool),
    /// A rating (scale, 0–10) or a number. A number question also takes
    /// [`FeedbackAnswer::Text`] as typed; [`check_answers`] turns it into
    /// this.
    Number(i64),
    /// Text, or the option of a single choice.
    Text(String),
    /// The options of a multiple choice.
    Many(Vec<String>),
    /// A choice with the « Autre : … » field filled in: for a single choice,
    /// `choices` is empty (« Autre » is its answer).
    Choice {
        /// Options chosen besides « Autre ».
        choices: Vec<String>,
        /// What was typed after « Autre : ».
        other: String,
    },
    /// A matrix: row label → rating.
    Matrix(BTreeMap<String, i64>),
}

/// A value inside an answer written as an object.
enum Item {
    Int(i64),
    Text(String),
    List(Vec<String>),
}

impl<'de> Deserialize<'de> for Item {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Item;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("une note, un texte ou une liste de choix")
            }

            fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<Item, E> {
                Ok(Item::Int(value))
            }

            fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<Item, E> {
                i64::try_from(value)
                    .map(Item::Int)
                    .map_err(|_| E::custom("nombre trop grand"))
            }

            fn visit_str<E>(self, value: &str) -> Result<Item, E> {
                Ok(Item::Text(value.to_owned()))
            }

            fn visit_string<E>(self, value: String) -> Result<Item, E> {
                Ok(Item::Text(value))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Item, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<String>()? {
                    items.push(item);
                }
                Ok(Item::List(items))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

// Read by hand rather than `#[serde(untagged)]`, which buffers the value
// first (see [`FeedbackKind`]). An object whose values are all numbers is a
// matrix; otherwise it must be `{"choices": [...], "other": "…"}`.
impl<'de> Deserialize<'de> for FeedbackAnswer {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = FeedbackAnswer;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "une note, oui/non, un texte, une liste de choix ou un tableau de notes",
                )
            }

            fn visit_bool<E>(self, value: bool) -> Result<FeedbackAnswer, E> {
                Ok(FeedbackAnswer::Bool(value))
            }

            fn visit_i64<E>(self, value: i64) -> Result<FeedbackAnswer, E> {
                Ok(FeedbackAnswer::Number(value))
            }

            fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<FeedbackAnswer, E> {
                i64::try_from(value)
                    .map(FeedbackAnswer::Number)
                    .map_err(|_| E::custom("nombre trop grand"))
            }

            fn visit_str<E>(self, value: &str) -> Result<FeedbackAnswer, E> {
                Ok(FeedbackAnswer::Text(value.to_owned()))
            }

            fn visit_string<E>(self, value: String) -> Result<FeedbackAnswer, E> {
                Ok(FeedbackAnswer::Text(value))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<FeedbackAnswer, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<String>()? {
                    items.push(item);
                }
                Ok(FeedbackAnswer::Many(items))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<FeedbackAnswer, A::Error> {
                use serde::de::Error;
                let mut ratings = BTreeMap::new();
                let mut choices = None;
                let mut other = None;
                while let Some((key, item)) = map.next_entry::<String, Item>()? {
                    match (key.as_str(), item) {
                        (_, Item::Int(n)) => {
                            ratings.insert(key, n);
                        }
                        ("choices", Item::List(list)) => choices = Some(list),
                        ("other", Item::Text(text)) => other = Some(text),
                        _ => {
                            return Err(A::Error::custom(format!(
                                "réponse illisible (champ `{key}`)"
                            )));
                        }
                    }
                }
                match (choices, other) {
                    (None, None) => Ok(FeedbackAnswer::Matrix(ratings)),
                    (choices, other) if ratings.is_empty() => Ok(FeedbackAnswer::Choice {
                        choices: choices.unwrap_or_default(),
                        other: other.unwrap_or_default(),
                    }),
                    _ => Err(A::Error::custom(
                        "une réponse ne peut pas mêler notes et choix",
                    )),
                }
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

// ---------------------------------------------------------------------------
// The questionnaire's rules.

/// True for an id as [`crate::editor::slugify`] makes them.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= ID_MAX
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
}

/// Checks a text of several lines: trimmed, line breaks and tabs kept,
/// other control characters refused, at most `max` characters.
fn paragraph(input: &str, max: usize) -> Result<String, TextError> {
    if input
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(TextError::ControlCharacter);
    }
    let text = input.trim();
    if text.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    Ok(text.to_owned())
}

struct Checker {
    errors: FieldErrors,
}

impl Checker {
    fn line(&mut self, key: &str, input: &str, max: usize) -> String {
        match ShortText::parse_free(input, max) {
            Ok(text) => text.as_str().to_owned(),
            Err(problem) => {
                self.errors.add(key, problem.to_string());
                String::new()
            }
        }
    }

    fn paragraph(&mut self, key: &str, input: &str, max: usize) -> String {
        paragraph(input, max).unwrap_or_else(|problem| {
            self.errors.add(key, problem.to_string());
            String::new()
        })
    }

    /// Options or rows: trimmed, blank lines dropped, at least `least`,
    /// distinct, at most [`ITEMS_MAX`].
    fn items(&mut self, key: &str, items: &[String], least: usize, rows: bool) -> Vec<String> {
        let mut checked = Vec::new();
        let mut refused = false;
        for item in items {
            match ShortText::parse_free_optional(item, LABEL_MAX) {
                Ok(Some(text)) => checked.push(text.as_str().to_owned()),
                Ok(None) => {}
                Err(problem) if !refused => {
                    refused = true;
                    self.errors.add(key, problem.to_string());
                }
                Err(_) => {}
            }
        }
        let distinct: BTreeSet<&String> = checked.iter().collect();
        let message = if refused {
            None
        } else if checked.len() < least {
            Some(if rows {
                "Ajoutez au moins une ligne à noter.".to_owned()
            } else {
                "Proposez au moins deux réponses, une par ligne.".to_owned()
            })
        } else if distinct.len() != checked.len() {
            Some(if rows {
                "Deux lignes sont identiques.".to_owned()
            } else {
                "Deux réponses proposées sont identiques.".to_owned()
            })
        } else if checked.len() > ITEMS_MAX {
            Some(if rows {
                format!("Pas plus de {ITEMS_MAX} lignes.")
            } else {
                format!("Pas plus de {ITEMS_MAX} réponses proposées.")
            })
        } else {
            None
        };
        if let Some(message) = message {
            self.errors.add(key, message);
        }
        checked
    }
}

/// Checks a questionnaire and returns it as it should be stored: texts
/// trimmed, blank options dropped, blank ids made from the label (with
/// [`crate::editor::slugify`]). Otherwise every problem, in French, keyed
/// `title`, `intro`, `closes`, `cold_delay_days`, `send_delay_hours`,
/// `reminder_delay_days`, `questions` or
/// `questions.{i}.{label, id, help, options, rows, min_label, max_label,
/// max, condition}`.
///
/// A condition may only refer to an earlier question, of a choice or
/// yes/no kind, and to one of its values: conditions therefore can never
/// form a cycle, and [`visible`] settles them in one pass.
pub fn prepare(questionnaire: &Questionnaire) -> Result<Questionnaire, FieldErrors> {
    let mut c = Checker {
        errors: FieldErrors::default(),
    };
    let title = c.line("title", &questionnaire.title, TITLE_MAX);
    let intro = c.paragraph("intro", &questionnaire.intro, INTRO_MAX);
    if !(1..=COLD_DELAY_MAX).contains(&questionnaire.cold_delay_days) {
        c.errors.add(
            "cold_delay_days",
            format!("Le délai doit être compris entre 1 et {COLD_DELAY_MAX} jours."),
        );
    }
    if questionnaire.send_delay_hours > SEND_DELAY_MAX {
        c.errors.add(
            "send_delay_hours",
            format!("Le délai doit être compris entre 0 et {SEND_DELAY_MAX} heures."),
        );
    }
    if questionnaire.reminder_delay_days > REMINDER_DELAY_MAX {
        c.errors.add(
            "reminder_delay_days",
            format!(
                "Le délai de relance doit être compris entre 0 (pas de relance) et \
                 {REMINDER_DELAY_MAX} jours."
            ),
        );
    }
    if let (Some(opens), Some(closes)) = (questionnaire.opens, questionnaire.closes)
        && closes <= opens
    {
        c.errors.add(
            "closes",
            "La clôture doit être postérieure à l'ouverture.".to_owned(),
        );
    }
    let questions = &questionnaire.questions;
    if questions.is_empty() {
        c.errors
            .add("questions", "Ajoutez au moins une question.".to_owned());
    } else if questions.len() > QUESTIONS_MAX {
        c.errors.add(
            "questions",
            format!("Pas plus de {QUESTIONS_MAX} questions."),
        );
    }
    let questions = &questions[..questions.len().min(QUESTIONS_MAX)];

    // First pass: every label and id, so that a condition naming a later
    // question is told apart from one naming no question at all.
    let mut labels = Vec::with_capacity(questions.len());
    let mut ids = Vec::with_capacity(questions.len());
    let mut seen = BTreeSet::new();
    for (i, question) in questions.iter().enumerate() {
        let key = format!("questions.{i}");
        let label = c.line(&format!("{key}.label"), &question.label, LABEL_MAX);
        let typed = question.id.trim();
        let id = if typed.is_empty() {
            crate::editor::slugify(&label)
        } else {
            typed.to_owned()
        };
        if typed.is_empty() {
            if !label.is_empty() && id.is_empty() {
                c.errors.add(
                    &format!("{key}.label"),
                    "L'intitulé doit contenir au moins une lettre ou un chiffre.".to_owned(),
                );
            } else if !id.is_empty() && !seen.insert(id.clone()) {
                c.errors.add(
                    &format!("{key}.label"),
                    "Deux questions ne peuvent pas porter le même intitulé.".to_owned(),
                );
            }
        } else if !valid_id(&id) {
            c.errors.add(
                &format!("{key}.id"),
                format!(
                    "L'identifiant ne peut contenir que des minuscules sans accent, \
                     des chiffres et des tirets ({ID_MAX} caractères au plus)."
                ),
            );
        } else if !seen.insert(id.clone()) {
            c.errors.add(
                &format!("{key}.id"),
                "Deux questions ne peuvent pas porter le même identifiant.".to_owned(),
            );
        }
        labels.push(label);
        ids.push(id);
    }

    let mut checked: Vec<FeedbackQuestion> = Vec::with_capacity(questions.len());
    for (i, (question, (label, id))) in questions
        .iter()
        .zip(labels.into_iter().zip(ids.iter()))
        .enumerate()
    {
        let key = format!("questions.{i}");
        let help = question
            .help
            .as_deref()
            .map(|help| c.paragraph(&format!("{key}.help"), help, HELP_MAX))
            .filter(|help| !help.is_empty());
        let kind = match &question.kind {
            FeedbackKind::Scale {
                min_label,
                max_label,
            } => FeedbackKind::Scale {
                min_label: c.line(&format!("{key}.min_label"), min_label, END_LABEL_MAX),
                max_label: c.line(&format!("{key}.max_label"), max_label, END_LABEL_MAX),
            },
            FeedbackKind::Single { options, other } => FeedbackKind::Single {
                options: c.items(&format!("{key}.options"), options, 2, false),
                other: *other,
            },
            FeedbackKind::Multiple { options, other } => FeedbackKind::Multiple {
                options: c.items(&format!("{key}.options"), options, 2, false),
                other: *other,
            },
            FeedbackKind::Number { min, max } => {
                if let (Some(a), Some(b)) = (min, max)
                    && b < a
                {
                    c.errors.add(
                        &format!("{key}.max"),
                        "Le maximum doit être au moins égal au minimum.".to_owned(),
                    );
                }
                FeedbackKind::Number {
                    min: *min,
                    max: *max,
                }
            }
            FeedbackKind::Matrix {
                rows,
                min_label,
                max_label,
            } => FeedbackKind::Matrix {
                rows: c.items(&format!("{key}.rows"), rows, 1, true),
                min_label: c.line(&format!("{key}.min_label"), min_label, END_LABEL_MAX),
                max_label: c.line(&format!("{key}.max_label"), max_label, END_LABEL_MAX),
            },
            other => other.clone(),
        };
        let condition = question.condition.as_ref().map(|condition| Condition {
            question: condition.question.trim().to_owned(),
            equals: match &condition.equals {
                ConditionValue::Option(option) => {
                    ConditionValue::Option(option.split_whitespace().collect::<Vec<_>>().join(" "))
                }
                value => value.clone(),
            },
        });
        if let Some(condition) = &condition {
            let problem = condition_problem(condition, &checked, &ids[i..]);
            if let Some(problem) = problem {
                c.errors.add(&format!("{key}.condition"), problem);
            }
        }
        checked.push(FeedbackQuestion {
            id: id.clone(),
            label,
            help,
            required: question.required,
            kind,
            condition,
        });
    }

    if c.errors.is_empty() {
        Ok(Questionnaire {
            kind: questionnaire.kind,
            title,
            intro,
            anonymous: questionnaire.anonymous,
            opens: questionnaire.opens,
            closes: questionnaire.closes,
            cold_delay_days: questionnaire.cold_delay_days,
            automatic: questionnaire.automatic,
            send_delay_hours: questionnaire.send_delay_hours,
            reminder_delay_days: questionnaire.reminder_delay_days,
            questions: checked,
        })
    } else {
        Err(c.errors)
    }
}

/// What is wrong with a condition, given the questions before it and the
/// ids of the question itself and those after it.
fn condition_problem(
    condition: &Condition,
    earlier: &[FeedbackQuestion],
    this_and_later: &[String],
) -> Option<String> {
    let Some(target) = earlier.iter().rev().find(|q| q.id == condition.question) else {
        return Some(if this_and_later.contains(&condition.question) {
            "Une condition ne peut porter que sur une question placée avant celle-ci.".to_owned()
        } else {
            "La condition porte sur une question qui n'existe pas.".to_owned()
        });
    };
    let label = &target.label;
    match (&target.kind, &condition.equals) {
        (
            FeedbackKind::Single { options, .. } | FeedbackKind::Multiple { options, .. },
            ConditionValue::Option(option),
        ) if options.contains(option) => None,
        (FeedbackKind::Single { .. } | FeedbackKind::Multiple { .. }, _) => Some(format!(
            "La condition doit reprendre l'une des réponses proposées à « {label} »."
        )),
        (FeedbackKind::YesNo, ConditionValue::Bool(_)) => None,
        (FeedbackKind::YesNo, _) => Some(format!(
            "La condition sur « {label} » doit valoir « Oui » ou « Non »."
        )),
        _ => Some(format!(
            "Une condition ne peut porter que sur une question à choix ou oui/non, \
             ce que « {label} » n'est pas."
        )),
    }
}

/// Checks a questionnaire: see [`prepare`], which also returns the
/// questionnaire to store.
pub fn check_questionnaire(questionnaire: &Questionnaire) -> Result<(), FieldErrors> {
    prepare(questionnaire).map(|_| ())
}

// ---------------------------------------------------------------------------
// Answers.

/// True when `answer` meets a condition's value.
fn meets(answer: &FeedbackAnswer, value: &ConditionValue) -> bool {
    match (answer, value) {
        (FeedbackAnswer::Bool(answer), ConditionValue::Bool(value)) => answer == value,
        (FeedbackAnswer::Text(answer), ConditionValue::Option(value)) => answer == value,
        (FeedbackAnswer::Many(choices), ConditionValue::Option(value))
        | (FeedbackAnswer::Choice { choices, .. }, ConditionValue::Option(value)) => {
            choices.contains(value)
        }
        _ => false,
    }
}

/// Whether each question is shown, in order: a question with a condition
/// is shown when the question it names is shown and its answer meets the
/// condition (so hiding a question also hides those that depend on it).
fn shown(questionnaire: &Questionnaire, answers: &BTreeMap<String, FeedbackAnswer>) -> Vec<bool> {
    let mut shown = Vec::with_capacity(questionnaire.questions.len());
    let mut position: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, question) in questionnaire.questions.iter().enumerate() {
        let visible = match &question.condition {
            None => true,
            Some(condition) => match position.get(condition.question.as_str()) {
                Some(&j) => {
                    shown[j]
                        && answers
                            .get(&condition.question)
                            .is_some_and(|answer| meets(answer, &condition.equals))
                }
                None => false,
            },
        };
        shown.push(visible);
        position.entry(question.id.as_str()).or_insert(i);
    }
    shown
}

/// The questions to show given the answers so far, in order.
pub fn visible<'q>(
    questionnaire: &'q Questionnaire,
    answers: &BTreeMap<String, FeedbackAnswer>,
) -> Vec<&'q FeedbackQuestion> {
    questionnaire
        .questions
        .iter()
        .zip(shown(questionnaire, answers))
        .filter_map(|(question, shown)| shown.then_some(question))
        .collect()
}

/// The error key of a question's answer: `answers.{id}`.
pub fn field_key(question: &FeedbackQuestion) -> String {
    format!("answers.{}", question.id)
}

fn blank(answer: &FeedbackAnswer) -> bool {
    match answer {
        FeedbackAnswer::Bool(_) | FeedbackAnswer::Number(_) => false,
        FeedbackAnswer::Text(text) => text.trim().is_empty(),
        FeedbackAnswer::Many(items) => items.is_empty(),
        FeedbackAnswer::Choice { choices, other } => choices.is_empty() && other.trim().is_empty(),
        FeedbackAnswer::Matrix(rows) => rows.is_empty(),
    }
}

/// Checks one person's answers against a questionnaire (as [`prepare`]
/// returned it); returns them normalised, or every problem keyed
/// `answers.{id}`, in French, naming the question.
///
/// - Answers to questions hidden by their condition (see [`visible`]) are
///   dropped, as are blank answers.
/// - `partial`: the person is saving as they go (a cycle participant
///   answering day by day), so required questions may still be blank.
///   On submission (`partial == false`) every required question shown
///   must be answered, and a required matrix must have every row rated.
/// - A number question also takes the number as typed text; a single
///   choice with its « Autre » field filled in is `{"choices": [],
///   "other": "…"}`, a choice whose « Autre » field is blank becomes a plain
///   option or list.
/// - An answer to a question the questionnaire does not have is refused.
pub fn check_answers(
    questionnaire: &Questionnaire,
    answers: &BTreeMap<String, FeedbackAnswer>,
    partial: bool,
) -> Result<BTreeMap<String, FeedbackAnswer>, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut checked = BTreeMap::new();
    for id in answers.keys() {
        if questionnaire.question(id).is_none() {
            errors.add(
                &format!("answers.{id}"),
                "Cette réponse ne correspond à aucune question du questionnaire.".to_owned(),
            );
        }
    }
    let shown = shown(questionnaire, answers);
    for (question, shown) in questionnaire.questions.iter().zip(shown) {
        if !shown {
            continue;
        }
        let key = field_key(question);
        let label = &question.label;
        let answer = answers.get(&question.id).filter(|answer| !blank(answer));
        let Some(answer) = answer else {
            if question.required && !partial {
                errors.add(
                    &key,
                    format!("La question « {label} » demande une réponse."),
                );
            }
            continue;
        };
        match check_one(question, answer, partial) {
            Ok(answer) => {
                checked.insert(question.id.clone(), answer);
            }
            Err(what) => errors.add(&key, format!("La réponse à « {label} » {what}")),
        }
    }
    if errors.is_empty() {
        Ok(checked)
    } else {
        Err(errors)
    }
}

/// The « Autre » text of a choice, checked.
fn other_text(other: &str, allowed: bool) -> Result<String, String> {
    if !allowed {
        return Err(
            "ne peut pas être « Autre » : choisissez parmi les réponses proposées.".to_owned(),
        );
    }
    match ShortText::parse_free(other, SHORT_ANSWER_MAX) {
        Ok(text) => Ok(text.as_str().to_owned()),
        Err(TextError::TooLong { max }) => Err(format!(
            "ne peut pas dépasser {max} caractères après « Autre »."
        )),
        Err(_) => Err("contient des caractères non autorisés après « Autre ».".to_owned()),
    }
}

/// One answer, not blank, checked against its question; the error is the
/// end of a sentence starting « La réponse à « label » ».
fn check_one(
    question: &FeedbackQuestion,
    answer: &FeedbackAnswer,
    partial: bool,
) -> Result<FeedbackAnswer, String> {
    use FeedbackAnswer as A;
    match (&question.kind, answer) {
        (FeedbackKind::Scale { .. }, A::Number(n)) => {
            if SCALE.contains(n) {
                Ok(A::Number(*n))
            } else {
                Err("doit être une note de 1 à 5.".to_owned())
            }
        }
        (FeedbackKind::Recommend, A::Number(n)) => {
            if RECOMMEND.contains(n) {
                Ok(A::Number(*n))
            } else {
                Err("doit être une note de 0 à 10.".to_owned())
            }
        }
        (FeedbackKind::Number { min, max }, A::Number(_) | A::Text(_)) => {
            let n = match answer {
                A::Number(n) => *n,
                A::Text(text) => text
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| "doit être un nombre entier.".to_owned())?,
                _ => unreachable!(),
            };
            if let Some(min) = min
                && n < *min
            {
                Err(format!("doit être au moins {min}."))
            } else if let Some(max) = max
                && n > *max
            {
                Err(format!("doit être au plus {max}."))
            } else {
                Ok(A::Number(n))
            }
        }
        (FeedbackKind::YesNo, A::Bool(value)) => Ok(A::Bool(*value)),
        (FeedbackKind::ShortText, A::Text(text)) => {
            match ShortText::parse_free(text, SHORT_ANSWER_MAX) {
                Ok(text) => Ok(A::Text(text.as_str().to_owned())),
                Err(TextError::TooLong { max }) => {
                    Err(format!("ne peut pas dépasser {max} caractères."))
                }
                Err(_) => Err("contient des caractères non autorisés.".to_owned()),
            }
        }
        (FeedbackKind::LongText, A::Text(text)) => match paragraph(text, LONG_ANSWER_MAX) {
            Ok(text) => Ok(A::Text(text)),
            Err(TextError::TooLong { max }) => {
                Err(format!("ne peut pas dépasser {max} caractères."))
            }
            Err(_) => Err("contient des caractères non autorisés.".to_owned()),
        },
        (FeedbackKind::Single { options, .. }, A::Text(choice)) => {
            if options.contains(choice) {
                Ok(A::Text(choice.clone()))
            } else {
                Err("doit être l'une des réponses proposées.".to_owned())
            }
        }
        (
            FeedbackKind::Single {
                options,
                other: allowed,
            },
            A::Choice { choices, other },
        ) => {
            if other.trim().is_empty() {
                match choices.as_slice() {
                    [choice] if options.contains(choice) => Ok(A::Text(choice.clone())),
                    [_] => Err("doit être l'une des réponses proposées.".to_owned()),
                    _ => Err("ne peut être qu'une seule réponse.".to_owned()),
                }
            } else if !choices.is_empty() {
                Err(
                    "ne peut être qu'une seule réponse : une réponse proposée ou « Autre »."
                        .to_owned(),
                )
            } else {
                Ok(A::Choice {
                    choices: Vec::new(),
                    other: other_text(other, *allowed)?,
                })
            }
        }
        (
            FeedbackKind::Multiple {
                options,
                other: allowed,
            },
            A::Many(_) | A::Choice { .. },
        ) => {
            let (choices, other) = match answer {
                A::Many(choices) => (choices, ""),
                A::Choice { choices, other } => (choices, other.as_str()),
                _ => unreachable!(),
            };
            if !choices.iter().all(|c| options.contains(c)) {
                return Err("doit être choisie parmi les réponses proposées.".to_owned());
            }
            let chosen: Vec<String> = options
                .iter()
                .filter(|o| choices.contains(o))
                .cloned()
                .collect();
            if other.trim().is_empty() {
                Ok(A::Many(chosen))
            } else {
                Ok(A::Choice {
                    choices: chosen,
                    other: other_text(other, *allowed)?,
                })
            }
        }
        (FeedbackKind::Matrix { rows, .. }, A::Matrix(ratings)) => {
            if let Some(row) = ratings.keys().find(|row| !rows.contains(row)) {
                return Err(format!("n'a pas de ligne « {row} »."));
            }
            if let Some((row, _)) = ratings.iter().find(|(_, n)| !SCALE.contains(n)) {
                return Err(format!("doit noter « {row} » de 1 à 5."));
            }
            if question.required && !partial && ratings.len() < rows.len() {
                let missing = rows.iter().find(|row| !ratings.contains_key(*row));
                return Err(format!(
                    "doit noter chaque ligne, dont « {} ».",
                    missing.map_or("", String::as_str)
                ));
            }
            Ok(A::Matrix(ratings.clone()))
        }
        _ => Err("n'est pas du type attendu.".to_owned()),
    }
}

#[cfg(test)]
mod tests;
