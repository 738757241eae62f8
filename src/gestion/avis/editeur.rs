//! The questionnaire editor (`…/avis/{avis}`): one state (the
//! [`Questionnaire`]) bound field by field, as the event editor binds its
//! draft; lists re-rendered only when their length changes. The rules are
//! parvis-core's ([`check_questionnaire`]), run here before sending and
//! again by the endpoint, whose French messages are shown next to each
//! field and in a summary that takes the focus.
//!
//! A question that already has answers (`answered_questions`) can be
//! reworded, not removed nor given another type: the editor says so
//! instead of offering it.

use std::collections::BTreeSet;

use gloo_net::http::Method;
use leptos::prelude::*;
use parvis_core::api::{ApiError, FieldErrors};
use parvis_core::feedback::api::QuestionnaireView;
use parvis_core::feedback::{
    Condition, ConditionValue, FeedbackKind, FeedbackQuestion, Questionnaire, QuestionnaireKind,
    check_questionnaire,
};

use super::{Target, from_local_input, sending, to_local_input};
use crate::api::{call, json, read};
use crate::components::{
    Bound, CheckboxField, ErrorNotice, Loading, SelectField, StatusNotice, TextField, bind,
};
use crate::feedback_form::QuestionnaireFields;
use crate::form::input_id;
use crate::gestion::evenement::signed_in;

/// `/gestion/organisations/{org}/evenements/{slug}/avis/{avis}` and
/// `/gestion/organisations/{org}/avis-partenaires/{id}` (see [`Target`]).
#[component]
pub fn QuestionnaireEditorPage() -> impl IntoView {
    let target = Target::from_params();
    crate::set_title("Modifier le questionnaire");
    signed_in(move |me| {
        let csrf = me.csrf_token.clone();
        let loaded = crate::api::Loaded::<QuestionnaireView>::new(move || target.get().api(""));
        let heading = format!("Modifier le questionnaire {}", target.get().words());
        crate::set_title(&heading);
        view! {
            {target.get().nav()}
            <p><a href=target.get().list_page()>{target.get().back()}</a></p>
            <h1>{heading}</h1>
            <Transition fallback=|| view! { <Loading text="Chargement du questionnaire…"/> }>
                {
                    let csrf = csrf.clone();
                    move || loaded.get().map(|result: Result<QuestionnaireView, ApiError>| match result {
                        Ok(view) => view! {
                            <Editor target=target.get() view csrf=csrf.clone()/>
                        }.into_any(),
                        Err(error) => view! { <ErrorNotice message=error.message/> }.into_any(),
                    })
                }
            </Transition>
        }
    })
}

/// The French name of a field of the questionnaire, for the summary.
fn field_name(name: &str) -> &str {
    match name {
        "title" => "Titre",
        "intro" => "Introduction",
        "anonymous" => "Réponses anonymes",
        "automatic" => "Envoi automatique",
        "send_delay_hours" => "Délai d'envoi",
        "cold_delay_days" => "Délai avant l'envoi à froid",
        "reminder_delay_days" => "Relance automatique",
        "opens" => "Ouverture des réponses",
        "closes" => "Clôture des réponses",
        "questions" => "Questions",
        "kind" => "Type de réponse",
        "label" => "Intitulé",
        "id" => "Identifiant",
        "help" => "Aide sous la question",
        "options" => "Réponses proposées",
        "rows" => "Lignes à noter",
        "min_label" => "Sens de la note la plus basse",
        "max_label" => "Sens de la note la plus haute",
        "min" => "Minimum",
        "max" => "Maximum",
        "condition" => "Condition d'affichage",
        "required" => "Réponse obligatoire",
        other => other,
    }
}

/// « Question 3 › Réponses proposées » for `questions.2.options`.
pub fn describe(key: &str) -> String {
    let parts: Vec<&str> = key.split('.').collect();
    match parts.as_slice() {
        ["questions", index, field] if index.parse::<usize>().is_ok() => format!(
            "Question {} › {}",
            index.parse::<usize>().unwrap_or(0) + 1,
            field_name(field)
        ),
        [single] => field_name(single).to_owned(),
        _ => key.to_owned(),
    }
}

