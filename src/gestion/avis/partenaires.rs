//! Stakeholder questionnaires, the organisers' side
//! (`/gestion/organisations/{org}/avis-partenaires`): an organisation's
//! yearly questionnaires to its funders, speakers and partners, not tied to
//! an event. The page lists them with where each stands, creates one from
//! the template, and per questionnaire sends it to a list of addresses
//! (pasted, or a CSV file read in the browser into the same text area, as
//! for invitations), after a confirmation, with a focused report of what was
//! sent and of the lines left out; it also reminds and closes, confirmed.
//!
//! The editor and the dashboard are the event questionnaires' own
//! ([`super::editeur`], [`super::resultats`]), given a
//! [`Target::Stakeholder`](super::Target). Everything goes through the
//! endpoint's `…/avis-partenaires` routes
//! (`crates/parvis-api/src/routes/avis/partenaires.rs`).

use gloo_net::http::Method;
use leptos::prelude::*;
use parvis_core::api::{ApiError, FieldErrors};
use parvis_core::feedback::api::{
    NewQuestionnaire, QuestionnaireLine, QuestionnaireStatus, QuestionnaireView, SentReport,
};
use parvis_core::feedback::results::percent;
use parvis_core::invitations::{InviteRequest, LineProblem};
use serde::Deserialize;

use super::count;
use crate::api::{call, json, read};
use crate::components::{ErrorNotice, Loading, StatusNotice, TextField};
use crate::gestion::evenement::signed_in;
use crate::gestion::invitations::file_text;

/// `GET` an organisation's stakeholder questionnaires; `POST` a new one.
pub fn list_url(organisation: &str) -> String {
    format!("/api/gestion/organisations/{organisation}/avis-partenaires")
}

/// One questionnaire; `action` is the rest of the path (`""`, `/envoyer`…).
pub fn url(organisation: &str, id: &str, action: &str) -> String {
    format!("{}/{id}{action}", list_url(organisation))
}

/// The back-office page of the stakeholder questionnaires.
pub fn page_href(organisation: &str) -> String {
    format!("/gestion/organisations/{organisation}/avis-partenaires")
}

/// What sending to a list did (`POST …/{id}/envoyer`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ListSent {
    /// Emails queued now.
    pub sent: usize,
    /// Addresses asked before: nothing sent.
    pub already: usize,
    /// Lines left out, with why.
    pub problems: Vec<LineProblem>,
    /// French summary.
    pub message: String,
}

/// The field of a card's address list (its own id in the page).
fn addresses_field(id: &str) -> String {
    format!("adresses.{id}")
}

