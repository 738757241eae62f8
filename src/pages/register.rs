//! The registration form of an open event: the person, the structure, the
//! invitation code of a members-only event, the workshops and days to
//! choose, the organiser's questions and the consent.
//!
//! It is checked with the same `parvis-core` code as on the endpoint before
//! sending; server errors come back next to their fields and in a summary
//! that takes the focus.

use std::collections::BTreeMap;

use leptos::prelude::*;
use parvis_core::api::{ApiError, EventPublic, FieldErrors, quota};
use parvis_core::dates;
use parvis_core::questions::{Answer, QuestionKind, field_key};
use parvis_core::registration::{RESIDENT, RegistrationRequest, STRUCTURE_TYPES, field};

use crate::components::{Bound, CheckboxField, Choice, ChoiceGroup, SelectField, TextField, bind};
use crate::form::{from_api_error, input_id, summary_lines};
use crate::{api, saved};

/// « 3 places restantes », « complet, liste d'attente »: the seats of a quota.
pub fn seats_note(event: &EventPublic, key: &str) -> Option<String> {
    event
        .availability
        .0
        .get(key)
        .map(|seats| match seats.left() {
            0 if event.waitlist => "complet, liste d'attente".to_owned(),
            0 => "complet".to_owned(),
            1 => "1 place restante".to_owned(),
            n => format!("{n} places restantes"),
        })
}

/// The form's input for one question, and how to read its answer.
#[derive(Clone)]
pub struct QuestionInput {
    id: String,
    text: RwSignal<String>,
    picked: RwSignal<Vec<String>>,
    kind: QuestionKind,
}

impl QuestionInput {
    /// The inputs of an event's questions, filled with `answers`.
    pub fn for_event(event: &EventPublic, answers: &BTreeMap<String, Answer>) -> Vec<Self> {
        event
            .questions
            .iter()
            .map(|q| {
                let (text, picked) = match answers.get(&q.id) {
                    Some(Answer::Text(text)) => (text.clone(), Vec::new()),
                    Some(Answer::Many(items)) => (String::new(), items.clone()),
                    Some(Answer::Bool(yes)) => (
                        String::new(),
                        vec![if *yes { "oui" } else { "non" }.to_owned()],
                    ),
                    None => (String::new(), Vec::new()),
                };
                let picked = match (&q.kind, picked.is_empty(), answers.get(&q.id)) {
                    (QuestionKind::SingleChoice { .. }, true, Some(Answer::Text(text))) => {
                        vec![text.clone()]
                    }
                    _ => picked,
                };
                QuestionInput {
                    id: q.id.clone(),
                    text: RwSignal::new(text),
                    picked: RwSignal::new(picked),
                    kind: q.kind.clone(),
                }
            })
            .collect()
    }

    /// The answers as typed, by question id.
    pub fn answers(inputs: &[Self]) -> BTreeMap<String, Answer> {
        inputs
            .iter()
            .filter_map(|q| q.answer().map(|a| (q.id.clone(), a)))
            .collect()
    }

    fn answer(&self) -> Option<Answer> {
        match &self.kind {
            QuestionKind::YesNo => self
                .picked
                .get_untracked()
                .first()
                .map(|v| Answer::Bool(v == "oui")),
            QuestionKind::SingleChoice { .. } => self
                .picked
                .get_untracked()
                .first()
                .cloned()
                .map(Answer::Text),
            QuestionKind::MultipleChoice { .. } => Some(Answer::Many(self.picked.get_untracked())),
            _ => Some(Answer::Text(self.text.get_untracked())),
        }
    }
}

/// One text of the form's state, as a field shows and changes it. Not
/// generic and never inlined, so the fields share one copy of the
/// binding's code (the public form's download stays as it was).
#[inline(never)]
fn text_of(
    form: RwSignal<RegistrationRequest>,
    get: fn(&RegistrationRequest) -> &String,
    set: fn(&mut RegistrationRequest) -> &mut String,
) -> Bound<String> {
    bind(
        form,
        move |r| get(r).clone(),
        move |r, value| *set(r) = value,
    )
}

