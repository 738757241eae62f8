//! Participant feedback, the organisers' side (`…/evenements/{slug}/avis`):
//! an event's questionnaires (« à chaud », « à froid ») with where each
//! stands, created from a template, sent (after a confirmation saying who
//! receives it), reminded and closed; their editor ([`editeur`]) and their
//! results dashboard ([`resultats`]).
//!
//! Everything goes through the endpoint's `…/avis` routes
//! (`crates/parvis-api/src/routes/avis.rs`), typed by
//! `parvis_core::feedback::api`. This module belongs to the back-office
//! bundle only: the public pages never import it.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};
use gloo_net::http::Method;
use leptos::prelude::*;
use parvis_core::api::{ApiError, FieldErrors};
use parvis_core::dates;
use parvis_core::feedback::api::{
    NewQuestionnaire, QuestionnaireLine, QuestionnaireStatus, QuestionnaireView, SentReport,
};
use parvis_core::feedback::{Questionnaire, QuestionnaireKind};

use super::evenement::{EventNav, event_params, href, signed_in};
use crate::api::{call, json, read};
use crate::components::{ErrorNotice, Loading, SelectField, StatusNotice};

pub mod editeur;
pub mod partenaires;
pub mod resultats;

/// The feedback build (`dist/gestion/avis/`): an event's questionnaires,
/// the stakeholders', their editor and results.
#[leptos::component]
pub fn App() -> impl leptos::IntoView {
    use leptos::prelude::*;
    use leptos_router::components::{Route, Routes};
    use leptos_router::path;
    super::frame(super::Bundle::Avis, || {
        view! {
            <Routes fallback=super::not_found>
                <Route path=path!("/gestion/organisations/:org/evenements/:slug/avis") view=FeedbackPage/>
                <Route path=path!("/gestion/organisations/:org/evenements/:slug/avis/:avis") view=editeur::QuestionnaireEditorPage/>
                <Route path=path!("/gestion/organisations/:org/evenements/:slug/avis/:avis/resultats") view=resultats::ResultsPage/>
                <Route path=path!("/gestion/organisations/:org/avis-partenaires") view=partenaires::StakeholderPage/>
                <Route path=path!("/gestion/organisations/:org/avis-partenaires/:id") view=editeur::QuestionnaireEditorPage/>
                <Route path=path!("/gestion/organisations/:org/avis-partenaires/:id/resultats") view=resultats::ResultsPage/>
            </Routes>
        }
    })
}

/// Whose questionnaire a page shows: an event's (`…/evenements/{slug}/avis/{avis}`)
/// or a stakeholder one (`…/avis-partenaires/{id}`). The editor and the
/// dashboard serve both; what does not apply to stakeholders (automatic
/// sending, public link, hot versus cold) is left out for them.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Target {
    /// `avis` is `a-chaud` or `a-froid`.
    Event {
        organisation: String,
        slug: String,
        avis: String,
    },
    /// `id` is the questionnaire's id.
    Stakeholder { organisation: String, id: String },
}

impl Target {
    /// The questionnaire named by the route: `:org/:slug/:avis` or `:org/:id`.
    pub fn from_params() -> Memo<Target> {
        let params = leptos_router::hooks::use_params_map();
        Memo::new(move |_| {
            params.with(|p| {
                let organisation = p.get("org").unwrap_or_default();
                match p.get("slug") {
                    Some(slug) => Target::Event {
                        organisation,
                        slug,
                        avis: p.get("avis").unwrap_or_default(),
                    },
                    None => Target::Stakeholder {
                        organisation,
                        id: p.get("id").unwrap_or_default(),
                    },
                }
            })
        })
    }

    /// The endpoint's address of the questionnaire; `action` as for [`url`].
    pub fn api(&self, action: &str) -> String {
        match self {
            Target::Event {
                organisation,
                slug,
                avis,
            } => url(organisation, slug, avis, action),
            Target::Stakeholder { organisation, id } => partenaires::url(organisation, id, action),
        }
    }

