//! Prop-driven widgets shared by the pages.

pub mod choice;
pub mod field;
pub mod status;

pub use choice::{Choice, ChoiceGroup};
pub use field::{Bound, CheckboxField, SelectField, TextField, bind};
pub use status::{ErrorNotice, Loading, StatusNotice};

/// The `aria-describedby` of a field or group: its hint, when it has one,
/// and its error, while one is shown.
pub(crate) fn described_by(
    hint_id: Option<String>,
    error_id: String,
    invalid: impl Fn() -> bool + Clone + Send + Sync + 'static,
) -> impl Fn() -> Option<String> + Clone + Send + Sync + 'static {
    move || {
        let ids: Vec<String> = hint_id
            .iter()
            .cloned()
            .chain(invalid().then(|| error_id.clone()))
            .collect();
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}
