//! The public feeds: RSS 2.0 of upcoming events
//! (`GET /api/flux/evenements.xml`) and of new publications
//! (`GET /api/flux/publications.xml`), each for one organisation with
//! `?organisation={slug}`, and the agenda as an iCalendar subscription
//! (`GET /api/agenda.ics`, `GET /api/organisations/{org}/agenda.ics`).
//!
//! They show what the public agenda shows to anyone, minus the events
//! reserved to members (nobody reading a feed can register to them): never
//! a draft, never a connection link (the entries are the public calendar
//! file's, written without one), no registrant. Each reads a bounded
//! number of rows, a keyset page at a time. Answers are cached five
//! minutes by anyone (`Cache-Control: public, max-age=300`) and carry a
//! weak ETag, so a reader that polls gets a 304 while nothing changed.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Europe::Paris;
use parvis_core::api::{EventFormat, EventPublic};
use parvis_core::ics::{self, CalendarEntry, EntryStatus};
use parvis_core::publications::{Access, PublicationCard, paths};
use rss::extension::atom::{AtomExtension, Link};
use rss::{Category, Channel, Guid, Item};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::AppError;
use crate::mail::compose::{event_calendar_entries, versioned};
use crate::store::accounts::Organisation;
use crate::store::feeds::FeedCursor;
use crate::store::publications::CatalogueFilter;

/// Events in the RSS feed, soonest first.
pub const FEED_EVENTS: usize = 50;

/// Publications in the RSS feed, newest first.
pub const FEED_PUBLICATIONS: usize = 50;

/// Events in a calendar subscription (each with all its sessions).
pub const CALENDAR_EVENTS: usize = 300;

/// How long after its end an event stays in a calendar subscription, so
/// subscribed calendars keep what happened lately.
pub const CALENDAR_PAST_DAYS: i64 = 90;

/// Rows read per page, and at most in all, by one feed: members-only
/// events are left out after reading, so a feed may read more rows than
/// it shows, never more than this.
const PAGE_ROWS: u32 = 100;
const MAX_ROWS: usize = 1_000;

/// Name of the whole site's feeds and calendar.
const SITE_NAME: &str = "Parvis";

/// The feed routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/flux/evenements.xml", get(events_feed))
        .route("/flux/publications.xml", get(publications_feed))
        .route("/agenda.ics", get(agenda))
        .route("/organisations/{org}/agenda.ics", get(organisation_agenda))
}

/// `?organisation={slug}` of the RSS feeds.
#[derive(Debug, Default, Deserialize)]
pub struct FeedQuery {
    #[serde(default)]
    pub organisation: Option<String>,
}

/// The organisation a feed is about (`None`: every organisation), or a 404
/// in French for a slug that names none.
async fn organisation_of(
    state: &AppState,
    slug: Option<&str>,
) -> Result<Option<Organisation>, AppError> {
    let Some(slug) = slug.filter(|slug| !slug.is_empty()) else {
        return Ok(None);
    };
    let unknown = || AppError::NotFound("Cette organisation n'existe pas.".to_owned());
    if slug.len() > 100
        || !slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(unknown());
    }
    state
        .store
        .organisation(slug)
        .await?
        .map(Some)
        .ok_or_else(unknown)
}

/// The events a feed shows: published or cancelled, not reserved to
/// members, ending after `ends_after`, soonest first, at most `max`,
/// read `PAGE_ROWS` at a time and `MAX_ROWS` at most.
async fn public_events(
    state: &AppState,
    organisation: Option<&Organisation>,
    ends_after: DateTime<Utc>,
    max: usize,
    now: DateTime<Utc>,
) -> Result<Vec<EventPublic>, AppError> {
    let mut events = Vec::new();
    let mut after: Option<FeedCursor> = None;
    let mut read = 0;
    while events.len() < max && read < MAX_ROWS {
        let page = state
            .store
            .feed_events(
                organisation.map(|o| o.id),
                ends_after,
                after.as_ref(),
                PAGE_ROWS,
                now,
            )
            .await?;
        read += page.len();
        let last_page = page.len() < PAGE_ROWS as usize;
        for row in page {
            after = Some(row.cursor);
            if !row.public.members_only && events.len() < max {
                events.push(row.public);
            }
        }
        if last_page {
            break;
        }
    }
    Ok(events)
}

