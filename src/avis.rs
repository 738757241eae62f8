//! The participants' feedback page, `/avis/{token}`: a bundle of its own
//! (`src/bin/avis.rs`, `avis.html`, built into `dist/avis/`), so the
//! public first visit never downloads it.
//!
//! - The questionnaire comes from `GET /api/avis/{token}`
//!   ([`FormView`]); its questions are [`QuestionnaireFields`].
//! - Answers are saved as the person goes: a change is sent
//!   (`PUT`, `submit: false`) after a short pause, one request at a time,
//!   and a discreet live status says « Réponses enregistrées ». Once
//!   submitted, a response is only saved by « Envoyer mes réponses » (the
//!   endpoint checks later saves as submissions).
//! - « Envoyer mes réponses » submits; errors come back in a summary that
//!   takes the focus and links to each question, a success in a
//!   confirmation that takes the focus.
//! - Every request carries this browser's random key
//!   ([`BROWSER_HEADER`], kept in localStorage under `parvis-navigateur`):
//!   the event-wide public link keys its one response per browser with
//!   it; personal links ignore it.

use std::collections::BTreeMap;

use gloo_net::http::{Method, RequestBuilder};
use leptos::prelude::*;
use parvis_core::api::{ApiError, FieldErrors};
use parvis_core::feedback::api::{BROWSER_HEADER, FormAnswers, FormView};
use parvis_core::feedback::{FeedbackAnswer, Questionnaire};

use crate::components::{ErrorNotice, Loading};
use crate::feedback_form::{QuestionnaireFields, shown_ids, summary_lines};
use crate::form::input_id;

/// The localStorage key of this browser's random key.
pub const BROWSER_KEY: &str = "parvis-navigateur";

/// Milliseconds of calm after a change before it is saved.
const SAVE_DELAY_MS: u64 = 800;

/// This browser's random key: 32 hexadecimal characters (128 bits from
/// `crypto.getRandomValues`), made once and kept in localStorage. `None`
/// when the browser has no storage or no crypto (personal links work
/// without it).
pub fn browser_key() -> Option<String> {
    let storage = web_sys::window()?.local_storage().ok()??;
    if let Ok(Some(key)) = storage.get_item(BROWSER_KEY)
        && key.len() >= 32
        && key.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Some(key);
    }
    let key = random_hex()?;
    let _ = storage.set_item(BROWSER_KEY, &key);
    Some(key)
}

/// 16 random bytes in hexadecimal, through `crypto.getRandomValues`.
fn random_hex() -> Option<String> {
    use wasm_bindgen::JsCast;
    let global = js_sys::global();
    let crypto = js_sys::Reflect::get(&global, &"crypto".into()).ok()?;
    let fill: js_sys::Function = js_sys::Reflect::get(&crypto, &"getRandomValues".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let bytes = js_sys::Uint8Array::new_with_length(16);
    fill.call1(&crypto, &bytes).ok()?;
    Some(bytes.to_vec().iter().map(|b| format!("{b:02x}")).collect())
}

fn network_error() -> ApiError {
    ApiError {
        code: "network".to_owned(),
        message: "Le serveur ne répond pas. Vérifiez votre connexion puis réessayez.".to_owned(),
        fields: Default::default(),
    }
}

/// `GET` or `PUT /api/avis/{token}`, with this browser's key.
async fn call(method: Method, token: &str, body: Option<String>) -> Result<FormView, ApiError> {
    let mut builder = RequestBuilder::new(&format!("/api/avis/{token}")).method(method);
    if let Some(key) = browser_key() {
        builder = builder.header(BROWSER_HEADER, &key);
    }
    let request = match body {
        Some(json) => builder
            .header("content-type", "application/json")
            .body(json),
        None => builder.build(),
    }
    .map_err(|_| network_error())?;
    let response = request.send().await.map_err(|_| network_error())?;
    let status = response.status();
    let text = response.text().await.map_err(|_| network_error())?;
    if response.ok() {
        return crate::api::read(&text);
    }
    Err(
        serde_json::from_str::<ApiError>(&text).unwrap_or_else(|_| ApiError {
            code: "http".to_owned(),
            message: match status {
                404 => "Ce lien de questionnaire n'est pas valide ou a expiré. \
                        Utilisez le lien reçu par e-mail."
                    .to_owned(),
                429 => "Trop de demandes. Réessayez dans quelques instants.".to_owned(),
                _ => {
                    format!("Le serveur a répondu par une erreur ({status}). Réessayez plus tard.")
                }
            },
            fields: Default::default(),
        }),
    )
}

/// `GET /api/avis/{token}`.
pub async fn open(token: &str) -> Result<FormView, ApiError> {
    call(Method::GET, token, None).await
}

/// `PUT /api/avis/{token}`.
pub async fn save(token: &str, answers: &FormAnswers) -> Result<FormView, ApiError> {
    call(Method::PUT, token, crate::api::json(answers)).await
}

/// The token of the page's address (`/avis/{token}`), when it looks like
/// one (64 hexadecimal characters).
pub fn token_of(path: &str) -> Option<String> {
    let token = path.strip_prefix("/avis/")?.trim_end_matches('/');
    (token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())).then(|| token.to_owned())
}

