//! The public feeds on SQLite and on a throwaway PostgreSQL database each,
//! read back by independent parsers: the RSS of upcoming events (and of new
//! publications) by `feed-rs`, the agenda's calendar subscription by
//! `icalendar`'s parser. What the public agenda shows minus members-only
//! events, never a draft, a connection link or a registrant; the
//! organisation filter, an unknown organisation's 404, stable UIDs (those
//! of the event's own calendar file), accents, 75-octet lines, the cache
//! headers and the 304 of an unchanged feed, and bounded reads; the
//! publications feed: published ones only, newest first, as the catalogue.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{Duration, NaiveDate, Utc};
use http_body_util::BodyExt;
use parvis_api::seed;
use parvis_api::store::NewEvent;
use parvis_core::api::EventSummary;
use parvis_core::editor::EventStatus;
use parvis_core::publications::{Catalogue, PublicationDraft, check_draft};
use tower::ServiceExt;

#[macro_use]
mod common;
use common::app::{App, Backend, PUBLIC_URL, Reply};

/// A `GET` from a feed reader, with its `If-None-Match` when it has one.
async fn fetch(app: &App, uri: &str, if_none_match: Option<&str>) -> Reply {
    let mut request = Request::get(uri);
    if let Some(etag) = if_none_match {
        request = request.header(header::IF_NONE_MATCH, etag);
    }
    let response = app
        .router
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        text: String::from_utf8_lossy(&body).into_owned(),
        body,
    }
}

/// The RSS feed at `uri`, checked for its headers and parsed by `feed-rs`.
async fn rss(app: &App, uri: &str) -> feed_rs::model::Feed {
    let reply = fetch(app, uri, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        reply.header(header::CONTENT_TYPE),
        "application/rss+xml; charset=utf-8"
    );
    assert_eq!(reply.header(header::CACHE_CONTROL), "public, max-age=300");
    assert!(
        reply
            .text
            .starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"")
    );
    let feed = feed_rs::parser::parse(&reply.body[..])
        .unwrap_or_else(|error| panic!("{error}\n{}", reply.text));
    assert_eq!(feed.feed_type, feed_rs::model::FeedType::RSS2);
    feed
}

fn titles(feed: &feed_rs::model::Feed) -> Vec<String> {
    feed.entries
        .iter()
        .map(|entry| entry.title.as_ref().expect("a title").content.clone())
        .collect()
}

/// One `VEVENT` as the parser read it.
#[derive(Debug, Clone)]
struct Entry {
    uid: String,
    summary: String,
    status: String,
    url: Option<String>,
    location: String,
    description: String,
}

/// A calendar as `icalendar`'s parser reads it: its own properties, its
/// entries.
#[derive(Debug)]
struct Calendar {
    properties: Vec<(String, String)>,
    entries: Vec<Entry>,
}

impl Calendar {
    fn property(&self, name: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    fn uids(&self) -> BTreeSet<String> {
        self.entries.iter().map(|entry| entry.uid.clone()).collect()
    }

    fn summaries(&self) -> BTreeSet<String> {
        self.entries
            .iter()
            .map(|entry| entry.summary.clone())
            .collect()
    }
}

/// Unescapes an iCalendar TEXT value.
fn text(value: &str) -> String {
    value
        .replace("\\n", "\n")
        .replace("\\,", ",")
        .replace("\\;", ";")
        .replace("\\\\", "\\")
}

fn parse_calendar(ics: &str) -> Calendar {
    use icalendar::parser::{Property, read_calendar, unfold};
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
    }
    assert!(ics.ends_with("END:VCALENDAR\r\n"));
    let unfolded = unfold(ics);
    let calendar = read_calendar(&unfolded).unwrap_or_else(|error| panic!("{error}\n{ics}"));
    let value = |properties: &[Property<'_>], name: &str| {
        properties
            .iter()
            .find(|property| property.name.as_str() == name)
            .map(|property| text(property.val.as_str()))
    };
    let entries = calendar
        .components
        .iter()
        .filter(|component| component.name.as_str() == "VEVENT")
        .map(|event| Entry {
            uid: value(&event.properties, "UID").expect("UID"),
            summary: value(&event.properties, "SUMMARY").expect("SUMMARY"),
            status: value(&event.properties, "STATUS").expect("STATUS"),
            url: value(&event.properties, "URL"),
            location: value(&event.properties, "LOCATION").expect("LOCATION"),
            description: value(&event.properties, "DESCRIPTION").unwrap_or_default(),
        })
        .collect();
    Calendar {
        properties: calendar
            .properties
            .iter()
            .map(|property| {
                (
                    property.name.as_str().to_owned(),
                    text(property.val.as_str()),
                )
            })
            .collect(),
        entries,
    }
}