/// The weak ETag of a body, and whether the request already holds it.
fn etag_of(headers: &HeaderMap, body: &str) -> (String, bool) {
    let digest = Sha256::digest(body.as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    let etag = format!("W/\"{hex}\"");
    let held = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag == &etag[2..]);
    (etag, held)
}

/// A feed's answer: `body` with its type, cached five minutes, or a 304
/// when the reader holds it already. `identity` is what the ETag is
/// computed from (the body, without what changes at each request).
fn answer(
    headers: &HeaderMap,
    content_type: &'static str,
    identity: &str,
    body: String,
) -> Response {
    let (etag, held) = etag_of(headers, identity);
    let mut response = if held {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
            body,
        )
            .into_response()
    };
    let map = response.headers_mut();
    map.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    if let Ok(value) = HeaderValue::from_str(&etag) {
        map.insert(header::ETAG, value);
    }
    response
}

const RSS: &str = "application/rss+xml; charset=utf-8";
const CALENDAR: &str = "text/calendar; charset=utf-8";

/// Escapes text for HTML element content (an RSS description is HTML,
/// then escaped again as XML by the writer).
fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Where an event takes place, in words: the venue, « En ligne », or both.
fn place(event: &EventPublic) -> String {
    let venue = event.venue.as_ref().map(|venue| {
        std::iter::once(venue.name.as_str())
            .chain(venue.address.iter().map(String::as_str))
            .filter(|part| !part.trim().is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    });
    match (event.format, venue) {
        (EventFormat::EnLigne, _) => "En ligne".to_owned(),
        (EventFormat::Hybride, Some(venue)) => format!("{venue}, et en ligne"),
        (_, Some(venue)) => venue,
        (_, None) => event.format.label().to_owned(),
    }
}

/// The channel of a feed, with its `atom:link rel="self"`.
fn channel(title: String, link: String, description: String, own_url: String) -> Channel {
    let mut channel = Channel::default();
    channel.set_title(title);
    channel.set_link(link);
    channel.set_description(description);
    channel.set_language("fr".to_owned());
    channel.set_ttl("60".to_owned());
    channel.set_generator("Parvis".to_owned());
    channel.set_atom_ext(AtomExtension {
        links: vec![Link {
            href: own_url,
            rel: "self".to_owned(),
            mime_type: Some("application/rss+xml".to_owned()),
            ..Link::default()
        }],
    });
    channel
}

/// The `?organisation=` suffix of a feed's own address.
fn organisation_suffix(organisation: Option<&Organisation>) -> String {
    organisation.map_or_else(String::new, |o| {
        format!(
            "?organisation={}",
            parvis_core::publications::encode_query_value(&o.slug)
        )
    })
}

/// One event as an RSS item.
fn event_item(event: &EventPublic, public_url: &str) -> Item {
    let page = format!("{public_url}/evenements/{}", event.slug);
    let mut description = String::new();
    if event.cancelled {
        description.push_str("<p><strong>Événement annulé.</strong></p>");
    }
    if !event.summary.trim().is_empty() {
        description.push_str(&format!("<p>{}</p>", html(&event.summary)));
    }
    let dates = parvis_core::dates::sessions(&event.sessions);
    let label = if dates.len() > 1 { "Dates" } else { "Date" };
    description.push_str(&format!(
        "<p>{label} : {}</p>",
        dates
            .iter()
            .map(|d| html(d))
            .collect::<Vec<_>>()
            .join(" ; ")
    ));
    description.push_str(&format!("<p>Lieu : {}</p>", html(&place(event))));
    if !event.organiser.trim().is_empty() {
        description.push_str(&format!("<p>Organisé par : {}</p>", html(&event.organiser)));
    }
    let mut item = Item::default();
    item.set_title(if event.cancelled {
        format!("Annulé : {}", event.title)
    } else {
        event.title.clone()
    });
    item.set_link(page.clone());
    item.set_description(description);
    item.set_guid(Guid {
        value: page,
        permalink: true,
    });
    item.set_categories(vec![Category {
        name: event.kind.label().to_owned(),
        domain: None,
    }]);
    item
}

/// `GET /api/flux/evenements.xml[?organisation={slug}]`: the upcoming
/// public events, soonest first.
#[tracing::instrument(skip(state, headers))]
async fn events_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<FeedQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let Query(query) = query?;
    let organisation = organisation_of(&state, query.organisation.as_deref()).await?;
    let now = Utc::now();
    let events = public_events(&state, organisation.as_ref(), now, FEED_EVENTS, now).await?;
    let public_url = &state.public_url;
    let suffix = organisation_suffix(organisation.as_ref());
    let name = organisation.as_ref().map_or(SITE_NAME, |o| o.name.as_str());
    let mut channel = channel(
        format!("Agenda — {name}"),
        format!("{public_url}/{suffix}"),
        format!("Les prochains événements de l'agenda — {name}."),
        format!("{public_url}/api/flux/evenements.xml{suffix}"),
    );
    channel.set_items(
        events
            .iter()
            .map(|event| event_item(event, public_url))
            .collect::<Vec<_>>(),
    );
    let body = channel.to_string();
    Ok(answer(&headers, RSS, &body, body.clone()))
}

