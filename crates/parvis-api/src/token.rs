//! Personal tokens for the "manage my registration" link, and the secrets
//! of the back-office's sign-in (links, 6-digit codes, sessions).
//!
//! A token is 256 bits from the operating system's generator, written as 64
//! hexadecimal characters. Only its SHA-256 is stored, so a copy of the
//! database does not hold working links.

use anyhow::{Result, anyhow};
use sha2::{Digest, Sha256};

/// The stored form of a sign-in code: SHA-256 of the code salted with the
/// hash of its request's link, so equal codes of two requests differ.
pub fn code_hash(link_hash: &str, code: &str) -> String {
    hash(&format!("code:{link_hash}:{code}"))
}

/// A 6-digit sign-in code, from the system's random source.
pub fn sign_in_code() -> Result<String> {
    // 64 random bits reduced to 10^6 values: the bias is below 10^-13.
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes)
        .map_err(|e| anyhow!("the operating system gave no random bytes: {e}"))?;
    Ok(format!("{:06}", u64::from_le_bytes(bytes) % 1_000_000))
}

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

/// Symbols of generated invitation codes: 32 capitals and digits, without
/// the look-alikes 0/O and 1/I, so each carries 5 bits.
const CODE_ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// Symbols in a generated invitation code.
pub const CODE_SYMBOLS: usize = 16;

/// Bits of entropy in a generated invitation code (16 × 5 = 80): guessing
/// one is hopeless even without the per-client and per-event lockouts.
pub const CODE_BITS: usize = CODE_SYMBOLS * 5;

/// Draws a new invitation code, such as `K7QF-M2XC-9HTR-WB4N`.
pub fn invitation_code() -> Result<String> {
    let mut bytes = [0u8; CODE_SYMBOLS];
    getrandom::fill(&mut bytes)
        .map_err(|e| anyhow!("the operating system gave no random bytes: {e}"))?;
    let mut code = String::with_capacity(CODE_SYMBOLS + CODE_SYMBOLS / 4);
    for (index, byte) in bytes.iter().enumerate() {
        if index > 0 && index % 4 == 0 {
            code.push('-');
        }
        // 256 is a multiple of 32: taking the low 5 bits keeps every symbol
        // equally likely.
        code.push(CODE_ALPHABET[usize::from(byte & 31)] as char);
    }
    Ok(code)
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
    fn generated_invitation_codes_carry_at_least_60_bits() {
        const { assert!(CODE_BITS >= 60) };
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2000 {
            let code = invitation_code().unwrap();
            assert_eq!(code.len(), 19, "{code}");
            let symbols: String = code.chars().filter(|c| *c != '-').collect();
            assert_eq!(symbols.len(), CODE_SYMBOLS);
            assert!(
                symbols.bytes().all(|b| CODE_ALPHABET.contains(&b)),
                "{code}"
            );
            assert!(seen.insert(code.clone()), "no repeat");
            // Typed in lower case with spaces around, it still matches.
            assert_eq!(
                invitation_code_hash(&format!(" {} ", code.to_lowercase())),
                invitation_code_hash(&code)
            );
        }
        // Every symbol of the alphabet shows up: no bias towards a subset.
        let all: std::collections::HashSet<char> = seen.iter().flat_map(|c| c.chars()).collect();
        assert_eq!(all.len(), 33, "32 symbols and the hyphen");
    }

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
