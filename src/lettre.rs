//! The newsletter's public sign-up form, [`Inscription`], for the
//! publications bundle (`src/publications/`) only: the public app
//! (`index.html`, whose first visit is at its size budget) never mounts it.
//!
//! A labelled address field and a consent box whose label is the whole
//! consent sentence (the one the endpoint stores); `POST /api/lettre`
//! answers the same French sentence whether the address was subscribed
//! or not, shown in a status message that takes the focus. Refusals (a bad
//! address, the box not ticked, too many tries) are listed in an error
//! summary that takes the focus and links to each field.

use gloo_net::http::Method;
use leptos::prelude::*;
use parvis_core::api::{ApiError, FieldErrors};
use parvis_core::gestion::Accepted;
use parvis_core::lettre::{SignUp, consent_sentence, field, paths};

use crate::api::{call, json, read};
use crate::components::{CheckboxField, StatusNotice, TextField};
use crate::form::input_id;

/// The form's own field names (ids `champ-lettre-email`…), so that it can
/// sit beside another form on a page.
const EMAIL: &str = "lettre.email";
const CONSENT: &str = "lettre.consentement";

/// The endpoint's refusal, keyed by the form's own names, and what is not
/// about a field.
fn errors_of(error: &ApiError) -> (FieldErrors, Option<String>) {
    let mut mine = FieldErrors::default();
    let mut general = None;
    for (name, messages) in &error.fields.0 {
        let target = match name.as_str() {
            field::EMAIL => EMAIL,
            field::CONSENT => CONSENT,
            _ => {
                general = messages.first().cloned();
                continue;
            }
        };
        for message in messages {
            mine.add(target, message.clone());
        }
    }
    if error.fields.is_empty() {
        general = Some(error.message.clone());
    }
    (mine, general)
}

/// The sign-up form of one organisation's newsletter.
#[component]
pub fn Inscription(
    /// The organisation's slug (`organisation` in the request).
    #[prop(into)]
    organisation: String,
    /// Its name, as the consent sentence says it.
    #[prop(into)]
    organisation_name: String,
) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let consent = RwSignal::new(false);
    let errors = RwSignal::new(FieldErrors::default());
    let general = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);
    let done_ref = NodeRef::<leptos::html::Div>::new();
    let summary_ref = NodeRef::<leptos::html::Div>::new();
    let organisation = StoredValue::new(organisation);
    let send = Action::new_local(move |request: &SignUp| {
        let body = json(request);
        async move { read::<Accepted>(&call(Method::POST, paths::SIGN_UP, body, None).await?) }
    });
    Effect::new(move |_| {
        let Some(result) = send.value().get() else {
            return;
        };
        match result {
            Ok(accepted) => {
                errors.set(FieldErrors::default());
                general.set(None);
                email.set(String::new());
                consent.set(false);
                done.set(Some(accepted.message));
                crate::focus_when_shown(done_ref);
            }
            Err(error) => {
                let (fields, message) = errors_of(&error);
                errors.set(fields);
                general.set(message);
                done.set(None);
                crate::focus_when_shown(summary_ref);
            }
        }
    });
    let has_problems = move || !errors.with(FieldErrors::is_empty) || general.with(Option::is_some);
    let lines = move || {
        let mut lines = Vec::new();
        errors.with(|e| {
            for (name, label) in [(EMAIL, "Adresse e-mail"), (CONSENT, "Consentement")] {
                for message in e.get(name) {
                    lines.push((input_id(name), format!("{label} : {message}")));
                }
            }
        });
        lines
    };
    let sentence = consent_sentence(&organisation_name);
    view! {
        <section class="lettre-inscription" aria-labelledby="lettre-titre">
            <h2 id="lettre-titre">"Recevoir la lettre d'information"</h2>
            <StatusNotice text=done node=done_ref/>
            <form novalidate on:submit=move |ev| {
                ev.prevent_default();
                if send.pending().get_untracked() {
                    return;
                }
                send.dispatch(SignUp {
                    organisation: organisation.get_value(),
                    email: email.get_untracked(),
                    consentement: consent.get_untracked(),
                });
            }>
                <div class="error-summary" tabindex="-1" node_ref=summary_ref role="alert" hidden=move || !has_problems()>
                    <Show when=has_problems>
                        <h3>"Votre inscription n'a pas pu être enregistrée"</h3>
                        {move || general.get().map(|m| view! { <p>{m}</p> })}
                        <ul>
                            {move || lines().into_iter().map(|(id, line)| {
                                let target = id.clone();
                                view! { <li><a href=format!("#{id}") on:click=move |ev| crate::follow_in_page_link(ev, &target)>{line}</a></li> }
                            }).collect_view()}
                        </ul>
                    </Show>
                </div>
                <TextField name=EMAIL label="Adresse e-mail" value=email errors kind="email" autocomplete="email"
                    hint="Un e-mail vous demandera de confirmer cette adresse."/>
                <CheckboxField name=CONSENT label=sentence checked=consent errors/>
                <button type="submit" disabled=move || send.pending().get()>"M'inscrire"</button>
            </form>
        </section>
    }
}
