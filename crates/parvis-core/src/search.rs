//! Text normalisation for search: lower case, no accents, words only.
//!
//! The agenda search must find « cohésion » when someone types « cohesion »
//! or « COHÉSION ». The endpoint stores the normalised title and summary of
//! each event and matches the normalised words of the query against them, in
//! the same way on SQLite and PostgreSQL.

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
}
