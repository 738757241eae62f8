//! The catalogue (`/publications`): the search form « Vous cherchez une
//! publication ? », the result count (a live region that takes the focus
//! after a search or a change of page), the cards, the pages.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use parvis_core::api::ApiError;
use parvis_core::dates;
use parvis_core::publications::{Access, Catalogue, CatalogueQuery, Facet, PublicationCard, paths};

use crate::components::{ErrorNotice, Loading};
use crate::lettre::Inscription;
use crate::pages::agenda::count;

use super::catalogue_url;

/// The query as the page's address holds it.
fn query_of(map: &leptos_router::params::ParamsMap) -> CatalogueQuery {
    let get = |name: &str| map.get(name).filter(|v| !v.trim().is_empty());
    CatalogueQuery {
        q: get("q"),
        kind: get("type"),
        theme: get("theme"),
        year: get("annee"),
        organisation: get("organisation"),
        page: get("page"),
    }
}

/// The pages the pagination links to around `current` (1-based) out of
/// `last`: the first, the last, and two on each side of the current one;
/// `None` stands for the pages left out (« … »).
pub fn page_numbers(current: u32, last: u32) -> Vec<Option<u32>> {
    let mut out = Vec::new();
    for page in 1..=last {
        if page == 1 || page == last || page.abs_diff(current) <= 2 {
            out.push(Some(page));
        } else if out.last() != Some(&None) {
            out.push(None);
        }
    }
    out
}

/// « 3 publications », and the page when there are several.
pub fn count_text(catalogue: &Catalogue) -> String {
    let total = count(catalogue.total as usize, "publication", "publications");
    let last = last_page(catalogue);
    if last > 1 {
        format!("{total}, page {} sur {last}", catalogue.page)
    } else {
        total
    }
}

fn last_page(catalogue: &Catalogue) -> u32 {
    let per_page = u64::from(catalogue.per_page.max(1));
    catalogue.total.div_ceil(per_page) as u32
}

