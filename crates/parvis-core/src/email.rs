//! An email address as typed by a registrant, checked and normalised.
//!
//! The check is deliberately hand-written rather than a regex: it keeps the
//! wasm small and the rules readable. It accepts what mail servers accept in
//! practice (`local@domain.tld`) and refuses what is certainly a typo.

use std::fmt;

/// A syntactically valid email address, trimmed, with its domain lower-cased.
///
/// The local part keeps its case (RFC 5321 lets servers treat it as
/// case-sensitive), but [`EmailAddress::key`] gives the fully lower-cased form
/// used to recognise the same person registering twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

/// Why an email address was refused; [`fmt::Display`] gives the French message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailError {
    /// Nothing was typed.
    Missing,
    /// Longer than the 254 characters a mail server accepts.
    TooLong,
    /// Not of the form `nom@domaine.fr`.
    Malformed,
}

impl fmt::Display for EmailError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EmailError::Missing => "L'adresse e-mail est obligatoire.",
            EmailError::TooLong => "L'adresse e-mail ne peut pas dépasser 254 caractères.",
            EmailError::Malformed => {
                "L'adresse e-mail n'est pas valide : elle doit ressembler à prenom.nom@exemple.fr."
            }
        })
    }
}

impl EmailAddress {
    /// Parses a typed address.
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(EmailError::Missing);
        }
        if trimmed.chars().count() > 254 {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = trimmed.rsplit_once('@').ok_or(EmailError::Malformed)?;
        if !valid_local(local) || !valid_domain(domain) {
            return Err(EmailError::Malformed);
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    /// The address as it will be written on an envelope.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The lower-cased address, used to recognise one person across forms.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn valid_local(local: &str) -> bool {
    !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
}

fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses_and_lowercases_the_domain() {
        let email = EmailAddress::parse("  Guillaume.Dejardin@LePoleRessources.FR ").unwrap();
        assert_eq!(email.as_str(), "Guillaume.Dejardin@lepoleressources.fr");
        assert_eq!(email.key(), "guillaume.dejardin@lepoleressources.fr");
        assert!(EmailAddress::parse("chmission1@crpve91.fr").is_ok());
        assert!(EmailAddress::parse("a+tag@sous.domaine.gouv.fr").is_ok());
        assert!(EmailAddress::parse("élodie@mairie-évry.fr").is_ok());
    }

    #[test]
    fn refuses_empty_input() {
        assert_eq!(EmailAddress::parse("   "), Err(EmailError::Missing));
    }

    #[test]
    fn refuses_typos() {
        for bad in [
            "sans-arobase.fr",
            "deux@@exemple.fr",
            "@exemple.fr",
            "nom@",
            "nom@exemple",
            "nom@exemple.",
            "nom@.fr",
            "nom @exemple.fr",
            "nom@exemple.f",
            "nom@exemple.123",
            ".nom@exemple.fr",
            "no..m@exemple.fr",
            "nom@-exemple.fr",
        ] {
            assert_eq!(
                EmailAddress::parse(bad),
                Err(EmailError::Malformed),
                "{bad}"
            );
        }
    }

    #[test]
    fn refuses_overlong_addresses() {
        let long = format!("{}@exemple.fr", "a".repeat(250));
        assert_eq!(EmailAddress::parse(&long), Err(EmailError::TooLong));
    }

    #[test]
    fn messages_are_french() {
        assert!(
            EmailError::Malformed
                .to_string()
                .contains("n'est pas valide")
        );
    }
}
