//! RFC 3339 timestamps on the wire, read by a small parser of their own.
//!
//! chrono's `Deserialize` goes through its general format parser, which
//! weighs about 5 KB of brotli in the browser app for the four timestamps
//! of the API. The endpoint writes them with chrono (`2026-12-03T09:30:00+01:00`,
//! with a fraction when there is one); this module reads exactly that shape,
//! `T` or space, `Z` or a `±HH:MM` offset.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

fn number(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(bytes.iter().fold(0, |n, b| n * 10 + u32::from(b - b'0')))
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
pub fn parse(text: &str) -> Option<DateTime<FixedOffset>> {
    let b = text.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(number(&b[0..4])?).ok()?,
        number(&b[5..7])?,
        number(&b[8..10])?,
    )?;
    let mut rest = &b[19..];
    let mut nanos = 0;
    if let Some(fraction) = rest.strip_prefix(b".") {
        let digits = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 || digits > 9 {
            return None;
        }
        nanos = number(&fraction[..digits])? * 10u32.pow(9 - digits as u32);
        rest = &fraction[digits..];
    }
    let offset = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let minutes = number(&[*h1, *h2])? * 60 + number(&[*m1, *m2])?;
            let seconds = i32::try_from(minutes * 60).ok()?;
            if *sign == b'-' { -seconds } else { seconds }
        }
        _ => return None,
    };
    let local = date.and_hms_nano_opt(
        number(&b[11..13])?,
        number(&b[14..16])?,
        number(&b[17..19])?,
        nanos,
    )?;
    FixedOffset::east_opt(offset)?
        .from_local_datetime(&local)
        .single()
}

/// `#[serde(with = "crate::timestamp")]`: chrono writes, [`parse`] reads.
pub fn serialize<S: Serializer>(
    at: &DateTime<FixedOffset>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    at.serialize(serializer)
}

/// See [`serialize`].
pub fn deserialize<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<DateTime<FixedOffset>, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse(&text).ok_or_else(|| serde::de::Error::custom("date au format RFC 3339 attendue"))
}

/// The same for an optional timestamp.
pub mod option {
    use super::*;

    /// `None` is written as `null`.
    pub fn serialize<S: Serializer>(
        at: &Option<DateTime<FixedOffset>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        at.serialize(serializer)
    }

    /// `null` or a missing field read as `None`.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<FixedOffset>>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            None => Ok(None),
            Some(text) => parse(&text)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom("date au format RFC 3339 attendue")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_chrono_writes() {
        for text in [
            "2026-12-03T09:30:00+01:00",
            "2026-07-01T00:00:00+02:00",
            "2026-12-03T08:30:00Z",
            "2026-12-03T08:30:00.123456789-03:30",
            "2024-02-29T23:59:59.5+00:00",
        ] {
            let chrono = DateTime::parse_from_rfc3339(text).unwrap();
            assert_eq!(parse(text), Some(chrono), "{text}");
            let written = serde_json::to_string(&chrono).unwrap();
            assert_eq!(parse(written.trim_matches('"')), Some(chrono), "{written}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_timestamp() {
        for text in [
            "",
            "2026-12-03",
            "2026-12-03T09:30:00",
            "2026-02-30T09:30:00+01:00",
            "2026-12-03T25:30:00+01:00",
            "2026-12-03T09:30:00+1:00",
            "2026-12-03T09:30:00.+01:00",
            "2026-12-03T09:30:00+01:00 ",
            "٢٠٢٦-12-03T09:30:00+01:00",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }
}
