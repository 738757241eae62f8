//! Short free-text fields (names, organisation, role, territory).
//!
//! A [`ShortText`] is trimmed, has inner runs of whitespace collapsed, holds no
//! control characters and fits a maximum length counted in characters (not
//! bytes, so accented names are not penalised).

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
        }
    }
}

impl ShortText {
    /// Parses a required text of at most `max` characters.
    pub fn parse(input: &str, max: usize) -> Result<Self, TextError> {
        Self::parse_optional(input, max)?.ok_or(TextError::Missing)
    }

    /// Parses an optional text: blank input gives `None`.
    pub fn parse_optional(input: &str, max: usize) -> Result<Option<Self>, TextError> {
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
}
