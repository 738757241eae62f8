//! Short free-text fields (names, organisation, role, territory).
//!
//! A [`ShortText`] is trimmed, has inner runs of whitespace collapsed, holds no
//! control characters and fits a maximum length counted in characters (not
//! bytes, so accented names are not penalised).
//!
//! [`ShortText::parse`] and [`ShortText::parse_optional`] also refuse web and
//! email addresses: names and the like are written into the emails Parvis
//! sends to whatever address was typed, so a link there would turn the
//! registration form into a relay for spam. [`ShortText::parse_free`] and
//! [`ShortText::parse_free_optional`] keep addresses, for free answers that
//! may legitimately hold them (accessibility needs, organisers' questions).

use std::fmt;

/// A trimmed, single-line text of bounded length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortText(String);

/// Why a short text was refused; [`fmt::Display`] gives the French message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextError {
    /// Nothing but whitespace was typed in a required field.
    Missing,
    /// Longer than the field allows.
    TooLong {
        /// The maximum, in characters.
        max: usize,
    },
    /// Holds a control character (a pasted tab or line break is fine, other
    /// control characters are not).
    ControlCharacter,
    /// Holds a web address: `://`, a word starting with `www.`, or a domain
    /// name such as `exemple.fr`.
    WebAddress,
    /// Holds an `@`, as an email address does.
    EmailAddress,
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextError::Missing => f.write_str("Ce champ est obligatoire."),
            TextError::TooLong { max } => {
                write!(f, "Ce champ ne peut pas dépasser {max} caractères.")
            }
            TextError::ControlCharacter => {
                f.write_str("Ce champ contient des caractères invisibles non autorisés.")
            }
            TextError::WebAddress => f.write_str("Ce champ ne peut pas contenir d'adresse web."),
            TextError::EmailAddress => {
                f.write_str("Ce champ ne peut pas contenir d'adresse e-mail.")
            }
        }
    }
}

impl ShortText {
    /// Parses a required text of at most `max` characters, without web or
    /// email address.
    pub fn parse(input: &str, max: usize) -> Result<Self, TextError> {
        Self::parse_optional(input, max)?.ok_or(TextError::Missing)
    }

    /// Parses an optional text without web or email address: blank input
    /// gives `None`.
    pub fn parse_optional(input: &str, max: usize) -> Result<Option<Self>, TextError> {
        let text = Self::parse_free_optional(input, max)?;
        if let Some(text) = &text {
            refuse_addresses(text.as_str())?;
        }
        Ok(text)
    }

    /// Parses a required text of at most `max` characters, addresses allowed.
    pub fn parse_free(input: &str, max: usize) -> Result<Self, TextError> {
        Self::parse_free_optional(input, max)?.ok_or(TextError::Missing)
    }

    /// Parses an optional text, addresses allowed: blank input gives `None`.
    pub fn parse_free_optional(input: &str, max: usize) -> Result<Option<Self>, TextError> {
        if input
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        {
            return Err(TextError::ControlCharacter);
        }
        let collapsed = input.split_whitespace().collect::<Vec<_>>().join(" ");
        if collapsed.is_empty() {
            return Ok(None);
        }
        if collapsed.chars().count() > max {
            return Err(TextError::TooLong { max });
        }
        Ok(Some(Self(collapsed)))
    }

    /// The checked text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Refuses a text holding a web or email address. An explicit link (`://`,
/// `www.`) is reported as such first, then an `@`, then a bare domain name,
/// so `jean@exemple.fr` is called an email address.
fn refuse_addresses(text: &str) -> Result<(), TextError> {
    if text.contains("://") || has_www_word(text) {
        return Err(TextError::WebAddress);
    }
    // The full-width and small commercial at look like `@` to a reader.
    if text.contains(['@', '\u{FF20}', '\u{FE6B}']) {
        return Err(TextError::EmailAddress);
    }
    if has_domain_name(text) {
        return Err(TextError::WebAddress);
    }
    Ok(())
}

/// True when a word starts with `www.`, in any case: the start of the text
/// or a character that is not a letter or digit comes before it.
fn has_www_word(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(4).enumerate().any(|(i, window)| {
        let www = window[..3].iter().all(|c| c.eq_ignore_ascii_case(&'w')) && window[3] == '.';
        www && (i == 0 || !chars[i - 1].is_alphanumeric())
    })
}

/// True when the text holds something like a domain name: letters, digits or
/// hyphens, a dot, then a word of at least two ASCII letters and nothing
/// else (`spam.com`, `bit.ly`, `exemple.fr/x`, `Mairie-Evry.FR`).
///
/// The word after the dot is taken whole, so an abbreviation followed by a
/// space (`St. Ouen`), initials (`J.-P.`) and a French word with an accent
/// (`Ste.Hélène`) are not domain names.
fn has_domain_name(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    chars.iter().enumerate().any(|(i, &c)| {
        if c != '.' || i == 0 || !is_label_char(chars[i - 1]) {
            return false;
        }
        let word: Vec<char> = chars[i + 1..]
            .iter()
            .copied()
            .take_while(|c| c.is_alphanumeric())
            .collect();
        word.len() >= 2 && word.iter().all(char::is_ascii_alphabetic)
    })
}

fn is_label_char(c: char) -> bool {
    c.is_alphanumeric() || c == '-'
}

impl fmt::Display for ShortText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_collapses_whitespace() {
        let text = ShortText::parse("  Anne \t SAUVAYRE \n", 50).unwrap();
        assert_eq!(text.as_str(), "Anne SAUVAYRE");
    }

