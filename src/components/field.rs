//! A labelled text input with its hint and its errors.
//!
//! The label is a real `<label for>`; errors are linked to the input with
//! `aria-describedby` and flagged with `aria-invalid`, so a screen reader
//! reads them when the field takes focus.

use leptos::prelude::*;
use parvis_core::api::FieldErrors;

use crate::form::input_id;

/// A text input bound to `value`, showing the errors of field `name`.
#[component]
pub fn TextField(
    /// Field name, as in the API contract.
    name: &'static str,
    /// Visible label.
    label: &'static str,
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
    /// Required fields say so in their label.
    #[prop(default = true)]
    required: bool,
    /// Help shown under the label.
    #[prop(optional)]
    hint: Option<&'static str>,
) -> impl IntoView {
    let id = input_id(name);
    let hint_id = format!("{id}-aide");
    let error_id = format!("{id}-erreur");
    let field_errors = move || errors.with(|e| e.get(name).to_vec());
    let invalid = move || !field_errors().is_empty();
    let described_by = {
        let hint_id = hint_id.clone();
        let error_id = error_id.clone();
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if invalid() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:field-invalid=invalid>
            <label for=id.clone()>
                {label}
                {if required { " (obligatoire)" } else { " (facultatif)" }}
            </label>
            {hint.map(|text| view! { <p class="hint" id=hint_id.clone()>{text}</p> })}
            <Show when=invalid>
                <p class="field-error" id=error_id.clone()>
                    {move || field_errors().join(" ")}
                </p>
            </Show>
            <input
                id=id.clone()
                name=name
                type=kind
                autocomplete=autocomplete
                required=required
                aria-invalid=move || if invalid() { "true" } else { "false" }
                aria-describedby=described_by
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        </div>
    }
}