/// The catalogue page.
#[component]
pub fn CataloguePage() -> impl IntoView {
    let query_map = use_query_map();
    let applied = Memo::new(move |_| query_map.with(query_of));
    let in_app = super::reached_in_app();
    // The form's fields, following the address (a step back restores them).
    let search = RwSignal::new(String::new());
    let kind = RwSignal::new(String::new());
    let theme = RwSignal::new(String::new());
    let year = RwSignal::new(String::new());
    let organisation = RwSignal::new(String::new());
    Effect::new(move |_| {
        let query = applied.get();
        search.set(query.q.unwrap_or_default());
        kind.set(query.kind.unwrap_or_default());
        theme.set(query.theme.unwrap_or_default());
        year.set(query.year.unwrap_or_default());
        organisation.set(query.organisation.unwrap_or_default());
    });
    Effect::new(move |_| {
        let page = applied.with(|q| q.page.clone()).filter(|p| p != "1");
        crate::set_title(&match page {
            Some(page) => format!("Publications, page {page}"),
            None => "Publications".to_owned(),
        });
    });
    // The answer, with the query it answers: a slower earlier answer never
    // replaces a later one, and the focus waits for the right one.
    let loaded = RwSignal::new(None::<(CatalogueQuery, Result<Catalogue, ApiError>)>);
    Effect::new(move |_| {
        let query = applied.get();
        leptos::task::spawn_local(async move {
            let result = super::catalogue(&query).await;
            if applied.get_untracked() == query {
                loaded.set(Some((query, result)));
            }
        });
    });
    let results = move || loaded.with(|l| l.as_ref().map(|(_, result)| result.clone()));
    // Facets do not depend on the search: the last ones received stay.
    let facets = RwSignal::new(None::<parvis_core::publications::Facets>);
    // After a search or a change of page, the count (or the field in
    // error) takes the focus once the answer is shown.
    // The address whose answer is awaited for that.
    let focus_for = RwSignal::new(in_app.then(|| catalogue_url(&applied.get_untracked())));
    let count_ref = NodeRef::<leptos::html::P>::new();
    let field_error = Memo::new(move |_| {
        loaded.with(|l| {
            l.as_ref()
                .and_then(|(_, result)| result.as_ref().err())
                .and_then(|error| {
                    error
                        .fields
                        .get(parvis_core::search::QUERY_FIELD)
                        .first()
                        .cloned()
                })
        })
    });
    Effect::new(move |_| {
        let Some(Ok(catalogue)) = results() else {
            return;
        };
        facets.set(Some(catalogue.facets));
    });
    Effect::new(move |_| {
        let Some(target) = focus_for.get() else {
            return;
        };
        if loaded.with(|l| l.as_ref().map(|(query, _)| catalogue_url(query))) != Some(target) {
            return;
        }
        focus_for.set(None);
        if field_error.get_untracked().is_some() {
            crate::focus_by_id("recherche");
        } else {
            crate::focus_when_shown(count_ref);
        }
    });
    // The newsletter of the organisation the search is filtered on, or of
    // the first publisher; the form is only made anew when that changes.
    let newsletter = Memo::new(move |_| {
        let wanted = applied.with(|q| q.organisation.clone());
        facets.with(|f| {
            let publishers = &f.as_ref()?.organisations;
            let facet = wanted
                .and_then(|slug| publishers.iter().find(|o| o.value == slug))
                .or_else(|| publishers.first())?;
            Some((facet.value.clone(), facet.label.clone()))
        })
    });
    let navigate = use_navigate();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let query = CatalogueQuery {
            q: Some(search.get_untracked().trim().to_owned()),
            kind: Some(kind.get_untracked()),
            theme: Some(theme.get_untracked()),
            year: Some(year.get_untracked()),
            organisation: Some(organisation.get_untracked()),
            page: None,
        };
        let url = catalogue_url(&query);
        if url == catalogue_url(&applied.get_untracked()) {
            // The same search again: nothing to load, the count is there.
            crate::focus_when_shown(count_ref);
        } else {
            focus_for.set(Some(url.clone()));
            navigate(&url, Default::default());
        }
    };
    let count_line = move || match results() {
        None => "Recherche en cours…".to_owned(),
        Some(_) if loaded.with(|l| l.as_ref().map(|(q, _)| q) != Some(&applied.get())) => {
            "Recherche en cours…".to_owned()
        }
        Some(Ok(catalogue)) => count_text(&catalogue),
        Some(Err(_)) if field_error.get().is_some() => {
            "La recherche n'a pas pu être faite : voir le champ Mots-clés.".to_owned()
        }
        Some(Err(_)) => String::new(),
    };
    let select =
        move |id: &'static str,
              label: &'static str,
              all: &'static str,
              value: RwSignal<String>,
              pick: fn(&parvis_core::publications::Facets) -> &Vec<Facet>| {
            view! {
                <div class="field">
                    <label for=id>{label}</label>
                    // `selected` picks the option when the options arrive, `value`
                    // when the address changes under them (a step back).
                    <select id=id name=id prop:value=move || value.get()
                        on:change=move |ev| value.set(event_target_value(&ev))>
                        <option value="" selected=move || value.get().is_empty()>{all}</option>
                        {move || facets.with(|f| f.as_ref().map(|f| pick(f).clone()).unwrap_or_default())
                            .into_iter()
                            .map(|facet| {
                                let current = facet.value.clone();
                                view! {
                                    <option value=facet.value selected=move || value.get() == current>
                                        {format!("{} ({})", facet.label, facet.count)}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
            }
        };
    view! {
        <h1>"Publications"</h1>
        <p class="lead">"Rapports d'étude, actes, programmes, synthèses et fiches expérience des centres de ressources de la politique de la ville, à consulter et à télécharger."</p>
        <form class="search" role="search" aria-labelledby="titre-recherche" on:submit=on_submit>
            <h2 id="titre-recherche" class="search-title">"Vous cherchez une publication ?"</h2>
            <div class="field" class:field-invalid=move || field_error.get().is_some()>
                <label for="recherche">"Mots-clés"</label>
                <p class="hint" id="aide-recherche">"Dans le titre, le résumé, les auteur·rices et les thèmes ; accents et majuscules sont ignorés."</p>
                <input id="recherche" type="search" name="q"
                    aria-describedby=move || if field_error.get().is_some() { "aide-recherche erreur-recherche" } else { "aide-recherche" }
                    aria-invalid=move || field_error.get().is_some().then_some("true")
                    prop:value=move || search.get()
                    on:input=move |ev| search.set(event_target_value(&ev))/>
                {move || field_error.get().map(|message| view! {
                    <p class="field-error" id="erreur-recherche">{message}</p>
                })}
            </div>
            {select("type", "Type de publication", "Tous les types", kind, |f| &f.kinds)}
            {select("theme", "Thème", "Tous les thèmes", theme, |f| &f.themes)}
            {select("annee", "Année", "Toutes les années", year, |f| &f.years)}
            {select("organisation", "Organisation", "Toutes les organisations", organisation, |f| &f.organisations)}
            <button type="submit">"Rechercher"</button>
        </form>
        <p class="result-count" role="status" tabindex="-1" node_ref=count_ref>{count_line}</p>
        {move || match loaded.get() {
            None => view! { <Loading text="Chargement des publications…"/> }.into_any(),
            // A refused search says why next to its field; a refused filter
            // (an address typed or cut short) says why here.
            Some((_, Err(error))) => {
                let others: Vec<String> = error
                    .fields
                    .0
                    .iter()
                    .filter(|(field, _)| field.as_str() != parvis_core::search::QUERY_FIELD)
                    .flat_map(|(_, messages)| messages.iter().cloned())
                    .collect();
                if error.fields.0.is_empty() {
                    view! { <ErrorNotice message=error.message/> }.into_any()
                } else if others.is_empty() {
                    ().into_any()
                } else {
                    view! { <ErrorNotice message=others.join(" ")/> }.into_any()
                }
            }
            Some((query, Ok(catalogue))) => results_view(catalogue, query, focus_for).into_any(),
        }}
        {move || newsletter.get().map(|(organisation, organisation_name)| view! {
            <Inscription organisation organisation_name/>
        })}
    }
}

fn results_view(
    catalogue: Catalogue,
    query: CatalogueQuery,
    focus_for: RwSignal<Option<String>>,
) -> impl IntoView {
    if catalogue.items.is_empty() {
        let filtered = query != CatalogueQuery::default();
        return view! {
            <div class="notice">
                <p>"Aucune publication ne correspond à votre recherche."</p>
                {filtered.then(|| view! {
                    <p>"Essayez d'autres mots-clés ou retirez un filtre, ou "<A href="/publications">"voyez toutes les publications"</A>"."</p>
                })}
            </div>
        }
        .into_any();
    }
    let last = last_page(&catalogue);
    let current = catalogue.page;
    let link = move |page: u32| {
        catalogue_url(&CatalogueQuery {
            page: (page > 1).then(|| page.to_string()),
            ..query.clone()
        })
    };
    let pagination = (last > 1).then(|| {
        view! {
            <nav class="pagination" aria-label="Pages de résultats"
                on:click=move |ev| {
                    // A page link followed: the count of the new page takes the focus.
                    use wasm_bindgen::JsCast;
                    let link = ev.target()
                        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                        .and_then(|t| t.closest("a").ok().flatten())
                        .and_then(|a| a.get_attribute("href"));
                    if link.is_some() {
                        focus_for.set(link);
                    }
                }>
                <ul>
                    {(current > 1).then(|| view! {
                        <li><a href=link(current - 1) rel="prev">"Page précédente"</a></li>
                    })}
                    {page_numbers(current, last).into_iter().map(|page| match page {
                        Some(page) if page == current => view! {
                            <li><a href=link(page) aria-current="page">
                                <span class="sr-only">"Page "</span>{page}
                            </a></li>
                        }.into_any(),
                        Some(page) => view! {
                            <li><a href=link(page)><span class="sr-only">"Page "</span>{page}</a></li>
                        }.into_any(),
                        None => view! { <li aria-hidden="true">"…"</li> }.into_any(),
                    }).collect_view()}
                    {(current < last).then(|| view! {
                        <li><a href=link(current + 1) rel="next">"Page suivante"</a></li>
                    })}
                </ul>
            </nav>
        }
    });
    view! {
        <ul class="event-list publication-list">
            {catalogue.items.into_iter().map(|card| view! { <li>{card_view(card)}</li> }).collect_view()}
        </ul>
        {pagination}
    }
    .into_any()
}

/// « 15 janvier 2018 », or the text as it came when it is not a date.
pub fn french_date(text: &str) -> String {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(dates::short_date)
        .unwrap_or_else(|_| text.to_owned())
}

fn card_view(card: PublicationCard) -> impl IntoView {
    let byline = if card.authors.trim().is_empty() || card.authors == card.organisation {
        card.organisation.clone()
    } else {
        format!("{} – {}", card.authors, card.organisation)
    };
    view! {
        <article class="event-card publication-card">
            <p class="kind">{card.kind.label()}</p>
            <h2><A href=paths::page(&card.slug)>{card.title}</A></h2>
            <p class="organiser">{byline}</p>
            <p class="when">{format!("Publié le {}", french_date(&card.published_on))}</p>
            <p>{card.summary}</p>
            {(!card.themes.is_empty()).then(|| view! {
                <p class="themes">{format!("Thèmes : {}", card.themes.join(", "))}</p>
            })}
            {card.file.map(|file| view! { <p class="file-size">{file.description()}</p> })}
            {(card.access == Access::Inscrits).then(|| view! {
                <p class="badge badge-reserved">"Réservé aux inscrit·es"</p>
            })}
        </article>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_around_the_current_one_are_linked() {
        assert_eq!(page_numbers(1, 1), [Some(1)]);
        assert_eq!(page_numbers(1, 3), [Some(1), Some(2), Some(3)]);
        assert_eq!(
            page_numbers(10, 20),
            [
                Some(1),
                None,
                Some(8),
                Some(9),
                Some(10),
                Some(11),
                Some(12),
                None,
                Some(20)
            ]
        );
        assert_eq!(
            page_numbers(2, 9),
            [Some(1), Some(2), Some(3), Some(4), None, Some(9)]
        );
    }

    #[test]
    fn the_count_says_the_page_when_there_are_several() {
        let mut catalogue = Catalogue {
            total: 3,
            page: 1,
            per_page: 20,
            ..Catalogue::default()
        };
        assert_eq!(count_text(&catalogue), "3 publications");
        catalogue.total = 1;
        assert_eq!(count_text(&catalogue), "1 publication");
        catalogue.total = 45;
        catalogue.page = 2;
        assert_eq!(count_text(&catalogue), "45 publications, page 2 sur 3");
    }

    #[test]
    fn dates_are_written_in_french() {
        assert_eq!(french_date("2018-01-15"), "15 janvier 2018");
        assert_eq!(french_date("2016-07-01"), "1er juillet 2016");
        assert_eq!(french_date("bientôt"), "bientôt");
    }
}
