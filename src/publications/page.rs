//! A publication's page (`/publications/{slug}`): what it is, its summary,
//! its themes and territories, its events, and its files to download, or,
//! for a publication reserved to its events' registrants, how to get it.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use parvis_core::api::ApiError;
use parvis_core::publications::{
    Access, LinkedEvent, PublicationFile, PublicationKind, PublicationView, paths,
};

use crate::components::{ErrorNotice, Loading};

use super::catalogue::french_date;

/// The text of a file's link: « Télécharger le rapport (PDF – 163,9 ko) »,
/// the label with the article it takes, and « PDF accessible » for a tagged
/// version.
pub fn download_text(file: &PublicationFile) -> String {
    let label = file.label.trim();
    let mut chars = label.chars();
    // « Rapport » becomes « rapport », but « CEQ 2030 » stays as it is.
    let lowered = match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && !second.is_uppercase() => first
            .to_lowercase()
            .chain(label[first.len_utf8()..].chars())
            .collect(),
        _ => label.to_owned(),
    };
    let first_word = lowered
        .split([' ', '\''])
        .next()
        .unwrap_or_default()
        .to_owned();
    let named = match first_word.as_str() {
        "rapport" | "programme" | "compte" | "document" | "dossier" | "guide" | "diaporama"
        | "support" | "résumé" | "bilan" | "cahier" => format!("le {lowered}"),
        "synthèse" | "version" | "fiche" | "note" | "présentation" | "plaquette" | "lettre"
        | "restitution" | "liste" | "brochure" => format!("la {lowered}"),
        "actes" | "annexes" | "supports" | "documents" | "diapositives" => {
            format!("les {lowered}")
        }
        word if word.starts_with(['a', 'e', 'é', 'è', 'i', 'o', 'u', 'h']) => {
            format!("l'{lowered}")
        }
        _ => format!("« {label} »"),
    };
    let description = if file.accessible {
        file.description().replacen("PDF", "PDF accessible", 1)
    } else {
        file.description()
    };
    format!("Télécharger {named} ({description})")
}

/// The publication page.
#[component]
pub fn PublicationPage() -> impl IntoView {
    let params = use_params_map();
    let in_app = super::reached_in_app();
    let slug = move || params.with(|p| p.get("slug").unwrap_or_default());
    let loaded = LocalResource::new(move || {
        let slug = slug();
        async move { super::publication(&slug).await }
    });
    let heading = NodeRef::<leptos::html::H1>::new();
    view! {
        <Transition fallback=|| view! {
            <h1>"Publication"</h1>
            <Loading text="Chargement de la publication…"/>
        }>
            {move || loaded.get().map(|result| match result {
                Err(error) => {
                    // An unknown address always says so with the focus, as
                    // the agenda's « introuvable » pages do.
                    crate::focus_when_shown(heading);
                    unavailable(error, heading).into_any()
                }
                Ok(publication) => {
                    crate::set_title(&publication.title);
                    if in_app {
                        crate::focus_when_shown(heading);
                    }
                    details(publication, heading).into_any()
                }
            })}
        </Transition>
    }
}

fn unavailable(error: ApiError, heading: NodeRef<leptos::html::H1>) -> impl IntoView {
    let missing = error.code == "not_found" || error.message.contains("introuvable");
    let title = if missing {
        "Publication introuvable"
    } else {
        "Publication indisponible"
    };
    crate::set_title(title);
    view! {
        <h1 tabindex="-1" node_ref=heading>{title}</h1>
        {if missing {
            view! { <p>"Aucune publication ne se trouve à cette adresse : elle a pu être retirée ou son adresse a changé."</p> }.into_any()
        } else {
            view! { <ErrorNotice message=error.message/> }.into_any()
        }}
        <p><A href="/publications">"Voir toutes les publications"</A></p>
    }
}

/// The page of the event `event` in the agenda app: a full page load.
fn event_link(event: &LinkedEvent) -> impl IntoView + use<> {
    view! { <a href=format!("/evenements/{}", event.slug) rel="external">{event.title.clone()}</a> }
}

