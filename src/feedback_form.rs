//! The questions of a feedback questionnaire as a form: one real labelled
//! control per question, shared by the participants' page (`/avis/{token}`,
//! the `avis` bundle) and the back-office editor's preview.
//!
//! - [`QuestionnaireFields`]: every question of a
//!   [`Questionnaire`](parvis_core::feedback::Questionnaire), bound to one
//!   map of answers; questions shown on a condition appear and disappear as
//!   the answers change (the same [`visible`] as the endpoint).
//! - [`summary_lines`]: the endpoint's field errors in page order, for an
//!   error summary linking to each faulty question.
//!
//! Scales, choices, yes/no and each matrix row are radio groups in a
//! `<fieldset>` with its `<legend>`; help and errors are linked with
//! `aria-describedby`; required questions say so in their label. The ids
//! are [`input_id`] of [`field_key`] (`champ-answers-{id}`), so an error
//! summary's links reach them.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use leptos::prelude::*;
use parvis_core::api::FieldErrors;
use parvis_core::feedback::{
    FeedbackAnswer, FeedbackKind, FeedbackQuestion, Questionnaire, field_key, visible,
};

use crate::components::{Bound, TextField, described_by};
use crate::form::input_id;

/// The ids of the questions shown given `answers`.
pub fn shown_ids(
    questionnaire: &Questionnaire,
    answers: &BTreeMap<String, FeedbackAnswer>,
) -> BTreeSet<String> {
    visible(questionnaire, answers)
        .into_iter()
        .map(|q| q.id.clone())
        .collect()
}