/// `/gestion/organisations/{org}/avis-partenaires`.
#[component]
pub fn StakeholderPage() -> impl IntoView {
    let params = leptos_router::hooks::use_params_map();
    let organisation = Memo::new(move |_| params.with(|p| p.get("org").unwrap_or_default()));
    crate::set_title("Questionnaires aux partenaires");
    signed_in(move |me| {
        let csrf = StoredValue::new(me.csrf_token.clone());
        let version = RwSignal::new(0u32);
        let lines = crate::api::Loaded::<Vec<QuestionnaireLine>>::new(move || {
            version.track();
            list_url(&organisation.get())
        });
        let status = RwSignal::new(None::<String>);
        let status_ref = NodeRef::<leptos::html::Div>::new();
        let report = RwSignal::new(None::<ListSent>);
        let report_ref = NodeRef::<leptos::html::Div>::new();
        // A message; `changed` reloads the list.
        let say = Callback::new(move |(message, changed): (String, bool)| {
            report.set(None);
            status.set(Some(message));
            if changed {
                version.update(|v| *v += 1);
            }
            crate::focus_when_shown(status_ref);
        });
        let reported = Callback::new(move |done: ListSent| {
            status.set(None);
            report.set(Some(done));
            version.update(|v| *v += 1);
            crate::focus_when_shown(report_ref);
        });
        let org = StoredValue::new(organisation.get_untracked());

        let create = Action::new_local(move |_: &()| {
            let body = json(&NewQuestionnaire {
                modele: Some("partenaires".to_owned()),
                questionnaire: None,
            });
            let url = list_url(&org.get_value());
            let proof = csrf.get_value();
            async move {
                read::<QuestionnaireView>(&call(Method::POST, &url, body, Some(&proof)).await?)
            }
        });
        Effect::new(move |_| {
            if let Some(result) = create.value().get() {
                say.run(match result {
                    Ok(view) => (
                        format!(
                            "Le questionnaire aux partenaires est créé à partir du modèle ({}). Relisez-le, puis envoyez-le à votre liste d'adresses.",
                            count(view.questionnaire.questions.len(), "question", "questions")
                        ),
                        true,
                    ),
                    Err(error) => (error.message, false),
                });
            }
        });

        view! {
            <p><a href="/gestion/">"← Espace de gestion"</a></p>
            <h1>"Questionnaires aux partenaires"</h1>
            <p>"Un questionnaire annuel à vos financeurs, intervenant·es et partenaires, sans lien avec un événement. Vous l'envoyez à une liste d'adresses : chaque personne reçoit un lien personnel par e-mail."</p>
            <StatusNotice text=status node=status_ref/>
            {move || report.get().map(|done| view! {
                <div class="notice" role="status" tabindex="-1" node_ref=report_ref id="compte-rendu">
                    <p>{done.message.clone()}</p>
                    <ul>
                        <li>{format!("Envoyé maintenant : {}", count(done.sent, "adresse", "adresses"))}</li>
                        <li>{format!("Déjà sollicitée(s), rien de renvoyé : {}", count(done.already, "adresse", "adresses"))}</li>
                    </ul>
                    {(!done.problems.is_empty()).then(|| view! {
                        <p>"Lignes écartées :"</p>
                        <ul>{done.problems.iter().map(|p| view! {
                            <li>{format!("Ligne {} (« {} ») : {}", p.line, p.text, p.message)}</li>
                        }).collect_view()}</ul>
                    })}
                </div>
            })}
            <p>
                <button type="button" disabled=move || create.pending().get()
                    on:click=move |_| { create.dispatch(()); }>"Créer un questionnaire aux partenaires"</button>
            </p>
            <Transition fallback=|| view! { <Loading text="Chargement des questionnaires…"/> }>
                {move || lines.get().map(|result: Result<Vec<QuestionnaireLine>, ApiError>| match result {
                    Ok(list) if list.is_empty() => view! {
                        <p>"Aucun questionnaire aux partenaires pour l'instant."</p>
                    }.into_any(),
                    Ok(list) => list.into_iter().map(|line| view! {
                        <StakeholderCard organisation=org line csrf say reported/>
                    }).collect_view().into_any(),
                    Err(error) => view! { <ErrorNotice message=error.message/> }.into_any(),
                })}
            </Transition>
        }
    })
}

/// What a card's buttons do, once confirmed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Act {
    Send,
    Remind,
    Close,
}

/// What came back.
#[derive(Clone)]
enum Done {
    Sent(ListSent),
    Said(String),
}

