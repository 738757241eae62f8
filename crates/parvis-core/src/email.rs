//! An email address as typed by a registrant, checked and normalised.
//!
//! The check is deliberately hand-written rather than a regex: it keeps the
//! wasm small and the rules readable. It accepts what mail servers accept in
//! practice (`local@domain.tld`) and refuses what is certainly a typo.
//!
//! Every address accepted here is also accepted by the endpoint's mail
//! library (lettre's `Address` and `Mailbox` parsers; the endpoint's
//! `tests/addresses.rs` runs a corpus through both), so nothing accepted at
//! registration is unsendable. It is deliberately narrower than lettre:
//!
//! - ASCII only: an accented address needs SMTPUTF8, which not every relay
//!   offers, so it could be accepted and never delivered;
//! - no quoted local part (`"a b"@x.fr`), no IP address as domain
//!   (`a@[192.0.2.1]`), no comment, no display name: legal, but in a
//!   registration form they are mistakes;
//! - the domain has at least two labels of letters, digits and hyphens, and
//!   ends with a top-level domain of two letters or more.

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
    /// Holds an accented or other non-ASCII character, which a relay
    /// without SMTPUTF8 cannot deliver.
    NonAscii,
}

impl fmt::Display for EmailError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EmailError::Missing => "L'adresse e-mail est obligatoire.",
            EmailError::TooLong => "L'adresse e-mail ne peut pas dépasser 254 caractères.",
            EmailError::Malformed => {
                "L'adresse e-mail n'est pas valide : elle doit ressembler à prenom.nom@exemple.fr."
            }
            EmailError::NonAscii => {
                "Cette adresse contient des caractères accentués ou spéciaux : les messageries ne \
                 peuvent pas toutes l'acheminer. Utilisez une adresse sans accent."
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
        if !trimmed.is_ascii() {
            return Err(EmailError::NonAscii);
        }
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

/// An address shown back masked, « c…@ville.fr »: its owner recognises it
/// or spots a typo in the domain, an onlooker learns little.
pub fn masked(address: &str) -> String {
    match address.trim().rsplit_once('@') {
        Some((local, domain)) if !local.is_empty() && !domain.is_empty() => {
            let first = local.chars().next().map(String::from).unwrap_or_default();
            format!("{first}…@{domain}")
        }
        _ => "…".to_owned(),
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A dot-atom local part (RFC 5322 `atext` and dots), ASCII only, at most
/// 64 bytes.
fn valid_local(local: &str) -> bool {
    !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
}

/// A host name of ASCII labels (letters, digits, inner hyphens, at most 63
/// bytes each) ending with an alphabetic top-level domain.
fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_masked_but_their_domain_shows() {
        assert_eq!(masked("camille.martin@ville.fr"), "c…@ville.fr");
        assert_eq!(masked(" élise@crpve91.fr "), "é…@crpve91.fr");
        assert_eq!(masked("pas-une-adresse"), "…");
        assert_eq!(masked("@ville.fr"), "…");
    }

    #[test]
    fn accepts_ordinary_addresses_and_lowercases_the_domain() {
        let email = EmailAddress::parse("  Guillaume.Dejardin@LePoleRessources.FR ").unwrap();
        assert_eq!(email.as_str(), "Guillaume.Dejardin@lepoleressources.fr");
        assert_eq!(email.key(), "guillaume.dejardin@lepoleressources.fr");
        assert!(EmailAddress::parse("chmission1@crpve91.fr").is_ok());
        assert!(EmailAddress::parse("a+tag@sous.domaine.gouv.fr").is_ok());
        assert!(EmailAddress::parse("o'neil@xn--mairie-vry-b7a.fr").is_ok());
    }

    #[test]
    fn refuses_non_ascii_addresses() {
        for bad in [
            "élodie@mairie-evry.fr",
            "elodie@mairie-évry.fr",
            "o\u{2019}neil@exemple.fr",
            "nom@exemple.fr\u{a0}x",
            "пользователь@пример.рф",
            "用户@例子.中国",
            "nom@exemple.ﬁ",
        ] {
            assert_eq!(EmailAddress::parse(bad), Err(EmailError::NonAscii), "{bad}");
        }
        // Without an `@` it is not an address at all.
        assert_eq!(EmailAddress::parse("élodie"), Err(EmailError::Malformed));
        assert!(EmailError::NonAscii.to_string().contains("sans accent"));
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
            "nom@exemple-.fr",
            "nom@exemple.fr.",
            "\"jean dupont\"@exemple.fr",
            "nom@[192.0.2.1]",
            "nom@192.0.2.1",
            "nom(commentaire)@exemple.fr",
            "Jean <nom@exemple.fr>",
            "nom@exe_mple.fr",
            "nom@exemple.xn--p1ai",
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
        let long_local = format!("{}@exemple.fr", "a".repeat(65));
        assert_eq!(EmailAddress::parse(&long_local), Err(EmailError::Malformed));
        let long_label = format!("nom@{}.fr", "a".repeat(64));
        assert_eq!(EmailAddress::parse(&long_label), Err(EmailError::Malformed));
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
