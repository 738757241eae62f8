//! The endpoint client: one async function per route, typed by
//! `parvis_core::api`. Any non-2xx answer becomes an [`ApiError`] (the
//! endpoint's own JSON when it sent one, a French message otherwise).

use gloo_net::http::{Request, Response};
use parvis_core::api::{
    ApiError, ChoiceChange, EventPublic, EventQuery, EventSummary, RegistrationAccepted,
    RegistrationView, paths,
};
use parvis_core::registration::RegistrationRequest;
use serde::de::DeserializeOwned;

fn network_error() -> ApiError {
    ApiError {
        code: "network".to_owned(),
        message: "Le serveur ne répond pas. Vérifiez votre connexion puis réessayez.".to_owned(),
        fields: Default::default(),
    }
}

async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    if response.ok() {
        return response.json::<T>().await.map_err(|_| ApiError {
            code: "decode".to_owned(),
            message: "La réponse du serveur est illisible. Rechargez la page.".to_owned(),
            fields: Default::default(),
        });
    }
    let status = response.status();
    Err(response
        .json::<ApiError>()
        .await
        .unwrap_or_else(|_| ApiError {
            code: "http".to_owned(),
            message: format!(
                "Le serveur a répondu par une erreur ({status}). Réessayez plus tard."
            ),
            fields: Default::default(),
        }))
}

/// Builds the query string of the agenda.
pub fn events_url(query: &EventQuery) -> String {
    let mut params = Vec::new();
    if let Some(when) = query.when {
        params.push(format!(
            "when={}",
            match when {
                parvis_core::api::When::Upcoming => "upcoming",
                parvis_core::api::When::Past => "past",
            }
        ));
    }
    if let Some(kind) = &query.kind {
        params.push(format!("kind={}", encode(kind)));
    }
    if let Some(q) = query.q.as_deref().filter(|q| !q.trim().is_empty()) {
        params.push(format!("q={}", encode(q)));
    }
    if params.is_empty() {
        paths::EVENTS.to_owned()
    } else {
        format!("{}?{}", paths::EVENTS, params.join("&"))
    }
}

/// Percent-encodes a query value (UTF-8, unreserved characters kept).
pub fn encode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// `GET /api/events`.
pub async fn list_events(query: &EventQuery) -> Result<Vec<EventSummary>, ApiError> {
    let response = Request::get(&events_url(query))
        .send()
        .await
        .map_err(|_| network_error())?;
    decode(response).await
}

/// `GET /api/events/{slug}`.
pub async fn event(slug: &str) -> Result<EventPublic, ApiError> {
    let response = Request::get(&paths::event(slug))
        .send()
        .await
        .map_err(|_| network_error())?;
    decode(response).await
}

/// `POST /api/events/{slug}/registrations`.
pub async fn register(
    slug: &str,
    request: &RegistrationRequest,
) -> Result<RegistrationAccepted, ApiError> {
    let response = Request::post(&paths::registrations(slug))
        .json(request)
        .map_err(|_| network_error())?
        .send()
        .await
        .map_err(|_| network_error())?;
    decode(response).await
}

/// `GET /api/registrations/{token}`.
pub async fn registration(token: &str) -> Result<RegistrationView, ApiError> {
    let response = Request::get(&paths::registration(token))
        .send()
        .await
        .map_err(|_| network_error())?;
    decode(response).await
}

/// `PATCH /api/registrations/{token}`.
pub async fn change_registration(
    token: &str,
    change: &ChoiceChange,
) -> Result<RegistrationView, ApiError> {
    let response = Request::patch(&paths::registration(token))
        .json(change)
        .map_err(|_| network_error())?
        .send()
        .await
        .map_err(|_| network_error())?;
    decode(response).await
}

/// `POST /api/registrations/{token}/cancel`.
pub async fn cancel_registration(token: &str) -> Result<RegistrationView, ApiError> {
    let response = Request::post(&paths::registration_cancel(token))
        .send()
        .await
        .map_err(|_| network_error())?;
    decode(response).await
}

/// `POST /api/registrations/{token}/confirm`.
pub async fn confirm_registration(token: &str) -> Result<RegistrationView, ApiError> {
    let response = Request::post(&paths::registration_confirm(token))
        .send()
        .await
        .map_err(|_| network_error())?;
    decode(response).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode("cohésion sociale"), "coh%C3%A9sion%20sociale");
        let url = events_url(&EventQuery {
            when: Some(parvis_core::api::When::Past),
            kind: Some("cycle".into()),
            q: Some("a&b".into()),
        });
        assert_eq!(url, "/api/events?when=past&kind=cycle&q=a%26b");
    }
}