/// The calendar subscription at `uri`, checked for its headers and parsed.
async fn ics(app: &App, uri: &str) -> Calendar {
    let reply = fetch(app, uri, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        reply.header(header::CONTENT_TYPE),
        "text/calendar; charset=utf-8"
    );
    assert_eq!(reply.header(header::CACHE_CONTROL), "public, max-age=300");
    parse_calendar(&reply.text)
}

fn paris_today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Europe::Paris)
        .date_naive()
}

/// A one-session webinar on `date` (its connection link
/// `https://visio.example.org/parvis/{slug}`), titled `title`.
fn webinar(slug: &str, title: &str, date: NaiveDate) -> NewEvent {
    let mut event = seed::webinar(slug, date, None);
    event.public.title = title.to_owned();
    event
}

/// The upcoming events the public agenda lists, as `GET /api/events` says.
async fn agenda(app: &App, query: &str) -> Vec<EventSummary> {
    fetch(app, &format!("/api/events?when=upcoming{query}"), None)
        .await
        .read()
}

async fn organisation_id(app: &App, slug: &str) -> i64 {
    app.state
        .store
        .organisation(slug)
        .await
        .unwrap()
        .expect("the organisation")
        .id
}

/// The demo, plus: a draft, an event ended ten days ago, one ended a
/// hundred days ago, a cancelled one, all the demo organisation's.
async fn demo(app: &App) {
    assert!(seed::seed_if_empty(app.state.store.as_ref()).await.unwrap());
    let demo = organisation_id(app, seed::DEMO_ORGANISATION).await;
    let today = paris_today();
    let mut draft = webinar(
        "brouillon",
        "Brouillon à ne pas montrer",
        today + Duration::days(3),
    );
    draft.status = EventStatus::Draft;
    app.insert_owned(&draft, demo).await;
    app.insert_owned(
        &webinar(
            "recent",
            "Réunion d'été à Ploërmel",
            today - Duration::days(10),
        ),
        demo,
    )
    .await;
    app.insert_owned(
        &webinar("ancien", "Trop ancien", today - Duration::days(100)),
        demo,
    )
    .await;
    let cancelled = app
        .insert_owned(
            &webinar("annule", "Séance annulée", today + Duration::days(5)),
            demo,
        )
        .await;
    app.state
        .store
        .set_event_status(cancelled.id, EventStatus::Cancelled, Utc::now())
        .await
        .unwrap();
}

