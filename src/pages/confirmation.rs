//! The confirmation page shown after a registration is accepted
//! (`/evenements/{slug}/confirmation`).
//!
//! It shows the endpoint's answer as this tab saved it (see
//! [`crate::saved`]), so it survives a reload; without one (a made-up or
//! shared address, another browser), it claims nothing and points to
//! « Retrouver mon inscription ».

use leptos::prelude::*;
use parvis_core::api::{RegistrationAccepted, RegistrationStatus, paths};

use crate::route::{self, A, Page};
use crate::saved;

/// The page: what was registered, where the email went, calendar links and
/// what happens next.
#[component]
pub fn Confirmation() -> impl IntoView {
    let slug = route::param(Page::Confirmation).get_untracked();
    let answer: Option<RegistrationAccepted> = saved::get(&saved::registration_key(&slug))
        .and_then(|text| serde_json::from_str(&text).ok());
    let heading = NodeRef::<leptos::html::H1>::new();
    // Focus goes to the heading so screen readers announce the new page.
    Effect::new(move |_| {
        if heading.get().is_some() {
            crate::focus_when_shown(heading);
        }
    });
    let event_page = format!("/evenements/{slug}");
    let Some(answer) = answer else {
        crate::set_title("Aucune inscription récente");
        return view! {
            <h1 tabindex="-1" node_ref=heading>"Aucune inscription récente"</h1>
            <p>"Cette page confirme une inscription juste après l'envoi du formulaire, dans le navigateur qui l'a envoyé. Aucune inscription récente à cet événement n'y est enregistrée."</p>
            <ul>
                <li><A href=event_page>"S'inscrire depuis la page de l'événement"</A></li>
                <li><A href="/retrouver-mon-inscription">"Retrouver une inscription déjà faite"</A></li>
                <li><A href="/">"Voir tout l'agenda"</A></li>
            </ul>
        }
        .into_any();
    };
    let (title, class) = match answer.status {
        RegistrationStatus::Waitlisted => ("Inscription en liste d'attente", "notice"),
        RegistrationStatus::Pending => ("Confirmez votre adresse", "notice"),
        _ => ("Inscription enregistrée", "notice notice-success"),
    };
    crate::set_title(title);
    let next = match answer.status {
        RegistrationStatus::Waitlisted => vec![
            "Dès qu'une place se libère, votre inscription est confirmée automatiquement et un e-mail vous l'annonce, avec le lien de connexion et le fichier calendrier.".to_owned(),
            "Votre lien personnel, dans l'e-mail, indique votre rang et permet de changer vos choix ou de quitter la liste.".to_owned(),
        ],
        RegistrationStatus::Pending => vec![
            format!("Ouvrez l'e-mail et cliquez sur « Confirmer mon adresse » dans les {} minutes : sans confirmation, la place est proposée à une autre personne.", parvis_core::api::ADDRESS_CONFIRMATION_MINUTES),
        ],
        _ => vec![
            "L'e-mail contient le fichier calendrier, le lien de connexion s'il s'agit d'un événement en ligne, et le rapport d'étude s'il y en a un.".to_owned(),
            "Un rappel vous est envoyé avant le début.".to_owned(),
            "Votre lien personnel, dans l'e-mail, permet de modifier ou d'annuler votre inscription.".to_owned(),
        ],
    };
    let several = answer.calendar.len() > 1;
    let calendar = (!answer.calendar.is_empty()).then(|| {
        let ics = paths::event_calendar(&slug);
        view! {
            <section aria-labelledby="agenda">
                <h2 id="agenda">"Ajouter à mon agenda"</h2>
                <ul class="calendar-links">
                    <li><a href=ics download="">"Fichier calendrier (.ics) : Outlook, Apple Calendrier, Thunderbird…"</a></li>
                    {answer.calendar.into_iter().map(|links| {
                        let suffix = if several { format!(" — {}", links.label) } else { String::new() };
                        view! {
                            <li><a href=links.google rel="noopener" target="_blank">{format!("Google Agenda{suffix}")}<span class="sr-only">" (nouvelle fenêtre)"</span></a></li>
                            <li><a href=links.outlook rel="noopener" target="_blank">{format!("Outlook en ligne{suffix}")}<span class="sr-only">" (nouvelle fenêtre)"</span></a></li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        }
    });
    let rank = answer.rank.map(|rank| view! { <p class="state">{format!("Votre rang sur la liste d'attente : {rank}")}</p> });
    view! {
        <h1 tabindex="-1" node_ref=heading>{title}</h1>
        <p class="lead">{answer.event_title}</p>
        <ul>{answer.dates.into_iter().map(|d| view! { <li>{d}</li> }).collect_view()}</ul>
        {rank}
        <div class=class>
            <p>{answer.message}</p>
            <p>"E-mail envoyé à " <strong>{answer.sent_to}</strong> " — "
                <A href=format!("{event_page}#inscription")>"pas la bonne adresse ?"</A></p>
        </div>
        {calendar}
        <section aria-labelledby="suite">
            <h2 id="suite">"Et ensuite ?"</h2>
            <ul>{next.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}</ul>
            <p>"Rien reçu d'ici quelques minutes ? Vérifiez vos courriers indésirables, ou "
                <A href="/retrouver-mon-inscription">"demandez à recevoir à nouveau votre lien personnel"</A>"."</p>
        </section>
        <p><A href=format!("{event_page}?collegue=1")>"Inscrire un·e collègue"</A>" (votre structure est déjà remplie)"</p>
        <p><A href=event_page.clone()>"Revenir à la page de l'événement"</A></p>
        <p><A href="/">"Voir tout l'agenda"</A></p>
    }
    .into_any()
}
