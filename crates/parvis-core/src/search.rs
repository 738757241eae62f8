//! Text normalisation for search: lower case, no accents, words only.
//!
//! The agenda search must find « cohésion » when someone types « cohesion »
//! or « COHÉSION ». The endpoint stores the normalised text of each event
//! ([`event_text`]: title, summary, description, organiser, venue and town,
//! speakers) and matches the normalised words of the query against it, in
//! the same way on SQLite and PostgreSQL.

use std::fmt;

/// Name of the search parameter of the agenda (`GET /api/events?q=`).
pub const QUERY_FIELD: &str = "q";

/// Longest search accepted, in characters.
pub const QUERY_MAX_CHARS: usize = 200;

/// Most words a search may hold.
pub const QUERY_MAX_WORDS: usize = 10;

/// Why a search was refused; [`fmt::Display`] gives the French message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryError {
    /// More than [`QUERY_MAX_CHARS`] characters.
    TooLong,
    /// More than [`QUERY_MAX_WORDS`] words.
    TooManyWords,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryError::TooLong => write!(
                f,
                "La recherche ne peut pas dépasser {QUERY_MAX_CHARS} caractères."
            ),
            QueryError::TooManyWords => write!(
                f,
                "La recherche ne peut pas compter plus de {QUERY_MAX_WORDS} mots."
            ),
        }
    }
}

/// Checks the size of a search before any work is done with it: at most
/// [`QUERY_MAX_CHARS`] characters and [`QUERY_MAX_WORDS`] words, leading
/// and trailing whitespace aside.
pub fn check_query(query: &str) -> Result<(), QueryError> {
    let query = query.trim();
    if query.chars().count() > QUERY_MAX_CHARS {
        return Err(QueryError::TooLong);
    }
    if query.split_whitespace().count() > QUERY_MAX_WORDS {
        return Err(QueryError::TooManyWords);
    }
    Ok(())
}

/// Everything a search of the agenda looks into, normalised: title,
/// summary, description (its Markdown source), organiser, venue (name, address, town) and
/// speakers, so « Évry », « CRPVE » or « Creil » find the events that name
/// them.
pub fn event_text(event: &crate::api::EventPublic, description: &str) -> String {
    let mut parts: Vec<&str> = vec![&event.title, &event.summary, &event.organiser, description];
    if let Some(venue) = &event.venue {
        parts.push(&venue.name);
        parts.push(&venue.city);
        parts.extend(venue.address.iter().map(String::as_str));
    }
    for speaker in &event.speakers {
        parts.push(&speaker.name);
        parts.extend(speaker.role.as_deref());
    }
    normalise(&parts.join(" "))
}

/// Lower-cases, strips French diacritics and ligatures, and replaces every
/// run of non-alphanumeric characters by one space.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        let folded: &str = match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' => "a",
            'ç' => "c",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'î' | 'ï' | 'í' | 'ì' => "i",
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' => "o",
            'ù' | 'û' | 'ü' | 'ú' => "u",
            'ÿ' => "y",
            'ñ' => "n",
            'œ' => "oe",
            'æ' => "ae",
            c if c.is_alphanumeric() => {
                if pending_space && !out.is_empty() {
                    out.push(' ');
                }
                pending_space = false;
                out.push(c);
                continue;
            }
            _ => {
                pending_space = true;
                continue;
            }
        };
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        out.push_str(folded);
    }
    out
}

/// The normalised words of a query, without duplicates, at most 10.
pub fn query_terms(query: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for word in normalise(query).split(' ').filter(|w| !w.is_empty()) {
        if !terms.iter().any(|t| t == word) && terms.len() < 10 {
            terms.push(word.to_owned());
        }
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_accents_case_and_punctuation() {
        assert_eq!(
            normalise("La gouvernance locale de la COHÉSION sociale — « Villes »"),
            "la gouvernance locale de la cohesion sociale villes"
        );
        assert_eq!(normalise("Cœur d'agglomération"), "coeur d agglomeration");
    }

    #[test]
    fn query_terms_are_unique_words() {
        assert_eq!(
            query_terms("  Cohésion, cohesion  sociale "),
            ["cohesion", "sociale"]
        );
        assert!(query_terms(" ,;! ").is_empty());
    }

    #[test]
    fn a_search_has_at_most_200_characters_and_10_words() {
        assert_eq!(check_query("cohésion sociale"), Ok(()));
        assert_eq!(check_query(&format!("  {}  ", "é".repeat(200))), Ok(()));
        assert_eq!(check_query(&"é".repeat(201)), Err(QueryError::TooLong));
        assert_eq!(check_query(&"x".repeat(50_000)), Err(QueryError::TooLong));
        let ten = ["mot"; 10].join(" ");
        assert_eq!(check_query(&ten), Ok(()));
        assert_eq!(
            check_query(&format!("{ten} de")),
            Err(QueryError::TooManyWords)
        );
        assert_eq!(
            QueryError::TooLong.to_string(),
            "La recherche ne peut pas dépasser 200 caractères."
        );
        assert_eq!(
            QueryError::TooManyWords.to_string(),
            "La recherche ne peut pas compter plus de 10 mots."
        );
    }
}