async fn the_events_feed_is_the_upcoming_public_agenda(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    demo(&app).await;
    // Someone registered: no feed names them.
    let registered = app
        .register(seed::UPCOMING_WEBINAR, "camille.feeds@ville.fr")
        .await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.text
    );

    let listed = agenda(&app, "").await;
    let expected: Vec<&EventSummary> = listed.iter().filter(|e| !e.members_only).collect();
    let feed = rss(&app, "/api/flux/evenements.xml").await;
    let expected_titles: Vec<String> = expected
        .iter()
        .map(|event| {
            if event.cancelled {
                format!("Annulé : {}", event.title)
            } else {
                event.title.clone()
            }
        })
        .collect();
    // The demo's upcoming webinar and cycle, and the cancelled one, soonest
    // first; the members-only committee and the draft are not there.
    assert_eq!(titles(&feed), expected_titles);
    assert_eq!(feed.entries.len(), 3, "{:?}", titles(&feed));
    assert!(
        listed.iter().any(|e| e.members_only),
        "the demo committee is members-only"
    );
    for event in listed.iter().filter(|e| e.members_only) {
        assert!(!titles(&feed).contains(&event.title));
    }
    assert!(!titles(&feed).iter().any(|t| t.contains("Brouillon")));
    assert!(titles(&feed).contains(&"Annulé : Séance annulée".to_owned()));
    // Accents survive, from the demo's own titles.
    assert!(
        titles(&feed).iter().any(|t| t.contains("mise en œuvre")),
        "{:?}",
        titles(&feed)
    );

    for (entry, event) in feed.entries.iter().zip(&expected) {
        let page = format!("{PUBLIC_URL}/evenements/{}", event.slug);
        assert_eq!(entry.id, page);
        assert_eq!(entry.links[0].href, page);
        let summary = &entry.summary.as_ref().expect("a description").content;
        let first = parvis_core::dates::span(&event.starts_at, &event.ends_at, event.all_day);
        let day = first.split(',').next().unwrap().trim_start_matches("du ");
        assert!(summary.contains(day), "{day} in {summary}");
        assert!(summary.contains("Lieu : "), "{summary}");
        assert!(!summary.contains("visio.example.org"), "{summary}");
        assert!(!summary.contains("camille.feeds"), "{summary}");
    }
    let webinar = feed
        .entries
        .iter()
        .find(|e| e.id.ends_with(seed::UPCOMING_WEBINAR))
        .unwrap();
    let summary = &webinar.summary.as_ref().unwrap().content;
    assert!(summary.contains("Date : "), "{summary}");
    assert!(summary.contains("Lieu : En ligne"), "{summary}");
    assert_eq!(webinar.categories[0].term, "Webinaire");

    assert_eq!(feed.title.as_ref().unwrap().content, "Agenda — Parvis");
    assert!(
        feed.links
            .iter()
            .any(|link| link.href == format!("{PUBLIC_URL}/"))
    );
    let raw = fetch(&app, "/api/flux/evenements.xml", None).await.text;
    assert!(
        raw.contains(&format!(
            "<atom:link href=\"{PUBLIC_URL}/api/flux/evenements.xml\" rel=\"self\" type=\"application/rss+xml\"/>"
        )),
        "{raw}"
    );
    assert!(!raw.contains("visio.example.org"));
    assert!(!raw.contains("camille.feeds"));
}

