//! The organiser's own questions, defined as data, and the validation of
//! their answers (the same code in the browser and on the endpoint).
//!
//! Answers travel as plain JSON: a string for text, number and date
//! questions (as a form gives them), a list of strings for multiple choice,
//! a boolean for yes/no.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::api::FieldErrors;
use crate::text::ShortText;

/// One question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Stable identifier (answers are keyed by it).
    pub id: String,
    /// The question as shown.
    pub label: String,
    /// Help shown under the question.
    #[serde(default)]
    pub help: Option<String>,
    /// Whether an answer is required.
    #[serde(default)]
    pub required: bool,
    /// Kind of answer expected.
    pub kind: QuestionKind,
}

/// Kinds of questions.
///
/// Written `{"type": "single_choice", "options": [...]}`. It is read through
/// a flat struct of its own: serde's internally tagged enums
/// buffer the whole value first, which costs the browser app several KB.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "QuestionKindWire")]
pub enum QuestionKind {
    /// One line of text (200 characters).
    ShortText,
    /// Several lines (2,000 characters).
    LongText,
    /// One option among several.
    SingleChoice {
        /// The options, as shown.
        options: Vec<String>,
    },
    /// Any number of options.
    MultipleChoice {
        /// The options, as shown.
        options: Vec<String>,
    },
    /// Oui / non.
    YesNo,
    /// A whole number, optionally bounded.
    Number {
        /// Smallest accepted value.
        #[serde(default)]
        min: Option<i64>,
        /// Largest accepted value.
        #[serde(default)]
        max: Option<i64>,
    },
    /// A date, `AAAA-MM-JJ`.
    Date,
}

/// The wire shape of a [`QuestionKind`]: its `type` and every field any
/// kind may have.
#[derive(Deserialize)]
struct QuestionKindWire {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    options: Option<Vec<String>>,
    #[serde(default)]
    min: Option<i64>,
    #[serde(default)]
    max: Option<i64>,
}

impl TryFrom<QuestionKindWire> for QuestionKind {
    type Error = String;

    fn try_from(wire: QuestionKindWire) -> Result<Self, String> {
        let options = wire.options;
        let choices = || {
            options
                .clone()
                .ok_or_else(|| "champ `options` manquant".to_owned())
        };
        let kind = match wire.kind.as_str() {
            "short_text" => QuestionKind::ShortText,
            "long_text" => QuestionKind::LongText,
            "single_choice" => QuestionKind::SingleChoice {
                options: choices()?,
            },
            "multiple_choice" => QuestionKind::MultipleChoice {
                options: choices()?,
            },
            "yes_no" => QuestionKind::YesNo,
            "number" => QuestionKind::Number {
                min: wire.min,
                max: wire.max,
            },
            "date" => QuestionKind::Date,
            other => return Err(format!("type de question inconnu : `{other}`")),
        };
        Ok(kind)
    }
}

/// An answer as sent: `true`, `["a", "b"]` or `"texte"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Answer {
    /// Yes/no.
    Bool(bool),
    /// Multiple choice.
    Many(Vec<String>),
    /// Text, number or date, as typed.
    Text(String),
}