/// « jusqu'au mardi 20 janvier 2026 à 23 h 59 », or « tant que le
/// questionnaire est ouvert » when it has no closing date.
pub fn until(questionnaire: &Questionnaire) -> String {
    match questionnaire.closes {
        Some(closes) => format!(
            "jusqu'au {} à {}",
            parvis_core::dates::long_date(closes.date_naive()),
            parvis_core::dates::time(closes.time())
        ),
        None => "tant que le questionnaire est ouvert".to_owned(),
    }
}

/// Why a form that cannot be changed is so.
fn read_only_notice(view: &FormView) -> String {
    if view.answered_elsewhere {
        return "Vous avez déjà envoyé vos réponses avec l'autre lien reçu par e-mail : \
                utilisez ce lien-là pour les consulter ou les modifier."
            .to_owned();
    }
    let now = js_sys::Date::now() as i64;
    if let Some(opens) = view.questionnaire.opens
        && opens.timestamp_millis() > now
    {
        return format!(
            "Ce questionnaire ouvrira le {} à {}.",
            parvis_core::dates::long_date(opens.date_naive()),
            parvis_core::dates::time(opens.time())
        );
    }
    "Ce questionnaire est clos : vos réponses ne peuvent plus être modifiées.".to_owned()
}

/// The page of a feedback link, with the site's header and footer.
#[component]
pub fn App() -> impl IntoView {
    let accessibility = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| {
            d.query_selector("meta[name=parvis-accessibilite]")
                .ok()
                .flatten()
        })
        .and_then(|meta| meta.get_attribute("content"))
        .map_or_else(
            || "Accessibilité".to_owned(),
            |status| format!("Accessibilité : {status}"),
        );
    let path = web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_default();
    view! {
        <a class="skip-link" href="#contenu"
            on:click=|ev| crate::follow_in_page_link(ev, "contenu")>"Aller au contenu"</a>
        <header class="site-header">
            <div class="wrap">
                <a href="/" class="brand">"Parvis"</a>
                <p class="tagline">"Agenda des centres de ressources de la politique de la ville"</p>
            </div>
        </header>
        <main id="contenu" tabindex="-1" class="wrap">
            <FeedbackPage token=token_of(&path)/>
        </main>
        <footer class="site-footer">
            <div class="wrap">
                <ul class="footer-links">
                    <li><a href="/retrouver-mon-inscription">"Retrouver mon inscription"</a></li>
                    <li><a href="/mentions-legales" rel="external">"Mentions légales"</a></li>
                    <li><a href="/donnees-personnelles" rel="external">"Données personnelles"</a></li>
                    <li><a href="/accessibilite" rel="external">{accessibility}</a></li>
                </ul>
                <p>"Parvis, logiciel libre pour les centres de ressources et réseaux de la politique de la ville."</p>
            </div>
        </footer>
    }
}

