//! The endpoint client: one async function per route, typed by
//! `parvis_core::api`. Any non-2xx answer becomes an [`ApiError`] (the
//! endpoint's own JSON when it sent one, a French message otherwise).

use gloo_net::http::{Method, RequestBuilder};
use leptos::prelude::{Get, LocalResource};
use parvis_core::api::{
    ApiError, ChoiceChange, EventPublic, EventQuery, EventSummary, LookupAccepted, LookupRequest,
    OrganisationSummary, RegistrationAccepted, RegistrationView, paths,
};
use parvis_core::registration::RegistrationRequest;
use serde::Serialize;
use serde::de::DeserializeOwned;

fn network_error() -> ApiError {
    ApiError {
        code: "network".to_owned(),
        message: "Le serveur ne répond pas. Vérifiez votre connexion puis réessayez.".to_owned(),
        fields: Default::default(),
    }
}

fn unreadable() -> ApiError {
    ApiError {
        code: "decode".to_owned(),
        message: "La réponse du serveur est illisible. Rechargez la page.".to_owned(),
        fields: Default::default(),
    }
}

/// Sends one request and returns the text of a 2xx answer. One function,
/// not generic, for every route: the app carries a single copy of the
/// fetch and of the error handling, and only the JSON reading is typed.
pub(crate) async fn call(
    method: Method,
    url: &str,
    body: Option<String>,
    csrf: Option<&str>,
) -> Result<String, ApiError> {
    let mut builder = RequestBuilder::new(url).method(method);
    if let Some(proof) = csrf {
        builder = builder.header("x-parvis-csrf", proof);
    }
    let request = match body {
        Some(json) => builder
            .header("content-type", "application/json")
            .body(json),
        None => builder.build(),
    }
    .map_err(|_| network_error())?;
    let response = request.send().await.map_err(|_| network_error())?;
    let ok = response.ok();
    let status = response.status();
    let text = response.text().await.map_err(|_| network_error())?;
    if ok {
        return Ok(text);
    }
    Err(
        serde_json::from_str::<ApiError>(&text).unwrap_or_else(|_| ApiError {
            code: "http".to_owned(),
            message: format!(
                "Le serveur a répondu par une erreur ({status}). Réessayez plus tard."
            ),
            fields: Default::default(),
        }),
    )
}

/// Sends `body` as it is (a `File` the browser reads and streams), with
/// its content type and the CSRF proof; the answer is read as [`call`]
/// reads it.
pub(crate) async fn call_raw(
    url: &str,
    body: wasm_bindgen::JsValue,
    content_type: &str,
    csrf: &str,
) -> Result<String, ApiError> {
    let response = RequestBuilder::new(url)
        .method(Method::POST)
        .header("x-parvis-csrf", csrf)
        .header("content-type", content_type)
        .body(body)
        .map_err(|_| network_error())?
        .send()
        .await
        .map_err(|_| network_error())?;
    let ok = response.ok();
    let status = response.status();
    let text = response.text().await.map_err(|_| network_error())?;
    if ok {
        return Ok(text);
    }
    Err(
        serde_json::from_str::<ApiError>(&text).unwrap_or_else(|_| ApiError {
            code: if status == 413 { "too_large" } else { "http" }.to_owned(),
            message: if status == 413 {
                "Le fichier est trop volumineux pour être reçu.".to_owned()
            } else {
                format!("Le serveur a répondu par une erreur ({status}). Réessayez plus tard.")
            },
            fields: Default::default(),
        }),
    )
}

/// What a page loads with a GET: the answer's text, which the page reads
/// with [`read`]. Every page's resource has this one type, so the app
/// carries one copy of Leptos's resource machinery, not one per page.
/// `url` is tracked: the resource loads again when it changes.
pub fn loaded(url: Box<dyn Fn() -> String>) -> LocalResource<Result<String, ApiError>> {
    LocalResource::new(move || {
        let url = url();
        async move { call(Method::GET, &url, None, None).await }
    })
}

/// A GET's answer read as `T` where it is used: [`loaded`] under a type.
/// The back-office's pages keep `resource.get()`, and the wasm carries one
/// copy of the resource machinery for all of them, not one per type.
pub struct Loaded<T> {
    text: LocalResource<Result<String, ApiError>>,
    kind: std::marker::PhantomData<fn() -> T>,
}