/// One publication of the catalogue as an RSS item, dated by its
/// publication day (midnight in Paris).
fn publication_item(card: &PublicationCard, public_url: &str) -> Item {
    let page = format!("{public_url}{}", paths::page(&card.slug));
    let mut description = format!("<p>{}", html(card.kind.label()));
    if !card.authors.trim().is_empty() {
        description.push_str(&format!(" — {}", html(&card.authors)));
    }
    description.push_str("</p>");
    if !card.summary.trim().is_empty() {
        description.push_str(&format!("<p>{}</p>", html(&card.summary)));
    }
    if let Some(file) = &card.file {
        description.push_str(&format!("<p>{}</p>", html(&file.description())));
    }
    if card.access == Access::Inscrits {
        description.push_str(&format!("<p>{}.</p>", html(Access::Inscrits.label())));
    }
    let mut item = Item::default();
    item.set_title(card.title.clone());
    item.set_link(page.clone());
    item.set_description(description);
    item.set_guid(Guid {
        value: page,
        permalink: true,
    });
    let published = NaiveDate::parse_from_str(&card.published_on, "%Y-%m-%d")
        .ok()
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .and_then(|midnight| midnight.and_local_timezone(Paris).earliest());
    if let Some(published) = published {
        item.set_pub_date(published.to_rfc2822());
    }
    item.set_categories(
        std::iter::once(card.kind.label().to_owned())
            .chain(card.themes.iter().cloned())
            .map(|name| Category { name, domain: None })
            .collect::<Vec<_>>(),
    );
    item
}

