//! Personal tokens for the "manage my registration" link.
//!
//! A token is 256 bits from the operating system's generator, written as 64
//! hexadecimal characters. Only its SHA-256 is stored, so a copy of the
//! database does not hold working links.

use anyhow::{Result, anyhow};
use sha2::{Digest, Sha256};

/// A fresh token and the hash to store.
pub struct PersonalToken {
    /// Goes into the email, nowhere else.
    pub token: String,
    /// Goes into the database.
    pub hash: String,
}

/// Draws a new token.
pub fn generate() -> Result<PersonalToken> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| anyhow!("the operating system gave no random bytes: {e}"))?;
    let token = hex(&bytes);
    let hash = hash(&token);
    Ok(PersonalToken { token, hash })
}

/// The stored form of a token.
pub fn hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// The stored form of an invitation code: codes are typed by people, so
/// they are compared trimmed and upper-cased, by their SHA-256.
pub fn invitation_code_hash(code: &str) -> String {
    hash(&code.trim().to_uppercase())
}

/// Random hexadecimal of `bytes` bytes, for Message-IDs and the like.
pub fn random_hex(bytes: usize) -> Result<String> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer)
        .map_err(|e| anyhow!("the operating system gave no random bytes: {e}"))?;
    Ok(hex(&buffer))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[(byte >> 4) as usize] as char);
        out.push(DIGITS[(byte & 0xf) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bits_and_distinct() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_eq!(a.token.len(), 64);
        assert_ne!(a.token, b.token);
        assert_eq!(a.hash, hash(&a.token));
        assert_ne!(a.hash, a.token);
    }

    #[test]
    fn invitation_codes_ignore_case_and_surrounding_spaces() {
        assert_eq!(
            invitation_code_hash(" vivre-ensemble "),
            invitation_code_hash("VIVRE-ENSEMBLE")
        );
        assert_ne!(
            invitation_code_hash("VIVRE-ENSEMBLE"),
            invitation_code_hash("VIVRE ENSEMBLE")
        );
    }

    #[test]
    fn hash_is_sha256_hex() {
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