/// The element a message about `key` points to (an id has no field of its
/// own: its question's label stands for it).
pub fn anchor(key: &str) -> String {
    match key.strip_suffix(".id") {
        Some(question) => input_id(&format!("{question}.label")),
        None if key == "kind" => "contenu".to_owned(),
        None => input_id(key),
    }
}

/// The picker's name of a kind.
fn type_of(kind: &FeedbackKind) -> &'static str {
    match kind {
        FeedbackKind::Scale { .. } => "scale",
        FeedbackKind::Recommend => "recommend",
        FeedbackKind::Single { .. } => "single",
        FeedbackKind::Multiple { .. } => "multiple",
        FeedbackKind::YesNo => "yes_no",
        FeedbackKind::ShortText => "short_text",
        FeedbackKind::LongText => "long_text",
        FeedbackKind::Number { .. } => "number",
        FeedbackKind::Matrix { .. } => "matrix",
    }
}

/// A kind of that name, keeping what `before` had that fits it (options,
/// rows, the labels of the ends).
fn kind_named(name: &str, before: &FeedbackKind) -> FeedbackKind {
    let (items, other) = match before {
        FeedbackKind::Single { options, other } | FeedbackKind::Multiple { options, other } => {
            (options.clone(), *other)
        }
        FeedbackKind::Matrix { rows, .. } => (rows.clone(), false),
        _ => (Vec::new(), false),
    };
    let (low, high) = match before {
        FeedbackKind::Scale {
            min_label,
            max_label,
        }
        | FeedbackKind::Matrix {
            min_label,
            max_label,
            ..
        } => (min_label.clone(), max_label.clone()),
        _ => (
            "Pas du tout satisfait·e".to_owned(),
            "Très satisfait·e".to_owned(),
        ),
    };
    match name {
        "recommend" => FeedbackKind::Recommend,
        "single" => FeedbackKind::Single {
            options: items,
            other,
        },
        "multiple" => FeedbackKind::Multiple {
            options: items,
            other,
        },
        "yes_no" => FeedbackKind::YesNo,
        "short_text" => FeedbackKind::ShortText,
        "long_text" => FeedbackKind::LongText,
        "number" => FeedbackKind::Number {
            min: None,
            max: None,
        },
        "matrix" => FeedbackKind::Matrix {
            rows: items,
            min_label: low,
            max_label: high,
        },
        _ => FeedbackKind::Scale {
            min_label: low,
            max_label: high,
        },
    }
}

/// Every kind, as the picker offers them (value, French name).
fn kinds() -> Vec<(String, String)> {
    let blank = FeedbackKind::Recommend;
    [
        "scale",
        "recommend",
        "single",
        "multiple",
        "yes_no",
        "short_text",
        "long_text",
        "number",
        "matrix",
    ]
    .iter()
    .map(|name| {
        (
            (*name).to_owned(),
            kind_named(name, &blank).label().to_owned(),
        )
    })
    .collect()
}

/// The id a question has, or will have once saved (made from its label).
fn key_of(question: &FeedbackQuestion) -> String {
    if question.id.trim().is_empty() {
        parvis_core::editor::slugify(&question.label)
    } else {
        question.id.trim().to_owned()
    }
}

/// One part of question `i`, read as its default once the question is gone.
fn at<T>(
    draft: RwSignal<Questionnaire>,
    i: usize,
    get: impl Fn(&FeedbackQuestion) -> T + Send + Sync + 'static,
    set: impl Fn(&mut FeedbackQuestion, T) + Send + Sync + 'static,
) -> Bound<T>
where
    T: Clone + Default + PartialEq + Send + Sync + 'static,
{
    bind(
        draft,
        move |q| q.questions.get(i).map(&get).unwrap_or_default(),
        move |q, value| {
            if let Some(question) = q.questions.get_mut(i) {
                set(question, value);
            }
        },
    )
}

/// A whole number of the questionnaire, typed as text (kept when it does
/// not read as a number: the field then shows what was typed).
fn number(
    draft: RwSignal<Questionnaire>,
    get: fn(&Questionnaire) -> u16,
    set: fn(&mut Questionnaire, u16),
) -> Bound<String> {
    bind(
        draft,
        move |q| get(q).to_string(),
        move |q, text: String| {
            if let Ok(n) = text.trim().parse::<u16>() {
                set(q, n);
            }
        },
    )
}

