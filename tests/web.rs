//! Browser tests of the app's components, run by wasm-bindgen-test in
//! headless Chromium (`cargo test -p parvis --target wasm32-unknown-unknown`).

#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use leptos_router::components::Router;
use parvis::components::TextField;
use parvis::pages::register::RegistrationForm;
use parvis_core::api::FieldErrors;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// A fresh container in the page for one test.
fn container() -> HtmlElement {
    let div: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&div).unwrap();
    div
}

/// Lets the browser run pending tasks and animation frames.
async fn settle() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 50)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_text_field_has_a_real_label_and_announces_its_errors() {
    let root = container();
    let errors = RwSignal::new(FieldErrors::default());
    let value = RwSignal::new(String::new());
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        view! { <TextField name="email" label="Adresse e-mail" value errors kind="email" hint="Format : nom@exemple.fr"/> }
    });
    settle().await;
    let input: HtmlInputElement = root
        .query_selector("input")
        .unwrap()
        .unwrap()
        .unchecked_into();
    let label = root
        .query_selector("label[for='champ-email']")
        .unwrap()
        .unwrap();
    assert_eq!(input.id(), "champ-email");
    assert!(
        label
            .text_content()
            .unwrap()
            .contains("Adresse e-mail (obligatoire)")
    );
    assert_eq!(
        input.get_attribute("aria-invalid").as_deref(),
        Some("false")
    );
    assert_eq!(
        input.get_attribute("aria-describedby").as_deref(),
        Some("champ-email-aide")
    );

    let mut faulty = FieldErrors::default();
    faulty.add("email", "L'adresse e-mail n'est pas valide.".into());
    errors.set(faulty);
    settle().await;
    assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert_eq!(
        input.get_attribute("aria-describedby").as_deref(),
        Some("champ-email-aide champ-email-erreur")
    );
    let error = root.query_selector("#champ-email-erreur").unwrap().unwrap();
    assert_eq!(
        error.text_content().unwrap(),
        "L'adresse e-mail n'est pas valide."
    );

    input.set_value("camille@exemple.fr");
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    assert_eq!(value.get_untracked(), "camille@exemple.fr");
    root.remove();
}

/// The form is checked by the endpoint (see `form.rs`). Here the test
/// runner's file server answers in place of the endpoint, as a misconfigured
/// proxy would: a bare 404. The summary says the server refused, takes the
/// focus, and the button is not left stuck. Field errors coming back from
/// the endpoint are covered by the end-to-end journey.
#[wasm_bindgen_test]
async fn a_refusal_without_the_endpoint_s_error_says_so_and_moves_focus_to_the_summary() {
    let root = container();
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        let event = serde_json::from_str(include_str!("fixtures/event.json")).unwrap();
        view! { <Router><RegistrationForm event/></Router> }
    });
    settle().await;
    let summary: HtmlElement = root
        .query_selector(".error-summary")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert!(summary.hidden(), "no error summary before submitting");
    let button: HtmlElement = root
        .query_selector("button[type=submit]")
        .unwrap()
        .unwrap()
        .unchecked_into();
    button.click();
    for _ in 0..50 {
        settle().await;
        if !summary.hidden() {
            break;
        }
    }
    assert!(!summary.hidden());
    assert!(
        summary
            .text_content()
            .unwrap()
            .contains("Le serveur a répondu par une erreur (404)"),
        "{:?}",
        summary.text_content()
    );
    settle().await;
    let focused = document().active_element().unwrap();
    assert!(
        focused.class_list().contains("error-summary"),
        "focus moves to the summary"
    );
    assert!(
        !button
            .unchecked_ref::<web_sys::HtmlButtonElement>()
            .disabled(),
        "the button is not stuck in its pending state"
    );
    root.remove();
}