fn details(publication: PublicationView, heading: NodeRef<leptos::html::H1>) -> impl IntoView {
    let reserved = publication.access == Access::Inscrits;
    let slug = publication.slug.clone();
    let files = publication.files.clone();
    let events = publication.events.clone();
    let this = match publication.kind {
        PublicationKind::RapportEtude | PublicationKind::Synthese => "Ce rapport",
        _ => "Ce document",
    };
    let list = |items: Vec<String>| {
        view! { <ul>{items.into_iter().map(|item| view! { <li>{item}</li> }).collect_view()}</ul> }
    };
    let downloads = if reserved {
        let how = if events.is_empty() {
            view! {
                {format!("{this} est réservé aux participant·es des événements auxquels il est lié : ")}
            }
            .into_any()
        } else {
            let count = events.len();
            view! {
                {format!("{this} est réservé aux participant·es de ")}
                {events.iter().enumerate().map(|(i, event)| view! {
                    {(i > 0).then_some(if i + 1 == count { " ou de " } else { ", de " })}
                    "« "{event_link(event)}" »"
                }).collect_view()}
                " : "
            }
            .into_any()
        };
        view! {
            <section aria-labelledby="obtenir">
                <h2 id="obtenir">"Obtenir ce document"</h2>
                <p class="notice">
                    {how}
                    {if count_is_one(&events) { "inscrivez-vous à l'événement" } else { "inscrivez-vous à l'un de ces événements" }}
                    ", il vous sera envoyé avec la confirmation ; si vous êtes inscrit·e, retrouvez-le sur votre page personnelle (lien reçu par e-mail)."
                </p>
                {(!files.is_empty()).then(|| view! {
                    <p>"Fichiers de cette publication :"</p>
                    <ul class="files">
                        {files.iter().map(|file| view! {
                            <li>{format!("{} ({})", file.label, file.description())}</li>
                        }).collect_view()}
                    </ul>
                })}
            </section>
        }
        .into_any()
    } else {
        let accessible_url = publication.accessible_url.clone();
        (!files.is_empty() || accessible_url.is_some())
            .then(|| {
                view! {
                    <section aria-labelledby="telecharger">
                        <h2 id="telecharger">"Pièces à télécharger"</h2>
                        <ul class="files">
                            {files.iter().map(|file| view! {
                                <li>
                                    <a href=paths::file(&slug, &file.id) download=file.name.clone()>
                                        {download_text(file)}
                                    </a>
                                </li>
                            }).collect_view()}
                            {accessible_url.map(|url| view! {
                                <li><a href=url rel="external">"Version HTML accessible"</a></li>
                            })}
                        </ul>
                    </section>
                }
            })
            .into_any()
    };
    let facts_events = publication.events.clone();
    view! {
        <article class="publication">
            <p class="kind">{publication.kind.label()}</p>
            <h1 tabindex="-1" node_ref=heading>{publication.title.clone()}</h1>
            <dl class="facts">
                <dt>"Auteur·rices"</dt>
                <dd>{publication.authors.clone()}</dd>
                <dt>"Organisation"</dt>
                <dd>{publication.organisation.name.clone()}</dd>
                <dt>"Date de publication"</dt>
                <dd>{french_date(&publication.published_on)}</dd>
                {publication.period.clone().map(|period| view! { <dt>"Période couverte"</dt><dd>{period}</dd> })}
                {(!publication.themes.is_empty()).then(|| view! { <dt>"Thèmes"</dt><dd>{list(publication.themes.clone())}</dd> })}
                {(!publication.territories.is_empty()).then(|| view! { <dt>"Territoires"</dt><dd>{list(publication.territories.clone())}</dd> })}
                <dt>"Accès"</dt>
                <dd>{if reserved { "Réservé aux inscrit·es des événements liés" } else { "Libre" }}</dd>
            </dl>
            <section aria-labelledby="resume">
                <h2 id="resume">"Résumé"</h2>
                {publication.summary.iter().map(|p| view! { <p>{p.clone()}</p> }).collect_view()}
            </section>
            {downloads}
            {(!facts_events.is_empty()).then(|| view! {
                <section aria-labelledby="evenements">
                    <h2 id="evenements">"Événements liés"</h2>
                    <ul>{facts_events.iter().map(|event| view! { <li>{event_link(event)}</li> }).collect_view()}</ul>
                </section>
            })}
            <p><A href="/publications">"Toutes les publications"</A></p>
        </article>
    }
}

fn count_is_one(events: &[LinkedEvent]) -> bool {
    events.len() <= 1
}

/// Any other address under `/publications/…`.
#[component]
pub fn NotFound() -> impl IntoView {
    crate::set_title("Page introuvable");
    let heading = NodeRef::<leptos::html::H1>::new();
    crate::focus_when_shown(heading);
    view! {
        <h1 tabindex="-1" node_ref=heading>"Page introuvable"</h1>
        <p>"L'adresse demandée ne correspond à aucune page de Parvis."</p>
        <p><A href="/publications">"Voir toutes les publications"</A></p>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(label: &str, accessible: bool) -> PublicationFile {
        PublicationFile {
            id: "f".into(),
            label: label.into(),
            name: "f.pdf".into(),
            size: 163_940,
            accessible,
        }
    }

    #[test]
    fn a_link_names_its_file_with_its_size_the_french_way() {
        assert_eq!(
            download_text(&file("Rapport", false)),
            "Télécharger le rapport (PDF – 163,9 ko)"
        );
        assert_eq!(
            download_text(&file("Actes de la journée", false)),
            "Télécharger les actes de la journée (PDF – 163,9 ko)"
        );
        assert_eq!(
            download_text(&file("Version accessible", true)),
            "Télécharger la version accessible (PDF accessible – 163,9 ko)"
        );
        assert_eq!(
            download_text(&file("Étude complète", false)),
            "Télécharger l'étude complète (PDF – 163,9 ko)"
        );
        assert_eq!(
            download_text(&file("CEQ 2030", false)),
            "Télécharger « CEQ 2030 » (PDF – 163,9 ko)"
        );
    }
}
