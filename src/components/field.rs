//! A labelled text input with its hint and its errors.
//!
//! The label is a real `<label for>`; errors are linked to the input with
//! `aria-describedby` and flagged with `aria-invalid`, so a screen reader
//! reads them when the field takes focus.

use leptos::prelude::*;
use parvis_core::api::FieldErrors;

use super::described_by;
use crate::form::input_id;

/// A text input bound to `value`, showing the errors of field `name`.
#[component]
pub fn TextField(
    /// Field name, as in the API contract.
    #[prop(into)]
    name: String,
    /// Visible label.
    #[prop(into)]
    label: String,
    /// Bound value.
    value: RwSignal<String>,
    /// All form errors; this field shows its own.
    errors: RwSignal<FieldErrors>,
    /// Input type (`text`, `email`).
    #[prop(default = "text")]
    kind: &'static str,
    /// HTML `autocomplete` token.
    #[prop(default = "off")]
    autocomplete: &'static str,
    /// Required fields say so in their label; it may change with other
    /// answers (a resident's organisation is optional).
    #[prop(into, default = Signal::stored(true))]
    required: Signal<bool>,
    /// Help shown under the label.
    #[prop(optional, into)]
    hint: Option<String>,
    /// A multi-line text area rather than an input.
    #[prop(default = false)]
    multiline: bool,
) -> impl IntoView {
    // An empty hint would be an empty description: no hint at all.
    let hint = hint.filter(|text| !text.is_empty());
    let id = input_id(&name);
    let hint_id = format!("{id}-aide");
    let error_id = format!("{id}-erreur");
    let key = name.clone();
    let field_errors = Memo::new(move |_| errors.with(|e| e.get(&key).to_vec()));
    let invalid = move || field_errors.with(|e| !e.is_empty());
    let described_by = described_by(
        hint.is_some().then(|| hint_id.clone()),
        error_id.clone(),
        invalid,
    );
    view! {
        <div class="field" class:field-invalid=invalid>
            <label for=id.clone()>
                {label}
                {move || if required.get() { " (obligatoire)" } else { " (facultatif)" }}
            </label>
            {hint.map(|text| view! { <p class="hint" id=hint_id.clone()>{text}</p> })}
            <Show when=invalid>
                <p class="field-error" id=error_id.clone()>
                    {move || field_errors.get().join(" ")}
                </p>
            </Show>
            {if multiline {
                view! {
                    <textarea
                        id=id.clone()
                        name=name.clone()
                        rows="4"
                        required=move || required.get()
                        aria-invalid=move || if invalid() { "true" } else { "false" }
                        aria-describedby=described_by.clone()
                        prop:value=move || value.get()
                        on:input=move |ev| value.set(event_target_value(&ev))
                    ></textarea>
                }.into_any()
            } else {
                view! {
                    <input
                        id=id.clone()
                        name=name.clone()
                        type=kind
                        autocomplete=autocomplete
                        required=move || required.get()
                        aria-invalid=move || if invalid() { "true" } else { "false" }
                        aria-describedby=described_by.clone()
                        prop:value=move || value.get()
                        on:input=move |ev| value.set(event_target_value(&ev))
                    />
                }.into_any()
            }}
        </div>
    }
}
