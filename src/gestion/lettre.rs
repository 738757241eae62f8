//! The newsletter, the organisers' side (`/gestion/organisations/{org}/
//! lettre`, linked from the dashboard): the subscribers by status with the
//! CSV export, an issue written (subject, text in the descriptions'
//! Markdown), previewed exactly as it will leave (the text, the footer and
//! its unsubscribe link), then sent after a confirmation that names how
//! many people receive it; the issues sent with their counts, and the
//! bounces (the issues' emails given up on). Everything goes through the
//! endpoint's `…/lettre` routes (`crates/parvis-api/src/routes/lettre.rs`).

use gloo_net::http::Method;
use leptos::prelude::*;
use parvis_core::api::{ApiError, FieldErrors};
use parvis_core::lettre::{
    BounceLine, IssueCreated, IssuePreview, IssueRequest, IssueSent, Overview, field, paths,
};

use crate::api::{call, json, read};
use crate::components::{ErrorNotice, Loading, StatusNotice, TextField};
use crate::gestion::evenement::signed_in;

/// « 3 personnes », « 1 personne ».
fn people(count: u64) -> String {
    format!("{count} personne{}", if count > 1 { "s" } else { "" })
}

fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%d/%m/%Y %H:%M UTC").to_string()
}

/// `/gestion/organisations/{org}/lettre`.
#[component]
pub fn NewsletterPage() -> impl IntoView {
    let params = leptos_router::hooks::use_params_map();
    let organisation = Memo::new(move |_| params.with(|p| p.get("org").unwrap_or_default()));
    crate::set_title("Lettre d'information");
    signed_in(move |me| {
        let csrf = StoredValue::new(me.csrf_token.clone());
        let org = StoredValue::new(organisation.get_untracked());
        let version = RwSignal::new(0u32);
        let overview = crate::api::Loaded::<Overview>::new(move || {
            version.track();
            paths::overview(&org.get_value())
        });
        let bounces = crate::api::Loaded::<Vec<BounceLine>>::new(move || {
            version.track();
            paths::bounces(&org.get_value())
        });

        let subject = RwSignal::new(String::new());
        let text = RwSignal::new(String::new());
        let errors = RwSignal::new(FieldErrors::default());
        let notice = RwSignal::new(None::<String>);
        let notice_ref = NodeRef::<leptos::html::Div>::new();
        let preview = RwSignal::new(None::<IssuePreview>);
        let preview_ref = NodeRef::<leptos::html::H2>::new();
        let asking = RwSignal::new(false);
        let confirm_ref = NodeRef::<leptos::html::H3>::new();
        let request = move || IssueRequest {
            objet: subject.get_untracked(),
            texte: text.get_untracked(),
        };

        let show = Action::new_local(move |request: &IssueRequest| {
            let url = paths::preview(&org.get_value());
            let body = json(request);
            let proof = csrf.get_value();
            async move { read::<IssuePreview>(&call(Method::POST, &url, body, Some(&proof)).await?) }
        });
        // Stored, then sent: a second press of the button sends the same
        // issue, which nobody receives twice.
        let send = Action::new_local(move |request: &IssueRequest| {
            let organisation = org.get_value();
            let body = json(request);
            let proof = csrf.get_value();
            async move {
                let created = read::<IssueCreated>(
                    &call(
                        Method::POST,
                        &paths::issues(&organisation),
                        body,
                        Some(&proof),
                    )
                    .await?,
                )?;
                read::<IssueSent>(
                    &call(
                        Method::POST,
                        &paths::send(&organisation, created.id),
                        Some("{}".to_owned()),
                        Some(&proof),
                    )
                    .await?,
                )
            }
        });
        let failed = move |error: ApiError| {
            let message = if error.fields.is_empty() {
                error.message.clone()
            } else {
                let named: Vec<&str> = [(field::SUBJECT, "Objet"), (field::BODY, "Texte")]
                    .into_iter()
                    .filter(|(name, _)| !error.fields.get(name).is_empty())
                    .map(|(_, label)| label)
                    .collect();
                format!(
                    "La lettre n'a pas pu être préparée : corrigez {} ({}).",
                    if named.len() > 1 {
                        "les champs signalés"
                    } else {
                        "le champ signalé"
                    },
                    named.join(", ")
                )
            };
            errors.set(error.fields);
            notice.set(Some(message));
            crate::focus_when_shown(notice_ref);
        };
        Effect::new(move |_| {
            if let Some(result) = show.value().get() {
                match result {
                    Ok(shown) => {
                        errors.set(FieldErrors::default());
                        notice.set(None);
                        asking.set(false);
                        preview.set(Some(shown));
                        crate::focus_when_shown(preview_ref);
                    }
                    Err(error) => failed(error),
                }
            }
        });
        Effect::new(move |_| {
            if let Some(result) = send.value().get() {
                asking.set(false);
                preview.set(None);
                match result {
                    Ok(sent) => {
                        subject.set(String::new());
                        text.set(String::new());
                        notice.set(Some(sent.message));
                        version.update(|v| *v += 1);
                        crate::focus_when_shown(notice_ref);
                    }
                    Err(error) => failed(error),
                }
            }
        });

        let csv_excel = paths::export_csv(&org.get_value());
        let csv_standard = format!("{csv_excel}?dialecte=standard");
        view! {
            <p><a href="/gestion/">"← Espace de gestion"</a></p>
            <h1>"Lettre d'information"</h1>
            <p>"Les personnes s'inscrivent depuis le site public et confirment leur adresse par le lien d'un e-mail ; chaque lettre leur arrive avec un lien pour se désinscrire en un clic."</p>
            <StatusNotice text=notice node=notice_ref/>
            <section aria-labelledby="abonnes-titre">
                <h2 id="abonnes-titre">"Personnes inscrites"</h2>
                <Transition fallback=|| view! { <Loading text="Chargement…"/> }>
                    {move || overview.get().map(|result| match result {
                        Ok(overview) => view! {
                            <dl class="facts">
                                <dt>"Inscrites (adresse confirmée)"</dt><dd id="abonnes-confirmes">{overview.subscribers.confirmed}</dd>
                                <dt>"En attente de confirmation"</dt><dd>{overview.subscribers.pending}</dd>
                                <dt>"Désinscrites"</dt><dd>{overview.subscribers.unsubscribed}</dd>
                            </dl>
                            <p class="hint">{format!("Phrase de consentement du formulaire : « {} »", overview.consent)}</p>
                        }.into_any(),
                        Err(error) => view! { <ErrorNotice message=error.message/> }.into_any(),
                    })}
                </Transition>
                <p>
                    <a href=csv_excel download="">"Exporter les personnes inscrites (CSV pour Excel)"</a>
                    " — "
                    <a href=csv_standard download="">"CSV standard"</a>
                </p>
            </section>
            <section aria-labelledby="ecrire-titre">
                <h2 id="ecrire-titre">"Écrire une lettre"</h2>
                <form novalidate on:submit=move |ev| {
                    ev.prevent_default();
                    preview.set(None);
                    show.dispatch(request());
                }>
                    <TextField name=field::SUBJECT label="Objet" value=subject errors
                        hint=format!("Une ligne, {} caractères au plus.", parvis_core::lettre::SUBJECT_MAX)/>
                    <TextField name=field::BODY label="Texte" value=text errors multiline=true
                        hint="Paragraphes séparés par une ligne vide ; « ## » devant un intertitre, « - » devant un élément de liste, **gras**, [texte du lien](https://…). La lettre part en texte simple, suivie du lien de désinscription."/>
                    <button type="submit" disabled=move || show.pending().get()>"Prévisualiser la lettre"</button>
                </form>
            </section>
            {move || preview.get().map(|shown| {
                let count = shown.recipients;
                view! {
                    <section class="preview" aria-labelledby="apercu-titre">
                        <h2 id="apercu-titre" tabindex="-1" node_ref=preview_ref>"Aperçu de la lettre"</h2>
                        <dl class="facts">
                            <dt>"Expéditeur"</dt><dd>{shown.sender_name.clone()}</dd>
                            <dt>"Objet"</dt><dd>{shown.subject.clone()}</dd>
                            <dt>"Destinataires"</dt><dd>{people(count)}</dd>
                        </dl>
                        <div class="message-preview">{shown.text.clone()}</div>
                        <div class="actions">
                            {(count > 0).then(|| view! {
                                <button type="button" id="envoyer-lettre" on:click=move |_| {
                                    asking.set(true);
                                    crate::focus_when_shown(confirm_ref);
                                }>{format!("Envoyer à {}…", people(count))}</button>
                            })}
                            <button type="button" class="secondary" on:click=move |_| {
                                preview.set(None);
                                crate::focus_by_id(&crate::form::input_id(field::BODY));
                            }>"Modifier la lettre"</button>
                        </div>
                        {(count == 0).then(|| view! {
                            <p>"Personne n'a encore confirmé son inscription : il n'y a pas de destinataire."</p>
                        })}
                        <Show when=move || asking.get()>
                            <div class="confirm" role="group" aria-labelledby="confirmer-envoi-titre">
                                <h3 id="confirmer-envoi-titre" tabindex="-1" node_ref=confirm_ref>"Confirmer l'envoi"</h3>
                                <p>{format!(
                                    "La lettre part maintenant à {} dont l'adresse est confirmée, chacune avec son lien de désinscription. Elle ne peut plus être modifiée ensuite.",
                                    people(count)
                                )}</p>
                                <div class="actions">
                                    <button type="button" disabled=move || send.pending().get()
                                        on:click=move |_| { send.dispatch(request()); }>"Oui, envoyer maintenant"</button>
                                    <button type="button" class="secondary" on:click=move |_| {
                                        asking.set(false);
                                        crate::focus_by_id("envoyer-lettre");
                                    }>"Non, revenir"</button>
                                </div>
                            </div>
                        </Show>
                    </section>
                }
            })}
            <section aria-labelledby="envoyees-titre">
                <h2 id="envoyees-titre">"Lettres envoyées"</h2>
                <Transition fallback=|| view! { <Loading text="Chargement…"/> }>
                    {move || overview.get().map(|result| match result {
                        Ok(overview) if overview.issues.is_empty() => view! { <p>"Aucune lettre pour l'instant."</p> }.into_any(),
                        Ok(overview) => view! {
                            <div class="table-scroll" role="region" aria-labelledby="envoyees-legende" tabindex="0">
                                <table>
                                    <caption id="envoyees-legende">"Lettres, la plus récente d'abord"</caption>
                                    <thead><tr>
                                        <th scope="col">"Objet"</th>
                                        <th scope="col">"Écrite le"</th>
                                        <th scope="col">"Envoyée le"</th>
                                        <th scope="col">"E-mails"</th>
                                        <th scope="col">"En échec"</th>
                                    </tr></thead>
                                    <tbody>{overview.issues.into_iter().map(|issue| view! {
                                        <tr>
                                            <td>{issue.subject}</td>
                                            <td>{when(issue.created_at)}</td>
                                            <td>{issue.sent_at.map(when).unwrap_or_else(|| "pas encore envoyée".to_owned())}</td>
                                            <td>{issue.recipients}</td>
                                            <td>{issue.bounces}</td>
                                        </tr>
                                    }).collect_view()}</tbody>
                                </table>
                            </div>
                        }.into_any(),
                        Err(error) => view! { <ErrorNotice message=error.message/> }.into_any(),
                    })}
                </Transition>
            </section>
            <section aria-labelledby="retours-titre">
                <h2 id="retours-titre">"Adresses en échec"</h2>
                <p>"Les e-mails de lettre que le serveur de messagerie a refusés, ou qui n'ont pas pu partir après plusieurs tentatives."</p>
                <Transition fallback=|| view! { <Loading text="Chargement…"/> }>
                    {move || bounces.get().map(|result| match result {
                        Ok(list) if list.is_empty() => view! { <p>"Aucun échec d'envoi."</p> }.into_any(),
                        Ok(list) => view! {
                            <div class="table-scroll" role="region" aria-labelledby="retours-legende" tabindex="0">
                                <table>
                                    <caption id="retours-legende">"E-mails en échec, le plus récent d'abord"</caption>
                                    <thead><tr>
                                        <th scope="col">"Adresse"</th>
                                        <th scope="col">"Lettre"</th>
                                        <th scope="col">"Raison"</th>
                                        <th scope="col">"Abandonné le"</th>
                                    </tr></thead>
                                    <tbody>{list.into_iter().map(|bounce| view! {
                                        <tr>
                                            <td>{bounce.recipient}</td>
                                            <td>{bounce.subject}</td>
                                            <td>{bounce.reason}</td>
                                            <td>{when(bounce.dead_at)}</td>
                                        </tr>
                                    }).collect_view()}</tbody>
                                </table>
                            </div>
                        }.into_any(),
                        Err(error) => view! { <ErrorNotice message=error.message/> }.into_any(),
                    })}
                </Transition>
            </section>
        }
    })
}
