//! The agenda: upcoming events first, past events in their own section,
//! with a search field and a filter by kind.

use leptos::prelude::*;
use leptos_router::components::A;
use parvis_core::api::{EventKind, EventQuery, EventSummary, RegistrationState};
use parvis_core::{dates, search};

use crate::api;
use crate::components::{ErrorNotice, Loading};

/// The agenda page.
#[component]
pub fn Agenda() -> impl IntoView {
    crate::set_title("Agenda");
    let search = RwSignal::new(String::new());
    let kind = RwSignal::new(String::new());
    let applied = RwSignal::new(EventQuery::default());
    let events = LocalResource::new(move || {
        let query = applied.get();
        async move { api::list_events(&query).await }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        applied.set(EventQuery {
            when: None,
            kind: Some(kind.get_untracked()).filter(|k| !k.is_empty()),
            q: Some(search.get_untracked()).filter(|q| !q.trim().is_empty()),
        });
    };
    view! {
        <h1>"Agenda"</h1>
        <form class="search" role="search" on:submit=on_submit>
            <div class="field">
                <label for="recherche">"Rechercher un événement"</label>
                <input id="recherche" type="search" name="q"
                    prop:value=move || search.get()
                    on:input=move |ev| search.set(event_target_value(&ev))/>
            </div>
            <div class="field">
                <label for="type">"Type d'événement"</label>
                <select id="type" name="kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                    <option value="">"Tous les types"</option>
                    {EventKind::ALL.into_iter().map(|k| view! {
                        <option value=k.as_str()>{k.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <button type="submit">"Rechercher"</button>
        </form>
        <Transition fallback=|| view! { <Loading text="Chargement de l'agenda…"/> }>
            {move || events.get().map(|result| match result {
                Err(error) => {
                    // An oversized search names its problem under `q`.
                    let message = error
                        .fields
                        .get(search::QUERY_FIELD)
                        .first()
                        .cloned()
                        .unwrap_or(error.message);
                    view! { <ErrorNotice message/> }.into_any()
                }
                Ok(list) => agenda_sections(list).into_any(),
            })}
        </Transition>
    }
}

fn agenda_sections(list: Vec<EventSummary>) -> impl IntoView {
    let (past, upcoming): (Vec<_>, Vec<_>) = list.into_iter().partition(|e| e.is_past);
    view! {
        <p class="result-count" role="status">
            {format!("{} événement(s) à venir, {} passé(s).", upcoming.len(), past.len())}
        </p>
        <section aria-labelledby="a-venir">
            <h2 id="a-venir">"À venir"</h2>
            {event_list(upcoming, "Aucun événement à venir pour cette recherche.")}
        </section>
        <section aria-labelledby="passes">
            <h2 id="passes">"Événements passés"</h2>
            {event_list(past, "Aucun événement passé pour cette recherche.")}
        </section>
    }
}

fn event_list(events: Vec<EventSummary>, empty: &'static str) -> AnyView {
    if events.is_empty() {
        return view! { <p>{empty}</p> }.into_any();
    }
    view! {
        <ul class="event-list">
            {events.into_iter().map(|event| view! { <li><EventCard event/></li> }).collect_view()}
        </ul>
    }
    .into_any()
}

/// One event in the agenda.
#[component]
fn EventCard(event: EventSummary) -> impl IntoView {
    let href = format!("/evenements/{}", event.slug);
    let when = if event.session_count > 1 {
        dates::agenda_label(&event.starts_at, &event.ends_at, event.session_count)
    } else {
        dates::span(&event.starts_at, &event.ends_at, event.all_day)
    };
    let place = match &event.city {
        Some(city) => format!("{} – {city}", event.format.label()),
        None => event.format.label().to_owned(),
    };
    let state = match event.registration_state {
        RegistrationState::Open => Some("Inscriptions ouvertes"),
        RegistrationState::NotYetOpen => Some("Inscriptions bientôt ouvertes"),
        RegistrationState::Closed => None,
    };
    view! {
        <article class="event-card">
            <p class="kind">{event.kind.label()}{event.members_only.then_some(" · réservé aux membres")}</p>
            <h3><A href=href>{event.title.clone()}</A></h3>
            <p class="when">{when}</p>
            <p class="where">{place}</p>
            <p>{event.summary.clone()}</p>
            <p class="organiser">{event.organiser.clone()}</p>
            {state.map(|s| view! { <p class="badge">{s}</p> })}
        </article>
    }
}
