//! The back-office's side of the HTTP contract (`/api/gestion/…`): what the
//! sign-in steps send and what the signed-in organiser reads.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Paths of the back-office's API.
pub mod paths {
    /// `POST {email}`: emails a sign-in link and code.
    pub const SIGN_IN: &str = "/api/gestion/connexion";
    /// `POST {jeton}`: signs in with the link's token.
    pub const SIGN_IN_LINK: &str = "/api/gestion/connexion/lien";
    /// `POST {email, code}`: signs in with the code.
    pub const SIGN_IN_CODE: &str = "/api/gestion/connexion/code";
    /// `GET`: the signed-in account.
    pub const ME: &str = "/api/gestion/moi";
    /// `POST`: signs out.
    pub const SIGN_OUT: &str = "/api/gestion/deconnexion";
    /// `GET`: the account's sessions.
    pub const SESSIONS: &str = "/api/gestion/sessions";
    /// `POST {session?}`: ends one session, or all.
    pub const END_SESSIONS: &str = "/api/gestion/sessions/fermer";

    /// `GET`: an organisation's events.
    pub fn events(organisation: &str) -> String {
        format!("/api/gestion/organisations/{organisation}/evenements")
    }

    /// `GET`: an organisation's members; `POST {email, name, role}`: adds
    /// or changes one (administrators).
    pub fn team(organisation: &str) -> String {
        format!("/api/gestion/organisations/{organisation}/equipe")
    }

    /// `GET`: an organisation's settings; `POST`: changes them
    /// (administrators).
    pub fn settings(organisation: &str) -> String {
        format!("/api/gestion/organisations/{organisation}/reglages")
    }

    /// `POST {email}`: takes a member out (administrators; never the last
    /// administrator).
    pub fn team_remove(organisation: &str) -> String {
        format!("/api/gestion/organisations/{organisation}/equipe/retirer")
    }

    /// `GET`: an organisation's audit log (administrators).
    pub fn audit_log(organisation: &str) -> String {
        format!("/api/gestion/organisations/{organisation}/journal")
    }
}

/// `POST` [`paths::SIGN_IN`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SignInRequest {
    /// The address of the account.
    pub email: String,
}

/// `POST` [`paths::SIGN_IN_LINK`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LinkSignIn {
    /// The token of the emailed link (its `#jeton=` fragment).
    pub jeton: String,
}

/// `POST` [`paths::SIGN_IN_CODE`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CodeSignIn {
    /// The address of the account.
    pub email: String,
    /// The 6-digit code of the email (spaces allowed).
    pub code: String,
}

/// A sentence saying what happens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepted {
    /// In French.
    pub message: String,
}

/// Someone who signs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    /// Address.
    pub email: String,
    /// Name.
    pub name: String,
}

/// An organisation, as its members see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationView {
    /// Address part.
    pub slug: String,
    /// Name.
    pub name: String,
}

/// A role in an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipView {
    /// The organisation.
    pub organisation: OrganisationView,
    /// `administrateur` or `organisateur`.
    pub role: String,
}

/// `GET` [`paths::ME`], and the answer to a sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    /// Who.
    pub account: AccountView,
    /// Where, with which role.
    pub organisations: Vec<MembershipView>,
    /// The proof every writing request carries in `x-parvis-csrf`.
    pub csrf_token: String,
}

/// One signed-in browser of the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionLine {
    /// Identifier, to end it.
    pub id: i64,
    /// The browser, as it named itself.
    pub user_agent: String,
    /// Sign-in time.
    pub created_at: DateTime<Utc>,
    /// Last request.
    pub last_seen_at: DateTime<Utc>,
    /// This browser.
    pub current: bool,
}

/// `POST` [`paths::END_SESSIONS`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EndSessions {
    /// One session; none means every session (« me déconnecter partout »).
    pub session: Option<i64>,
}

/// One event of an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventLine {
    /// Its address.
    pub slug: String,
}

/// One line of an organisation's audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLine {
    /// When.
    pub at: DateTime<Utc>,
    /// Who (their address), when known.
    pub who: Option<String>,
    /// What, as a short code (`connexion`…).
    pub action: String,
    /// The details, in French.
    pub detail: String,
}

/// A member of an organisation, as administrators see the team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberLine {
    /// Address.
    pub email: String,
    /// Name.
    pub name: String,
    /// `administrateur` or `organisateur`.
    pub role: String,
}

/// `POST` [`paths::team`]: adds someone to the team, or changes their role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MemberRequest {
    /// Their address: the sign-in emails go there.
    pub email: String,
    /// Their name.
    pub name: String,
    /// `administrateur` or `organisateur`.
    pub role: String,
}

/// `POST` [`paths::team_remove`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RemoveMember {
    /// Their address.
    pub email: String,
}

/// What an organisation says of itself: `GET` and `POST` [`paths::settings`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Its name.
    pub organisation_name: String,
    /// The sender's display name of its events' emails; empty: each event's
    /// organiser.
    pub sender_name: String,
    /// Where people can write to it; empty: none.
    pub contact_email: String,
}
