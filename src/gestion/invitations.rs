//! The invitations of a members-only event in the back-office: a list of
//! addresses pasted or read from a CSV file (into the same text area, so
//! what is sent is what is seen), the report of what was sent and of the
//! lines left out, who was invited and who registered, « Renvoyer », and
//! the invitation codes (generated, shown once in a focused box, revoked).

use gloo_net::http::Method;
use leptos::prelude::*;
use parvis_core::api::{ApiError, FieldErrors};
use parvis_core::gestion::Accepted;
use parvis_core::invitations::{
    CodeCreated, CodeLine, CodeRequest, INVITATIONS_PER_REQUEST, InvitationLine, InvitationList,
    InviteReport, InviteRequest, RESENDS_PER_DAY, codes_path, field, invitations_path,
};
use wasm_bindgen::JsCast;

use super::evenement::{EventNav, event_params, signed_in};
use crate::api::{call, json, read};
use crate::components::{ErrorNotice, Loading, StatusNotice, TextField};

/// The text of the file chosen in `input`, read as UTF-8 by the browser.
pub(crate) async fn file_text(input: web_sys::HtmlInputElement) -> Option<(String, String)> {
    let files = js_sys::Reflect::get(&input, &"files".into()).ok()?;
    let file = js_sys::Reflect::get(&files, &0.into()).ok()?;
    if file.is_undefined() || file.is_null() {
        return None;
    }
    let name = js_sys::Reflect::get(&file, &"name".into())
        .ok()?
        .as_string()
        .unwrap_or_default();
    let text = js_sys::Reflect::get(&file, &"text".into())
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?
        .call0(&file)
        .ok()?
        .dyn_into::<js_sys::Promise>()
        .ok()?;
    let text = wasm_bindgen_futures::JsFuture::from(text)
        .await
        .ok()?
        .as_string()?;
    Some((name, text))
}

/// « 24/11/2026 ».
macro_rules! day {
    ($at:expr) => {
        $at.format("%d/%m/%Y").to_string()
    };
}

/// What an action on the page sends.
#[derive(Clone)]
enum Act {
    Invite(String),
    Resend(i64),
    Code(String),
    Revoke(i64),
}

/// What came back.
#[derive(Clone)]
enum Done {
    Invited(InviteReport),
    Code(CodeCreated),
    Said(String),
}