impl<T> Clone for Loaded<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Loaded<T> {}

impl<T: DeserializeOwned> Loaded<T> {
    /// Loads `url`, again whenever what `url` reads changes.
    pub fn new(url: impl Fn() -> String + 'static) -> Self {
        Self {
            text: loaded(Box::new(url)),
            kind: std::marker::PhantomData,
        }
    }

    /// The answer once loaded (tracked).
    pub fn get(&self) -> Option<Result<T, ApiError>> {
        self.text
            .get()
            .map(|text| text.and_then(|text| read(&text)))
    }

    /// Loads it again.
    pub fn refetch(&self) {
        self.text.refetch();
    }
}

pub(crate) fn read<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    serde_json::from_str(text).map_err(|_| unreadable())
}

pub(crate) fn json<T: Serialize>(body: &T) -> Option<String> {
    serde_json::to_string(body).ok()
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
    if let Some(organisation) = &query.organisation {
        params.push(format!("organisation={}", encode(organisation)));
    }
    if params.is_empty() {
        paths::EVENTS.to_owned()
    } else {
        format!("{}?{}", paths::EVENTS, params.join("&"))
    }
}

pub use parvis_core::api::paths::encode;

/// `GET /api/events`.
pub async fn list_events(query: &EventQuery) -> Result<Vec<EventSummary>, ApiError> {
    read(&call(Method::GET, &events_url(query), None, None).await?)
}

/// `GET /api/organisations`.
pub async fn organisations() -> Result<Vec<OrganisationSummary>, ApiError> {
    read(&call(Method::GET, paths::ORGANISATIONS, None, None).await?)
}

/// `GET /api/events/{slug}`.
pub async fn event(slug: &str) -> Result<EventPublic, ApiError> {
    read(&call(Method::GET, &paths::event(slug), None, None).await?)
}

/// `POST /api/events/{slug}/registrations`; the answer comes with its
/// JSON text, which the confirmation page keeps for a reload.
pub async fn register(
    slug: &str,
    request: &RegistrationRequest,
) -> Result<(RegistrationAccepted, String), ApiError> {
    let text = call(
        Method::POST,
        &paths::registrations(slug),
        json(request),
        None,
    )
    .await?;
    Ok((read(&text)?, text))
}

/// `POST /api/events/{slug}/invitation`: the address an invitation link
/// was sent to. `token` is the link's (64 hexadecimal characters, checked
/// by the caller), sent in the body.
pub async fn invitation(
    slug: &str,
    token: &str,
) -> Result<parvis_core::invitations::InvitationView, ApiError> {
    let body = format!("{{\"jeton\":\"{token}\"}}");
    read(
        &call(
            Method::POST,
            &format!("/api/events/{slug}/invitation"),
            Some(body),
            None,
        )
        .await?,
    )
}

/// `POST /api/registrations/lookup`: the personal links of an address are
/// emailed again.
pub async fn lookup(request: &LookupRequest) -> Result<LookupAccepted, ApiError> {
    read(
        &call(
            Method::POST,
            paths::REGISTRATION_LOOKUP,
            json(request),
            None,
        )
        .await?,
    )
}

/// `GET /api/registrations/{token}`.
pub async fn registration(token: &str) -> Result<RegistrationView, ApiError> {
    read(&call(Method::GET, &paths::registration(token), None, None).await?)
}

/// `PATCH /api/registrations/{token}`.
pub async fn change_registration(
    token: &str,
    change: &ChoiceChange,
) -> Result<RegistrationView, ApiError> {
    read(
        &call(
            Method::PATCH,
            &paths::registration(token),
            json(change),
            None,
        )
        .await?,
    )
}

/// `POST /api/registrations/{token}/cancel`.
pub async fn cancel_registration(token: &str) -> Result<RegistrationView, ApiError> {
    read(&call(Method::POST, &paths::registration_cancel(token), None, None).await?)
}

/// `POST /api/registrations/{token}/confirm`.
pub async fn confirm_registration(token: &str) -> Result<RegistrationView, ApiError> {
    read(
        &call(
            Method::POST,
            &paths::registration_confirm(token),
            None,
            None,
        )
        .await?,
    )
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
            organisation: Some("demo".into()),
        });
        assert_eq!(
            url,
            "/api/events?when=past&kind=cycle&q=a%26b&organisation=demo"
        );
    }
}
