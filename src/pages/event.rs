//! The page of one event: what, when, where, for whom, the programme, the
//! contact, and the registration form while registration is open.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use parvis_core::api::{
    ApiError, EventFormat, EventPublic, FieldErrors, ProgrammeItem, RegistrationState, Session,
};
use parvis_core::dates;
use parvis_core::registration::{RegistrationRequest, field};

use crate::components::{ErrorNotice, Loading, TextField};
use crate::form::{check, from_api_error, input_id, summary_lines};
use crate::{LastConfirmation, api};

/// The event page, at `/evenements/{slug}`.
#[component]
pub fn EventPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.with(|p| p.get("slug").unwrap_or_default());
    let event = LocalResource::new(move || {
        let slug = slug();
        async move { api::event(&slug).await }
    });
    view! {
        <Transition fallback=|| view! { <Loading text="Chargement de l'événement…"/> }>
            {move || event.get().map(|result| match result {
                Err(error) => {
                    crate::set_title("Événement introuvable");
                    view! {
                        <h1>"Événement introuvable"</h1>
                        <ErrorNotice message=error.message/>
                    }.into_any()
                }
                Ok(event) => {
                    crate::set_title(&event.title);
                    view! { <EventDetails event/> }.into_any()
                }
            })}
        </Transition>
    }
}

#[component]
fn EventDetails(event: EventPublic) -> impl IntoView {
    let sessions = dates::sessions(&event.sessions);
    let calendar = parvis_core::api::paths::event_calendar(&event.slug);
    let multi = event.sessions.len() > 1;
    let open = event.registration_state == RegistrationState::Open;
    let format_note = match event.format {
        EventFormat::EnLigne => {
            "En ligne : le lien de connexion est envoyé par e-mail après l'inscription."
        }
        EventFormat::Presentiel => "En présentiel.",
        EventFormat::Hybride => {
            "Sur place ou en ligne : le lien de connexion est envoyé par e-mail après l'inscription."
        }
    };
    let state_text = match event.registration_state {
        RegistrationState::Open => {
            let closes = event.registration.closes_at.naive_local();
            format!(
                "Inscriptions ouvertes jusqu'au {} à {}.",
                dates::long_date(closes.date()),
                dates::time(closes.time())
            )
        }
        RegistrationState::NotYetOpen => "Les inscriptions ne sont pas encore ouvertes.".to_owned(),
        RegistrationState::Closed => "Les inscriptions sont closes.".to_owned(),
    };
    let slug = event.slug.clone();
    let has_programme = event
        .sessions
        .iter()
        .any(|s| !s.programme.is_empty() || s.title.is_some());
    let programme = event.sessions.iter().map(session_programme).collect_view();
    view! {
        <article class="event">
            <p class="kind">{event.kind.label()}</p>
            <h1>{event.title.clone()}</h1>
            <p class="lead">{event.summary.clone()}</p>
            <dl class="facts">
                <dt>{if multi { "Dates" } else { "Date" }}</dt>
                <dd>
                    {if multi {
                        view! { <ul>{sessions.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}</ul> }.into_any()
                    } else {
                        view! { <span>{sessions.join("")}</span> }.into_any()
                    }}
                </dd>
                <dt>"Format"</dt>
                <dd>{format_note}</dd>
                {event.venue.clone().map(|venue| view! {
                    <dt>"Lieu"</dt>
                    <dd><address>{venue.name}{venue.address.into_iter().map(|l| view! { <br/>{l} }).collect_view()}</address></dd>
                })}
                {event.audience.clone().map(|audience| view! { <dt>"Public"</dt><dd>{audience}</dd> })}
                <dt>"Organisation"</dt>
                <dd>{event.organiser.clone()}</dd>
                <dt>"Contact"</dt>
                <dd>
                    {event.contact.name.clone()}
                    {event.contact.email.clone().map(|email| view! { ", " <a href=format!("mailto:{email}")>{email.clone()}</a> })}
                    {event.contact.phone.clone().map(|phone| view! { ", " <a href=format!("tel:{}", phone.replace(' ', ""))>{phone.clone()}</a> })}
                </dd>
            </dl>
            {event.access_note.clone().map(|note| view! { <p class="notice">{note}</p> })}
            <p><a href=calendar download="">"Ajouter à mon agenda (fichier .ics)"</a></p>
            {event.report.clone().map(|report| view! {
                <p><a href=report.url download="">{format!("Télécharger le rapport d'étude « {} » (PDF)", report.title)}</a></p>
            })}

            <section aria-labelledby="presentation">
                <h2 id="presentation">"Présentation"</h2>
                {event.description.iter().map(|p| view! { <p>{p.clone()}</p> }).collect_view()}
            </section>
            {(!event.objectives.is_empty()).then(|| view! {
                <section aria-labelledby="objectifs">
                    <h2 id="objectifs">"Objectifs"</h2>
                    <ul>{event.objectives.iter().map(|o| view! { <li>{o.clone()}</li> }).collect_view()}</ul>
                </section>
            })}
            {has_programme.then(|| view! {
                <section aria-labelledby="programme">
                    <h2 id="programme">"Programme"</h2>
                    {programme}
                </section>
            })}
            {(!event.speakers.is_empty()).then(|| view! {
                <section aria-labelledby="intervenants">
                    <h2 id="intervenants">"Intervenant·es"</h2>
                    <ul>{event.speakers.iter().map(|s| view! {
                        <li>{s.name.clone()}{s.role.clone().map(|r| format!(", {r}"))}</li>
                    }).collect_view()}</ul>
                </section>
            })}
            <section aria-labelledby="inscription" class="registration">
                <h2 id="inscription">"Inscription"</h2>
                <p class="state">{state_text}</p>
                {open.then(|| view! { <RegistrationForm slug=slug.clone()/> })}
            </section>
        </article>
    }
}

