//! An organisation's settings, changed by its administrators: its name, the
//! sender name of its events' emails, its contact address. Every change is in
//! the audit log. These routes join the back-office's table
//! ([`super::gestion::admin_routes`]).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::routing::{MethodRouter, get};
use chrono::Utc;
use parvis_core::api::FieldErrors;
use parvis_core::email::EmailAddress;
use parvis_core::gestion::Settings;
use parvis_core::text::ShortText;

use super::gestion::{AdminRoute, Guard};
use crate::AppState;
use crate::auth::{SignedIn, member_of};
use crate::error::{AppError, AppJson};
use crate::store::accounts::OrganisationSettings;

/// The settings' routes, with their guard.
pub fn table() -> Vec<(AdminRoute, MethodRouter<AppState>)> {
    vec![
        (
            AdminRoute {
                method: Method::GET,
                path: "/gestion/organisations/{org}/reglages",
                guard: Guard::Administrator,
            },
            get(show),
        ),
        (
            AdminRoute {
                method: Method::POST,
                path: "/gestion/organisations/{org}/reglages",
                guard: Guard::Administrator,
            },
            axum::routing::post(change),
        ),
    ]
}

fn wire(settings: OrganisationSettings) -> Settings {
    Settings {
        organisation_name: settings.name,
        sender_name: settings.sender_name.unwrap_or_default(),
        contact_email: settings.contact_email.unwrap_or_default(),
    }
}

/// `GET …/reglages`.
async fn show(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(org): Path<String>,
) -> Result<Json<Settings>, AppError> {
    let membership = member_of(&state, &session, &org, true).await?;
    Ok(Json(wire(
        state
            .store
            .organisation_settings(membership.organisation.id)
            .await?,
    )))
}

/// `POST …/reglages`: every field checked, each error in French on its
/// field.
async fn change(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(org): Path<String>,
    AppJson(request): AppJson<Settings>,
) -> Result<Json<Settings>, AppError> {
    let membership = member_of(&state, &session, &org, true).await?;
    let mut errors = FieldErrors::default();
    let name = ShortText::parse(&request.organisation_name, 120)
        .map_err(|_| {
            errors.add(
                "organisation_name",
                "Le nom de l'organisation est obligatoire (120 caractères au plus, sans adresse)."
                    .to_owned(),
            )
        })
        .ok();
    let sender_name = ShortText::parse_optional(&request.sender_name, 120)
        .map_err(|_| {
            errors.add(
                "sender_name",
                "Le nom d'expéditeur fait 120 caractères au plus, sans adresse ni lien.".to_owned(),
            )
        })
        .ok();
    let contact_email = if request.contact_email.trim().is_empty() {
        Some(None)
    } else {
        EmailAddress::parse(&request.contact_email)
            .map(|email| Some(email.as_str().to_owned()))
            .map_err(|e| errors.add("contact_email", e.to_string()))
            .ok()
    };
    let (Some(name), Some(sender_name), Some(contact_email)) = (name, sender_name, contact_email)
    else {
        return Err(AppError::Validation(errors));
    };
    let settings = OrganisationSettings {
        name: name.as_str().to_owned(),
        sender_name: sender_name.map(|s| s.as_str().to_owned()),
        contact_email,
    };
    let organisation = membership.organisation;
    state
        .store
        .set_organisation_settings(organisation.id, &settings)
        .await?;
    state
        .store
        .audit(
            Some(organisation.id),
            Some(session.account.id),
            "reglages",
            &format!(
                "Réglages : nom « {} », expéditeur « {} », contact « {} »",
                settings.name,
                settings
                    .sender_name
                    .as_deref()
                    .unwrap_or("organisateur de chaque événement"),
                settings.contact_email.as_deref().unwrap_or("aucun")
            ),
            Utc::now(),
        )
        .await?;
    Ok(Json(wire(settings)))
}