async fn the_agenda_calendar_is_a_subscription_without_private_data(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    demo(&app).await;
    let registered = app
        .register(seed::UPCOMING_WEBINAR, "camille.feeds@ville.fr")
        .await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.text
    );

    let calendar = ics(&app, "/api/agenda.ics").await;
    assert_eq!(calendar.property("METHOD"), Some("PUBLISH"));
    assert_eq!(calendar.property("X-WR-CALNAME"), Some("Agenda — Parvis"));
    assert_eq!(calendar.property("NAME"), Some("Agenda — Parvis"));
    assert_eq!(calendar.property("REFRESH-INTERVAL"), Some("PT6H"));
    assert_eq!(calendar.property("X-PUBLISHED-TTL"), Some("PT6H"));

    // The upcoming public events and those ended in the last 90 days,
    // each with every session, under the UIDs of its own calendar file.
    let mut expected = BTreeSet::new();
    let mut slugs: Vec<String> = agenda(&app, "")
        .await
        .into_iter()
        .filter(|e| !e.members_only)
        .map(|e| e.slug)
        .collect();
    slugs.push("recent".to_owned());
    for slug in &slugs {
        let own = fetch(&app, &format!("/api/events/{slug}/calendar.ics"), None).await;
        assert_eq!(own.status, StatusCode::OK, "{}", own.text);
        expected.extend(parse_calendar(&own.text).uids());
    }
    assert_eq!(calendar.uids(), expected);
    // The cycle's four days: one entry each.
    assert_eq!(
        calendar
            .entries
            .iter()
            .filter(|e| e.uid.starts_with(seed::UPCOMING_CYCLE))
            .count(),
        4
    );
    assert_eq!(calendar.entries.len(), expected.len());
    assert!(calendar.summaries().contains("Réunion d'été à Ploërmel"));
    assert!(!calendar.summaries().contains("Trop ancien"));
    assert!(!calendar.summaries().iter().any(|s| s.contains("Brouillon")));
    assert!(
        !calendar
            .uids()
            .iter()
            .any(|uid| uid.starts_with(seed::UPCOMING_COMMITTEE)),
        "members-only"
    );
    for entry in &calendar.entries {
        let slug = entry.uid.rsplit_once('-').unwrap().0;
        assert_eq!(
            entry.url.as_deref(),
            Some(format!("{PUBLIC_URL}/evenements/{slug}").as_str())
        );
        assert!(!entry.location.is_empty());
        let expected_status = if slug == "annule" {
            "CANCELLED"
        } else {
            "CONFIRMED"
        };
        assert_eq!(entry.status, expected_status, "{entry:?}");
        assert!(
            !entry.description.contains("Lien de connexion"),
            "{entry:?}"
        );
    }
    let webinar = calendar
        .entries
        .iter()
        .find(|e| e.uid.starts_with(seed::UPCOMING_WEBINAR))
        .unwrap();
    assert_eq!(webinar.location, "En ligne");

    let raw = fetch(&app, "/api/agenda.ics", None).await.text;
    assert!(!raw.contains("visio.example.org"), "no connection link");
    assert!(!raw.to_lowercase().contains("camille"), "no registrant");
    assert!(!raw.contains("mailto:"), "no one's address");
    let own = fetch(
        &app,
        &format!("/api/events/{}/calendar.ics", seed::UPCOMING_WEBINAR),
        None,
    )
    .await;
    assert!(own.text.contains("ORGANIZER"), "the event has a contact");
    // Accents, folded over lines, read back whole.
    assert!(
        calendar
            .summaries()
            .iter()
            .any(|s| s.contains("mise en œuvre")),
        "{:?}",
        calendar.summaries()
    );

    // Two fetches, the same entries.
    let again = ics(&app, "/api/agenda.ics").await;
    assert_eq!(again.uids(), calendar.uids());
}

