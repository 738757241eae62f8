//! The personal page behind the link of every email (`/inscription/{token}`),
//! where people come back on the day: « Rejoindre » for a confirmed
//! registrant of an online event, the programme and the reports; change
//! workshops or days, answers and accessibility needs while allowed; cancel
//! (after a confirmation step); download the calendar file again.

use leptos::prelude::*;
use parvis_core::api::{
    ApiError, ChoiceChange, FieldErrors, RegistrationStatus, RegistrationView, paths,
};
use parvis_core::dates;

use crate::api;
use crate::components::{ErrorNotice, Loading, StatusNotice, TextField};
use crate::pages::event::session_programme;
use crate::pages::register::{QuestionInput, day_fields, question_fields, workshop_fields};
use crate::route::{self, A, Page};
use parvis_core::registration::field;

/// The management page.
#[component]
pub fn ManageRegistration() -> impl IntoView {
    crate::set_title("Mon inscription");
    let token = route::param(Page::Manage);
    let loaded = api::loaded(Box::new(move || paths::registration(&token.get())));
    view! {
        <h1>"Mon inscription"</h1>
        <Transition fallback=|| view! { <Loading text="Chargement de votre inscription…"/> }>
            {move || loaded.get().map(|result| match result.and_then(|text| api::read::<RegistrationView>(&text)) {
                Err(error) => view! { <ErrorNotice message=error.message/> }.into_any(),
                Ok(view) => view! { <Registration initial=view token=token.get()/> }.into_any(),
            })}
        </Transition>
    }
}

fn status_text(view: &RegistrationView) -> String {
    match (view.status, view.rank) {
        (RegistrationStatus::Confirmed, _) => "Inscription confirmée.".to_owned(),
        (RegistrationStatus::Waitlisted, Some(rank)) => format!(
            "Sur liste d'attente, au rang {rank}. Vous serez prévenu·e par e-mail dès qu'une place se libère."
        ),
        (RegistrationStatus::Waitlisted, None) => "Sur liste d'attente.".to_owned(),
        (RegistrationStatus::Cancelled, _) => "Inscription annulée.".to_owned(),
        (RegistrationStatus::Pending, _) => format!(
            "Adresse à confirmer : votre place vous est réservée {} minutes après l'envoi de l'e-mail. Confirmez-la pour la garder.",
            parvis_core::api::ADDRESS_CONFIRMATION_MINUTES
        ),
    }
}

