//! The agenda: upcoming events first, past events in their own section,
//! with a search field and filters by kind and by organisation.

use leptos::prelude::*;
use parvis_core::api::{
    EventKind, EventQuery, EventSummary, OrganisationSummary, RegistrationState, paths,
};
use parvis_core::{dates, search};

use crate::api;
use crate::components::{ErrorNotice, Loading};
use crate::route::{self, A};

/// The agenda's query as the page's own address holds it
/// (`/?q=…&kind=…&organisation=…`), so a search can be shared and survives a
/// reload or a step back.
pub fn agenda_url(q: &str, kind: &str, organisation: &str) -> String {
    let mut params = Vec::new();
    if !q.trim().is_empty() {
        params.push(format!("q={}", api::encode(q.trim())));
    }
    if !kind.is_empty() {
        params.push(format!("kind={}", api::encode(kind)));
    }
    if !organisation.is_empty() {
        params.push(format!("organisation={}", api::encode(organisation)));
    }
    if params.is_empty() {
        "/".to_owned()
    } else {
        format!("/?{}", params.join("&"))
    }
}

/// « 0 événement », « 1 événement », « 3 événements »: French puts 0 and
/// 1 in the singular.
pub fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n <= 1 { singular } else { plural })
}

/// The agenda page.
#[component]
pub fn Agenda() -> impl IntoView {
    crate::set_title("Agenda");
    let param = move |name: &str| route::query(name).unwrap_or_default();
    let search = RwSignal::new(untrack(|| param("q")));
    let kind = RwSignal::new(untrack(|| param("kind")));
    let organisation = RwSignal::new(untrack(|| param("organisation")));
    let organisations = api::loaded(Box::new(|| paths::ORGANISATIONS.to_owned()));
    // Back and forward steps change the address: the fields follow it.
    Effect::new(move |_| {
        search.set(param("q"));
        kind.set(param("kind"));
        organisation.set(param("organisation"));
    });
    let applied = Memo::new(move |_| EventQuery {
        when: None,
        kind: Some(param("kind")).filter(|k| !k.is_empty()),
        organisation: Some(param("organisation")).filter(|o| !o.is_empty()),
        q: Some(param("q")).filter(|q| !q.trim().is_empty()),
    });
    let events = api::loaded(Box::new(move || api::events_url(&applied.get())));
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        route::navigate(&agenda_url(
            &search.get_untracked(),
            &kind.get_untracked(),
            &organisation.get_untracked(),
        ));
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
                    <option value="" selected=move || kind.get().is_empty()>"Tous les types"</option>
                    {EventKind::ALL.into_iter().map(|k| view! {
                        <option value=k.as_str() selected=move || kind.get() == k.as_str()>{k.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            {move || organisations.get().and_then(|r| r.and_then(|text| api::read::<Vec<OrganisationSummary>>(&text)).ok()).filter(|list| !list.is_empty()).map(|list| view! {
                <div class="field">
                    <label for="organisation">"Organisation"</label>
                    <select id="organisation" name="organisation" on:change=move |ev| organisation.set(event_target_value(&ev))>
                        <option value="" selected=move || organisation.get().is_empty()>"Toutes les organisations"</option>
                        {list.into_iter().map(|o| {
                            let slug = o.slug.clone();
                            view! { <option value=o.slug selected=move || organisation.get() == slug>{o.name}</option> }
                        }).collect_view()}
                    </select>
                </div>
            })}
            <button type="submit">"Rechercher"</button>
        </form>
        <Transition fallback=|| view! { <Loading text="Chargement de l'agenda…"/> }>
            {move || events.get().map(|result| match result.and_then(|text| api::read::<Vec<EventSummary>>(&text)) {
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
        <p>"S'abonner : "<a href="/api/flux/evenements.xml" rel="external">"flux RSS de l'agenda"</a>" · "<a href="/api/agenda.ics" rel="external">"calendrier (iCal)"</a></p>
    }
}

fn agenda_sections(list: Vec<EventSummary>) -> impl IntoView {
    let (past, upcoming): (Vec<_>, Vec<_>) = list.into_iter().partition(|e| e.is_past);
    view! {
        <p class="result-count" role="status">
            {format!(
                "{} à venir, {}.",
                count(upcoming.len(), "événement", "événements"),
                count(past.len(), "passé", "passés")
            )}
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
        _ if event.cancelled => Some("Annulé"),
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
            {event.report.clone().map(|report| view! {
                <p class="report"><a href=report.url>"Rapport disponible"<span class="sr-only">" : "{report.title}</span></a></p>
            })}
        </article>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_french_plurals() {
        assert_eq!(count(0, "événement", "événements"), "0 événement");
        assert_eq!(count(1, "événement", "événements"), "1 événement");
        assert_eq!(count(3, "passé", "passés"), "3 passés");
    }

    #[test]
    fn the_agenda_address_carries_its_search() {
        assert_eq!(agenda_url("", "", ""), "/");
        assert_eq!(agenda_url("  Évry ", "", ""), "/?q=%C3%89vry");
        assert_eq!(agenda_url("", "cycle", ""), "/?kind=cycle");
        assert_eq!(agenda_url("a&b", "comite", ""), "/?q=a%26b&kind=comite");
        assert_eq!(agenda_url("", "", "demo"), "/?organisation=demo");
    }
}
