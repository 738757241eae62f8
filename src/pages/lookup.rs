//! « Retrouver mon inscription » (`/retrouver-mon-inscription`): the person
//! gives their address and, if it has registrations to come, their personal
//! links are emailed again. The answer is the same whether or not the
//! address is known, so the page tells nobody who registered.

use leptos::prelude::*;
use parvis_core::api::{FieldErrors, LookupRequest};
use parvis_core::registration::field;

use crate::api;
use crate::components::{StatusNotice, TextField};

/// The page.
#[component]
pub fn FindRegistration() -> impl IntoView {
    crate::set_title("Retrouver mon inscription");
    let email = RwSignal::new(String::new());
    let website = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::default());
    let notice = RwSignal::new(None::<String>);
    let notice_ref = NodeRef::<leptos::html::Div>::new();
    let send = Action::new_local(move |request: &LookupRequest| {
        let request = request.clone();
        async move { api::lookup(&request).await }
    });
    Effect::new(move |_| {
        if let Some(result) = send.value().get() {
            match result {
                Ok(answer) => {
                    errors.set(FieldErrors::default());
                    notice.set(Some(answer.message));
                }
                Err(error) if !error.fields.is_empty() => {
                    // The address is refused: its field says why, and takes the focus.
                    errors.set(error.fields);
                    notice.set(None);
                    request_animation_frame(|| {
                        crate::focus_by_id(&crate::form::input_id(field::EMAIL))
                    });
                    return;
                }
                Err(error) => {
                    errors.set(FieldErrors::default());
                    notice.set(Some(error.message));
                }
            }
            crate::focus_when_shown(notice_ref);
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        send.dispatch(LookupRequest {
            email: email.get_untracked(),
            website: website.get_untracked(),
        });
    };
    view! {
        <h1>"Retrouver mon inscription"</h1>
        <p>"Indiquez l'adresse e-mail avec laquelle vous vous êtes inscrit·e : si des inscriptions à venir y correspondent, votre lien personnel vous est envoyé à nouveau, pour chacune."</p>
        <form novalidate on:submit=on_submit>
            <TextField name=field::EMAIL label="Adresse e-mail" value=email errors kind="email" autocomplete="email"
                hint="Format attendu : prenom.nom@exemple.fr"/>
            <div class="honeypot" aria-hidden="true">
                <label for="champ-website">"Ne pas remplir ce champ"</label>
                <input id="champ-website" name="website" type="text" tabindex="-1" autocomplete="off"
                    prop:value=move || website.get() on:input=move |ev| website.set(event_target_value(&ev))/>
            </div>
            <button type="submit" disabled=move || send.pending().get()>"Recevoir mon lien personnel"</button>
        </form>
        <StatusNotice text=notice node=notice_ref/>
    }
}