    #[test]
    fn counts_characters_not_bytes() {
        assert!(ShortText::parse("éééé", 4).is_ok());
        assert_eq!(
            ShortText::parse("ééééé", 4),
            Err(TextError::TooLong { max: 4 })
        );
    }

    #[test]
    fn blank_required_text_is_missing_and_blank_optional_text_is_none() {
        assert_eq!(ShortText::parse("   ", 10), Err(TextError::Missing));
        assert_eq!(ShortText::parse_optional("   ", 10), Ok(None));
    }

    #[test]
    fn refuses_control_characters() {
        assert_eq!(
            ShortText::parse("a\u{7}b", 10),
            Err(TextError::ControlCharacter)
        );
    }

    #[test]
    fn ordinary_names_and_organisations_pass() {
        for text in [
            "Jean-Pierre",
            "J.-P.",
            "J.-P. Martin",
            "Saint-Étienne",
            "St. Ouen",
            "Ste.Hélène",
            "Ville de Creil",
            "Cheffe de projet politique de la ville",
            "CAF 93",
            "O'Neil",
            "Marie-Hélène",
            "Centre de ressources Pôle Ressources Ville et Développement Social",
            "S.A.R.L. Dupont & fils",
            "Mme. Anne SAUVAYRE",
            "U.S.A.",
            "Pôle emploi / France Travail",
            "Version 2.0 du contrat de ville, 1.5 ETP",
            "Quartier prioritaire n°3 (QPV).",
            "Chargé·e de mission",
        ] {
            assert!(
                ShortText::parse(text, 200).is_ok(),
                "{text}: {:?}",
                ShortText::parse(text, 200)
            );
        }
    }

    #[test]
    fn refuses_web_addresses() {
        for text in [
            "https://spam.example",
            "ftp://x",
            "voir HTTP://exemple",
            "www.exemple",
            "(WWW.exemple)",
            "spam.com",
            "Gagnez sur bit.ly maintenant",
            "exemple.fr/x",
            "Mairie-Evry.FR",
            "Ville de Creil (creil.fr)",
            "sous.domaine.gouv.fr",
            "xn--mairie-vry-b7a.fr",
            "mairie-évry.fr",
        ] {
            assert_eq!(
                ShortText::parse(text, 200),
                Err(TextError::WebAddress),
                "{text}"
            );
        }
        assert_eq!(
            ShortText::parse_optional("bit.ly", 200),
            Err(TextError::WebAddress)
        );
    }

    #[test]
    fn refuses_email_addresses() {
        for text in [
            "jean@exemple.fr",
            "jean @ exemple",
            "@camille",
            "camille\u{FF20}exemple",
        ] {
            assert_eq!(
                ShortText::parse(text, 200),
                Err(TextError::EmailAddress),
                "{text}"
            );
        }
        assert_eq!(
            ShortText::parse("https://jean@exemple.fr", 200),
            Err(TextError::WebAddress)
        );
    }

    #[test]
    fn free_texts_keep_their_addresses_but_not_control_characters() {
        let text = "Voir https://exemple.fr ou écrire à jean@exemple.fr";
        assert_eq!(ShortText::parse_free(text, 200).unwrap().as_str(), text);
        assert_eq!(ShortText::parse_free_optional(" ", 200), Ok(None));
        assert_eq!(
            ShortText::parse_free("a\u{1b}b", 200),
            Err(TextError::ControlCharacter)
        );
    }

    #[test]
    fn address_messages_are_french() {
        assert_eq!(
            TextError::WebAddress.to_string(),
            "Ce champ ne peut pas contenir d'adresse web."
        );
        assert_eq!(
            TextError::EmailAddress.to_string(),
            "Ce champ ne peut pas contenir d'adresse e-mail."
        );
    }
}
