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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
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

/// An answer as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Answer {
    /// Yes/no.
    Bool(bool),
    /// Multiple choice.
    Many(Vec<String>),
    /// Text, number or date, as typed.
    Text(String),
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