/// An instant of the questionnaire, as a `datetime-local` value.
fn instant(
    draft: RwSignal<Questionnaire>,
    get: fn(&Questionnaire) -> Option<chrono::DateTime<chrono::FixedOffset>>,
    set: fn(&mut Questionnaire, Option<chrono::DateTime<chrono::FixedOffset>>),
) -> Bound<String> {
    bind(
        draft,
        move |q| to_local_input(get(q)),
        move |q, text: String| set(q, from_local_input(&text)),
    )
}

fn focus_soon(id: String) {
    request_animation_frame(move || crate::focus_by_id(&id));
}

/// The form, bound to one questionnaire.
#[component]
fn Editor(target: Target, view: QuestionnaireView, csrf: String) -> impl IntoView {
    let draft = RwSignal::new(view.questionnaire.clone());
    let answered = RwSignal::new(
        view.answered_questions
            .iter()
            .cloned()
            .collect::<BTreeSet<String>>(),
    );
    let schedule = RwSignal::new(sending(&view));
    let invited = view.invited;
    let errors = RwSignal::new(FieldErrors::default());
    let general = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let status_ref = NodeRef::<leptos::html::Div>::new();
    let summary_ref = NodeRef::<leptos::html::Div>::new();
    let previewing = RwSignal::new(false);
    let preview_ref = NodeRef::<leptos::html::H2>::new();
    let csrf = StoredValue::new(csrf);
    let save_url = StoredValue::new(target.api(""));
    let results = target.page("/resultats");
    let for_event = target.is_event();

    let save = Action::new_local(move |questionnaire: &Questionnaire| {
        let body = json(questionnaire);
        let url = save_url.get_value();
        let proof = csrf.get_value();
        async move { read::<QuestionnaireView>(&call(Method::PUT, &url, body, Some(&proof)).await?) }
    });
    Effect::new(move |_| {
        let Some(result) = save.value().get() else {
            return;
        };
        match result {
            Ok(saved) => {
                draft.set(saved.questionnaire.clone());
                answered.set(saved.answered_questions.iter().cloned().collect());
                schedule.set(sending(&saved));
                errors.set(FieldErrors::default());
                general.set(None);
                status.set(Some("Le questionnaire est enregistré.".to_owned()));
                crate::focus_when_shown(status_ref);
            }
            Err(error) => {
                status.set(None);
                if error.fields.is_empty() {
                    errors.set(FieldErrors::default());
                    general.set(Some(error.message));
                } else {
                    errors.set(error.fields);
                    general.set(None);
                }
                crate::focus_when_shown(summary_ref);
            }
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let questionnaire = draft.get_untracked();
        match check_questionnaire(&questionnaire) {
            Ok(()) => {
                save.dispatch(questionnaire);
            }
            Err(problems) => {
                status.set(None);
                general.set(None);
                errors.set(problems);
                crate::focus_when_shown(summary_ref);
            }
        }
    };
    let anonymity_hint = if invited > 0 {
        "Le questionnaire a été envoyé avec cette promesse : l'anonymat ne peut plus changer."
    } else {
        "Les réponses ne sont pas associées aux personnes : pas de répartition par structure ni de liste des personnes sans réponse. Le formulaire le dit aux participant·es."
    };
    let has_problems = move || general.with(Option::is_some) || errors.with(|e| !e.is_empty());
    let kind = view.questionnaire.kind;
    let automatic = Memo::new(move |_| draft.with(|q| q.automatic));
    let toggle_preview = move |_| {
        let showing = !previewing.get_untracked();
        previewing.set(showing);
        if showing {
            crate::focus_when_shown(preview_ref);
        }
    };

    view! {
        <p><a href=results>"Voir les résultats"</a></p>
        <form class="editor" novalidate on:submit=on_submit>
            <div class="error-summary" tabindex="-1" node_ref=summary_ref role="alert" hidden=move || !has_problems()>
                <Show when=has_problems>
                    <h2>"Le questionnaire n'a pas pu être enregistré"</h2>
                    {move || general.get().map(|m| view! { <p>{m}</p> })}
                    <ul>
                        {move || errors.get().0.into_iter().flat_map(|(key, messages)| {
                            messages.into_iter().map(move |message| {
                                let id = anchor(&key);
                                let line = format!("{} : {message}", describe(&key));
                                view! { <li><a href=format!("#{id}") on:click=move |ev| crate::follow_in_page_link(ev, &id)>{line}</a></li> }
                            })
                        }).collect_view()}
                    </ul>
                </Show>
            </div>
            <StatusNotice text=status node=status_ref/>
            <p class="hint">"Les champs marqués « (obligatoire) » doivent être remplis."</p>

            <fieldset>
                <legend>"Présentation"</legend>
                <TextField name="title" label="Titre" errors
                    value=bind(draft, |q| q.title.clone(), |q, v| q.title = v)/>
                <TextField name="intro" label="Introduction" errors required=false multiline=true
                    hint="Affichée au-dessus des questions ; les retours à la ligne sont gardés."
                    value=bind(draft, |q| q.intro.clone(), |q, v| q.intro = v)/>
                <CheckboxField name="anonymous" label="Réponses anonymes" errors
                    hint=anonymity_hint
                    checked=bind(draft, |q| q.anonymous, |q, v| q.anonymous = v)/>
            </fieldset>

            <fieldset>
                <legend>"Envoi et relance"</legend>
                <p>{move || schedule.get()}</p>
                {if for_event {
                    view! {
                        <CheckboxField name="automatic" label="Envoyer automatiquement après l'événement, avec une relance" errors
                            hint="Sinon, le questionnaire part quand vous cliquez sur « Envoyer le questionnaire »."
                            checked=bind(draft, |q| q.automatic, |q, v| q.automatic = v)/>
                    }.into_any()
                } else {
                    view! {
                        <CheckboxField name="automatic" label="Relancer automatiquement les personnes qui n'ont pas répondu" errors
                            hint="Le questionnaire part quand vous envoyez la liste des adresses ; sans relance automatique, vous relancez à la main."
                            checked=bind(draft, |q| q.automatic, |q, v| q.automatic = v)/>
                    }.into_any()
                }}
                <Show when=move || automatic.get()>
                    {if !for_event {
                        ().into_any()
                    } else if kind == QuestionnaireKind::Cold {
                        view! {
                            <TextField name="cold_delay_days" label="Délai après la fin de l'événement, en jours" errors kind="number"
                                hint="Entre 1 et 365 jours ; un à trois mois pour un suivi à froid."
                                value=number(draft, |q| q.cold_delay_days, |q, n| q.cold_delay_days = n)/>
                        }.into_any()
                    } else {
                        view! {
                            <TextField name="send_delay_hours" label="Délai après la fin de la dernière séance, en heures" errors kind="number"
                                hint="Entre 0 et 720 heures."
                                value=number(draft, |q| q.send_delay_hours, |q, n| q.send_delay_hours = n)/>
                        }.into_any()
                    }}
                    <TextField name="reminder_delay_days" label="Relance automatique, en jours après l'envoi" errors kind="number"
                        hint="0 : pas de relance. Une seule relance, aux personnes qui n'ont pas répondu."
                        value=number(draft, |q| q.reminder_delay_days, |q, n| q.reminder_delay_days = n)/>
                </Show>
                <div class="field-row">
                    <TextField name="opens" label="Ouverture des réponses" errors kind="datetime-local" required=false
                        hint="Vide : dès l'envoi."
                        value=instant(draft, |q| q.opens, |q, v| q.opens = v)/>
                    <TextField name="closes" label="Clôture des réponses" errors kind="datetime-local" required=false
                        hint="Vide : pas de date ; vous pouvez aussi clore à la main."
                        value=instant(draft, |q| q.closes, |q, v| q.closes = v)/>
                </div>
            </fieldset>

            <Questions draft errors answered/>

            <div class="actions">
                <button type="submit" disabled=move || save.pending().get()>"Enregistrer le questionnaire"</button>
                <button type="button" class="secondary" aria-expanded=move || if previewing.get() { "true" } else { "false" }
                    on:click=toggle_preview>
                    {move || if previewing.get() { "Masquer l'aperçu" } else { "Afficher l'aperçu" }}
                </button>
            </div>
        </form>
        <Show when=move || previewing.get()>
            <section class="preview questionnaire-preview" aria-labelledby="apercu-questionnaire">
                <h2 id="apercu-questionnaire" tabindex="-1" node_ref=preview_ref>"Aperçu du formulaire"</h2>
                <p class="hint">"Tel que les participant·es le verront (les réponses saisies ici ne sont pas enregistrées)."</p>
                <Preview draft/>
            </section>
        </Show>
    }
}

/// The questions, each with its own editor.
#[component]
fn Questions(
    draft: RwSignal<Questionnaire>,
    errors: RwSignal<FieldErrors>,
    answered: RwSignal<BTreeSet<String>>,
) -> impl IntoView {
    let count = Memo::new(move |_| draft.with(|q| q.questions.len()));
    let add = move |_| {
        let at = count.get_untracked();
        draft.update(|q| {
            q.questions.push(FeedbackQuestion {
                id: String::new(),
                label: String::new(),
                help: None,
                required: false,
                kind: FeedbackKind::Scale {
                    min_label: "Pas du tout satisfait·e".to_owned(),
                    max_label: "Très satisfait·e".to_owned(),
                },
                condition: None,
            })
        });
        focus_soon(input_id(&format!("questions.{at}.label")));
    };
    let error = move || errors.with(|e| e.get("questions").join(" "));
    view! {
        <fieldset id=input_id("questions") tabindex="-1">
            <legend>"Questions"</legend>
            <p class="hint">"Dans l'ordre où elles sont posées. Une question peut n'être posée que selon la réponse à une question précédente."</p>
            <Show when=move || !error().is_empty()>
                <p class="field-error">{error}</p>
            </Show>
            {move || {
                let n = count.get();
                (0..n).map(|i| view! { <QuestionEditor draft errors answered i last=i + 1 == n/> }).collect_view()
            }}
            <button type="button" class="secondary" on:click=add>"Ajouter une question"</button>
        </fieldset>
    }
}

#[component]
fn QuestionEditor(
    draft: RwSignal<Questionnaire>,
    errors: RwSignal<FieldErrors>,
    answered: RwSignal<BTreeSet<String>>,
    i: usize,
    last: bool,
) -> impl IntoView {
    let key = move |field: &str| format!("questions.{i}.{field}");
    let label = at(draft, i, |q| q.label.clone(), |q, v| q.label = v);
    let help = at(
        draft,
        i,
        |q| q.help.clone().unwrap_or_default(),
        |q, v: String| q.help = (!v.is_empty()).then_some(v),
    );
    let required = at(draft, i, |q| q.required, |q, v| q.required = v);
    let kind = at(
        draft,
        i,
        |q| type_of(&q.kind).to_owned(),
        |q, name: String| q.kind = kind_named(&name, &q.kind),
    );
    let kind_name = Memo::new(move |_| {
        draft.with(|q| {
            q.questions
                .get(i)
                .map(|q| type_of(&q.kind))
                .unwrap_or("scale")
        })
    });
    let locked = Memo::new(move |_| {
        answered.with(|a| {
            draft.with(|q| {
                q.questions
                    .get(i)
                    .is_some_and(|q| !q.id.is_empty() && a.contains(&q.id))
            })
        })
    });
    let items = at(
        draft,
        i,
        |q| match &q.kind {
            FeedbackKind::Single { options, .. } | FeedbackKind::Multiple { options, .. } => {
                options.join("\n")
            }
            FeedbackKind::Matrix { rows, .. } => rows.join("\n"),
            _ => String::new(),
        },
        |q, text: String| {
            let lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
            match &mut q.kind {
                FeedbackKind::Single { options, .. } | FeedbackKind::Multiple { options, .. } => {
                    *options = lines
                }
                FeedbackKind::Matrix { rows, .. } => *rows = lines,
                _ => {}
            }
        },
    );
    let other = at(
        draft,
        i,
        |q| match &q.kind {
            FeedbackKind::Single { other, .. } | FeedbackKind::Multiple { other, .. } => *other,
            _ => false,
        },
        |q, on| {
            if let FeedbackKind::Single { other, .. } | FeedbackKind::Multiple { other, .. } =
                &mut q.kind
            {
                *other = on;
            }
        },
    );
    let end = move |high: bool| {
        at(
            draft,
            i,
            move |q| match &q.kind {
                FeedbackKind::Scale {
                    min_label,
                    max_label,
                }
                | FeedbackKind::Matrix {
                    min_label,
                    max_label,
                    ..
                } => if high { max_label } else { min_label }.clone(),
                _ => String::new(),
            },
            move |q, text: String| match &mut q.kind {
                FeedbackKind::Scale {
                    min_label,
                    max_label,
                }
                | FeedbackKind::Matrix {
                    min_label,
                    max_label,
                    ..
                } => *if high { max_label } else { min_label } = text,
                _ => {}
            },
        )
    };
    let bound = move |upper: bool| {
        at(
            draft,
            i,
            move |q| match &q.kind {
                FeedbackKind::Number { min, max } => (if upper { *max } else { *min })
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
                _ => String::new(),
            },
            move |q, text: String| {
                if let FeedbackKind::Number { min, max } = &mut q.kind {
                    let value = text.trim().parse::<i64>().ok();
                    *if upper { max } else { min } = value;
                }
            },
        )
    };
    let shift = move |up: bool| {
        let Some(j) = (if up { i.checked_sub(1) } else { Some(i + 1) }) else {
            return;
        };
        draft.update(|q| {
            if j < q.questions.len() {
                q.questions.swap(i, j);
            }
        });
        // The same button on the moved question, or the other one when it
        // has reached an end of the list.
        request_animation_frame(move || {
            let exists = |id: &str| {
                web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.get_element_by_id(id))
                    .is_some()
            };
            let (same, other) = if up {
                (
                    format!("question-{j}-monter"),
                    format!("question-{j}-descendre"),
                )
            } else {
                (
                    format!("question-{j}-descendre"),
                    format!("question-{j}-monter"),
                )
            };
            crate::focus_by_id(if exists(&same) { &same } else { &other });
        });
    };
    let remove = move |_| {
        draft.update(|q| {
            if i < q.questions.len() {
                q.questions.remove(i);
            }
        });
        focus_soon(input_id("questions"));
    };
    let n = i + 1;
    view! {
        <fieldset class="item question-item" id=format!("question-{i}") tabindex="-1">
            <legend>{format!("Question {n}")}</legend>
            <TextField name=key("label") label="Intitulé" errors value=label/>
            {move || if locked.get() {
                view! {
                    <p class="hint" id=input_id(&key("kind")) tabindex="-1">
                        {move || format!("Type de réponse : {}. ", draft.with(|q| q.questions.get(i).map(|q| q.kind.label()).unwrap_or_default()))}
                        "Cette question a déjà des réponses : elle ne peut être ni retirée ni changer de type ; son intitulé, son aide et ses réponses proposées peuvent encore être précisés."
                    </p>
                }.into_any()
            } else {
                view! {
                    <SelectField name=key("kind") label="Type de réponse" errors options=kinds() value=kind/>
                }.into_any()
            }}
            <Show when=move || matches!(kind_name.get(), "single" | "multiple")>
                <TextField name=key("options") label="Réponses proposées" errors multiline=true
                    hint="Une réponse par ligne, au moins deux." value=items/>
                <CheckboxField name=key("other") label="Proposer « Autre : … » avec un champ libre" errors checked=other/>
            </Show>
            <Show when=move || kind_name.get() == "matrix">
                <TextField name=key("rows") label="Lignes à noter" errors multiline=true
                    hint="Une ligne par séance ou par journée ; chacune est notée de 1 à 5." value=items/>
            </Show>
            <Show when=move || matches!(kind_name.get(), "scale" | "matrix")>
                <div class="field-row">
                    <TextField name=key("min_label") label="Sens de la note 1" errors value=end(false)/>
                    <TextField name=key("max_label") label="Sens de la note 5" errors value=end(true)/>
                </div>
            </Show>
            <Show when=move || kind_name.get() == "number">
                <div class="field-row">
                    <TextField name=key("min") label="Minimum" errors required=false kind="number" value=bound(false)/>
                    <TextField name=key("max") label="Maximum" errors required=false kind="number" value=bound(true)/>
                </div>
            </Show>
            <TextField name=key("help") label="Aide sous la question" errors required=false value=help/>
            <CheckboxField name=key("required") label="Réponse obligatoire" errors checked=required/>
            <ConditionField draft errors i/>
            <div class="actions">
                {(i > 0).then(|| view! {
                    <button type="button" class="secondary" id=format!("question-{i}-monter") on:click=move |_| shift(true)>
                        {format!("Monter la question {n}")}
                    </button>
                })}
                {(!last).then(|| view! {
                    <button type="button" class="secondary" id=format!("question-{i}-descendre") on:click=move |_| shift(false)>
                        {format!("Descendre la question {n}")}
                    </button>
                })}
                <Show when=move || !locked.get()>
                    <button type="button" class="secondary danger" on:click=remove>{format!("Retirer la question {n}")}</button>
                </Show>
            </div>
        </fieldset>
    }
}

/// « Only if the answer to X is Y »: an earlier choice or yes/no question,
/// then one of its values.
#[component]
fn ConditionField(
    draft: RwSignal<Questionnaire>,
    errors: RwSignal<FieldErrors>,
    i: usize,
) -> impl IntoView {
    let name = format!("questions.{i}.condition");
    let id = input_id(&name);
    let value_id = format!("{id}-valeur");
    let hint_id = format!("{id}-aide");
    let error_id = format!("{id}-erreur");
    let field_errors = Memo::new(move |_| errors.with(|e| e.get(&name).join(" ")));
    let invalid = move || field_errors.with(|e| !e.is_empty());
    let targets = Memo::new(move |_| {
        draft.with(|q| {
            q.questions
                .iter()
                .take(i)
                .enumerate()
                .filter(|(_, t)| {
                    matches!(
                        t.kind,
                        FeedbackKind::Single { .. }
                            | FeedbackKind::Multiple { .. }
                            | FeedbackKind::YesNo
                    )
                })
                .map(|(j, t)| (key_of(t), format!("Question {} : {}", j + 1, t.label)))
                .collect::<Vec<_>>()
        })
    });
    let target = Memo::new(move |_| {
        draft.with(|q| {
            q.questions
                .get(i)
                .and_then(|x| x.condition.as_ref())
                .map(|c| c.question.clone())
                .unwrap_or_default()
        })
    });
    // The values the target question may take: (value, French).
    let values = Memo::new(move |_| {
        let wanted = target.get();
        draft.with(|q| {
            match q
                .questions
                .iter()
                .take(i)
                .find(|t| key_of(t) == wanted)
                .map(|t| &t.kind)
            {
                Some(FeedbackKind::YesNo) => vec![
                    ("oui".to_owned(), "Oui".to_owned()),
                    ("non".to_owned(), "Non".to_owned()),
                ],
                Some(
                    FeedbackKind::Single { options, .. } | FeedbackKind::Multiple { options, .. },
                ) => options
                    .iter()
                    .filter(|o| !o.trim().is_empty())
                    .map(|o| (o.clone(), o.clone()))
                    .collect(),
                _ => Vec::new(),
            }
        })
    });
    let value = Memo::new(move |_| {
        draft.with(
            |q| match q.questions.get(i).and_then(|x| x.condition.as_ref()) {
                Some(Condition {
                    equals: ConditionValue::Bool(yes),
                    ..
                }) => if *yes { "oui" } else { "non" }.to_owned(),
                Some(Condition {
                    equals: ConditionValue::Option(option),
                    ..
                }) => option.clone(),
                None => String::new(),
            },
        )
    });
    let set_target = move |chosen: String| {
        draft.update(|q| {
            let equals = q
                .questions
                .iter()
                .take(i)
                .find(|t| key_of(t) == chosen)
                .map(|t| match &t.kind {
                    FeedbackKind::Single { options, .. }
                    | FeedbackKind::Multiple { options, .. } => {
                        ConditionValue::Option(options.first().cloned().unwrap_or_default())
                    }
                    _ => ConditionValue::Bool(true),
                });
            if let Some(question) = q.questions.get_mut(i) {
                question.condition = equals.map(|equals| Condition {
                    question: chosen.clone(),
                    equals,
                });
            }
        });
    };
    let set_value = move |chosen: String| {
        draft.update(|q| {
            if let Some(condition) = q.questions.get_mut(i).and_then(|x| x.condition.as_mut()) {
                condition.equals = match &condition.equals {
                    ConditionValue::Bool(_) => ConditionValue::Bool(chosen == "oui"),
                    ConditionValue::Option(_) => ConditionValue::Option(chosen),
                };
            }
        });
    };
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            if invalid() {
                format!("{hint_id} {error_id}")
            } else {
                hint_id.clone()
            }
        }
    };
    view! {
        <div class="field" class:field-invalid=invalid>
            <label for=id.clone()>"Poser cette question seulement selon la réponse à (facultatif)"</label>
            <p class="hint" id=hint_id>"Une question à choix ou oui/non placée avant celle-ci."</p>
            <Show when=invalid>
                <p class="field-error" id=error_id.clone()>{move || field_errors.get()}</p>
            </Show>
            <select id=id.clone() aria-describedby=described_by
                aria-invalid=move || if invalid() { "true" } else { "false" }
                on:change=move |ev| set_target(event_target_value(&ev))>
                <option value="" selected=move || target.with(String::is_empty)>"Toujours poser cette question"</option>
                {move || targets.get().into_iter().map(|(key, text)| {
                    let current = key.clone();
                    view! { <option value=key selected=move || target.with(|t| *t == current)>{text}</option> }
                }).collect_view()}
            </select>
        </div>
        <Show when=move || !target.with(String::is_empty)>
            <div class="field">
                <label for=value_id.clone()>"Quand la réponse est"</label>
                <select id=value_id.clone() on:change=move |ev| set_value(event_target_value(&ev))>
                    {move || values.get().into_iter().map(|(key, text)| {
                        let current = key.clone();
                        view! { <option value=key selected=move || value.with(|v| *v == current)>{text}</option> }
                    }).collect_view()}
                </select>
            </div>
        </Show>
    }
}