/// `/gestion/organisations/{org}/evenements/{slug}/invitations`.
#[component]
pub fn InvitationsPage() -> impl IntoView {
    let (organisation, slug) = event_params();
    crate::set_title("Invitations");
    signed_in(move |me| {
        let csrf = StoredValue::new(me.csrf_token.clone());
        let version = RwSignal::new(0u32);
        let list = crate::api::Loaded::<InvitationList>::new(move || {
            version.track();
            invitations_path(&organisation.get(), &slug.get())
        });
        let addresses = RwSignal::new(String::new());
        let label = RwSignal::new(String::new());
        let errors = RwSignal::new(FieldErrors::default());
        let status = RwSignal::new(None::<String>);
        let status_ref = NodeRef::<leptos::html::Div>::new();
        let report = RwSignal::new(None::<InviteReport>);
        let report_ref = NodeRef::<leptos::html::Div>::new();
        let created = RwSignal::new(None::<CodeCreated>);
        let created_ref = NodeRef::<leptos::html::Div>::new();
        let file_ref = NodeRef::<leptos::html::Input>::new();

        let act = Action::new_local(move |what: &Act| {
            let (org, event) = (organisation.get_untracked(), slug.get_untracked());
            let proof = csrf.get_value();
            let what = what.clone();
            async move {
                let result = match &what {
                    Act::Invite(text) => {
                        let body = json(&InviteRequest {
                            adresses: text.clone(),
                        });
                        call(
                            Method::POST,
                            &invitations_path(&org, &event),
                            body,
                            Some(&proof),
                        )
                        .await
                        .and_then(|text| read::<InviteReport>(&text).map(Done::Invited))
                    }
                    Act::Resend(id) => call(
                        Method::POST,
                        &format!("{}/{id}/renvoyer", invitations_path(&org, &event)),
                        Some("{}".to_owned()),
                        Some(&proof),
                    )
                    .await
                    .and_then(|text| read::<Accepted>(&text).map(|a| Done::Said(a.message))),
                    Act::Code(libelle) => {
                        let body = json(&CodeRequest {
                            libelle: libelle.clone(),
                        });
                        call(Method::POST, &codes_path(&org, &event), body, Some(&proof))
                            .await
                            .and_then(|text| read::<CodeCreated>(&text).map(Done::Code))
                    }
                    Act::Revoke(id) => call(
                        Method::POST,
                        &format!("{}/{id}/revoquer", codes_path(&org, &event)),
                        Some("{}".to_owned()),
                        Some(&proof),
                    )
                    .await
                    .and_then(|text| read::<Accepted>(&text).map(|a| Done::Said(a.message))),
                };
                (what, result)
            }
        });
        let pending = act.pending();
        Effect::new(move |_| {
            let Some((what, result)) = act.value().get() else {
                return;
            };
            match result {
                Ok(Done::Invited(done)) => {
                    errors.set(FieldErrors::default());
                    status.set(None);
                    created.set(None);
                    addresses.set(String::new());
                    report.set(Some(done));
                    version.update(|v| *v += 1);
                    crate::focus_when_shown(report_ref);
                }
                Ok(Done::Code(code)) => {
                    errors.set(FieldErrors::default());
                    status.set(None);
                    report.set(None);
                    label.set(String::new());
                    created.set(Some(code));
                    version.update(|v| *v += 1);
                    crate::focus_when_shown(created_ref);
                }
                Ok(Done::Said(message)) => {
                    report.set(None);
                    created.set(None);
                    status.set(Some(message));
                    version.update(|v| *v += 1);
                    crate::focus_when_shown(status_ref);
                }
                Err(error) => {
                    report.set(None);
                    let fields = error.fields.clone();
                    let message = match (&what, fields.is_empty()) {
                        (_, true) => error.message,
                        (Act::Code(_), false) => {
                            "Le code n'a pas été créé : corrigez le libellé.".to_owned()
                        }
                        _ => "Rien n'a été envoyé : corrigez la liste.".to_owned(),
                    };
                    errors.set(fields);
                    status.set(Some(message));
                    crate::focus_when_shown(status_ref);
                }
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
                        status.set(Some(format!(
                            "Fichier « {name} » lu : vérifiez la liste ci-dessous, puis envoyez les invitations."
                        )));
                    }
                    None => status.set(Some(
                        "Ce fichier n'a pas pu être lu : enregistrez-le en CSV (UTF-8) et réessayez."
                            .to_owned(),
                    )),
                }
                crate::focus_when_shown(status_ref);
            });
        };
        let invite = move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if !pending.get_untracked() {
                act.dispatch(Act::Invite(addresses.get_untracked()));
            }
        };
        let make_code = move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if !pending.get_untracked() {
                act.dispatch(Act::Code(label.get_untracked()));
            }
        };

        view! {
            <EventNav organisation=organisation.get() slug=slug.get() current="/invitations"/>
            <h1>"Invitations"</h1>
            <StatusNotice text=status node=status_ref/>
            {move || report.get().map(|done| view! {
                <div class="notice" role="status" tabindex="-1" node_ref=report_ref id="compte-rendu">
                    <p>{done.message.clone()}</p>
                    {(!done.problems.is_empty()).then(|| view! {
                        <p>"Lignes écartées :"</p>
                        <ul>{done.problems.iter().map(|p| view! { <li>{p.message.clone()}</li> }).collect_view()}</ul>
                    })}
                </div>
            })}
            {move || created.get().map(|code| view! {
                <div class="notice code-created" role="status" tabindex="-1" node_ref=created_ref id="code-cree">
                    <p>{format!("Code « {} » créé :", code.line.label)}</p>
                    <p class="code"><strong>{code.code.clone()}</strong></p>
                    <p>"Notez-le ou transmettez-le maintenant : il ne sera plus jamais affiché. Toute personne qui le saisit peut s'inscrire ; révoquez-le s'il circule trop."</p>
                </div>
            })}
            <Transition fallback=|| view! { <Loading text="Chargement des invitations…"/> }>
                {move || list.get().map(|result: Result<InvitationList, ApiError>| match result {
                    Err(error) => view! { <ErrorNotice message=error.message/> }.into_any(),
                    Ok(data) if !data.members_only => view! {
                        <p>"Cet événement est ouvert à tous : les invitations servent aux événements réservés aux membres. Cochez « Réservé aux membres » dans l'onglet « Modifier » pour inviter des personnes."</p>
                    }.into_any(),
                    Ok(data) => {
                        let left = data.emails_left_today;
                        view! {
                            <section aria-labelledby="inviter-titre">
                                <h2 id="inviter-titre">"Inviter des membres"</h2>
                                <p>"Chaque adresse reçoit un e-mail avec son lien personnel d'inscription : le formulaire s'ouvre avec son adresse, qui ne peut pas être changée. Une adresse déjà invitée ne reçoit rien de plus."</p>
                                <form novalidate on:submit=invite>
                                    <div class="field">
                                        <label for="fichier-invitations">"Importer un fichier CSV (facultatif)"</label>
                                        <p class="hint" id="fichier-invitations-aide">"L'export d'un tableur, avec une colonne « email », « e-mail », « courriel » ou « adresse » : son contenu remplit la liste ci-dessous."</p>
                                        <input type="file" id="fichier-invitations" accept=".csv,.txt,text/csv,text/plain"
                                            aria-describedby="fichier-invitations-aide" node_ref=file_ref on:change=read_file/>
                                    </div>
                                    <TextField name=field::ADDRESSES label="Adresses e-mail à inviter" value=addresses errors multiline=true
                                        hint=format!("Une adresse par ligne, ou séparées par des virgules ou des points-virgules ; {INVITATIONS_PER_REQUEST} au plus par envoi. Encore {left} e-mails d'invitation possibles pour cet événement sur 24 heures.")/>
                                    <button type="submit" disabled=move || pending.get()>"Envoyer les invitations"</button>
                                </form>
                            </section>
                            <InvitationTable lines=data.invitations on_resend=move |id| { act.dispatch(Act::Resend(id)); }/>
                            <section aria-labelledby="codes-titre">
                                <h2 id="codes-titre">"Codes d'invitation"</h2>
                                <p>"Un code se transmet à un groupe (une liste de diffusion, un réseau) : toute personne qui le saisit dans le formulaire peut s'inscrire. Il est affiché une seule fois, à sa création."</p>
                                <form novalidate on:submit=make_code>
                                    <TextField name=field::LABEL label="Libellé du code" value=label errors
                                        hint="Pour le reconnaître dans la liste, par exemple « Réseau des délégués du préfet »."/>
                                    <button type="submit" disabled=move || pending.get()>"Créer un code"</button>
                                </form>
                                <CodeList codes=data.codes on_revoke=move |id| { act.dispatch(Act::Revoke(id)); }/>
                            </section>
                        }.into_any()
                    }
                })}
            </Transition>
        }
    })
}

