//! Groups of radio buttons and checkboxes, each in a `<fieldset>` with its
//! `<legend>`, its hint and its errors, as RGAA asks for grouped fields.

use leptos::prelude::*;
use parvis_core::api::FieldErrors;

use super::described_by;
use crate::form::input_id;

/// One option: value, label, and an optional note (« 3 places restantes »).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// Value sent.
    pub value: String,
    /// Label shown.
    pub label: String,
    /// Note shown after the label.
    pub note: Option<String>,
}

/// A fieldset of radio buttons (`multiple = false`) or checkboxes.
#[component]
pub fn ChoiceGroup(
    /// Error key of the group (`tracks`, `answers.x`...).
    name: String,
    /// Legend.
    legend: String,
    /// The options.
    choices: Vec<Choice>,
    /// The checked values.
    selected: RwSignal<Vec<String>>,
    /// All form errors; this group shows its own.
    errors: RwSignal<FieldErrors>,
    /// Checkboxes rather than radio buttons.
    #[prop(default = false)]
    multiple: bool,
    /// Whether a choice is required.
    #[prop(default = true)]
    required: bool,
    /// Help under the legend.
    #[prop(optional)]
    hint: Option<String>,
) -> impl IntoView {
    // An empty hint would be an empty description: no hint at all.
    let hint = hint.filter(|text| !text.is_empty());
    let id = input_id(&name);
    let error_id = format!("{id}-erreur");
    let hint_id = format!("{id}-aide");
    let key = name.clone();
    let group_errors = Memo::new(move |_| errors.with(|e| e.get(&key).to_vec()));
    let invalid = move || group_errors.with(|e| !e.is_empty());
    let described_by = described_by(
        hint.is_some().then(|| hint_id.clone()),
        error_id.clone(),
        invalid,
    );
    let input_name = id.clone();
    view! {
        <fieldset id=id.clone() tabindex="-1" class="choice-group" class:field-invalid=invalid
            aria-describedby=described_by>
            <legend>{legend}{if required { " (obligatoire)" } else { " (facultatif)" }}</legend>
            {hint.map(|text| view! { <p class="hint" id=hint_id.clone()>{text}</p> })}
            <Show when=invalid>
                <p class="field-error" id=error_id.clone()>{move || group_errors.get().join(" ")}</p>
            </Show>
            {choices.into_iter().enumerate().map(|(index, choice)| {
                let option_id = format!("{id}-{index}");
                let value = choice.value.clone();
                let checked_value = value.clone();
                view! {
                    <div class="choice">
                        <input
                            type=if multiple { "checkbox" } else { "radio" }
                            id=option_id.clone()
                            name=input_name.clone()
                            value=value.clone()
                            prop:checked=move || selected.with(|s| s.contains(&checked_value))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                selected.update(|s| {
                                    if multiple {
                                        s.retain(|v| v != &value);
                                        if on {
                                            s.push(value.clone());
                                        }
                                    } else if on {
                                        *s = vec![value.clone()];
                                    }
                                });
                            }
                        />
                        <label for=option_id>
                            {choice.label}
                            {choice.note.map(|note| view! { <span class="note">{format!(" — {note}")}</span> })}
                        </label>
                    </div>
                }
            }).collect_view()}
        </fieldset>
    }
}