#[component]
fn Registration(initial: RegistrationView, token: String) -> impl IntoView {
    let current = RwSignal::new(initial.clone());
    let errors = RwSignal::new(FieldErrors::default());
    let notice = RwSignal::new(None::<String>);
    let confirming = RwSignal::new(false);
    let notice_ref = NodeRef::<leptos::html::Div>::new();
    let confirm_box = NodeRef::<leptos::html::Div>::new();
    let cancel_button = NodeRef::<leptos::html::Button>::new();
    let event = initial.event.clone();
    let blocks: Vec<RwSignal<Vec<String>>> = event
        .choice_blocks()
        .iter()
        .map(|block| {
            RwSignal::new(
                initial
                    .tracks
                    .iter()
                    .filter(|t| block.tracks.iter().any(|b| &b.id == *t))
                    .cloned()
                    .collect(),
            )
        })
        .collect();
    let days = RwSignal::new(
        initial
            .sessions
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
    );

    let submit_blocks = blocks.clone();
    let change_token = token.clone();
    let change = Action::new_local(move |change: &ChoiceChange| {
        let (token, change) = (change_token.clone(), change.clone());
        async move { api::change_registration(&token, &change).await }
    });
    let confirm_token = token.clone();
    let confirm = Action::new_local(move |_: &()| {
        let token = confirm_token.clone();
        async move { api::confirm_registration(&token).await }
    });
    let cancel_token = token.clone();
    let cancel = Action::new_local(move |_: &()| {
        let token = cancel_token.clone();
        async move { api::cancel_registration(&token).await }
    });
    let apply = move |result: Result<RegistrationView, ApiError>, done: &str| match result {
        Ok(view) => {
            current.set(view);
            errors.set(FieldErrors::default());
            notice.set(Some(done.to_owned()));
        }
        Err(error) => {
            errors.set(error.fields.clone());
            notice.set(Some(error.message));
        }
    };
    let change_done =
        RwSignal::new("Vos choix sont enregistrés. Un e-mail récapitulatif vous a été envoyé.");
    Effect::new(move |_| {
        if let Some(result) = change.value().get() {
            apply(result, change_done.get_untracked());
            crate::focus_when_shown(notice_ref);
        }
    });
    Effect::new(move |_| {
        if let Some(result) = confirm.value().get() {
            apply(
                result,
                "Votre adresse est confirmée : votre place est à vous. Un e-mail vous envoie le lien de connexion et le fichier calendrier.",
            );
            // The button is gone: focus moves to the message saying what
            // happened, once it is rendered.
            crate::focus_when_shown(notice_ref);
        }
    });
    Effect::new(move |_| {
        if let Some(result) = cancel.value().get() {
            confirming.set(false);
            apply(
                result,
                "Votre inscription est annulée. Un e-mail vous le confirme.",
            );
            crate::focus_when_shown(notice_ref);
        }
    });

    let on_change = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        change_done.set("Vos choix sont enregistrés. Un e-mail récapitulatif vous a été envoyé.");
        let request = ChoiceChange {
            tracks: submit_blocks
                .iter()
                .flat_map(|b| b.get_untracked())
                .collect(),
            sessions: days
                .get_untracked()
                .iter()
                .filter_map(|d| d.parse().ok())
                .collect(),
            ..ChoiceChange::default()
        };
        change.dispatch(request);
    };

    // Answers and needs: their own form, sent with the choices unchanged.
    let inputs = QuestionInput::for_event(&event, &initial.answers);
    let needs = RwSignal::new(initial.accessibility_needs.clone());
    let answer_inputs = inputs.clone();
    let on_answers = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        change_done.set("Vos réponses sont enregistrées.");
        let (tracks, sessions) = current.with_untracked(|v| (v.tracks.clone(), v.sessions.clone()));
        change.dispatch(ChoiceChange {
            tracks,
            sessions,
            answers: Some(QuestionInput::answers(&answer_inputs)),
            accessibility_needs: Some(needs.get_untracked()),
        });
    };
    let answers_form = question_fields(&event, &inputs, errors);
    let programme = event
        .sessions
        .iter()
        .any(|s| !s.programme.is_empty())
        .then(|| event.sessions.iter().map(session_programme).collect_view());
    let report = event.report.clone();
    let title = event.title.clone();
    let ended = crate::has_ended(&event);
    let slug = event.slug.clone();
    let calendar = paths::registration_calendar(&token);
    let form_event = event.clone();
    let form_blocks = blocks.clone();
    let sessions_event = event.clone();
    let tracks_event = event.clone();

    view! {
        <section aria-labelledby="recapitulatif">
            <h2 id="recapitulatif">{title}</h2>
            <p class="state" role="status">{move || current.with(status_text)}</p>
            <dl class="facts">
                <dt>"Inscrit·e"</dt>
                <dd>{move || current.with(|v| format!("{} {} ({})", v.first_name, v.last_name, v.email))}</dd>
                <dt>"Dates"</dt>
                <dd><ul>{move || current.with(|v| v.sessions.iter().filter_map(|&i| sessions_event.sessions.get(i)).map(|s| view! { <li>{dates::session(s)}</li> }).collect_view())}</ul></dd>
                {(!tracks_event.choice_blocks().is_empty()).then(|| view! {
                    <dt>"Atelier"</dt>
                    <dd>{move || current.with(|v| tracks_event.tracks().filter(|t| v.tracks.contains(&t.id)).map(|t| t.title.clone()).collect::<Vec<_>>().join(" ; "))}</dd>
                })}
            </dl>
            {move || current.with(|v| v.connection_url.clone()).map(|url| view! {
                <p class="join"><a class="button" href=url rel="noopener" target="_blank">
                    "Rejoindre l'événement en ligne"<span class="sr-only">" (nouvelle fenêtre)"</span>
                </a></p>
                <p class="hint">"Ce lien de connexion vous est personnel : ne le transférez pas."</p>
            })}
            {report.map(crate::pages::event::report_link)}
            <p><A href=format!("/evenements/{slug}")>"Page de l'événement"</A></p>
            <Show when=move || !ended && current.with(|v| v.status == RegistrationStatus::Confirmed)>
                <p><a href=calendar.clone() download="">"Télécharger le fichier calendrier (.ics)"</a></p>
            </Show>
        </section>
        <Show when=move || current.with(|v| v.status == RegistrationStatus::Pending)>
            <section aria-labelledby="confirmer">
                <h2 id="confirmer">"Confirmer mon adresse"</h2>
                <p>"Votre place est réservée tant que vous n'avez pas confirmé votre adresse, pour un temps limité."</p>
                <button type="button" disabled=move || confirm.pending().get()
                    on:click=move |_| { confirm.dispatch(()); }>"Confirmer mon adresse"</button>
            </section>
        </Show>
        <StatusNotice text=notice node=notice_ref/>
        <Show when=move || current.with(|v| v.can_change)>
            <section aria-labelledby="modifier">
                <h2 id="modifier">"Modifier mes choix"</h2>
                <form on:submit=on_change.clone() novalidate>
                    {choice_fields(&form_event, &form_blocks, days, errors)}
                    <button type="submit" disabled=move || change.pending().get()>"Enregistrer mes choix"</button>
                </form>
            </section>
        </Show>
        {initial.can_edit_answers.then(|| view! {
            <section aria-labelledby="reponses" hidden=move || !current.with(|v| v.can_edit_answers)>
                <h2 id="reponses">"Mes réponses"</h2>
                <form on:submit=on_answers novalidate>
                    <TextField name=field::ACCESSIBILITY label="Besoins d'accessibilité" value=needs errors required=false
                        hint="Aménagement, interprétation LSF, sous-titrage… L'organisateur vous contactera."/>
                    {answers_form}
                    <button type="submit" disabled=move || change.pending().get()>"Enregistrer mes réponses"</button>
                </form>
            </section>
        })}
        {programme.map(|programme| view! {
            <section aria-labelledby="programme">
                <h2 id="programme">"Programme"</h2>
                {programme}
            </section>
        })}
        <Show when=move || current.with(|v| v.can_cancel)>
            <section aria-labelledby="annuler">
                <h2 id="annuler">"Annuler mon inscription"</h2>
                <Show
                    when=move || confirming.get()
                    fallback=move || view! {
                        <button type="button" class="secondary" node_ref=cancel_button on:click=move |_| {
                            confirming.set(true);
                            crate::focus_when_shown(confirm_box);
                        }>"Annuler mon inscription…"</button>
                    }
                >
                    <div class="notice" role="group" aria-labelledby="question-annulation" tabindex="-1" node_ref=confirm_box>
                        <p id="question-annulation">"Confirmez-vous l'annulation ? Votre place sera proposée à la première personne en liste d'attente."</p>
                        <div class="actions">
                            <button type="button" class="danger" disabled=move || cancel.pending().get()
                                on:click=move |_| { cancel.dispatch(()); }>"Oui, annuler mon inscription"</button>
                            <button type="button" class="secondary" on:click=move |_| {
                                confirming.set(false);
                                crate::focus_when_shown(cancel_button);
                            }>"Non, garder mon inscription"</button>
                        </div>
                    </div>
                </Show>
            </section>
        </Show>
    }
}

/// The workshop and day choices of an event, bound to `blocks` and `days`.
fn choice_fields(
    event: &parvis_core::api::EventPublic,
    blocks: &[RwSignal<Vec<String>>],
    days: RwSignal<Vec<String>>,
    errors: RwSignal<FieldErrors>,
) -> impl IntoView + use<> {
    view! {
        {workshop_fields(event, blocks, errors)}
        {day_fields(event, days, errors, "Journées", None)}
    }
}
