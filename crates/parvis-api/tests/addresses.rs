//! The registration form and the mail library agree on addresses: whatever
//! `parvis_core::email::EmailAddress::parse` accepts, lettre (which sends the
//! emails) accepts too, both as a bare `Address` and as the `Mailbox` the
//! outbox parses its recipients into. Nothing accepted at registration can
//! then be undeliverable for want of a parsable address.

use std::str::FromStr;

use lettre::Address;
use lettre::message::Mailbox;
use parvis_core::email::{EmailAddress, EmailError};

/// What parvis-core is expected to answer for each address of the corpus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expected {
    Accepted,
    Refused,
}

use Expected::{Accepted, Refused};

fn corpus() -> Vec<(String, Expected)> {
    let mut corpus: Vec<(String, Expected)> = [
        // Ordinary addresses.
        ("camille.martin@mairie-exemple.fr", Accepted),
        ("chmission1@crpve91.fr", Accepted),
        ("Guillaume.Dejardin@LePoleRessources.FR", Accepted),
        ("a+tag@sous.domaine.gouv.fr", Accepted),
        ("prenom_nom@exemple.com", Accepted),
        ("x@exemple.co", Accepted),
        ("1234@9a.org", Accepted),
        ("nom@a-b-c.exemple.fr", Accepted),
        ("  espaces.autour@exemple.fr\t", Accepted),
        ("o'neil@exemple.fr", Accepted),
        ("tous!#$%&'*+-/=?^_`{|}~@exemple.fr", Accepted),
        ("a.b.c.d@exemple.fr", Accepted),
        ("nom@xn--mairie-vry-b7a.fr", Accepted),
        ("NOM@EXEMPLE.MUSEUM", Accepted),
        ("nom@1.2.3.exemple.fr", Accepted),
        // Typos.
        ("sans-arobase.fr", Refused),
        ("deux@@exemple.fr", Refused),
        ("a@b@exemple.fr", Refused),
        ("@exemple.fr", Refused),
        ("nom@", Refused),
        ("nom@exemple", Refused),
        ("nom@.fr", Refused),
        ("nom@exemple.f", Refused),
        ("nom@exemple.123", Refused),
        ("nom@-exemple.fr", Refused),
        ("nom@exemple-.fr", Refused),
        ("nom@exe_mple.fr", Refused),
        ("nom@exemple,fr", Refused),
        ("nom.@exemple.fr", Refused),
        ("", Refused),
        ("   ", Refused),
        // Trailing and double dots.
        ("nom@exemple.fr.", Refused),
        (".nom@exemple.fr", Refused),
        ("no..m@exemple.fr", Refused),
        ("nom@exemple..fr", Refused),
        // Spaces.
        ("nom @exemple.fr", Refused),
        ("nom@ exemple.fr", Refused),
        ("prénom nom@exemple.fr", Refused),
        ("nom@exemple .fr", Refused),
        // Quoted local parts.
        ("\"jean dupont\"@exemple.fr", Refused),
        ("\"jean@dupont\"@exemple.fr", Refused),
        ("\"\"@exemple.fr", Refused),
        ("\"a\\\"b\"@exemple.fr", Refused),
        // Domain literals and IP addresses.
        ("nom@[192.0.2.1]", Refused),
        ("nom@[IPv6:2001:db8::1]", Refused),
        ("nom@[2001:db8::1]", Refused),
        ("nom@192.0.2.1", Refused),
        // Comments, display names, angle brackets.
        ("nom(commentaire)@exemple.fr", Refused),
        ("nom@(commentaire)exemple.fr", Refused),
        ("Jean Dupont <nom@exemple.fr>", Refused),
        ("<nom@exemple.fr>", Refused),
        ("nom@exemple.fr>", Refused),
        ("mailto:nom@exemple.fr", Refused),
        ("nom;autre@exemple.fr", Refused),
        ("nom,autre@exemple.fr", Refused),
        ("nom\\@exemple.fr", Refused),
        ("nom@exemple.fr\r\nBcc: victime@exemple.fr", Refused),
        // Unicode: legal with SMTPUTF8, refused here.
        ("élodie@mairie-evry.fr", Refused),
        ("elodie@mairie-évry.fr", Refused),
        ("élodie@mairie-évry.fr", Refused),
        ("o\u{2019}neil@exemple.fr", Refused),
        ("пользователь@пример.рф", Refused),
        ("用户@例子.中国", Refused),
        ("nom@exemple.xn--p1ai", Refused),
        ("nom\u{200b}@exemple.fr", Refused),
        ("nom@exemple\u{ff0e}fr", Refused),
    ]
    .into_iter()
    .map(|(address, expected)| (address.to_owned(), expected))
    .collect();
    // Lengths: a local part of 64 bytes, a label of 63 and an address of
    // 254 characters are the limits.
    let label63 = "d".repeat(63);
    let at_254 = format!(
        "{}@{label63}.{label63}.{}.fr",
        "a".repeat(64),
        "e".repeat(58)
    );
    assert_eq!(at_254.len(), 254);
    corpus.extend([
        (format!("{}@exemple.fr", "a".repeat(64)), Accepted),
        (format!("{}@exemple.fr", "a".repeat(65)), Refused),
        (format!("nom@{label63}.fr"), Accepted),
        (format!("nom@{label63}d.fr"), Refused),
        (at_254.clone(), Accepted),
        (format!("{at_254}r"), Refused),
        (format!("{}@exemple.fr", "a".repeat(300)), Refused),
    ]);
    corpus
}