/// Who was invited and where each stands, with « Renvoyer ».
#[component]
fn InvitationTable(
    lines: Vec<InvitationLine>,
    on_resend: impl Fn(i64) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    if lines.is_empty() {
        return view! { <p>"Personne n'est encore invité·e."</p> }.into_any();
    }
    let registered = lines
        .iter()
        .filter(|l| l.status != "invitee" && l.status != "annulee")
        .count();
    view! {
        <h2 id="invitees-titre">"Personnes invitées"</h2>
        <p>{format!("{} invitée(s), dont {registered} inscrite(s).", lines.len())}</p>
        <div class="table-scroll" role="region" aria-labelledby="invitees-legende" tabindex="0">
            <table class="invitations">
                <caption id="invitees-legende">"Invitations, dans l'ordre d'envoi"</caption>
                <thead><tr>
                    <th scope="col">"Adresse"</th>
                    <th scope="col">"Statut"</th>
                    <th scope="col">"Invitée le"</th>
                    <th scope="col">"Envois"</th>
                    <th scope="col">"Action"</th>
                </tr></thead>
                <tbody>
                    {lines.into_iter().map(|line| {
                        let id = line.id;
                        let can_resend = line.status == "invitee" || line.status == "annulee";
                        view! {
                            <tr>
                                <th scope="row">{line.email.clone()}</th>
                                <td>{line.status_label.clone()}{line.through_link.then_some(" (par son lien)")}</td>
                                <td>{day!(line.invited_at)}</td>
                                <td>{format!("{} (dernier le {})", line.sent_count, day!(line.last_sent_at))}</td>
                                <td>
                                    {can_resend.then(|| view! {
                                        <button type="button" class="secondary" id=format!("renvoyer-{id}")
                                            on:click=move |_| on_resend(id)>
                                            "Renvoyer"<span class="sr-only">{format!(" l'invitation à {}", line.email)}</span>
                                        </button>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <p class="hint">{format!("Un renvoi envoie un nouveau lien (le précédent ne fonctionne plus) ; {RESENDS_PER_DAY} envois par personne sur 24 heures au plus.")}</p>
    }.into_any()
}

/// The generated codes, with « Révoquer ».
#[component]
fn CodeList(
    codes: Vec<CodeLine>,
    on_revoke: impl Fn(i64) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    if codes.is_empty() {
        return view! { <p>"Aucun code créé pour cet événement."</p> }.into_any();
    }
    view! {
        <ul class="codes">
            {codes.into_iter().map(|code| {
                let id = code.id;
                let state = match &code.revoked_at {
                    Some(at) => format!("révoqué le {}", day!(at)),
                    None => "valide".to_owned(),
                };
                view! {
                    <li>
                        <strong>{code.label.clone()}</strong>
                        {format!(" — créé le {}, {} inscription(s), {state}", day!(code.created_at), code.uses)}
                        {code.revoked_at.is_none().then(|| view! {
                            " "
                            <button type="button" class="secondary danger" id=format!("revoquer-{id}")
                                on:click=move |_| on_revoke(id)>
                                "Révoquer"<span class="sr-only">{format!(" le code « {} »", code.label)}</span>
                            </button>
                        })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }.into_any()
}