// Read by hand rather than `#[serde(untagged)]`, which buffers the value
// first (see [`QuestionKind`]).
impl<'de> Deserialize<'de> for Answer {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Answer;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("oui/non, une liste de choix ou un texte")
            }

            fn visit_bool<E>(self, value: bool) -> Result<Answer, E> {
                Ok(Answer::Bool(value))
            }

            fn visit_str<E>(self, value: &str) -> Result<Answer, E> {
                Ok(Answer::Text(value.to_owned()))
            }

            fn visit_string<E>(self, value: String) -> Result<Answer, E> {
                Ok(Answer::Text(value))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Answer, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<String>()? {
                    items.push(item);
                }
                Ok(Answer::Many(items))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// The error key of a question: `answers.{id}`.
pub fn field_key(question: &Question) -> String {
    format!("answers.{}", question.id)
}

fn blank(answer: Option<&Answer>) -> bool {
    match answer {
        None => true,
        Some(Answer::Text(text)) => text.trim().is_empty(),
        Some(Answer::Many(items)) => items.is_empty(),
        Some(Answer::Bool(_)) => false,
    }
}

/// Checks every answer against its question; returns the normalised
/// answers (blank optional answers dropped) or every problem, keyed
/// `answers.{id}`, in French, naming the question.
pub fn check_answers(
    questions: &[Question],
    answers: &BTreeMap<String, Answer>,
) -> Result<BTreeMap<String, Answer>, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut checked = BTreeMap::new();
    for question in questions {
        let key = field_key(question);
        let label = &question.label;
        let answer = answers.get(&question.id);
        if blank(answer) {
            if question.required {
                errors.add(
                    &key,
                    format!("La question « {label} » demande une réponse."),
                );
            }
            continue;
        }
        let wrong = |errors: &mut FieldErrors, what: &str| {
            errors.add(&key, format!("La réponse à « {label} » {what}"));
        };
        match (&question.kind, answer) {
            (QuestionKind::ShortText, Some(Answer::Text(text)))
            | (QuestionKind::LongText, Some(Answer::Text(text))) => {
                let max = if question.kind == QuestionKind::ShortText {
                    200
                } else {
                    2000
                };
                let trimmed = text.trim();
                if trimmed.chars().count() > max {
                    wrong(
                        &mut errors,
                        &format!("ne peut pas dépasser {max} caractères."),
                    );
                } else if question.kind == QuestionKind::ShortText
                    && ShortText::parse_free(trimmed, max).is_err()
                {
                    wrong(&mut errors, "contient des caractères non autorisés.");
                } else {
                    checked.insert(question.id.clone(), Answer::Text(trimmed.to_owned()));
                }
            }
            (QuestionKind::SingleChoice { options }, Some(Answer::Text(choice))) => {
                if options.contains(choice) {
                    checked.insert(question.id.clone(), Answer::Text(choice.clone()));
                } else {
                    wrong(&mut errors, "doit être l'une des options proposées.");
                }
            }
            (QuestionKind::MultipleChoice { options }, Some(Answer::Many(choices))) => {
                if choices.iter().all(|c| options.contains(c)) {
                    let mut unique: Vec<String> = options
                        .iter()
                        .filter(|o| choices.contains(o))
                        .cloned()
                        .collect();
                    unique.dedup();
                    checked.insert(question.id.clone(), Answer::Many(unique));
                } else {
                    wrong(
                        &mut errors,
                        "doit être choisie parmi les options proposées.",
                    );
                }
            }
            (QuestionKind::YesNo, Some(Answer::Bool(value))) => {
                checked.insert(question.id.clone(), Answer::Bool(*value));
            }
            (QuestionKind::Number { min, max }, Some(Answer::Text(text))) => {
                match text.trim().parse::<i64>() {
                    Ok(n) if min.is_some_and(|m| n < m) => {
                        wrong(
                            &mut errors,
                            &format!("doit être au moins {}.", min.unwrap_or_default()),
                        );
                    }
                    Ok(n) if max.is_some_and(|m| n > m) => {
                        wrong(
                            &mut errors,
                            &format!("doit être au plus {}.", max.unwrap_or_default()),
                        );
                    }
                    Ok(n) => {
                        checked.insert(question.id.clone(), Answer::Text(n.to_string()));
                    }
                    Err(_) => wrong(&mut errors, "doit être un nombre entier."),
                }
            }
            (QuestionKind::Date, Some(Answer::Text(text))) => {
                if chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").is_ok() {
                    checked.insert(question.id.clone(), Answer::Text(text.trim().to_owned()));
                } else {
                    wrong(&mut errors, "doit être une date au format AAAA-MM-JJ.");
                }
            }
            _ => wrong(&mut errors, "n'est pas du type attendu."),
        }
    }
    if errors.is_empty() {
        Ok(checked)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_and_answer_reads_back_what_is_written() {
        for kind in [
            QuestionKind::ShortText,
            QuestionKind::LongText,
            QuestionKind::SingleChoice {
                options: vec!["A".into(), "B".into()],
            },
            QuestionKind::MultipleChoice {
                options: vec!["A".into()],
            },
            QuestionKind::YesNo,
            QuestionKind::Number {
                min: Some(0),
                max: None,
            },
            QuestionKind::Date,
        ] {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(
                serde_json::from_str::<QuestionKind>(&json).unwrap(),
                kind,
                "{json}"
            );
        }
        assert_eq!(
            serde_json::from_str::<QuestionKind>(r#"{"type":"number"}"#).unwrap(),
            QuestionKind::Number {
                min: None,
                max: None
            }
        );
        assert!(serde_json::from_str::<QuestionKind>(r#"{"type":"single_choice"}"#).is_err());
        assert!(serde_json::from_str::<QuestionKind>(r#"{"type":"poème"}"#).is_err());
        for answer in [
            Answer::Bool(false),
            Answer::Many(vec!["x".into(), "y".into()]),
            Answer::Many(Vec::new()),
            Answer::Text("12".into()),
        ] {
            let json = serde_json::to_string(&answer).unwrap();
            assert_eq!(
                serde_json::from_str::<Answer>(&json).unwrap(),
                answer,
                "{json}"
            );
        }
        assert!(serde_json::from_str::<Answer>("12").is_err());
        assert!(serde_json::from_str::<Answer>("[1]").is_err());
    }

    fn q(id: &str, kind: QuestionKind, required: bool) -> Question {
        Question {
            id: id.into(),
            label: format!("Question {id}"),
            help: None,
            required,
            kind,
        }
    }

    fn answers(pairs: &[(&str, Answer)]) -> BTreeMap<String, Answer> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn every_kind_accepts_a_good_answer() {
        let questions = vec![
            q("a", QuestionKind::ShortText, true),
            q("b", QuestionKind::LongText, true),
            q(
                "c",
                QuestionKind::SingleChoice {
                    options: vec!["Oui".into(), "Non".into()],
                },
                true,
            ),
            q(
                "d",
                QuestionKind::MultipleChoice {
                    options: vec!["x".into(), "y".into(), "z".into()],
                },
                true,
            ),
            q("e", QuestionKind::YesNo, true),
            q(
                "f",
                QuestionKind::Number {
                    min: Some(1),
                    max: Some(10),
                },
                true,
            ),
            q("g", QuestionKind::Date, true),
        ];
        let checked = check_answers(
            &questions,
            &answers(&[
                ("a", Answer::Text("  Creil ".into())),
                ("b", Answer::Text("Texte\\nlong".into())),
                ("c", Answer::Text("Non".into())),
                ("d", Answer::Many(vec!["z".into(), "x".into()])),
                ("e", Answer::Bool(false)),
                ("f", Answer::Text(" 7 ".into())),
                ("g", Answer::Text("2026-12-01".into())),
            ]),
        )
        .unwrap();
        assert_eq!(checked["a"], Answer::Text("Creil".into()));
        assert_eq!(checked["d"], Answer::Many(vec!["x".into(), "z".into()]));
        assert_eq!(checked["f"], Answer::Text("7".into()));
    }

    #[test]
    fn short_answers_may_hold_addresses() {
        let checked = check_answers(
            &[q("site", QuestionKind::ShortText, true)],
            &answers(&[("site", Answer::Text(" https://www.exemple.fr ".into()))]),
        )
        .unwrap();
        assert_eq!(
            checked["site"],
            Answer::Text("https://www.exemple.fr".into())
        );
    }

    #[test]
    fn every_problem_is_reported_by_question() {
        let questions = vec![
            q("requis", QuestionKind::ShortText, true),
            q(
                "choix",
                QuestionKind::SingleChoice {
                    options: vec!["A".into()],
                },
                false,
            ),
            q(
                "nombre",
                QuestionKind::Number {
                    min: Some(1),
                    max: Some(10),
                },
                false,
            ),
            q("date", QuestionKind::Date, false),
            q("facultatif", QuestionKind::LongText, false),
        ];
        let errors = check_answers(
            &questions,
            &answers(&[
                ("choix", Answer::Text("B".into())),
                ("nombre", Answer::Text("12".into())),
                ("date", Answer::Text("01/12/2026".into())),
            ]),
        )
        .unwrap_err();
        assert_eq!(
            errors.get("answers.requis"),
            ["La question « Question requis » demande une réponse."]
        );
        assert!(errors.get("answers.choix")[0].contains("l'une des options"));
        assert!(errors.get("answers.nombre")[0].contains("au plus 10"));
        assert!(errors.get("answers.date")[0].contains("AAAA-MM-JJ"));
        assert!(errors.get("answers.facultatif").is_empty());
    }

    #[test]
    fn wrong_types_are_refused() {
        let questions = vec![q("oui", QuestionKind::YesNo, true)];
        let errors = check_answers(
            &questions,
            &answers(&[("oui", Answer::Text("peut-être".into()))]),
        )
        .unwrap_err();
        assert!(errors.get("answers.oui")[0].contains("type attendu"));
    }
}