    /// The back-office page listing the questionnaire.
    pub fn list_page(&self) -> String {
        match self {
            Target::Event {
                organisation, slug, ..
            } => page_href(organisation, slug),
            Target::Stakeholder { organisation, .. } => partenaires::page_href(organisation),
        }
    }

    /// The questionnaire's own back-office page, then `action` (`""`, `/resultats`).
    pub fn page(&self, action: &str) -> String {
        let id = match self {
            Target::Event { avis, .. } => avis,
            Target::Stakeholder { id, .. } => id,
        };
        format!("{}/{id}{action}", self.list_page())
    }

    /// « ← Questionnaires de l'événement ».
    pub fn back(&self) -> &'static str {
        match self {
            Target::Event { .. } => "← Questionnaires de l'événement",
            Target::Stakeholder { .. } => "← Questionnaires aux partenaires",
        }
    }

    /// « à chaud », « à froid », « aux partenaires », for headings.
    pub fn words(&self) -> &'static str {
        match self {
            Target::Event { avis, .. } => kind_words(avis),
            Target::Stakeholder { .. } => "aux partenaires",
        }
    }

    /// Whether this is an event's questionnaire.
    pub fn is_event(&self) -> bool {
        matches!(self, Target::Event { .. })
    }

    /// The navigation above the page: the event's tabs, or the way back to
    /// the organisation's dashboard.
    pub fn nav(&self) -> AnyView {
        match self {
            Target::Event {
                organisation, slug, ..
            } => view! { <EventNav organisation=organisation.clone() slug=slug.clone() current="/avis"/> }
                .into_any(),
            Target::Stakeholder { .. } => {
                view! { <p><a href="/gestion/">"← Espace de gestion"</a></p> }.into_any()
            }
        }
    }
}

/// `GET` an event's questionnaires; `POST` a [`NewQuestionnaire`].
pub fn list_url(organisation: &str, slug: &str) -> String {
    format!(
        "{}/avis",
        parvis_core::editor::paths::event(organisation, slug)
    )
}

/// One questionnaire (`avis` is `a-chaud` or `a-froid`); `action` is the
/// rest of the path (`""`, `/envoyer`, `/resultats`, `/export.csv`…).
pub fn url(organisation: &str, slug: &str, avis: &str, action: &str) -> String {
    format!("{}/{avis}{action}", list_url(organisation, slug))
}

/// The back-office page of an event's questionnaires.
pub fn page_href(organisation: &str, slug: &str) -> String {
    format!("{}/avis", href(organisation, slug))
}

/// The questionnaire named in the address (`a-chaud`, `a-froid`).
pub fn avis_param() -> Memo<String> {
    let params = leptos_router::hooks::use_params_map();
    Memo::new(move |_| params.with(|p| p.get("avis").unwrap_or_default()))
}

/// « à chaud » or « à froid », for headings.
pub fn kind_words(avis: &str) -> &'static str {
    if avis == "a-froid" {
        "à froid"
    } else {
        "à chaud"
    }
}

/// The wall-clock time of `at` in this browser's time zone.
pub fn local(at: DateTime<FixedOffset>) -> NaiveDateTime {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        at.timestamp_millis() as f64
    ));
    let offset = -(date.get_timezone_offset() as i64);
    at.naive_utc() + chrono::Duration::minutes(offset)
}

/// « mardi 18 mars 2031 à 16 h 30 ».
pub fn french(at: DateTime<FixedOffset>) -> String {
    let at = local(at);
    format!(
        "{} à {}",
        dates::long_date(at.date()),
        dates::time(at.time())
    )
}

/// An RFC 3339 instant of the endpoint, written as [`french`] writes it.
pub fn french_text(text: &str) -> String {
    parvis_core::timestamp::parse(text)
        .map(french)
        .unwrap_or_else(|| text.to_owned())
}

/// A `datetime-local` value (`2031-03-18T16:30`) placed on the timeline in
/// this browser's time zone; `None` for anything else.
pub fn from_local_input(text: &str) -> Option<DateTime<FixedOffset>> {
    use chrono::{Datelike, Timelike};
    let naive = NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M").ok()?;
    let date = js_sys::Date::new_with_year_month_day_hr_min(
        naive.year() as u32,
        naive.month0() as i32,
        naive.day() as i32,
        naive.hour() as i32,
        naive.minute() as i32,
    );
    let offset = -(date.get_timezone_offset() as i32) * 60;
    FixedOffset::east_opt(offset)?
        .from_local_datetime(&naive)
        .single()
}