/// The questionnaire as the participants' form will show it: every
/// question gets the id it will be saved with, those without a label yet
/// are left out.
fn for_preview(questionnaire: &Questionnaire) -> Questionnaire {
    let mut shown = questionnaire.clone();
    for question in &mut shown.questions {
        question.id = key_of(question);
    }
    let mut seen = BTreeSet::new();
    shown
        .questions
        .retain(|q| !q.id.is_empty() && seen.insert(q.id.clone()));
    shown
}

/// The form as participants will see it, with the participants' own form
/// component ([`crate::feedback_form::QuestionnaireFields`]); what is
/// answered here is kept in this page only.
#[component]
fn Preview(draft: RwSignal<Questionnaire>) -> impl IntoView {
    let answers = RwSignal::new(std::collections::BTreeMap::new());
    let errors = RwSignal::new(FieldErrors::default());
    let title = Memo::new(move |_| draft.with(|q| q.title.clone()));
    let intro = Memo::new(move |_| draft.with(|q| q.intro.clone()));
    let notice = Memo::new(move |_| draft.with(parvis_core::feedback::anonymity_notice));
    let shown = Memo::new(move |_| draft.with(for_preview));
    view! {
        <h3>{title}</h3>
        <Show when=move || !intro.with(String::is_empty)>
            <p class="intro">{intro}</p>
        </Show>
        <p>{notice}</p>
        <form class="preview-form" novalidate on:submit=|ev| ev.prevent_default()>
            {move || view! {
                <QuestionnaireFields questionnaire=shown.get() answers errors/>
            }}
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_their_question_and_field() {
        assert_eq!(describe("title"), "Titre");
        assert_eq!(
            describe("questions.2.options"),
            "Question 3 › Réponses proposées"
        );
        assert_eq!(anchor("questions.0.id"), "champ-questions-0-label");
        assert_eq!(anchor("questions.1.kind"), "champ-questions-1-kind");
    }

    #[test]
    fn a_new_type_keeps_what_fits() {
        let single = FeedbackKind::Single {
            options: vec!["A".into(), "B".into()],
            other: true,
        };
        assert_eq!(
            kind_named("multiple", &single),
            FeedbackKind::Multiple {
                options: vec!["A".into(), "B".into()],
                other: true
            }
        );
        assert!(
            matches!(kind_named("matrix", &single), FeedbackKind::Matrix { rows, .. } if rows.len() == 2)
        );
        assert_eq!(kinds().len(), 9);
        assert_eq!(kinds()[0].1, "Échelle de 1 à 5");
    }
}