/// The registration form of an open event.
#[component]
pub fn RegistrationForm(
    /// The event, as its page loaded it.
    event: EventPublic,
) -> impl IntoView {
    // One state for the person's fields; the workshops, days and answers
    // have theirs (shared with the organiser's form) and join it when sent.
    let form = RwSignal::new(RegistrationRequest::default());
    let blocks: Vec<RwSignal<Vec<String>>> = event
        .choice_blocks()
        .iter()
        .map(|_| RwSignal::new(Vec::new()))
        .collect();
    // A cycle is for all its days unless the registrant unticks some.
    let days = RwSignal::new(
        (0..event.sessions.len())
            .map(|i| i.to_string())
            .collect::<Vec<_>>(),
    );
    let questions = QuestionInput::for_event(&event, &BTreeMap::new());
    let errors = RwSignal::new(FieldErrors::default());
    let general = RwSignal::new(None::<String>);
    let summary_ref = NodeRef::<leptos::html::Div>::new();
    // « Inscrire un·e collègue »: the structure of the last registration
    // made in this tab is filled in.
    if untrack(|| crate::route::query("collegue")).is_some()
        && let Some(structure) = saved::get(saved::STRUCTURE)
    {
        let mut parts = structure.split('\u{1f}').map(str::to_owned);
        form.update(|r| {
            r.organisation = parts.next().unwrap_or_default();
            r.structure_type = parts.next().unwrap_or_default();
            r.territory = parts.next().unwrap_or_default();
        });
    }

    // An invitation link (`?invitation=`, 64 hexadecimal characters): the
    // registration is for the invited address, which the endpoint tells and
    // which cannot be changed here; a link that opens nothing says why.
    let invited = RwSignal::new(false);
    if event.members_only
        && let Some(token) = untrack(|| crate::route::query("invitation"))
            .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        let slug = event.slug.clone();
        leptos::task::spawn_local(async move {
            match api::invitation(&slug, &token).await {
                Ok(view) => {
                    form.update(|r| {
                        r.email = view.email;
                        r.invitation_token = token;
                    });
                    invited.set(true);
                }
                Err(error) => general.set(Some(error.message)),
            }
        });
    }

    let slug = event.slug.clone();
    let action = Action::new_local(move |request: &RegistrationRequest| {
        let request = request.clone();
        let slug = slug.clone();
        async move { api::register(&slug, &request).await }
    });
    let pending = action.pending();

    let focus_summary = move || {
        if let Some(element) = summary_ref.get_untracked() {
            let _ = element.focus();
        }
    };
    let show_errors = move |fields: FieldErrors, message: Option<String>| {
        errors.set(fields);
        general.set(message);
        // Wait for the summary to render before moving focus to it.
        request_animation_frame(focus_summary);
    };

    let done_slug = event.slug.clone();
    Effect::new(move |_| {
        if let Some(result) = action.value().get() {
            match result {
                Ok((_, text)) => {
                    saved::set(&saved::registration_key(&done_slug), &text);
                    saved::set(
                        saved::STRUCTURE,
                        &form.with_untracked(|r| {
                            [&r.organisation, &r.structure_type, &r.territory]
                                .map(String::as_str)
                                .join("\u{1f}")
                        }),
                    );
                    crate::route::navigate(&format!("/evenements/{done_slug}/confirmation"));
                }
                Err(error) => {
                    let error: ApiError = error;
                    let (fields, message) = from_api_error(&error);
                    show_errors(fields, message);
                }
            }
        }
    });

    let check_event = event.clone();
    let submit_blocks = blocks.clone();
    let submit_questions = questions.clone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let request = RegistrationRequest {
            tracks: submit_blocks
                .iter()
                .flat_map(|b| b.get_untracked())
                .collect(),
            sessions: if check_event.day_selection {
                days.get_untracked()
                    .iter()
                    .filter_map(|d| d.parse().ok())
                    .collect()
            } else {
                Vec::new()
            },
            answers: QuestionInput::answers(&submit_questions),
            ..form.get_untracked()
        };
        // The endpoint checks everything and answers with every faulty
        // field, shown next to each and in the summary.
        action.dispatch(request);
    };

    let has_problems = move || !errors.with(FieldErrors::is_empty) || general.with(Option::is_some);
    let summary_event = event.clone();
    let organisation_required = Signal::derive(move || form.with(|r| r.structure_type != RESIDENT));
    let structure_types = STRUCTURE_TYPES
        .iter()
        .map(|(value, label)| ((*value).to_owned(), (*label).to_owned()))
        .collect::<Vec<_>>();
    let website = text_of(form, |r| &r.website, |r| &mut r.website);

    let workshop_groups = workshop_fields(&event, &blocks, errors);
    let day_group = day_fields(
        &event,
        days,
        errors,
        "Journées auxquelles vous participerez",
        Some("Toutes les journées sont cochées : décochez celles où vous ne viendrez pas."),
    );
    let question_fields = question_fields(&event, &questions, errors);
    let has_choices = !event.choice_blocks().is_empty() || event.day_selection;
    // Said before submitting: a full workshop or day means the waiting list
    // (or a refusal), and the choices with seats left are named.
    let notice_event = event.clone();
    let notice_blocks = blocks.clone();
    let full_notice = move || {
        let tracks: Vec<String> = notice_blocks.iter().flat_map(|b| b.get()).collect();
        let chosen_days: Vec<usize> =
            days.with(|d| d.iter().filter_map(|d| d.parse().ok()).collect());
        notice_event
            .full_notice(&tracks, &chosen_days)
            .map(|notice| {
                let then = if notice_event.waitlist {
                    "si vous validez ce choix, vous serez inscrit·e sur liste d'attente."
                } else {
                    "ce choix ne peut pas être retenu."
                };
                let elsewhere = notice.elsewhere_sentence();
                format!("{} : {then} {elsewhere}", notice.what)
                    .trim_end()
                    .to_owned()
            })
    };
    let has_questions = !event.questions.is_empty();

    view! {
        <form class="registration-form" novalidate on:submit=on_submit>
            <div class="error-summary" tabindex="-1" node_ref=summary_ref
                role="alert" hidden=move || !has_problems()>
                <Show when=has_problems>
                    <h3>"Votre inscription n'a pas pu être enregistrée"</h3>
                    {move || general.get().map(|m| view! { <p>{m}</p> })}
                    <ul>
                        {
                            let summary_event = summary_event.clone();
                            move || summary_lines(&summary_event, &errors.get()).into_iter().map(|(name, line)| view! {
                                {
                                    let id = input_id(&name);
                                    view! { <li><a href=format!("#{id}") on:click=move |ev| crate::follow_in_page_link(ev, &id)>{line}</a></li> }
                                }
                            }).collect_view()
                        }
                    </ul>
                </Show>
            </div>
            <p class="hint">"Les champs marqués « (obligatoire) » doivent être remplis."</p>
            {event.members_only.then(|| view! {
                <Show when=move || !invited.get()>
                    <TextField name=field::INVITATION_CODE label="Code d'invitation" errors
                        value=text_of(form, |r| &r.invitation_code, |r| &mut r.invitation_code) required=false
                        autocomplete="off"
                        hint="Reçu avec l'invitation. Inutile si vous avez ouvert le lien personnel de votre e-mail d'invitation."/>
                </Show>
            })}
            <fieldset>
                <legend>"Vos coordonnées"</legend>
                <TextField name=field::FIRST_NAME label="Prénom" errors autocomplete="given-name"
                    value=text_of(form, |r| &r.first_name, |r| &mut r.first_name)/>
                <TextField name=field::LAST_NAME label="Nom" errors autocomplete="family-name"
                    value=text_of(form, |r| &r.last_name, |r| &mut r.last_name)/>
                <Show when=move || invited.get() fallback=move || view! {
                    <TextField name=field::EMAIL label="Adresse e-mail" errors kind="email" autocomplete="email"
                        value=text_of(form, |r| &r.email, |r| &mut r.email)
                        hint="La confirmation, le lien de connexion et votre lien personnel y seront envoyés. Format attendu : prenom.nom@exemple.fr"/>
                }>
                    <div class="field">
                        <label for=input_id(field::EMAIL)>"Adresse e-mail (celle de votre invitation)"</label>
                        <p class="hint" id="email-invitation-aide">"Votre lien d'invitation est personnel : l'inscription est faite à cette adresse, qui ne peut pas être changée ici."</p>
                        <input id=input_id(field::EMAIL) name=field::EMAIL type="email" readonly=true
                            aria-describedby="email-invitation-aide" prop:value=move || form.with(|r| r.email.clone())/>
                    </div>
                </Show>
                <SelectField name=field::STRUCTURE_TYPE label="Type de structure" options=structure_types errors
                    value=text_of(form, |r| &r.structure_type, |r| &mut r.structure_type)/>
                <TextField name=field::ORGANISATION label="Organisation / structure" errors autocomplete="organization"
                    value=text_of(form, |r| &r.organisation, |r| &mut r.organisation)
                    required=organisation_required
                    hint="Commune, intercommunalité, association, service de l'État, CAF… Facultatif pour les habitant·es."/>
                <TextField name=field::ROLE label="Fonction" errors autocomplete="organization-title"
                    value=text_of(form, |r| &r.role, |r| &mut r.role)
                    required=organisation_required/>
                <TextField name=field::TERRITORY label="Territoire" errors required=false
                    value=text_of(form, |r| &r.territory, |r| &mut r.territory)
                    hint="Commune, EPCI ou quartier prioritaire concerné."/>
                <TextField name=field::ACCESSIBILITY label="Besoins d'accessibilité" errors required=false
                    value=text_of(form, |r| &r.accessibility_needs, |r| &mut r.accessibility_needs)
                    hint="Aménagement, interprétation LSF, sous-titrage… L'organisateur vous contactera."/>
            </fieldset>
            {has_choices.then(|| view! {
                <fieldset>
                    <legend>"Votre participation"</legend>
                    {workshop_groups}
                    {day_group}
                    <div role="status">{let full_notice = full_notice.clone(); move || full_notice().map(|text| view! { <p class="notice">{text}</p> })}</div>
                </fieldset>
            })}
            {has_questions.then(|| view! {
                <fieldset>
                    <legend>"Questions de l'organisateur"</legend>
                    {question_fields}
                </fieldset>
            })}
            // Left empty by people; bots fill every field they find.
            <div class="honeypot" aria-hidden="true">
                <label for="champ-website">"Ne pas remplir ce champ"</label>
                <input id="champ-website" name="website" type="text" tabindex="-1" autocomplete="off"
                    prop:value=move || website.get.get() on:input=move |ev| website.set.run(event_target_value(&ev))/>
            </div>
            <CheckboxField name=field::CONSENT errors
                label="J'accepte que mes données (nom, coordonnées, structure, réponses) soient traitées par l'organisateur pour gérer mon inscription à cet événement et m'adresser les informations utiles. (obligatoire)"
                checked=bind(form, |r| r.consent, |r, yes| r.consent = yes)
                hint="Qui traite vos données, combien de temps et vos droits : " hint_id="consentement-aide">
                <a href="/donnees-personnelles" rel="external" target="_blank">"données personnelles"<span class="sr-only">" (nouvelle fenêtre)"</span></a>"."
            </CheckboxField>
            <button type="submit" disabled=move || pending.get() aria-disabled=move || if pending.get() { "true" } else { "false" }>
                {move || if pending.get() { "Envoi en cours…" } else { "Je m'inscris" }}
            </button>
            <p class="sr-status" role="status">{move || if pending.get() { "Envoi de votre inscription en cours." } else { "" }}</p>
        </form>
    }
}