/// The value of a `datetime-local` input for `at`.
pub fn to_local_input(at: Option<DateTime<FixedOffset>>) -> String {
    at.map(|at| local(at).format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

/// `n` with its noun, « 1 personne », « 3 personnes ».
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n > 1 { many } else { one })
}

/// When the invitations go out, in French.
pub fn sending(view: &QuestionnaireView) -> String {
    let q = &view.questionnaire;
    if let Some(sent) = &view.sent_at {
        return format!("Envoyé le {}", french_text(sent));
    }
    if q.kind == QuestionnaireKind::Stakeholder {
        return "Envoi à la main : le questionnaire part quand vous collez la liste des adresses sur la page des questionnaires aux partenaires".to_owned();
    }
    if let Some(at) = &view.send_at {
        return format!("Envoi automatique prévu le {}", french_text(at));
    }
    if q.automatic {
        "Envoi automatique après la dernière séance de l'événement".to_owned()
    } else {
        "Envoi manuel : le questionnaire part quand vous l'envoyez".to_owned()
    }
}

/// The automatic sending's delay, in French.
pub fn delay(q: &Questionnaire) -> String {
    if !q.automatic || q.kind == QuestionnaireKind::Stakeholder {
        return "Aucun envoi automatique".to_owned();
    }
    match q.kind {
        QuestionnaireKind::Cold => format!(
            "{} après la fin de l'événement",
            count(usize::from(q.cold_delay_days), "jour", "jours")
        ),
        _ => format!(
            "{} après la fin de la dernière séance",
            count(usize::from(q.send_delay_hours), "heure", "heures")
        ),
    }
}

/// The automatic reminder, in French.
pub fn reminder(q: &Questionnaire) -> String {
    if !q.automatic {
        "Relance à la main, une fois par personne".to_owned()
    } else if q.reminder_delay_days == 0 {
        "Pas de relance automatique".to_owned()
    } else {
        format!(
            "Relance automatique {} après l'envoi",
            count(usize::from(q.reminder_delay_days), "jour", "jours")
        )
    }
}

/// When answers are accepted, in French.
pub fn window(q: &Questionnaire) -> String {
    let from = q
        .opens
        .map(|at| format!("à partir du {}", french(at)))
        .unwrap_or_else(|| "dès l'envoi".to_owned());
    let to = q
        .closes
        .map(|at| format!("jusqu'au {}", french(at)))
        .unwrap_or_else(|| "sans date de clôture".to_owned());
    format!("Réponses acceptées {from}, {to}")
}

/// The templates offered, by the kind they make.
const TEMPLATES: [(&str, &str, &str); 4] = [
    ("webinaire", "Webinaire (à chaud)", "a-chaud"),
    ("journee", "Journée d'étude (à chaud)", "a-chaud"),
    (
        "cycle",
        "Cycle : une note par journée et un bilan (à chaud)",
        "a-chaud",
    ),
    (
        "a-froid",
        "Suivi à froid, quelques semaines après (à froid)",
        "a-froid",
    ),
];