fn session_programme(session: &Session) -> impl IntoView + use<> {
    let heading = match &session.title {
        Some(title) => format!("{} – {title}", dates::session(session)),
        None => dates::session(session),
    };
    view! {
        <h3>{heading}</h3>
        <ul class="programme">{session.programme.iter().map(programme_item).collect_view()}</ul>
    }
}

fn programme_item(item: &ProgrammeItem) -> impl IntoView + use<> {
    let hours = match (&item.start, &item.end) {
        (Some(start), Some(end)) => format!(
            "{} – {}",
            start.replace(':', " h "),
            end.replace(':', " h ")
        ),
        (Some(start), None) => start.replace(':', " h "),
        _ => String::new(),
    };
    view! {
        <li>
            <p><strong>{hours}</strong>" "{item.title.clone()}</p>
            {(!item.details.is_empty()).then(|| view! {
                <ul>{item.details.iter().map(|d| view! { <li>{d.clone()}</li> }).collect_view()}</ul>
            })}
            {(!item.tracks.is_empty()).then(|| view! {
                <p>"Ateliers en parallèle, au choix :"</p>
                <ul class="tracks">{item.tracks.iter().map(|t| view! {
                    <li>
                        <p><strong>{t.title.clone()}</strong></p>
                        <ul>{t.details.iter().map(|d| view! { <li>{d.clone()}</li> }).collect_view()}</ul>
                    </li>
                }).collect_view()}</ul>
            })}
        </li>
    }
}