/// The fields of the organiser's questions, bound to `inputs`.
pub fn question_fields(
    event: &EventPublic,
    inputs: &[QuestionInput],
    errors: RwSignal<FieldErrors>,
) -> impl IntoView + use<> {
    event
        .questions
        .iter()
        .zip(inputs.iter().map(|q| (q.text, q.picked)).collect::<Vec<_>>())
        .map(|(question, (text, picked))| {
            let name = field_key(question);
            let label = question.label.clone();
            let hint = question.help.clone();
            let required = question.required;
            match &question.kind {
                QuestionKind::YesNo => {
                    let choices = vec![
                        Choice { value: "oui".into(), label: "Oui".into(), note: None },
                        Choice { value: "non".into(), label: "Non".into(), note: None },
                    ];
                    view! { <ChoiceGroup name legend=label choices selected=picked errors required hint=hint.unwrap_or_default()/> }.into_any()
                }
                QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options } => {
                    let multiple = matches!(question.kind, QuestionKind::MultipleChoice { .. });
                    let choices = options.iter().map(|o| Choice { value: o.clone(), label: o.clone(), note: None }).collect();
                    view! { <ChoiceGroup name legend=label choices selected=picked errors multiple required hint=hint.unwrap_or_default()/> }.into_any()
                }
                QuestionKind::LongText => {
                    view! { <TextField name label value=text errors required multiline=true hint=hint.unwrap_or_default()/> }.into_any()
                }
                QuestionKind::Number { .. } => {
                    view! { <TextField name label value=text errors required kind="number" hint=hint.unwrap_or_else(|| "Un nombre entier.".to_owned())/> }.into_any()
                }
                QuestionKind::Date => {
                    view! { <TextField name label value=text errors required kind="date" hint=hint.unwrap_or_else(|| "Format : AAAA-MM-JJ.".to_owned())/> }.into_any()
                }
                QuestionKind::ShortText => {
                    view! { <TextField name label value=text errors required hint=hint.unwrap_or_default()/> }.into_any()
                }
            }
        })
        .collect_view()
}