/// The page's content: loading, the questionnaire, or why not.
#[component]
fn FeedbackPage(token: Option<String>) -> impl IntoView {
    let loaded = RwSignal::new(None::<Result<FormView, ApiError>>);
    match token.clone() {
        Some(token) => leptos::task::spawn_local(async move {
            loaded.set(Some(open(&token).await));
        }),
        None => loaded.set(Some(Err(ApiError {
            code: "not_found".to_owned(),
            message: "Ce lien de questionnaire n'est pas valide ou a expiré. \
                      Utilisez le lien reçu par e-mail."
                .to_owned(),
            fields: Default::default(),
        }))),
    }
    let token = token.unwrap_or_default();
    move || match loaded.get() {
        None => {
            crate::set_title("Questionnaire");
            view! {
                <h1>"Questionnaire"</h1>
                <Loading text="Chargement du questionnaire…"/>
            }
            .into_any()
        }
        Some(Err(error)) => {
            let title = match error.code.as_str() {
                "rate_limited" => "Trop de demandes",
                "network" | "decode" | "http" | "internal" | "unavailable" => {
                    "Questionnaire indisponible"
                }
                _ => "Questionnaire introuvable",
            };
            crate::set_title(title);
            view! {
                <h1>{title}</h1>
                <ErrorNotice message=error.message/>
                <p><a href="/">"Voir l'agenda des événements"</a></p>
            }
            .into_any()
        }
        Some(Ok(view)) => view! { <Form token=token.clone() view/> }.into_any(),
    }
}

/// What the last save said, for the live status.
#[derive(Debug, Clone, PartialEq, Eq)]
enum SaveState {
    Idle,
    Saving,
    Saved,
    Failed(String),
}