/// The registration form of an open event.
#[component]
pub fn RegistrationForm(
    /// The event's slug.
    slug: String,
) -> impl IntoView {
    let first_name = RwSignal::new(String::new());
    let last_name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let organisation = RwSignal::new(String::new());
    let role = RwSignal::new(String::new());
    let territory = RwSignal::new(String::new());
    let consent = RwSignal::new(false);
    let errors = RwSignal::new(FieldErrors::default());
    let general = RwSignal::new(None::<String>);
    let summary_ref = NodeRef::<leptos::html::Div>::new();
    let navigate = use_navigate();
    let confirmation = expect_context::<LastConfirmation>();

    let submit_slug = slug.clone();
    let action = Action::new_local(move |request: &RegistrationRequest| {
        let request = request.clone();
        let slug = submit_slug.clone();
        async move { api::register(&slug, &request).await }
    });
    let pending = action.pending();

    let focus_summary = move || {
        if let Some(element) = summary_ref.get_untracked() {
            let _ = element.focus();
        }
    };

    let show_errors = move |fields: FieldErrors, message: Option<String>| {
        errors.set(fields);
        general.set(message);
        // Wait for the summary to render before moving focus to it.
        request_animation_frame(focus_summary);
    };

    let done_slug = slug.clone();
    Effect::new(move |_| {
        if let Some(result) = action.value().get() {
            match result {
                Ok(accepted) => {
                    confirmation.0.set(Some(accepted.message));
                    navigate(
                        &format!("/evenements/{done_slug}/confirmation"),
                        Default::default(),
                    );
                }
                Err(error) => {
                    let error: ApiError = error;
                    let (fields, message) = from_api_error(&error);
                    show_errors(fields, message);
                }
            }
        }
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let request = RegistrationRequest {
            first_name: first_name.get_untracked(),
            last_name: last_name.get_untracked(),
            email: email.get_untracked(),
            organisation: organisation.get_untracked(),
            role: role.get_untracked(),
            territory: territory.get_untracked(),
            consent: consent.get_untracked(),
        };
        match check(&request) {
            Err(fields) => show_errors(fields, None),
            Ok(()) => {
                errors.set(FieldErrors::default());
                general.set(None);
                action.dispatch(request);
            }
        }
    };

    let has_problems = move || !errors.with(FieldErrors::is_empty) || general.with(Option::is_some);
    let consent_id = input_id(field::CONSENT);
    let consent_error_id = format!("{consent_id}-erreur");
    let consent_error_id_for_text = consent_error_id.clone();
    let consent_invalid = move || !errors.with(|e| e.get(field::CONSENT).is_empty());

    view! {
        <form class="registration-form" novalidate on:submit=on_submit>
            <div class="error-summary" tabindex="-1" node_ref=summary_ref
                role="alert" hidden=move || !has_problems()>
                <Show when=has_problems>
                    <h3>"Votre inscription n'a pas pu être enregistrée"</h3>
                    {move || general.get().map(|m| view! { <p>{m}</p> })}
                    <ul>
                        {move || summary_lines(&errors.get()).into_iter().map(|(name, line)| view! {
                            <li><a href=format!("#{}", input_id(&name))>{line}</a></li>
                        }).collect_view()}
                    </ul>
                </Show>
            </div>
            <p class="hint">"Les champs marqués « (obligatoire) » doivent être remplis."</p>
            <fieldset>
                <legend>"Vos coordonnées"</legend>
                <TextField name=field::FIRST_NAME label="Prénom" value=first_name errors autocomplete="given-name"/>
                <TextField name=field::LAST_NAME label="Nom" value=last_name errors autocomplete="family-name"/>
                <TextField name=field::EMAIL label="Adresse e-mail" value=email errors kind="email" autocomplete="email"
                    hint="La confirmation, le lien de connexion et votre lien personnel y seront envoyés. Format attendu : prenom.nom@exemple.fr"/>
                <TextField name=field::ORGANISATION label="Organisation / structure" value=organisation errors autocomplete="organization"
                    hint="Commune, intercommunalité, association, service de l'État, CAF…"/>
                <TextField name=field::ROLE label="Fonction" value=role errors autocomplete="organization-title"/>
                <TextField name=field::TERRITORY label="Territoire" value=territory errors required=false
                    hint="Commune, EPCI ou quartier prioritaire concerné."/>
            </fieldset>
            <div class="field field-checkbox" class:field-invalid=consent_invalid>
                <Show when=consent_invalid>
                    <p class="field-error" id=consent_error_id_for_text.clone()>
                        {move || errors.with(|e| e.get(field::CONSENT).join(" "))}
                    </p>
                </Show>
                <input type="checkbox" id=consent_id.clone() name=field::CONSENT
                    aria-invalid=move || if consent_invalid() { "true" } else { "false" }
                    aria-describedby=move || consent_invalid().then(|| consent_error_id.clone())
                    prop:checked=move || consent.get()
                    on:change=move |ev| consent.set(event_target_checked(&ev))/>
                <label for=consent_id.clone()>
                    "J'accepte que mes données (nom, coordonnées, structure) soient traitées par l'organisateur pour gérer mon inscription à cet événement et m'adresser les informations utiles. (obligatoire)"
                </label>
            </div>
            <button type="submit" disabled=move || pending.get() aria-disabled=move || if pending.get() { "true" } else { "false" }>
                {move || if pending.get() { "Envoi en cours…" } else { "Je m'inscris" }}
            </button>
            <p class="sr-status" role="status">{move || if pending.get() { "Envoi de votre inscription en cours." } else { "" }}</p>
        </form>
    }
}
