//! Browser tests of the feedback form's questions ([`QuestionnaireFields`]),
//! run by wasm-bindgen-test in headless Chromium
//! (`cargo test -p parvis --target wasm32-unknown-unknown --test web_feedback`):
//! real labelled groups, a condition showing and hiding its question live,
//! a matrix rated one row at a time, errors linked to their group, and the
//! read-only form.

#![cfg(target_arch = "wasm32")]

use std::collections::BTreeMap;

use leptos::prelude::*;
use parvis::feedback_form::QuestionnaireFields;
use parvis_core::api::FieldErrors;
use parvis_core::feedback::{FeedbackAnswer, Questionnaire};
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

fn questionnaire() -> Questionnaire {
    serde_json::from_str(
        r#"{"kind": "hot", "title": "Votre avis", "questions": [
          {"id": "satisfaction", "label": "Satisfait·e ?", "required": true,
           "help": "Votre impression.",
           "kind": {"type": "scale", "min_label": "Pas du tout", "max_label": "Tout à fait"}},
          {"id": "suite", "label": "Une suite ?", "kind": {"type": "yes_no"}},
          {"id": "sujets", "label": "Quels sujets ?", "required": true,
           "kind": {"type": "long_text"}, "condition": {"question": "suite", "equals": true}},
          {"id": "jours", "label": "Chaque journée", "required": true,
           "kind": {"type": "matrix", "rows": ["Jour 1", "Jour 2"],
                    "min_label": "Décevante", "max_label": "Excellente"}}
        ]}"#,
    )
    .unwrap()
}

fn input(root: &HtmlElement, selector: &str) -> HtmlInputElement {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
        .unchecked_into()
}

fn text_of_label(root: &HtmlElement, for_id: &str) -> String {
    root.query_selector(&format!("label[for='{for_id}']"))
        .unwrap()
        .unwrap_or_else(|| panic!("no label for {for_id}"))
        .text_content()
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn questions_are_labelled_groups_and_a_condition_shows_its_question_live() {
    let root = container();
    let answers = RwSignal::new(BTreeMap::<String, FeedbackAnswer>::new());
    let errors = RwSignal::new(FieldErrors::default());
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        view! { <QuestionnaireFields questionnaire=questionnaire() answers errors/> }
    });
    settle().await;

    // A scale: a fieldset whose legend says it is required, its help
    // (with the meaning of both ends) linked, five labelled radios.
    let group = root
        .query_selector("fieldset#champ-answers-satisfaction")
        .unwrap()
        .unwrap();
    assert_eq!(
        group
            .query_selector("legend")
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap(),
        "Satisfait·e ? (obligatoire)"
    );
    assert_eq!(
        group.get_attribute("aria-describedby").as_deref(),
        Some("champ-answers-satisfaction-aide")
    );
    assert_eq!(
        root.query_selector("#champ-answers-satisfaction-aide")
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap(),
        "Votre impression. De 1 (Pas du tout) à 5 (Tout à fait)."
    );
    assert_eq!(
        group
            .query_selector_all("input[type=radio]")
            .unwrap()
            .length(),
        5
    );
    assert_eq!(
        text_of_label(&root, "champ-answers-satisfaction-4"),
        "5 – Tout à fait"
    );
    input(&root, "#champ-answers-satisfaction-3").click();
    assert_eq!(
        answers.get_untracked().get("satisfaction"),
        Some(&FeedbackAnswer::Number(4))
    );

    // The condition: hidden, shown with « Oui », hidden again with « Non ».
    assert!(
        root.query_selector("#champ-answers-sujets")
            .unwrap()
            .is_none()
    );
    assert_eq!(text_of_label(&root, "champ-answers-suite-0"), "Oui");
    input(&root, "#champ-answers-suite-0").click();
    settle().await;
    assert!(
        root.query_selector("textarea#champ-answers-sujets")
            .unwrap()
            .is_some()
    );
    assert_eq!(
        text_of_label(&root, "champ-answers-sujets"),
        "Quels sujets ? (obligatoire)"
    );
    input(&root, "#champ-answers-suite-1").click();
    settle().await;
    assert!(
        root.query_selector("#champ-answers-sujets")
            .unwrap()
            .is_none()
    );
    assert_eq!(
        answers.get_untracked().get("suite"),
        Some(&FeedbackAnswer::Bool(false))
    );

    // A matrix: one radio group per row, rated one row at a time.
    let row = root
        .query_selector("fieldset#champ-answers-jours-ligne-1")
        .unwrap()
        .unwrap();
    assert_eq!(
        row.query_selector("legend")
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap(),
        "Jour 2"
    );
    input(&root, "#champ-answers-jours-ligne-1-4").click();
    assert_eq!(
        answers.get_untracked().get("jours"),
        Some(&FeedbackAnswer::Matrix(BTreeMap::from([(
            "Jour 2".to_owned(),
            4
        )])))
    );
    input(&root, "#champ-answers-jours-ligne-0-2").click();
    assert_eq!(
        answers.get_untracked().get("jours"),
        Some(&FeedbackAnswer::Matrix(BTreeMap::from([
            ("Jour 1".to_owned(), 2),
            ("Jour 2".to_owned(), 4)
        ])))
    );
}

#[wasm_bindgen_test]
async fn errors_are_linked_to_their_group_and_a_read_only_form_is_disabled() {
    let root = container();
    let answers = RwSignal::new(BTreeMap::from([(
        "satisfaction".to_owned(),
        FeedbackAnswer::Number(2),
    )]));
    let errors = RwSignal::new(FieldErrors::default());
    let read_only = RwSignal::new(false);
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        view! { <QuestionnaireFields questionnaire=questionnaire() answers errors read_only/> }
    });
    settle().await;
    assert!(input(&root, "#champ-answers-satisfaction-1").checked());

    let mut refused = FieldErrors::default();
    refused.add(
        "answers.jours",
        "La réponse à « Chaque journée » doit noter chaque ligne, dont « Jour 2 ».".to_owned(),
    );
    errors.set(refused);
    settle().await;
    let group = root
        .query_selector("fieldset#champ-answers-jours")
        .unwrap()
        .unwrap();
    assert_eq!(
        group.get_attribute("aria-describedby").as_deref(),
        Some("champ-answers-jours-aide champ-answers-jours-erreur")
    );
    assert!(
        root.query_selector("#champ-answers-jours-erreur")
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap()
            .contains("dont « Jour 2 »")
    );

    let fields = root
        .query_selector("fieldset.feedback-fields")
        .unwrap()
        .unwrap();
    assert!(!fields.has_attribute("disabled"));
    read_only.set(true);
    settle().await;
    assert!(fields.has_attribute("disabled"));
    // A disabled fieldset disables every control inside it.
    assert!(
        input(&root, "#champ-answers-satisfaction-1")
            .matches(":disabled")
            .unwrap()
    );
}
