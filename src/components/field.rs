//! Labelled fields with their hint and their errors: text ([`TextField`]),
//! a list of options ([`SelectField`]), a checkbox ([`CheckboxField`]).
//!
//! The label is a real `<label for>`; errors are linked to the control with
//! `aria-describedby` and flagged with `aria-invalid`, so a screen reader
//! reads them when the field takes focus. Each field shows and changes a
//! [`Bound`] value: a signal of its own, or one part of a whole form's
//! state ([`bind`]), so a form keeps one state however many fields it has.

use leptos::prelude::*;
use parvis_core::api::FieldErrors;

use super::described_by;
use crate::form::input_id;

/// What a field shows and how it changes it.
pub struct Bound<T: Send + Sync + 'static> {
    /// The value shown.
    pub get: Signal<T>,
    /// Called with the value typed.
    pub set: Callback<T>,
}

impl<T: Send + Sync + 'static> Clone for Bound<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Bound<T> {}

impl<T: Clone + Send + Sync + 'static> From<RwSignal<T>> for Bound<T> {
    fn from(signal: RwSignal<T>) -> Self {
        Self {
            get: signal.into(),
            set: Callback::new(move |value| signal.set(value)),
        }
    }
}

/// One part of a form's state, as a field shows and changes it.
pub fn bind<S, T>(
    state: RwSignal<S>,
    get: impl Fn(&S) -> T + Send + Sync + 'static,
    set: impl Fn(&mut S, T) + Send + Sync + 'static,
) -> Bound<T>
where
    S: Send + Sync + 'static,
    T: Clone + PartialEq + Send + Sync + 'static,
{
    Bound {
        get: Signal::derive(move || state.with(|s| get(s))),
        set: Callback::new(move |value| state.update(|s| set(s, value))),
    }
}

/// The errors of field `name`, and whether it has any.
fn errors_of(
    errors: RwSignal<FieldErrors>,
    name: &str,
) -> (
    Memo<Vec<String>>,
    impl Fn() -> bool + Copy + Send + Sync + use<>,
) {
    let key = name.to_owned();
    let field_errors = Memo::new(move |_| errors.with(|e| e.get(&key).to_vec()));
    (field_errors, move || field_errors.with(|e| !e.is_empty()))
}

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
    #[prop(into)]
    value: Bound<String>,
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
    let (field_errors, invalid) = errors_of(errors, &name);
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
                        prop:value=move || value.get.get()
                        on:input=move |ev| value.set.run(event_target_value(&ev))
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
                        prop:value=move || value.get.get()
                        on:input=move |ev| value.set.run(event_target_value(&ev))
                    />
                }.into_any()
            }}
        </div>
    }
}

/// A list of options bound to `value` (`""` until one is chosen).
#[component]
pub fn SelectField(
    /// Field name, as in the API contract.
    #[prop(into)]
    name: String,
    /// Visible label.
    #[prop(into)]
    label: String,
    /// The options: value and label.
    options: Vec<(String, String)>,
    /// Bound value.
    #[prop(into)]
    value: Bound<String>,
    /// All form errors; this field shows its own.
    errors: RwSignal<FieldErrors>,
    /// Whether a choice is required.
    #[prop(default = true)]
    required: bool,
    /// Help shown under the label.
    #[prop(optional, into)]
    hint: Option<String>,
) -> impl IntoView {
    let hint = hint.filter(|text| !text.is_empty());
    let id = input_id(&name);
    let hint_id = format!("{id}-aide");
    let error_id = format!("{id}-erreur");
    let (field_errors, invalid) = errors_of(errors, &name);
    let described_by = described_by(
        hint.is_some().then(|| hint_id.clone()),
        error_id.clone(),
        invalid,
    );
    view! {
        <div class="field" class:field-invalid=invalid>
            <label for=id.clone()>
                {label}{if required { " (obligatoire)" } else { " (facultatif)" }}
            </label>
            {hint.map(|text| view! { <p class="hint" id=hint_id.clone()>{text}</p> })}
            <Show when=invalid>
                <p class="field-error" id=error_id.clone()>{move || field_errors.get().join(" ")}</p>
            </Show>
            <select id=id.clone() name=name.clone() required=required
                aria-invalid=move || if invalid() { "true" } else { "false" }
                aria-describedby=described_by
                on:change=move |ev| value.set.run(event_target_value(&ev))>
                <option value="" selected=move || value.get.with(String::is_empty)>"Choisissez…"</option>
                {options.into_iter().map(|(option, text)| {
                    let current = option.clone();
                    view! {
                        <option value=option selected=move || value.get.with(|v| *v == current)>{text}</option>
                    }
                }).collect_view()}
            </select>
        </div>
    }
}

/// A checkbox bound to `checked`, its label after it; its hint may end
/// with markup (a link), given as children.
#[component]
pub fn CheckboxField(
    /// Field name, as in the API contract.
    #[prop(into)]
    name: String,
    /// Visible label.
    #[prop(into)]
    label: String,
    /// Bound value.
    #[prop(into)]
    checked: Bound<bool>,
    /// All form errors; this field shows its own.
    errors: RwSignal<FieldErrors>,
    /// Help shown under the label.
    #[prop(optional, into)]
    hint: Option<String>,
    /// The hint's id, when a page links to it (by default the field's id
    /// followed by `-aide`).
    #[prop(optional, into)]
    hint_id: Option<String>,
    /// What follows the hint's text in the same paragraph (a link).
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let hint = hint.filter(|text| !text.is_empty());
    let has_hint = hint.is_some() || children.is_some();
    let id = input_id(&name);
    let hint_id = hint_id.unwrap_or_else(|| format!("{id}-aide"));
    let error_id = format!("{id}-erreur");
    let (field_errors, invalid) = errors_of(errors, &name);
    let described_by = described_by(has_hint.then(|| hint_id.clone()), error_id.clone(), invalid);
    view! {
        <div class="field field-checkbox" class:field-invalid=invalid>
            <Show when=invalid>
                <p class="field-error" id=error_id.clone()>{move || field_errors.get().join(" ")}</p>
            </Show>
            <input type="checkbox" id=id.clone() name=name.clone()
                aria-invalid=move || if invalid() { "true" } else { "false" }
                aria-describedby=described_by
                prop:checked=move || checked.get.get()
                on:change=move |ev| checked.set.run(event_target_checked(&ev))/>
            <label for=id.clone()>{label}</label>
            {has_hint.then(|| view! { <p class="hint" id=hint_id.clone()>{hint}{children.map(|more| more())}</p> })}
        </div>
    }
}