fn lettre_accepts(address: &str) -> Result<(), String> {
    let parsed = Address::from_str(address).map_err(|e| format!("Address: {e}"))?;
    let mailbox = address
        .parse::<Mailbox>()
        .map_err(|e| format!("Mailbox: {e}"))?;
    if parsed.to_string() != address || mailbox.email != parsed || mailbox.name.is_some() {
        return Err(format!("read as {parsed} / {mailbox}"));
    }
    Ok(())
}

#[test]
fn every_address_accepted_at_registration_is_accepted_by_lettre() {
    let corpus = corpus();
    assert!(corpus.len() >= 60, "{}", corpus.len());
    let mut disagreements = Vec::new();
    for (input, expected) in &corpus {
        let parsed = EmailAddress::parse(input);
        let outcome = if parsed.is_ok() { Accepted } else { Refused };
        if outcome != *expected {
            disagreements.push(format!("{input:?}: expected {expected:?}, got {parsed:?}"));
        }
        if let Ok(email) = parsed
            && let Err(why) = lettre_accepts(email.as_str())
        {
            disagreements.push(format!(
                "{input:?}: accepted here, refused by lettre ({why})"
            ));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

#[test]
fn the_corpus_covers_addresses_lettre_accepts_but_registration_refuses() {
    // Legal for lettre, deliberately refused at registration: the narrower
    // side really is narrower, the corpus is not only typos.
    for address in [
        "\"jean dupont\"@exemple.fr",
        "nom@[192.0.2.1]",
        "nom@192.0.2.1",
        "élodie@mairie-évry.fr",
        "nom@exemple",
        "nom@exe_mple.fr",
    ] {
        assert!(Address::from_str(address).is_ok(), "{address}");
        assert!(EmailAddress::parse(address).is_err(), "{address}");
    }
    assert_eq!(
        EmailAddress::parse("élodie@mairie-évry.fr"),
        Err(EmailError::NonAscii)
    );
}

/// A small deterministic generator (xorshift), so the sweep below is the
/// same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).expect("small")
    }
}

#[test]
fn generated_addresses_accepted_at_registration_are_accepted_by_lettre() {
    // Pieces that are valid, borderline or wrong in addresses, glued at
    // random around an `@`; the plausible ones are drawn more often.
    let plausible = [
        "a", "Z", "9", "nom", "-", "_", ".", "+", "'", "xn--", "fr", "1", "=", "~",
    ];
    let odd = [
        "..", "\"", " ", "\\", "(", ")", "[", "]", "<", ">", ",", ";", ":", "é", "ß", "\u{a0}",
        "!", "#", "$", "%", "&", "*", "/", "?", "^", "`", "{", "|", "}", "@", "\t",
    ];
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    let mut accepted = 0;
    for _ in 0..20_000 {
        let part = |rng: &mut Rng| {
            let mut text = String::new();
            for _ in 0..=rng.below(5) {
                let piece = if rng.below(5) == 0 {
                    odd[rng.below(odd.len())]
                } else {
                    plausible[rng.below(plausible.len())]
                };
                text.push_str(piece);
            }
            text
        };
        let local = part(&mut rng);
        let domain = part(&mut rng);
        let tld = ["fr", "com", "f", "1", ""][rng.below(5)];
        let input = format!("{local}@{domain}.{tld}");
        if let Ok(email) = EmailAddress::parse(&input) {
            accepted += 1;
            assert!(
                lettre_accepts(email.as_str()).is_ok(),
                "{input:?}: {:?}",
                lettre_accepts(email.as_str())
            );
        }
    }
    assert!(
        accepted > 300,
        "only {accepted} generated addresses accepted"
    );
}