/// `/gestion/organisations/{org}/evenements/{slug}/avis`.
#[component]
pub fn FeedbackPage() -> impl IntoView {
    let (organisation, slug) = event_params();
    crate::set_title("Avis des participant·es");
    signed_in(move |me| {
        let csrf = StoredValue::new(me.csrf_token.clone());
        let version = RwSignal::new(0u32);
        let lines = crate::api::Loaded::<Vec<QuestionnaireLine>>::new(move || {
            version.track();
            list_url(&organisation.get(), &slug.get())
        });
        let status = RwSignal::new(None::<String>);
        let status_ref = NodeRef::<leptos::html::Div>::new();
        let said = Callback::new(move |message: String| {
            status.set(Some(message));
            version.update(|v| *v += 1);
            crate::focus_when_shown(status_ref);
        });
        let (org, event) = (
            StoredValue::new(organisation.get_untracked()),
            StoredValue::new(slug.get_untracked()),
        );
        view! {
            <EventNav organisation=organisation.get() slug=slug.get() current="/avis"/>
            <h1>"Avis des participant·es"</h1>
            <p>"Un questionnaire « à chaud » à la fin de l'événement, un « à froid » quelques semaines plus tard sur ce que les participant·es ont mis en pratique. Chaque personne reçoit un lien personnel par e-mail."</p>
            <StatusNotice text=status node=status_ref/>
            <Transition fallback=|| view! { <Loading text="Chargement des questionnaires…"/> }>
                {move || lines.get().map(|result: Result<Vec<QuestionnaireLine>, ApiError>| match result {
                    Ok(list) => {
                        let taken: Vec<String> = list.iter().map(|l| l.avis.clone()).collect();
                        let empty = list.is_empty();
                        view! {
                            {empty.then(|| view! { <p>"Cet événement n'a pas encore de questionnaire."</p> })}
                            {list.into_iter().map(|line| view! {
                                <QuestionnaireCard organisation=org slug=event line csrf said/>
                            }).collect_view()}
                            <CreateForm organisation=org slug=event taken csrf said/>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorNotice message=error.message/> }.into_any(),
                })}
            </Transition>
        }
    })
}

/// A new questionnaire from a template; only the templates of a kind the
/// event has not got yet are offered.
#[component]
fn CreateForm(
    organisation: StoredValue<String>,
    slug: StoredValue<String>,
    taken: Vec<String>,
    csrf: StoredValue<String>,
    said: Callback<String>,
) -> impl IntoView {
    let options: Vec<(String, String)> = TEMPLATES
        .iter()
        .filter(|(_, _, avis)| !taken.iter().any(|t| t == avis))
        .map(|(name, label, _)| ((*name).to_owned(), (*label).to_owned()))
        .collect();
    if options.is_empty() {
        return view! {
            <p>"Cet événement a ses deux questionnaires, à chaud et à froid."</p>
        }
        .into_any();
    }
    let model = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::default());
    let create = Action::new_local(move |modele: &String| {
        let body = json(&NewQuestionnaire {
            modele: Some(modele.clone()),
            questionnaire: None,
        });
        let url = list_url(&organisation.get_value(), &slug.get_value());
        let proof = csrf.get_value();
        async move { read::<QuestionnaireView>(&call(Method::POST, &url, body, Some(&proof)).await?) }
    });
    Effect::new(move |_| {
        if let Some(result) = create.value().get() {
            match result {
                Ok(view) => {
                    errors.set(FieldErrors::default());
                    said.run(format!(
                        "Le {} est créé à partir du modèle ({} questions). Relisez-le, puis envoyez-le.",
                        view.questionnaire.kind.label().to_lowercase(),
                        view.questionnaire.questions.len()
                    ));
                }
                Err(error) => {
                    errors.set(error.fields.clone());
                    said.run(error.message);
                }
            }
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let chosen = model.get_untracked();
        if chosen.is_empty() {
            let mut missing = FieldErrors::default();
            missing.add("modele", "Choisissez un modèle.".to_owned());
            errors.set(missing);
            crate::focus_by_id(&crate::form::input_id("modele"));
            return;
        }
        create.dispatch(chosen);
    };
    view! {
        <section aria-labelledby="nouveau-questionnaire">
            <h2 id="nouveau-questionnaire">"Créer un questionnaire"</h2>
            <form novalidate on:submit=on_submit>
                <SelectField name="modele" label="Modèle de départ" errors options value=model
                    hint="Toutes les questions du modèle restent modifiables avant l'envoi."/>
                <button type="submit" disabled=move || create.pending().get()>"Créer le questionnaire"</button>
            </form>
        </section>
    }
    .into_any()
}

/// What a card's buttons do.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Act {
    Send,
    Remind,
    Close,
    Publish,
    Withdraw,
}

impl Act {
    fn path(self) -> &'static str {
        match self {
            Act::Send => "/envoyer",
            Act::Remind => "/relancer",
            Act::Close => "/fermer",
            Act::Publish | Act::Withdraw => "/lien-public",
        }
    }
}

