//! The confirmation page shown after a registration is accepted.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::LastConfirmation;

/// « Inscription enregistrée », with the endpoint's message when known.
#[component]
pub fn Confirmation() -> impl IntoView {
    crate::set_title("Inscription enregistrée");
    let params = use_params_map();
    let slug = move || params.with(|p| p.get("slug").unwrap_or_default());
    let last = expect_context::<LastConfirmation>();
    let heading = NodeRef::<leptos::html::H1>::new();
    // Move focus to the heading so screen readers announce the new page.
    Effect::new(move |_| {
        if let Some(h1) = heading.get() {
            let _ = h1.focus();
        }
    });
    view! {
        <h1 tabindex="-1" node_ref=heading>"Inscription enregistrée"</h1>
        <div class="notice notice-success">
            <p>{move || last.0.get().unwrap_or_else(|| "Votre inscription est enregistrée. Un e-mail de confirmation a été envoyé à l'adresse indiquée.".to_owned())}</p>
        </div>
        <p>"Vous n'avez rien reçu d'ici quelques minutes ? Vérifiez votre dossier de courriers indésirables, ou inscrivez-vous à nouveau avec la même adresse : l'e-mail vous sera renvoyé, sans créer de doublon."</p>
        <p><A href=move || format!("/evenements/{}", slug())>"Revenir à la page de l'événement"</A></p>
        <p><A href="/">"Voir tout l'agenda"</A></p>
    }
}