/// One group of radio buttons per block of parallel workshops, with the
/// seats left in each.
pub fn workshop_fields(
    event: &EventPublic,
    blocks: &[RwSignal<Vec<String>>],
    errors: RwSignal<FieldErrors>,
) -> impl IntoView + use<> {
    event
        .choice_blocks()
        .into_iter()
        .zip(blocks.iter().copied())
        .map(|(block, selected)| {
            let choices = block
                .tracks
                .iter()
                .map(|t| Choice {
                    value: t.id.clone(),
                    label: t.title.clone(),
                    note: seats_note(event, &quota::track(&t.id)),
                })
                .collect::<Vec<_>>();
            let legend = match &block.start {
                Some(start) => format!(
                    "{} ({}), un atelier au choix",
                    block.title,
                    dates::clock(start)
                ),
                None => format!("{}, un atelier au choix", block.title),
            };
            view! { <ChoiceGroup name=field::TRACKS.to_owned() legend choices selected errors/> }
        })
        .collect_view()
}

/// The days of a cycle whose days can be chosen, as checkboxes.
pub fn day_fields(
    event: &EventPublic,
    days: RwSignal<Vec<String>>,
    errors: RwSignal<FieldErrors>,
    legend: &str,
    hint: Option<&str>,
) -> impl IntoView + use<> {
    event.day_selection.then(|| {
        let choices = event
            .sessions
            .iter()
            .enumerate()
            .map(|(i, s)| Choice {
                value: i.to_string(),
                label: match &s.title {
                    Some(title) => format!("{} – {title}", dates::session(s)),
                    None => dates::session(s),
                },
                note: seats_note(event, &quota::session(i)),
            })
            .collect::<Vec<_>>();
        view! {
            <ChoiceGroup name=field::SESSIONS.to_owned() legend=legend.to_owned()
                hint=hint.unwrap_or_default().to_owned()
                choices selected=days errors multiple=true/>
        }
    })
}