/// The lines of an error summary, in page order: (field key, message). The
/// endpoint's messages already name their question; errors about no shown
/// question (an answer to a removed one) come last.
pub fn summary_lines(
    questionnaire: &Questionnaire,
    answers: &BTreeMap<String, FeedbackAnswer>,
    errors: &FieldErrors,
) -> Vec<(String, String)> {
    let shown = shown_ids(questionnaire, answers);
    let mut keys: Vec<String> = questionnaire
        .questions
        .iter()
        .filter(|q| shown.contains(&q.id))
        .map(field_key)
        .collect();
    for key in errors.0.keys() {
        if !keys.contains(key) {
            keys.push(key.clone());
        }
    }
    keys.into_iter()
        .flat_map(|key| {
            errors
                .get(&key)
                .iter()
                .map(|message| (key.clone(), message.clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// « (obligatoire) » or « (facultatif) », after a label.
fn status_of(question: &FeedbackQuestion) -> &'static str {
    if question.required {
        " (obligatoire)"
    } else {
        " (facultatif)"
    }
}

/// Sets (or, with `None`, clears) the answer to `id`.
fn put(
    answers: RwSignal<BTreeMap<String, FeedbackAnswer>>,
    id: &str,
    answer: Option<FeedbackAnswer>,
) {
    answers.update(|a| match answer {
        Some(answer) => {
            a.insert(id.to_owned(), answer);
        }
        None => {
            a.remove(id);
        }
    });
}

/// The text an input shows for an answer (a number as typed or as saved).
fn text_of(answer: Option<&FeedbackAnswer>) -> String {
    match answer {
        Some(FeedbackAnswer::Text(text)) => text.clone(),
        Some(FeedbackAnswer::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// The options checked of a choice, and the « Autre » text.
fn choice_of(answer: Option<&FeedbackAnswer>) -> (Vec<String>, Option<String>) {
    match answer {
        Some(FeedbackAnswer::Text(option)) => (vec![option.clone()], None),
        Some(FeedbackAnswer::Many(options)) => (options.clone(), None),
        Some(FeedbackAnswer::Choice { choices, other }) => (choices.clone(), Some(other.clone())),
        _ => (Vec::new(), None),
    }
}

/// Every question of `questionnaire`, bound to `answers`, showing the
/// errors of `errors` (keyed by [`field_key`]). When `read_only`, every
/// control is disabled (a closed questionnaire, or the editor's preview of
/// a finished one).
#[component]
pub fn QuestionnaireFields(
    /// The questionnaire, as the endpoint sends it.
    questionnaire: Questionnaire,
    /// The answers, keyed by question id; changed as the person answers.
    answers: RwSignal<BTreeMap<String, FeedbackAnswer>>,
    /// The endpoint's field errors; each question shows its own.
    errors: RwSignal<FieldErrors>,
    /// Whether the answers can only be read.
    #[prop(into, default = Signal::stored(false))]
    read_only: Signal<bool>,
) -> impl IntoView {
    let questionnaire = Arc::new(questionnaire);
    let shown_of = questionnaire.clone();
    let shown = Memo::new(move |_| answers.with(|a| shown_ids(&shown_of, a)));
    let questions = questionnaire.questions.clone();
    view! {
        // A disabled fieldset disables every control inside it, those of
        // the shared text fields included.
        <fieldset class="choice-group feedback-fields" disabled=move || read_only.get()>
            {questions
                .into_iter()
                .map(|question| {
                    let id = question.id.clone();
                    view! {
                        <Show when=move || shown.with(|s| s.contains(&id))>
                            {question_view(question.clone(), answers, errors)}
                        </Show>
                    }
                })
                .collect_view()}
        </fieldset>
    }
}

/// One question's control(s).
fn question_view(
    question: FeedbackQuestion,
    answers: RwSignal<BTreeMap<String, FeedbackAnswer>>,
    errors: RwSignal<FieldErrors>,
) -> AnyView {
    let key = field_key(&question);
    let id = question.id.clone();
    let help = question.help.clone().filter(|h| !h.trim().is_empty());
    match &question.kind {
        FeedbackKind::ShortText | FeedbackKind::LongText | FeedbackKind::Number { .. } => {
            let get_id = id.clone();
            let value = Bound {
                get: Signal::derive(move || answers.with(|a| text_of(a.get(&get_id)))),
                set: Callback::new(move |text: String| {
                    let answer = (!text.is_empty()).then_some(FeedbackAnswer::Text(text));
                    put(answers, &id, answer);
                }),
            };
            let (kind, multiline) = match &question.kind {
                FeedbackKind::Number { .. } => ("number", false),
                FeedbackKind::LongText => ("text", true),
                _ => ("text", false),
            };
            let hint = number_hint(&question.kind, help);
            match hint {
                Some(hint) => view! {
                    <TextField name=key label=question.label.clone() value errors kind multiline
                        required=question.required hint=hint/>
                }
                .into_any(),
                None => view! {
                    <TextField name=key label=question.label.clone() value errors kind multiline
                        required=question.required/>
                }
                .into_any(),
            }
        }
        FeedbackKind::Scale {
            min_label,
            max_label,
        } => {
            let ends = format!("De 1 ({min_label}) à 5 ({max_label}).");
            let options = (1..=5)
                .map(|n| (n, end_label(n, 1, 5, min_label, max_label)))
                .collect();
            rating_group(&question, key, help, ends, options, answers, errors)
        }
        FeedbackKind::Recommend => {
            let ends = "De 0 (pas du tout probable) à 10 (très probable).".to_owned();
            let options = (0..=10)
                .map(|n| {
                    (
                        n,
                        end_label(n, 0, 10, "pas du tout probable", "très probable"),
                    )
                })
                .collect();
            rating_group(&question, key, help, ends, options, answers, errors)
        }
        FeedbackKind::YesNo => {
            let group = Group::new(&key, help.is_some(), errors);
            let radios = [(true, "Oui"), (false, "Non")]
                .into_iter()
                .enumerate()
                .map(|(index, (value, label))| {
                    let (read_id, write_id) = (id.clone(), id.clone());
                    let checked = move || {
                        answers.with(|a| a.get(&read_id) == Some(&FeedbackAnswer::Bool(value)))
                    };
                    let change =
                        move |_| put(answers, &write_id, Some(FeedbackAnswer::Bool(value)));
                    option_view(&group.id, index, "radio", label.to_owned(), checked, change)
                })
                .collect_view();
            group.view(&question, help, "choice-row", radios.into_any())
        }
        FeedbackKind::Single { options, other } => {
            let group = Group::new(&key, help.is_some(), errors);
            let mut items: Vec<AnyView> = options
                .iter()
                .enumerate()
                .map(|(index, option)| {
                    let (read_id, write_id) = (id.clone(), id.clone());
                    let (mine, chosen) = (option.clone(), option.clone());
                    let checked = move || {
                        answers.with(|a| matches!(a.get(&read_id), Some(FeedbackAnswer::Text(t)) if *t == mine))
                    };
                    let change =
                        move |_| put(answers, &write_id, Some(FeedbackAnswer::Text(chosen.clone())));
                    option_view(&group.id, index, "radio", option.clone(), checked, change)
                        .into_any()
                })
                .collect();
            if *other {
                items.push(other_view(&group.id, options.len(), &id, false, answers));
            }
            group.view(&question, help, "", items.collect_view().into_any())
        }
        FeedbackKind::Multiple { options, other } => {
            let group = Group::new(&key, help.is_some(), errors);
            let all = options.clone();
            let mut items: Vec<AnyView> = options
                .iter()
                .enumerate()
                .map(|(index, option)| {
                    let (read_id, write_id) = (id.clone(), id.clone());
                    let (mine, toggled) = (option.clone(), option.clone());
                    let all = all.clone();
                    let checked =
                        move || answers.with(|a| choice_of(a.get(&read_id)).0.contains(&mine));
                    let change = move |ev: leptos::ev::Event| {
                        let on = event_target_checked(&ev);
                        answers.update(|a| {
                            let (mut chosen, other) = choice_of(a.get(&write_id));
                            chosen.retain(|c| *c != toggled);
                            if on {
                                chosen.push(toggled.clone());
                            }
                            // In the questionnaire's order.
                            chosen = all.iter().filter(|o| chosen.contains(o)).cloned().collect();
                            let other = other.unwrap_or_default();
                            if chosen.is_empty() && other.is_empty() {
                                a.remove(&write_id);
                            } else if other.is_empty() {
                                a.insert(write_id.clone(), FeedbackAnswer::Many(chosen));
                            } else {
                                a.insert(
                                    write_id.clone(),
                                    FeedbackAnswer::Choice {
                                        choices: chosen,
                                        other,
                                    },
                                );
                            }
                        });
                    };
                    option_view(
                        &group.id,
                        index,
                        "checkbox",
                        option.clone(),
                        checked,
                        change,
                    )
                    .into_any()
                })
                .collect();
            if *other {
                items.push(other_view(&group.id, options.len(), &id, true, answers));
            }
            group.view(&question, help, "", items.collect_view().into_any())
        }
        FeedbackKind::Matrix {
            rows,
            min_label,
            max_label,
        } => {
            let group = Group::new(&key, true, errors);
            let ends = format!(
                "Une note par ligne, de 1 ({min_label}) à 5 ({max_label}).{}",
                help.as_deref().map(|h| format!(" {h}")).unwrap_or_default()
            );
            let rows_view = rows
                .iter()
                .enumerate()
                .map(|(row_index, row)| {
                    let row_id = format!("{}-ligne-{row_index}", group.id);
                    let radios = (1..=5)
                        .map(|n| {
                            let (read_id, write_id) = (id.clone(), id.clone());
                            let (mine, chosen) = (row.clone(), row.clone());
                            let checked = move || {
                                answers.with(|a| match a.get(&read_id) {
                                    Some(FeedbackAnswer::Matrix(m)) => m.get(&mine) == Some(&n),
                                    _ => false,
                                })
                            };
                            let change = move |_| {
                                answers.update(|a| {
                                    let mut ratings = match a.get(&write_id) {
                                        Some(FeedbackAnswer::Matrix(m)) => m.clone(),
                                        _ => BTreeMap::new(),
                                    };
                                    ratings.insert(chosen.clone(), n);
                                    a.insert(write_id.clone(), FeedbackAnswer::Matrix(ratings));
                                });
                            };
                            option_view(
                                &row_id,
                                n as usize,
                                "radio",
                                end_label(n, 1, 5, min_label, max_label),
                                checked,
                                change,
                            )
                        })
                        .collect_view();
                    view! {
                        <fieldset id=row_id.clone() class="choice-group matrix-row">
                            <legend>{row.clone()}</legend>
                            <div class="choice-row">{radios}</div>
                        </fieldset>
                    }
                })
                .collect_view();
            group.view(&question, Some(ends), "", rows_view.into_any())
        }
    }
}

/// The hint of a text or number question: its help, and a number's bounds.
fn number_hint(kind: &FeedbackKind, help: Option<String>) -> Option<String> {
    let bounds = match kind {
        FeedbackKind::Number {
            min: Some(min),
            max: Some(max),
        } => Some(format!("Un nombre entier de {min} à {max}.")),
        FeedbackKind::Number {
            min: Some(min),
            max: None,
        } => Some(format!("Un nombre entier, au moins {min}.")),
        FeedbackKind::Number {
            min: None,
            max: Some(max),
        } => Some(format!("Un nombre entier, au plus {max}.")),
        FeedbackKind::Number { .. } => Some("Un nombre entier.".to_owned()),
        _ => None,
    };
    match (help, bounds) {
        (Some(help), Some(bounds)) => Some(format!("{help} {bounds}")),
        (help, bounds) => help.or(bounds),
    }
}

/// The label of rating `n`: the number, with its meaning at either end.
fn end_label(n: i64, low: i64, high: i64, min_label: &str, max_label: &str) -> String {
    if n == low {
        format!("{n} – {min_label}")
    } else if n == high {
        format!("{n} – {max_label}")
    } else {
        n.to_string()
    }
}

/// A radio group of ratings (a scale, 0 to 10).
fn rating_group(
    question: &FeedbackQuestion,
    key: String,
    help: Option<String>,
    ends: String,
    options: Vec<(i64, String)>,
    answers: RwSignal<BTreeMap<String, FeedbackAnswer>>,
    errors: RwSignal<FieldErrors>,
) -> AnyView {
    let group = Group::new(&key, true, errors);
    let hint = match help {
        Some(help) => format!("{help} {ends}"),
        None => ends,
    };
    let id = question.id.clone();
    let radios = options
        .into_iter()
        .enumerate()
        .map(|(index, (n, label))| {
            let (read_id, write_id) = (id.clone(), id.clone());
            let checked =
                move || answers.with(|a| a.get(&read_id) == Some(&FeedbackAnswer::Number(n)));
            let change = move |_| put(answers, &write_id, Some(FeedbackAnswer::Number(n)));
            option_view(&group.id, index, "radio", label, checked, change)
        })
        .collect_view();
    group.view(question, Some(hint), "choice-row", radios.into_any())
}

/// One radio button or checkbox with its label.
fn option_view<C, F>(
    group_id: &str,
    index: usize,
    kind: &'static str,
    label: String,
    checked: C,
    change: F,
) -> impl IntoView + use<C, F>
where
    C: Fn() -> bool + Send + Sync + 'static,
    F: FnMut(leptos::ev::Event) + 'static,
{
    let option_id = format!("{group_id}-{index}");
    view! {
        <div class="choice">
            <input type=kind id=option_id.clone() name=group_id.to_owned()
                prop:checked=checked on:change=change/>
            <label for=option_id>{label}</label>
        </div>
    }
}

/// « Autre » of a choice: for a single choice, a radio button and its
/// text; for a multiple choice, the text alone (filled in means chosen).
fn other_view(
    group_id: &str,
    index: usize,
    id: &str,
    multiple: bool,
    answers: RwSignal<BTreeMap<String, FeedbackAnswer>>,
) -> AnyView {
    let text_id = format!("{group_id}-autre");
    let (read_id, write_id, text_read, text_write) =
        (id.to_owned(), id.to_owned(), id.to_owned(), id.to_owned());
    let text = move || answers.with(|a| choice_of(a.get(&text_read)).1.unwrap_or_default());
    let typed = move |ev: leptos::ev::Event| {
        let other = event_target_value(&ev);
        answers.update(|a| {
            let (chosen, _) = choice_of(a.get(&text_write));
            if multiple {
                if other.is_empty() {
                    if chosen.is_empty() {
                        a.remove(&text_write);
                    } else {
                        a.insert(text_write.clone(), FeedbackAnswer::Many(chosen));
                    }
                } else {
                    a.insert(
                        text_write.clone(),
                        FeedbackAnswer::Choice {
                            choices: chosen,
                            other,
                        },
                    );
                }
            } else {
                // Typing picks « Autre ».
                a.insert(
                    text_write.clone(),
                    FeedbackAnswer::Choice {
                        choices: Vec::new(),
                        other,
                    },
                );
            }
        });
    };
    let text_label = if multiple {
        "Autre (précisez) :"
    } else {
        "Autre, précisez :"
    };
    let input = view! {
        <div class="field other-field">
            <label for=text_id.clone()>{text_label}</label>
            <input type="text" id=text_id.clone() maxlength="200"
                prop:value=text on:input=typed/>
        </div>
    };
    if multiple {
        return input.into_any();
    }
    let checked = move || {
        answers.with(|a| matches!(a.get(&read_id), Some(FeedbackAnswer::Choice { choices, .. }) if choices.is_empty()))
    };
    let change = move |_| {
        answers.update(|a| {
            let other = choice_of(a.get(&write_id)).1.unwrap_or_default();
            a.insert(
                write_id.clone(),
                FeedbackAnswer::Choice {
                    choices: Vec::new(),
                    other,
                },
            );
        })
    };
    view! {
        {option_view(group_id, index, "radio", "Autre".to_owned(), checked, change)}
        {input}
    }
    .into_any()
}

/// A question's fieldset: its id, hint and error ids, and its errors.
struct Group {
    id: String,
    key: String,
    hint_id: String,
    error_id: String,
    has_hint: bool,
    errors: RwSignal<FieldErrors>,
}

impl Group {
    fn new(key: &str, has_hint: bool, errors: RwSignal<FieldErrors>) -> Self {
        let id = input_id(key);
        Group {
            hint_id: format!("{id}-aide"),
            error_id: format!("{id}-erreur"),
            id,
            key: key.to_owned(),
            has_hint,
            errors,
        }
    }

    /// The fieldset, its legend, hint and errors around `controls`; `row`
    /// lays the options out side by side (ratings, yes/no).
    fn view(
        self,
        question: &FeedbackQuestion,
        hint: Option<String>,
        row: &'static str,
        controls: AnyView,
    ) -> AnyView {
        let Group {
            id,
            key,
            hint_id,
            error_id,
            has_hint,
            errors,
        } = self;
        let hint = hint.filter(|_| has_hint);
        let group_errors = Memo::new(move |_| errors.with(|e| e.get(&key).to_vec()));
        let invalid = move || group_errors.with(|e| !e.is_empty());
        let described_by = described_by(
            hint.is_some().then(|| hint_id.clone()),
            error_id.clone(),
            invalid,
        );
        let controls = if row.is_empty() {
            controls
        } else {
            view! { <div class=row>{controls}</div> }.into_any()
        };
        view! {
            <fieldset id=id tabindex="-1" class="choice-group feedback-question"
                class:field-invalid=invalid aria-describedby=described_by>
                <legend>{question.label.clone()}{status_of(question)}</legend>
                {hint.map(|text| view! { <p class="hint" id=hint_id.clone()>{text}</p> })}
                <Show when=invalid>
                    <p class="field-error" id=error_id.clone()>{move || group_errors.get().join(" ")}</p>
                </Show>
                {controls}
            </fieldset>
        }
        .into_any()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn questionnaire() -> Questionnaire {
        serde_json::from_str(
            r#"{"kind": "hot", "title": "Votre avis", "questions": [
              {"id": "satisfaction", "label": "Satisfait·e ?", "required": true,
               "kind": {"type": "scale", "min_label": "Non", "max_label": "Oui"}},
              {"id": "suite", "label": "Une suite ?", "kind": {"type": "yes_no"}},
              {"id": "sujets", "label": "Quels sujets ?", "required": true,
               "kind": {"type": "long_text"}, "condition": {"question": "suite", "equals": true}},
              {"id": "jours", "label": "Chaque journée", "required": true,
               "kind": {"type": "matrix", "rows": ["Jour 1", "Jour 2"],
                        "min_label": "Non", "max_label": "Oui"}}
            ]}"#,
        )
        .unwrap()
    }

    #[test]
    fn the_summary_follows_the_page_with_unknown_questions_last() {
        let questionnaire = questionnaire();
        let mut errors = FieldErrors::default();
        errors.add("answers.jours", "Jours.".to_owned());
        errors.add("answers.ancienne", "Ancienne.".to_owned());
        errors.add("answers.satisfaction", "Satisfaction.".to_owned());
        errors.add("answers.sujets", "Sujets.".to_owned());
        let answers = BTreeMap::from([("suite".to_owned(), FeedbackAnswer::Bool(true))]);
        let keys: Vec<String> = summary_lines(&questionnaire, &answers, &errors)
            .into_iter()
            .map(|(key, _)| key)
            .collect();
        assert_eq!(
            keys,
            [
                "answers.satisfaction",
                "answers.sujets",
                "answers.jours",
                "answers.ancienne"
            ]
        );
        // A question hidden by its condition is no longer in page order
        // (its error, if any, still shows, last).
        let answers = BTreeMap::from([("suite".to_owned(), FeedbackAnswer::Bool(false))]);
        assert!(!shown_ids(&questionnaire, &answers).contains("sujets"));
        let lines = summary_lines(&questionnaire, &answers, &errors);
        assert_eq!(lines[1], ("answers.jours".to_owned(), "Jours.".to_owned()));
    }

    #[test]
    fn answers_read_back_into_their_controls() {
        assert_eq!(text_of(Some(&FeedbackAnswer::Number(12))), "12");
        assert_eq!(text_of(Some(&FeedbackAnswer::Text("3".into()))), "3");
        assert_eq!(
            choice_of(Some(&FeedbackAnswer::Choice {
                choices: vec!["Emploi".into()],
                other: "Santé".into()
            })),
            (vec!["Emploi".to_owned()], Some("Santé".to_owned()))
        );
        assert_eq!(
            choice_of(Some(&FeedbackAnswer::Text("Habitat".into()))),
            (vec!["Habitat".to_owned()], None)
        );
        assert_eq!(end_label(1, 1, 5, "Non", "Oui"), "1 – Non");
        assert_eq!(end_label(3, 1, 5, "Non", "Oui"), "3");
        assert_eq!(
            number_hint(
                &FeedbackKind::Number {
                    min: Some(0),
                    max: Some(100)
                },
                Some("Environ.".into())
            )
            .as_deref(),
            Some("Environ. Un nombre entier de 0 à 100.")
        );
    }
}