/// One questionnaire: where it stands, its pages, sending, reminding and
/// closing.
#[component]
fn StakeholderCard(
    organisation: StoredValue<String>,
    line: QuestionnaireLine,
    csrf: StoredValue<String>,
    say: Callback<(String, bool)>,
    reported: Callback<ListSent>,
) -> impl IntoView {
    let id = StoredValue::new(line.avis.clone());
    let field = StoredValue::new(addresses_field(&line.avis));
    let addresses = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::default());
    let asking = RwSignal::new(None::<Act>);
    let confirm_ref = NodeRef::<leptos::html::H3>::new();
    let file_ref = NodeRef::<leptos::html::Input>::new();

    let act = Action::new_local(move |what: &Act| {
        let what = *what;
        let path = match what {
            Act::Send => "/envoyer",
            Act::Remind => "/relancer",
            Act::Close => "/fermer",
        };
        let url = url(&organisation.get_value(), &id.get_value(), path);
        let proof = csrf.get_value();
        let body = match what {
            Act::Send => json(&InviteRequest {
                adresses: addresses.get_untracked(),
            }),
            _ => Some("{}".to_owned()),
        };
        async move {
            let result = call(Method::POST, &url, body, Some(&proof))
                .await
                .and_then(|text| match what {
                    Act::Send => read::<ListSent>(&text).map(Done::Sent),
                    Act::Remind => read::<SentReport>(&text).map(|r| Done::Said(r.message)),
                    Act::Close => Ok(Done::Said(
                        "Le questionnaire est clos : les réponses ne peuvent plus être données ni modifiées."
                            .to_owned(),
                    )),
                });
            (what, result)
        }
    });
    Effect::new(move |_| {
        let Some((what, result)) = act.value().get() else {
            return;
        };
        asking.set(None);
        match result {
            Ok(Done::Sent(done)) => reported.run(done),
            Ok(Done::Said(message)) => say.run((message, true)),
            Err(error) if what == Act::Send && !error.fields.is_empty() => {
                // The endpoint names `adresses`: this card's own field.
                let mut mine = FieldErrors::default();
                for (_, messages) in error.fields.0 {
                    for message in messages {
                        mine.add(&field.get_value(), message);
                    }
                }
                errors.set(mine);
                say.run(("Rien n'a été envoyé : corrigez la liste.".to_owned(), false));
            }
            Err(error) => say.run((error.message, false)),
        }
    });

    let read_file = move |_| {
        let Some(input) = file_ref.get_untracked() else {
            return;
        };
        let input: web_sys::HtmlInputElement = input;
        leptos::task::spawn_local(async move {
            match file_text(input).await {
                Some((name, text)) => {
                    addresses.set(text);
                    say.run((
                        format!(
                            "Fichier « {name} » lu : vérifiez la liste des adresses, puis envoyez le questionnaire."
                        ),
                        false,
                    ));
                }
                None => say.run((
                    "Ce fichier n'a pas pu être lu : enregistrez-le en CSV (UTF-8) et réessayez."
                        .to_owned(),
                    false,
                )),
            }
        });
    };
    let ask = move |what: Act| {
        asking.set(Some(what));
        crate::focus_when_shown(confirm_ref);
    };
    let on_send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if addresses.with_untracked(|text| text.trim().is_empty()) {
            let mut missing = FieldErrors::default();
            missing.add(
                &field.get_value(),
                "Collez au moins une adresse e-mail, une par ligne.".to_owned(),
            );
            errors.set(missing);
            crate::focus_by_id(&crate::form::input_id(&field.get_value()));
            return;
        }
        errors.set(FieldErrors::default());
        ask(Act::Send);
    };

    let status = line.status;
    let rate = percent(line.answered, line.invited)
        .map(|r| format!("{r} %"))
        .unwrap_or_else(|| "—".to_owned());
    let a = line.avis.clone();
    let heading = format!("questionnaire-{a}");
    let labelled_by = heading.clone();
    let page = format!("{}/{a}", page_href(&organisation.get_value()));
    let file_id = format!("fichier-{a}");
    let file_hint = format!("{file_id}-aide");
    let send_heading = format!("envoyer-titre-{a}");
    view! {
        <section class="questionnaire" aria-labelledby=labelled_by>
            <h2 id=heading>{line.title.clone()}</h2>
            <dl class="facts">
                <dt>"Statut"</dt><dd>{status.label()}</dd>
                <dt>"Personnes sollicitées"</dt><dd>{line.invited}</dd>
                <dt>"Réponses envoyées"</dt><dd>{line.answered}</dd>
                <dt>"Taux de réponse"</dt><dd>{rate}</dd>
                <dt>"Anonymat"</dt><dd>{if line.anonymous { "Anonyme" } else { "Nominatif" }}</dd>
            </dl>
            <div class="actions">
                <a class="button" href=page.clone()>"Modifier le questionnaire"</a>
                <a class="button secondary" href=format!("{page}/resultats")>"Voir les résultats"</a>
                {(status == QuestionnaireStatus::Open).then(|| view! {
                    <button type="button" class="secondary" id=format!("relancer-{a}") on:click=move |_| ask(Act::Remind)>
                        "Relancer les personnes qui n'ont pas répondu…"
                    </button>
                })}
                {(status != QuestionnaireStatus::Closed).then(|| view! {
                    <button type="button" id=format!("clore-{a}") class="secondary danger" on:click=move |_| ask(Act::Close)>
                        "Clore le questionnaire…"
                    </button>
                })}
            </div>
            {(status != QuestionnaireStatus::Closed).then(|| view! {
                <section aria-labelledby=send_heading.clone()>
                    <h3 id=send_heading.clone()>
                        {if status == QuestionnaireStatus::Draft { "Envoyer le questionnaire" } else { "Envoyer à d'autres adresses" }}
                    </h3>
                    <form novalidate on:submit=on_send>
                        <div class="field">
                            <label for=file_id.clone()>"Importer un fichier CSV (facultatif)"</label>
                            <p class="hint" id=file_hint.clone()>"L'export d'un tableur, avec une colonne « email », « e-mail », « courriel » ou « adresse » : son contenu remplit la liste ci-dessous."</p>
                            <input type="file" id=file_id.clone() accept=".csv,.txt,text/csv,text/plain"
                                aria-describedby=file_hint.clone() node_ref=file_ref on:change=read_file/>
                        </div>
                        <TextField name=field.get_value() label="Adresses e-mail des partenaires" value=addresses errors multiline=true
                            hint="Une adresse par ligne (« Nom <adresse> » accepté), ou séparées par des virgules ou des points-virgules. Une adresse déjà sollicitée ne reçoit rien de plus."/>
                        <button type="submit" id=format!("envoyer-{a}") disabled=move || act.pending().get()>"Envoyer le questionnaire…"</button>
                    </form>
                </section>
            })}
            {move || asking.get().map(|what| {
                let listed = addresses.with_untracked(|text| text.lines().filter(|l| !l.trim().is_empty()).count());
                let (title, text, yes) = match what {
                    Act::Close => (
                        "Confirmer la clôture",
                        "Clore le questionnaire ? Les réponses déjà données restent dans les résultats ; plus personne ne pourra répondre ni modifier ses réponses. Cette action ne peut pas être défaite.".to_owned(),
                        "Oui, clore le questionnaire",
                    ),
                    Act::Remind => (
                        "Confirmer la relance",
                        "Les personnes sollicitées qui n'ont pas encore répondu reçoivent un rappel par e-mail, une seule fois par personne.".to_owned(),
                        "Oui, relancer maintenant",
                    ),
                    Act::Send => (
                        "Confirmer l'envoi",
                        format!(
                            "Le questionnaire part maintenant par e-mail, avec un lien personnel, à chaque adresse de la liste ({}). Les adresses déjà sollicitées ne le reçoivent pas une seconde fois ; les lignes qui ne sont pas des adresses sont écartées et signalées.",
                            count(listed, "ligne", "lignes")
                        ),
                        "Oui, envoyer maintenant",
                    ),
                };
                let back = match what {
                    Act::Close => format!("clore-{}", id.get_value()),
                    Act::Remind => format!("relancer-{}", id.get_value()),
                    Act::Send => format!("envoyer-{}", id.get_value()),
                };
                let heading = format!("confirmation-{}", id.get_value());
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