/// `GET /api/flux/publications.xml[?organisation={slug}]`: the newest
/// published publications of the catalogue, newest first.
#[tracing::instrument(skip(state, headers))]
async fn publications_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<FeedQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let Query(query) = query?;
    let organisation = organisation_of(&state, query.organisation.as_deref()).await?;
    let filter = CatalogueFilter {
        organisation: organisation.as_ref().map(|o| o.slug.clone()),
        ..CatalogueFilter::default()
    };
    let page = state
        .store
        .catalogue_page(&filter, 0, FEED_PUBLICATIONS as u32)
        .await?;
    let public_url = &state.public_url;
    let suffix = organisation_suffix(organisation.as_ref());
    let name = organisation.as_ref().map_or(SITE_NAME, |o| o.name.as_str());
    let mut channel = channel(
        format!("Publications — {name}"),
        format!("{public_url}/publications{suffix}"),
        format!("Les dernières publications — {name}."),
        format!("{public_url}/api/flux/publications.xml{suffix}"),
    );
    channel.set_items(
        page.items
            .iter()
            .take(FEED_PUBLICATIONS)
            .map(|card| publication_item(card, public_url))
            .collect::<Vec<_>>(),
    );
    let body = channel.to_string();
    Ok(answer(&headers, RSS, &body, body.clone()))
}

/// The calendar subscription of `organisation`'s agenda (or everyone's).
async fn calendar_of(
    state: &AppState,
    headers: &HeaderMap,
    organisation: Option<&Organisation>,
) -> Result<Response, AppError> {
    let now = Utc::now();
    let since = now - Duration::days(CALENDAR_PAST_DAYS);
    let events = public_events(state, organisation, since, CALENDAR_EVENTS, now).await?;
    let mut entries = Vec::new();
    for public in &events {
        let cancelled = public.cancelled;
        let all: Vec<usize> = (0..public.sessions.len()).collect();
        // The public calendar file's entries: the same UIDs as a
        // registrant's, and never a connection link. Nor the contact's
        // address as ORGANIZER: the page names whom to ask, and a copied,
        // cached feed keeps no one's address.
        let event_entries: Vec<CalendarEntry> =
            event_calendar_entries(public, &state.public_url, None, &all)
                .into_iter()
                .map(|entry| CalendarEntry {
                    organizer: None,
                    ..entry
                })
                .collect();
        entries.extend(if cancelled {
            versioned(event_entries, 0, EntryStatus::Cancelled)
        } else {
            event_entries
        });
    }
    let name = organisation.map_or(SITE_NAME, |o| o.name.as_str());
    let body = ics::subscription(&format!("Agenda — {name}"), &entries, now);
    // DTSTAMP is the time of the request: the ETag leaves it out.
    let identity: String = body
        .split("\r\n")
        .filter(|line| !line.starts_with("DTSTAMP:"))
        .collect::<Vec<_>>()
        .join("\r\n");
    Ok(answer(headers, CALENDAR, &identity, body))
}

/// `GET /api/agenda.ics`: every organisation's public agenda.
#[tracing::instrument(skip(state, headers))]
async fn agenda(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    calendar_of(&state, &headers, None).await
}

/// `GET /api/organisations/{org}/agenda.ics`: one organisation's.
#[tracing::instrument(skip(state, headers))]
async fn organisation_agenda(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(org): Path<String>,
) -> Result<Response, AppError> {
    let organisation = organisation_of(&state, Some(&org))
        .await?
        .ok_or_else(|| AppError::NotFound("Cette organisation n'existe pas.".to_owned()))?;
    calendar_of(&state, &headers, Some(&organisation)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_match_with_or_without_weakness() {
        let mut headers = HeaderMap::new();
        let (etag, held) = etag_of(&headers, "corps");
        assert!(etag.starts_with("W/\"") && etag.len() == 36, "{etag}");
        assert!(!held);
        headers.insert(header::IF_NONE_MATCH, etag.parse().unwrap());
        assert!(etag_of(&headers, "corps").1);
        assert!(!etag_of(&headers, "autre").1);
        let strong = format!("\"x\", {}", &etag[2..]);
        headers.insert(header::IF_NONE_MATCH, strong.parse().unwrap());
        assert!(etag_of(&headers, "corps").1);
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            html("<b>A & B</b> \"l'été\""),
            "&lt;b&gt;A &amp; B&lt;/b&gt; \"l'été\""
        );
    }
}
