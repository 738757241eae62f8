//! What the bench examples share.

use parvis_core::registration::RegistrationRequest;

/// The registration form of bench person `n`, under an address `{prefix}-{n}`.
pub fn request(prefix: &str, n: usize) -> RegistrationRequest {
    RegistrationRequest {
        first_name: "Prénom".into(),
        last_name: format!("Nom {n}"),
        email: format!("{prefix}-{n}@exemple.fr"),
        organisation: "Ville de test".into(),
        role: "Chargée de mission".into(),
        consent: true,
        structure_type: "collectivite".into(),
        ..Default::default()
    }
}