/// One questionnaire: where it stands and what may be done with it.
#[component]
fn QuestionnaireCard(
    organisation: StoredValue<String>,
    slug: StoredValue<String>,
    line: QuestionnaireLine,
    csrf: StoredValue<String>,
    said: Callback<String>,
) -> impl IntoView {
    let avis = StoredValue::new(line.avis.clone());
    let detail = crate::api::Loaded::<QuestionnaireView>::new(move || {
        url(
            &organisation.get_value(),
            &slug.get_value(),
            &avis.get_value(),
            "",
        )
    });
    let asking = RwSignal::new(None::<Act>);
    let confirm_ref = NodeRef::<leptos::html::H3>::new();
    let act = Action::new_local(move |what: &Act| {
        let what = *what;
        let url = url(
            &organisation.get_value(),
            &slug.get_value(),
            &avis.get_value(),
            what.path(),
        );
        let proof = csrf.get_value();
        let method = if what == Act::Withdraw {
            Method::DELETE
        } else {
            Method::POST
        };
        async move {
            (
                what,
                call(method, &url, Some("{}".to_owned()), Some(&proof)).await,
            )
        }
    });
    Effect::new(move |_| {
        let Some((what, result)) = act.value().get() else {
            return;
        };
        asking.set(None);
        let message = match (what, result) {
            (Act::Send | Act::Remind, Ok(text)) => read::<SentReport>(&text)
                .map(|report| report.message)
                .unwrap_or_else(|error| error.message),
            (Act::Close, Ok(_)) => {
                "Le questionnaire est clos : les réponses ne peuvent plus être données ni modifiées."
                    .to_owned()
            }
            (Act::Publish, Ok(_)) => {
                "Le lien public est publié : une réponse par navigateur, marquée « lien public » dans les résultats."
                    .to_owned()
            }
            (Act::Withdraw, Ok(_)) => {
                "Le lien public est retiré : il ne fonctionne plus ; les réponses données par ce lien restent."
                    .to_owned()
            }
            (_, Err(error)) => error.message,
        };
        said.run(message);
    });
    let ask = move |what: Act| {
        asking.set(Some(what));
        crate::focus_when_shown(confirm_ref);
    };
    let heading = format!("questionnaire-{}", line.avis);
    let labelled_by = heading.clone();
    let page = StoredValue::new(page_href(&organisation.get_value(), &slug.get_value()));
    view! {
        <section class="questionnaire" aria-labelledby=labelled_by>
            <h2 id=heading>{line.label.clone()}</h2>
            <p class="lead">{line.title.clone()}</p>
            <Transition fallback=|| view! { <Loading text="Chargement du questionnaire…"/> }>
                {move || detail.get().map(|result: Result<QuestionnaireView, ApiError>| match result {
                    Ok(view) => {
                        let status = view.status;
                        let q = view.questionnaire.clone();
                        let rate = view.response_rate.map(|r| format!("{r} %")).unwrap_or_else(|| "—".to_owned());
                        let public_link = view.public_link.clone();
                        let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
                        let a = avis.get_value();
                        view! {
                            <dl class="facts">
                                <dt>"Statut"</dt><dd>{status.label()}</dd>
                                <dt>"Personnes sollicitées"</dt><dd>{view.invited}</dd>
                                <dt>"Réponses envoyées"</dt><dd>{view.answered}</dd>
                                <dt>"Taux de réponse"</dt><dd>{rate}</dd>
                                <dt>"Relances"</dt><dd>{count(view.reminded, "personne relancée", "personnes relancées")}</dd>
                                <dt>"Envoi"</dt><dd>{sending(&view)}</dd>
                                <dt>"Délai"</dt><dd>{delay(&q)}</dd>
                                <dt>"Relance"</dt><dd>{reminder(&q)}</dd>
                                <dt>"Période"</dt><dd>{window(&q)}</dd>
                                <dt>"Anonymat"</dt><dd>{if q.anonymous { "Anonyme : les réponses ne sont pas associées aux personnes" } else { "Nominatif : les réponses sont associées aux inscriptions" }}</dd>
                                <dt>"Lien public"</dt>
                                <dd>{match public_link {
                                    Some(path) => {
                                        // A path, or already a whole address.
                                        let full = if path.starts_with('/') { format!("{origin}{path}") } else { path };
                                        view! {
                                            <a href=full.clone() rel="external" class="public-link">{full.clone()}</a>
                                            {format!(" — {}", count(view.public_answers, "réponse par ce lien", "réponses par ce lien"))}
                                        }.into_any()
                                    }
                                    None => view! { "Pas de lien public" }.into_any(),
                                }}</dd>
                            </dl>
                            <div class="actions">
                                <a class="button" href=format!("{}/{a}", page.get_value())>"Modifier le questionnaire"</a>
                                <a class="button secondary" href=format!("{}/{a}/resultats", page.get_value())>"Voir les résultats"</a>
                                {(status != QuestionnaireStatus::Closed).then(|| view! {
                                    <button type="button" id=format!("envoyer-{a}") on:click=move |_| ask(Act::Send)>
                                        {if status == QuestionnaireStatus::Draft { "Envoyer le questionnaire…" } else { "Envoyer aux personnes ajoutées depuis…" }}
                                    </button>
                                })}
                                {(status == QuestionnaireStatus::Open).then(|| view! {
                                    <button type="button" class="secondary" on:click=move |_| { act.dispatch(Act::Remind); }>"Relancer les personnes qui n'ont pas répondu"</button>
                                })}
                                {(status != QuestionnaireStatus::Closed && view.public_link.is_none()).then(|| view! {
                                    <button type="button" class="secondary" on:click=move |_| { act.dispatch(Act::Publish); }>"Publier un lien public"</button>
                                })}
                                {view.public_link.is_some().then(|| view! {
                                    <button type="button" class="secondary" on:click=move |_| { act.dispatch(Act::Withdraw); }>"Retirer le lien public"</button>
                                })}
                                {(status != QuestionnaireStatus::Closed).then(|| view! {
                                    <button type="button" id=format!("clore-{a}") class="secondary danger" on:click=move |_| ask(Act::Close)>"Clore le questionnaire…"</button>
                                })}
                            </div>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorNotice message=error.message/> }.into_any(),
                })}
            </Transition>
            {move || asking.get().map(|what| {
                let (title, text, yes) = match what {
                    Act::Close => (
                        "Confirmer la clôture",
                        "Clore le questionnaire ? Les réponses déjà données restent dans les résultats ; plus personne ne pourra répondre ni modifier ses réponses. Cette action ne peut pas être défaite.".to_owned(),
                        "Oui, clore le questionnaire",
                    ),
                    _ => (
                        "Confirmer l'envoi",
                        "Le questionnaire part maintenant par e-mail, avec un lien personnel, aux personnes marquées présentes à au moins une séance ; si la présence n'a pas été relevée, à toutes les personnes inscrites et confirmées. Les personnes qui l'ont déjà reçu ne le reçoivent pas une seconde fois.".to_owned(),
                        "Oui, envoyer maintenant",
                    ),
                };
                let back = match what {
                    Act::Close => format!("clore-{}", avis.get_value()),
                    _ => format!("envoyer-{}", avis.get_value()),
                };
                let heading = format!("confirmation-{}", avis.get_value());
                let labelled_by = heading.clone();
                view! {
                    <div class="confirm" role="group" aria-labelledby=labelled_by>
                        <h3 id=heading tabindex="-1" node_ref=confirm_ref>{title}</h3>
                        <p>{text}</p>
                        <div class="actions">
                            <button type="button" class:danger=what == Act::Close disabled=move || act.pending().get()
                                on:click=move |_| { act.dispatch(what); }>{yes}</button>
                            <button type="button" class="secondary" on:click=move |_| {
                                asking.set(None);
                                crate::focus_by_id(&back);
                            }>"Non, revenir"</button>
                        </div>
                    </div>
                }
            })}
        </section>
    }
}