async fn feeds_are_filtered_by_organisation(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    demo(&app).await;
    app.organisation("autre-centre", &[]).await;
    let other = organisation_id(&app, "autre-centre").await;
    let today = paris_today();
    app.insert_owned(
        &webinar(
            "rencontre-autre",
            "Rencontre à Saint-Étienne : « cœur de ville »",
            today + Duration::days(20),
        ),
        other,
    )
    .await;
    let mut members = webinar(
        "membres-autre",
        "Réservé aux membres",
        today + Duration::days(21),
    );
    members.public.members_only = true;
    app.insert_owned(&members, other).await;

    let feed = rss(&app, "/api/flux/evenements.xml?organisation=autre-centre").await;
    assert_eq!(
        titles(&feed),
        ["Rencontre à Saint-Étienne : « cœur de ville »"]
    );
    assert_eq!(
        feed.title.as_ref().unwrap().content,
        "Agenda — Centre autre-centre"
    );
    let demo_feed = rss(&app, "/api/flux/evenements.xml?organisation=demo").await;
    assert_eq!(demo_feed.entries.len(), 3);
    assert!(
        !titles(&demo_feed)
            .iter()
            .any(|t| t.contains("Saint-Étienne"))
    );
    let all = rss(&app, "/api/flux/evenements.xml").await;
    assert_eq!(all.entries.len(), 4);

    let calendar = ics(&app, "/api/organisations/autre-centre/agenda.ics").await;
    assert_eq!(
        calendar.property("X-WR-CALNAME"),
        Some("Agenda — Centre autre-centre")
    );
    assert_eq!(
        calendar.summaries(),
        BTreeSet::from(["Rencontre à Saint-Étienne : « cœur de ville »".to_owned()])
    );
    let demo_calendar = ics(&app, "/api/organisations/demo/agenda.ics").await;
    assert!(
        !demo_calendar
            .summaries()
            .iter()
            .any(|s| s.contains("Saint-Étienne"))
    );
    assert!(demo_calendar.entries.len() >= 6, "{demo_calendar:?}");

    for uri in [
        "/api/flux/evenements.xml?organisation=inconnue",
        "/api/flux/evenements.xml?organisation=Pas%20un%20slug",
        "/api/organisations/inconnue/agenda.ics",
    ] {
        let reply = fetch(&app, uri, None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{uri}: {}", reply.text);
        assert_eq!(
            reply.json()["message"],
            "Cette organisation n'existe pas.",
            "{uri}"
        );
    }
}

async fn an_unchanged_feed_is_a_304(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    demo(&app).await;
    for uri in [
        "/api/flux/evenements.xml",
        "/api/agenda.ics",
        "/api/organisations/demo/agenda.ics",
    ] {
        let first = fetch(&app, uri, None).await;
        let etag = first.header(header::ETAG).to_owned();
        assert!(etag.starts_with("W/\""), "{uri}: {etag:?}");
        // The calendar's DTSTAMP moves with every second, not its ETag.
        tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
        let second = fetch(&app, uri, Some(&etag)).await;
        assert_eq!(second.status, StatusCode::NOT_MODIFIED, "{uri}");
        assert!(second.body.is_empty());
        assert_eq!(second.header(header::ETAG), etag);
        assert_eq!(second.header(header::CACHE_CONTROL), "public, max-age=300");
        let other = fetch(&app, uri, Some("W/\"0123\"")).await;
        assert_eq!(other.status, StatusCode::OK, "{uri}");
    }
    // A new event changes the feed, and its ETag.
    let before = fetch(&app, "/api/flux/evenements.xml", None).await;
    let demo = organisation_id(&app, seed::DEMO_ORGANISATION).await;
    app.insert_owned(
        &webinar(
            "nouveau",
            "Nouvel événement",
            paris_today() + Duration::days(40),
        ),
        demo,
    )
    .await;
    let after = fetch(
        &app,
        "/api/flux/evenements.xml",
        Some(before.header(header::ETAG)),
    )
    .await;
    assert_eq!(after.status, StatusCode::OK);
    assert_ne!(after.header(header::ETAG), before.header(header::ETAG));
}

async fn feeds_read_a_bounded_number_of_events(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    app.organisation("grand-centre", &[]).await;
    let organisation = organisation_id(&app, "grand-centre").await;
    let today = paris_today();
    // Sixty members-only events first, then seventy public ones: the
    // feed pages past the former and stops at fifty of the latter.
    for n in 0..130 {
        let mut event = webinar(
            &format!("evenement-{n:03}"),
            &format!("Événement n° {n:03}"),
            today + Duration::days(1 + n),
        );
        event.public.members_only = n < 60;
        app.insert_owned(&event, organisation).await;
    }
    let feed = rss(&app, "/api/flux/evenements.xml?organisation=grand-centre").await;
    let expected: Vec<String> = (60..110).map(|n| format!("Événement n° {n:03}")).collect();
    assert_eq!(titles(&feed), expected);
    let calendar = ics(&app, "/api/agenda.ics").await;
    assert_eq!(calendar.entries.len(), 70);
}

/// A publication of `organisation` stored as the back-office stores it.
async fn publication(
    app: &App,
    organisation: i64,
    slug: &str,
    title: &str,
    on: NaiveDate,
    published: bool,
) {
    let draft = PublicationDraft {
        title: title.to_owned(),
        kind: "synthese".to_owned(),
        authors: "Équipe d'études".to_owned(),
        published_on: on.format("%Y-%m-%d").to_string(),
        summary: "Ce que l'étude a montré, en quelques lignes.".to_owned(),
        themes: "Participation des habitants".to_owned(),
        access: "public".to_owned(),
        published,
        ..PublicationDraft::default()
    };
    let checked = check_draft(&draft).unwrap_or_else(|errors| panic!("{errors:?}"));
    app.state
        .store
        .create_publication(organisation, slug, &checked, Utc::now())
        .await
        .unwrap()
        .expect("a new address");
}

async fn the_publications_feed_lists_the_newest_published_ones(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    assert!(seed::seed_demo(&app.state).await.unwrap());
    let demo = organisation_id(&app, seed::DEMO_ORGANISATION).await;
    let today = paris_today();
    publication(
        &app,
        demo,
        "brouillon-de-rapport",
        "Brouillon de rapport",
        today,
        false,
    )
    .await;
    app.organisation("autre-centre", &[]).await;
    let other = organisation_id(&app, "autre-centre").await;
    let newest = "Synthèse « cœur de ville » à Saint-Étienne";
    publication(&app, other, "synthese-saint-etienne", newest, today, true).await;

    // The catalogue's first page, newest first: the feed lists the same.
    let catalogue: Catalogue = fetch(&app, "/api/publications", None).await.read();
    let feed = rss(&app, "/api/flux/publications.xml").await;
    let expected: Vec<String> = catalogue.items.iter().map(|c| c.title.clone()).collect();
    assert_eq!(titles(&feed), expected);
    // The four demo publications and the other centre's; no draft.
    assert_eq!(feed.entries.len(), 5, "{:?}", titles(&feed));
    assert_eq!(titles(&feed)[0], newest);
    assert!(!titles(&feed).iter().any(|t| t.contains("Brouillon")));
    let dates: Vec<_> = feed
        .entries
        .iter()
        .map(|entry| entry.published.expect("a pubDate"))
        .collect();
    assert!(dates.windows(2).all(|pair| pair[0] >= pair[1]), "{dates:?}");
    assert_eq!(
        dates[0]
            .with_timezone(&chrono_tz::Europe::Paris)
            .date_naive(),
        today
    );
    for (entry, card) in feed.entries.iter().zip(&catalogue.items) {
        let page = format!("{PUBLIC_URL}/publications/{}", card.slug);
        assert_eq!(entry.id, page);
        assert_eq!(entry.links[0].href, page);
        let summary = &entry.summary.as_ref().expect("a description").content;
        assert!(summary.contains(card.kind.label()), "{summary}");
        if let Some(file) = &card.file {
            assert!(summary.contains(&file.description()), "{summary}");
            assert!(file.description().starts_with("PDF – "));
        }
    }
    let reserved = feed
        .entries
        .iter()
        .find(|entry| entry.id.ends_with(seed::RESERVED_STUDY))
        .expect("the reserved study is listed, as in the catalogue");
    assert!(
        reserved
            .summary
            .as_ref()
            .unwrap()
            .content
            .contains("Réservée aux inscrit·es"),
        "{reserved:?}"
    );
    assert_eq!(
        feed.title.as_ref().unwrap().content,
        "Publications — Parvis"
    );

    let theirs = rss(&app, "/api/flux/publications.xml?organisation=autre-centre").await;
    assert_eq!(titles(&theirs), [newest]);
    assert_eq!(
        theirs.title.as_ref().unwrap().content,
        "Publications — Centre autre-centre"
    );
    let ours = rss(&app, "/api/flux/publications.xml?organisation=demo").await;
    assert_eq!(ours.entries.len(), 4);
    let unknown = fetch(
        &app,
        "/api/flux/publications.xml?organisation=inconnue",
        None,
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(
        unknown.json()["message"],
        "Cette organisation n'existe pas."
    );
}

store_tests!(
    the_publications_feed_lists_the_newest_published_ones,
    the_events_feed_is_the_upcoming_public_agenda,
    the_agenda_calendar_is_a_subscription_without_private_data,
    feeds_are_filtered_by_organisation,
    an_unchanged_feed_is_a_304,
    feeds_read_a_bounded_number_of_events,
);
