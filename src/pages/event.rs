//! The page of one event: what, when, where, for whom, the programme, the
//! contact, and the registration form while registration is open.

use leptos::prelude::*;
use parvis_core::api::{
    EventFormat, EventPublic, ProgrammeItem, RegistrationState, ReportLink, Session, quota,
};
use parvis_core::dates;

use crate::api;
use crate::components::{ErrorNotice, Loading};
use crate::pages::register::RegistrationForm;
use crate::route::{self, Page};

/// The event page, at `/evenements/{slug}`.
#[component]
pub fn EventPage() -> impl IntoView {
    let slug = route::param(Page::Event);
    let event = api::loaded(Box::new(move || {
        parvis_core::api::paths::event(&slug.get())
    }));
    view! {
        <Transition fallback=|| view! { <Loading text="Chargement de l'événement…"/> }>
            {move || event.get().map(|result| match result.and_then(|text| api::read::<EventPublic>(&text)) {
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
    let open = event.registration_state == RegistrationState::Open
        && (event.waitlist || !event.availability.is_full(quota::EVENT));
    let format_note = match event.format {
        EventFormat::EnLigne => {
            "En ligne : le lien de connexion est envoyé par e-mail après l'inscription."
        }
        EventFormat::Presentiel => "En présentiel.",
        EventFormat::Hybride => {
            "Sur place ou en ligne : le lien de connexion est envoyé par e-mail après l'inscription."
        }
    };
    let full = event.availability.is_full(quota::EVENT);
    let state_text = match event.registration_state {
        RegistrationState::Open if full && event.waitlist => {
            "Complet — liste d'attente : vous pouvez vous inscrire, vous serez prévenu·e dès qu'une place se libère.".to_owned()
        }
        RegistrationState::Open if full => "Complet : les inscriptions sont fermées faute de place.".to_owned(),
        RegistrationState::Open => {
            let closes = event.registration.closes_at.naive_local();
            format!(
                "Inscriptions ouvertes jusqu'au {} à {}.",
                dates::long_date(closes.date()),
                dates::time(closes.time())
            )
        }
        RegistrationState::NotYetOpen => "Les inscriptions ne sont pas encore ouvertes.".to_owned(),
        RegistrationState::Closed if event.cancelled => "Événement annulé : les inscriptions sont fermées.".to_owned(),
        RegistrationState::Closed => "Les inscriptions sont closes.".to_owned(),
    };
    let form_event = event.clone();
    let has_programme = event
        .sessions
        .iter()
        .any(|s| !s.programme.is_empty() || s.title.is_some());
    let programme = event.sessions.iter().map(session_programme).collect_view();
    view! {
        <article class="event">
            <p class="kind">{event.kind.label()}</p>
            <h1>{event.title.clone()}</h1>
            {event.cancelled.then(|| view! {
                <p class="notice notice-error"><strong>"Événement annulé."</strong>" L'organisation a annulé cet événement ; les personnes inscrites en ont été prévenues par e-mail."</p>
            })}
            <p class="lead">{event.summary.clone()}</p>
            {open.then(|| view! {
                <p class="jump"><a href="#inscription" on:click=|ev| crate::follow_in_page_link(ev, "inscription")>"S'inscrire"</a></p>
            })}
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
                {match (event.venue.clone(), event.format) {
                    (Some(venue), _) => Some(view! {
                        <dt>"Lieu"</dt>
                        <dd><address>{venue.name}{venue.address.into_iter().map(|l| view! { <br/>{l} }).collect_view()}</address></dd>
                    }.into_any()),
                    (None, EventFormat::EnLigne) => None,
                    (None, _) => Some(view! { <dt>"Lieu"</dt><dd>"Lieu communiqué ultérieurement"</dd> }.into_any()),
                }}
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
            {event.members_only.then(|| view! {
                <p class="notice">"Inscription réservée aux membres : ouvrez le lien personnel de votre e-mail d'invitation, ou munissez-vous du code d'invitation reçu."</p>
            })}
            {(!crate::has_ended(&event)).then(|| view! {
                <p><a href=calendar download="">"Ajouter à mon agenda (fichier .ics)"</a></p>
            })}
            {event.report.clone().map(report_link)}

            <section aria-labelledby="presentation">
                <h2 id="presentation">"Présentation"</h2>
                // Rendered from the organiser's Markdown and sanitised by the
                // endpoint when the event was saved.
                <div class="description" inner_html=event.description_html.clone()></div>
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
                <h2 id="inscription" tabindex="-1">"Inscription"</h2>
                <p class="state">{state_text}</p>
                {open.then(|| view! { <RegistrationForm event=form_event.clone()/> })}
            </section>
        </article>
    }
}

/// The study report of an event: its publication's page (`/publications/…`,
/// another bundle: a full page load), or the file itself.
pub fn report_link(report: ReportLink) -> impl IntoView {
    let page = report.url.starts_with("/publications/");
    let text = format!(
        "{}« {} »{}",
        if page {
            "Rapport disponible : "
        } else {
            "Télécharger le rapport d'étude "
        },
        report.title,
        if page { "" } else { " (PDF)" }
    );
    view! { <p><a href=report.url rel="external" download=(!page).then_some("")>{text}</a></p> }
}

/// One session's heading and programme.
pub fn session_programme(session: &Session) -> impl IntoView + use<> {
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
        (Some(start), Some(end)) => format!("{} – {}", dates::clock(start), dates::clock(end)),
        (Some(start), None) => dates::clock(start),
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