/// The questionnaire, its answers and its buttons.
#[component]
fn Form(token: String, view: FormView) -> impl IntoView {
    crate::set_title(&view.questionnaire.title);
    let questionnaire = StoredValue::new(view.questionnaire.clone());
    let answers = RwSignal::new(view.answers.clone());
    let errors = RwSignal::new(FieldErrors::default());
    let general = RwSignal::new(None::<String>);
    let submitted = RwSignal::new(view.submitted);
    let editable = RwSignal::new(view.editable && !view.answered_elsewhere);
    let read_only_message =
        RwSignal::new((!editable.get_untracked()).then(|| read_only_notice(&view)));
    // Set when this visit's submission went through: the confirmation
    // takes the focus.
    let just_sent = RwSignal::new(false);
    let save_state = RwSignal::new(SaveState::Idle);
    let summary_ref = NodeRef::<leptos::html::Div>::new();
    let confirm_ref = NodeRef::<leptos::html::H2>::new();
    let notice_ref = NodeRef::<leptos::html::Div>::new();
    let token = StoredValue::new(token);
    let until = until(&view.questionnaire);

    // One save at a time: a change during a save is sent after it.
    let in_flight = StoredValue::new(false);
    let again = StoredValue::new(false);
    let timer = StoredValue::new(None::<TimeoutHandle>);

    let stop = move |error: &ApiError| {
        // The questionnaire closed, or was answered with another link.
        if error.code.starts_with("feedback_") {
            editable.set(false);
            read_only_message.set(Some(error.message.clone()));
        }
    };

    // Errors of questions answered since, or hidden since, are dropped.
    let settle_errors = move || {
        let current = answers.get_untracked();
        let shown = questionnaire.with_value(|q| shown_ids(q, &current));
        errors.update(|e| {
            e.0.retain(|key, _| {
                key.strip_prefix("answers.")
                    .is_none_or(|id| shown.contains(id) && !current.contains_key(id))
            })
        });
    };

    fn save_now(
        token: StoredValue<String>,
        answers: RwSignal<BTreeMap<String, FeedbackAnswer>>,
        in_flight: StoredValue<bool>,
        again: StoredValue<bool>,
        save_state: RwSignal<SaveState>,
        errors: RwSignal<FieldErrors>,
        settle_errors: impl Fn() + Copy + 'static,
        stop: impl Fn(&ApiError) + Copy + 'static,
    ) {
        if in_flight.get_value() {
            again.set_value(true);
            return;
        }
        in_flight.set_value(true);
        save_state.set(SaveState::Saving);
        let request = FormAnswers {
            answers: answers.get_untracked(),
            submit: false,
        };
        leptos::task::spawn_local(async move {
            let result = save(&token.get_value(), &request).await;
            in_flight.set_value(false);
            match result {
                Ok(_) => {
                    save_state.set(SaveState::Saved);
                    settle_errors();
                }
                Err(error) => {
                    if !error.fields.is_empty() {
                        errors.update(|e| e.merge(error.fields.clone()));
                        save_state.set(SaveState::Failed(
                            "Certaines réponses n'ont pas pu être enregistrées : \
                             voyez les messages sous les questions."
                                .to_owned(),
                        ));
                    } else {
                        stop(&error);
                        save_state.set(SaveState::Failed(format!(
                            "Réponses non enregistrées. {} Elles seront envoyées à votre \
                             prochaine modification, ou avec « Envoyer mes réponses ».",
                            error.message
                        )));
                    }
                }
            }
            if again.get_value() {
                again.set_value(false);
                save_now(
                    token,
                    answers,
                    in_flight,
                    again,
                    save_state,
                    errors,
                    settle_errors,
                    stop,
                );
            }
        });
    }

    // Saved as the person goes: after a pause, while not submitted yet.
    Effect::new(move |first: Option<()>| {
        answers.track();
        if first.is_none() || !editable.get_untracked() || submitted.get_untracked() {
            return;
        }
        if let Some(handle) = timer.get_value() {
            handle.clear();
        }
        let handle = set_timeout_with_handle(
            move || {
                timer.set_value(None);
                save_now(
                    token,
                    answers,
                    in_flight,
                    again,
                    save_state,
                    errors,
                    settle_errors,
                    stop,
                );
            },
            std::time::Duration::from_millis(SAVE_DELAY_MS),
        )
        .ok();
        timer.set_value(handle);
    });

    // A change still waiting for its pause is saved at once when the page
    // is hidden (another tab, another app, the tab closing).
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        use wasm_bindgen::JsCast;
        let hidden_document = document.clone();
        let flush = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
            if hidden_document.hidden()
                && let Some(handle) = timer.get_value()
            {
                handle.clear();
                timer.set_value(None);
                save_now(
                    token,
                    answers,
                    in_flight,
                    again,
                    save_state,
                    errors,
                    settle_errors,
                    stop,
                );
            }
        });
        let _ = document
            .add_event_listener_with_callback("visibilitychange", flush.as_ref().unchecked_ref());
        // The page lives as long as the document.
        flush.forget();
    }

    let sending = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if sending.get_untracked() || !editable.get_untracked() {
            return;
        }
        if let Some(handle) = timer.get_value() {
            handle.clear();
            timer.set_value(None);
        }
        sending.set(true);
        just_sent.set(false);
        let request = FormAnswers {
            answers: answers.get_untracked(),
            submit: true,
        };
        leptos::task::spawn_local(async move {
            let result = save(&token.get_value(), &request).await;
            sending.set(false);
            match result {
                Ok(view) => {
                    errors.set(FieldErrors::default());
                    general.set(None);
                    submitted.set(view.submitted);
                    save_state.set(SaveState::Idle);
                    just_sent.set(true);
                    crate::focus_when_shown(confirm_ref);
                }
                Err(error) if error.code.starts_with("feedback_") => {
                    // Closed meanwhile, or sent with the other link: the
                    // form turns read-only and says why.
                    stop(&error);
                    errors.set(FieldErrors::default());
                    general.set(None);
                    crate::focus_when_shown(notice_ref);
                }
                Err(error) => {
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
    };

    let has_problems = move || !errors.with(FieldErrors::is_empty) || general.with(Option::is_some);
    let summary = move || {
        let lines =
            answers.with(|a| errors.with(|e| questionnaire.with_value(|q| summary_lines(q, a, e))));
        lines
            .into_iter()
            .map(|(key, line)| {
                let id = input_id(&key);
                view! {
                    <li><a href=format!("#{id}") on:click=move |ev| crate::follow_in_page_link(ev, &id)>{line}</a></li>
                }
            })
            .collect_view()
    };
    let status_text = move || match save_state.get() {
        SaveState::Idle => String::new(),
        SaveState::Saving => "Enregistrement…".to_owned(),
        SaveState::Saved => "Réponses enregistrées".to_owned(),
        SaveState::Failed(message) => message,
    };
    let until_sent = until.clone();
    let until_kept = until.clone();
    let intro: Vec<String> = view
        .questionnaire
        .intro
        .split('\n')
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect();
    let answered_elsewhere = view.answered_elsewhere;
    let public_link = view.public_link;
    let fields_questionnaire = view.questionnaire.clone();

    view! {
        // The event, or the organisation asking for a stakeholder questionnaire.
        {(!view.event_title.is_empty()).then(|| view! { <p class="kind">{view.event_title.clone()}</p> })}
        <h1>{view.questionnaire.title.clone()}</h1>
        {intro.into_iter().map(|line| view! { <p>{line}</p> }).collect_view()}
        <p class="notice anonymity">{view.anonymity_notice.clone()}</p>
        {move || read_only_message.get().map(|message| view! {
            <div class="notice notice-error read-only" role="status" tabindex="-1" node_ref=notice_ref><p>{message}</p></div>
        })}
        <Show when=move || just_sent.get()>
            <div class="confirm">
                <h2 tabindex="-1" node_ref=confirm_ref>"Merci, vos réponses ont été envoyées"</h2>
                <p>{format!(
                    "Vous pouvez encore les modifier {until_sent} : changez-les ci-dessous, puis cliquez à nouveau sur « Envoyer mes réponses »."
                )}</p>
            </div>
        </Show>
        <Show when=move || submitted.get() && !just_sent.get() && editable.get()>
            <p class="notice notice-success">{format!(
                "Vous avez envoyé vos réponses. Vous pouvez encore les modifier {until_kept} : changez-les ci-dessous, puis cliquez sur « Envoyer mes réponses »."
            )}</p>
        </Show>
        {(!answered_elsewhere).then(|| view! {
            <form class="feedback-form" novalidate on:submit=on_submit>
                <div class="error-summary" tabindex="-1" node_ref=summary_ref
                    role="alert" hidden=move || !has_problems()>
                    <Show when=has_problems>
                        <h2>"Vos réponses n'ont pas pu être envoyées"</h2>
                        {move || general.get().map(|m| view! { <p>{m}</p> })}
                        <ul>{summary}</ul>
                    </Show>
                </div>
                <Show when=move || editable.get()>
                    <p class="hint">
                        "Les questions marquées « (obligatoire) » demandent une réponse. "
                        {if public_link {
                            "Vos réponses sont enregistrées au fur et à mesure : vous pouvez revenir plus tard avec le même lien, depuis ce navigateur."
                        } else {
                            "Vos réponses sont enregistrées au fur et à mesure : vous pouvez revenir plus tard avec le même lien."
                        }}
                    </p>
                </Show>
                <QuestionnaireFields questionnaire=fields_questionnaire.clone() answers errors
                    read_only=Signal::derive(move || !editable.get())/>
                <Show when=move || editable.get()>
                    <div class="actions">
                        <button type="submit" disabled=move || sending.get()>"Envoyer mes réponses"</button>
                        <p class="save-status" role="status">{status_text}</p>
                    </div>
                </Show>
            </form>
        })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_token_shaped_path_is_a_token() {
        let token = "ab".repeat(32);
        assert_eq!(token_of(&format!("/avis/{token}")), Some(token.clone()));
        assert_eq!(token_of(&format!("/avis/{token}/")), Some(token));
        assert_eq!(token_of("/avis/abc"), None);
        assert_eq!(token_of(&format!("/avis/{}", "zz".repeat(32))), None);
        assert_eq!(token_of(&format!("/inscription/{}", "ab".repeat(32))), None);
    }

    #[test]
    fn the_closing_date_is_said_in_french() {
        let mut questionnaire: Questionnaire =
            serde_json::from_str(r#"{"kind": "hot", "title": "Avis", "questions": []}"#).unwrap();
        assert_eq!(
            until(&questionnaire),
            "tant que le questionnaire est ouvert"
        );
        questionnaire.closes = parvis_core::timestamp::parse("2099-12-20T23:59:00+01:00");
        assert_eq!(
            until(&questionnaire),
            "jusqu'au dimanche 20 décembre 2099 à 23 h 59"
        );
    }
}