/// An administrator of two organisations sees both organisations' team
/// and settings forms on the dashboard: no id is used twice, every label
/// names its own organisation's field, and an error of the endpoint
/// (keyed `contact_email`) is shown on the right organisation's field.
#[wasm_bindgen_test]
async fn two_organisations_forms_keep_their_ids_apart() {
    use parvis::gestion::{OrganisationSettings, Team, scoped_errors, scoped_field};
    let root = container();
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        let csrf = StoredValue::new(String::new());
        view! {
            <section id="org-crpve">
                <OrganisationSettings organisation="crpve".to_owned() csrf/>
                <Team organisation="crpve".to_owned() csrf/>
            </section>
            <section id="org-pqr">
                <OrganisationSettings organisation="pqr".to_owned() csrf/>
                <Team organisation="pqr".to_owned() csrf/>
            </section>
        }
    });
    settle().await;
    let ids = root.query_selector_all("[id]").unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for i in 0..ids.length() {
        let id = ids
            .item(i)
            .unwrap()
            .unchecked_into::<web_sys::Element>()
            .id();
        assert!(seen.insert(id.clone()), "the id {id} is used twice");
    }
    for organisation in ["crpve", "pqr"] {
        let section = root
            .query_selector(&format!("#org-{organisation}"))
            .unwrap()
            .unwrap();
        let labels = section.query_selector_all("label[for]").unwrap();
        assert!(labels.length() >= 5, "{organisation}: {}", labels.length());
        for i in 0..labels.length() {
            let label: web_sys::Element = labels.item(i).unwrap().unchecked_into();
            let target = label.get_attribute("for").unwrap();
            assert!(
                section
                    .query_selector(&format!("#{target}"))
                    .unwrap()
                    .is_some(),
                "{organisation}: the label {target} names a field of another organisation"
            );
        }
        assert!(
            section
                .query_selector(&format!("#champ-{organisation}-contact_email"))
                .unwrap()
                .is_some()
        );
    }

    // The endpoint names `contact_email`; the form shows it on its field.
    let errors = RwSignal::new(FieldErrors::default());
    let value = RwSignal::new(String::new());
    let other = container();
    let _other = leptos::mount::mount_to(other.clone(), move || {
        view! { <TextField name=scoped_field("pqr", "contact_email") label="Adresse de contact" value errors kind="email" required=false/> }
    });
    let mut from_endpoint = FieldErrors::default();
    from_endpoint.add(
        "contact_email",
        "Adresse de contact : format invalide.".to_owned(),
    );
    errors.set(scoped_errors("pqr", &from_endpoint));
    settle().await;
    let error = other
        .query_selector("#champ-pqr-contact_email-erreur")
        .unwrap()
        .expect("the error is shown on the field");
    assert_eq!(
        error.text_content().unwrap(),
        "Adresse de contact : format invalide."
    );
    let input = other
        .query_selector("#champ-pqr-contact_email")
        .unwrap()
        .unwrap();
    assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));
    root.remove();
    other.remove();
}

/// A message given the focus keeps it when the view holding it is drawn
/// anew (as after an action, when the page's data is read again): the new
/// message takes the focus back instead of leaving it on the page's body.
#[wasm_bindgen_test]
async fn a_focused_message_keeps_the_focus_when_its_view_is_redrawn() {
    let root = container();
    let version = RwSignal::new(0u32);
    let node = NodeRef::<leptos::html::Div>::new();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        view! {
            <button type="button">"Publier"</button>
            // Version 1 is the page's data being read again: no message.
            {move || {
                let drawn = version.get();
                (drawn != 1).then(|| view! {
                    <div class="notice" tabindex="-1" node_ref=node>{format!("Publié ({drawn})")}</div>
                })
            }}
        }
    });
    settle().await;
    parvis::focus_when_shown(node);
    settle().await;
    let first = document().active_element().unwrap();
    assert_eq!(first.text_content().as_deref(), Some("Publié (0)"));

    version.set(1);
    settle().await;
    assert!(!first.is_connected(), "the first message was removed");
    version.set(2);
    for _ in 0..10 {
        settle().await;
        if document()
            .active_element()
            .is_some_and(|e| e.class_list().contains("notice"))
        {
            break;
        }
    }
    let focused = document().active_element().unwrap();
    assert_eq!(
        focused.text_content().as_deref(),
        Some("Publié (2)"),
        "the focus is on the message drawn anew, not on {}",
        focused.tag_name()
    );

    // The person moves on: a redraw no longer takes the focus from them.
    let button: HtmlElement = root
        .query_selector("button")
        .unwrap()
        .unwrap()
        .unchecked_into();
    button.focus().unwrap();
    version.set(1);
    settle().await;
    version.set(3);
    settle().await;
    settle().await;
    assert_eq!(
        document().active_element().unwrap().tag_name(),
        "BUTTON",
        "the focus stays where the person put it"
    );

    drop(handle);
    root.remove();
}
