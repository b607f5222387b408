//! The NIR, the French social security number.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A syntactically valid NIR, normalised: no separators, uppercase.
///
/// Standard NIRs are always stored with their key (15 characters). A retired
/// provisional number (NNP) entered without key stays at 13 characters: those
/// never had a key, and inventing one would make it look like a checked number.
///
/// Only the syntax and the key are checked. NIAs (waiting numbers) cannot be
/// told apart from NIRs and pass as [`NirKind::Standard`]; birth-place codes are
/// not checked against today's list of départements because historical codes
/// still occur on valid numbers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Nir(String);

/// What kind of number a [`Nir`] is, as far as syntax can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NirKind {
    /// A NIR or a NIA (the two cannot be told apart).
    Standard,
    /// A provisional number starting with 7 or 8, retired at the end of 2022:
    /// still accepted, but the caller should warn.
    ProvisionalNnp,
}

/// Why a NIR was rejected. Positions are 1-based and count only the characters
/// of the number, not the spaces, dots or hyphens typed between them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NirError {
    #[error("the NIR is empty")]
    Empty,
    #[error("expected 15 characters (or 13 without the key), found {found}")]
    WrongLength { found: usize },
    #[error(
        "character {position} is not allowed: expected a digit (letters only as 2A or 2B in positions 6-7)"
    )]
    InvalidCharacter { position: usize },
    #[error("the first digit must be 1 or 2 (sex), or 7 or 8 for an old provisional number")]
    InvalidSex,
    #[error("the birth month (digits 4-5) must be 01 to 12, or 20 to 99 when unknown")]
    InvalidMonth,
    #[error("the place of birth (characters 6-7) must be 01 to 99, 2A or 2B")]
    InvalidBirthPlace,
    #[error("the key (last two digits) does not match the first 13 characters")]
    KeyMismatch,
}

/// Characters dropped before validation. Any whitespace rather than only the
/// ASCII space: numbers copied from French documents often carry (narrow)
/// non-breaking spaces between the groups.
fn is_separator(c: char) -> bool {
    c.is_whitespace() || c == '.' || c == '-'
}

fn two_digits(pair: &[u8]) -> u8 {
    (pair[0] - b'0') * 10 + (pair[1] - b'0')
}

/// Key of 13 characters already known to be digits, except `2A`/`2B` at
/// positions 6-7.
fn key_of_checked(first13: &[u8]) -> u8 {
    let corsica: Option<&[u8; 2]> = match &first13[5..7] {
        b"2A" => Some(b"19"),
        b"2B" => Some(b"18"),
        _ => None,
    };
    let mut n: u64 = 0;
    for (i, &b) in first13.iter().enumerate() {
        let b = match corsica {
            Some(sub) if (5..7).contains(&i) => sub[i - 5],
            _ => b,
        };
        n = n * 10 + u64::from(b - b'0');
    }
    // n < 10^13, so n % 97 < 97 and the key is 1..=97.
    (97 - n % 97) as u8
}

impl Nir {
    /// Parses a NIR typed by a person: spaces, dots and hyphens are ignored and
    /// letters may be lowercase. A 13-character standard NIR gets its key.
    pub fn parse(input: &str) -> Result<Nir, NirError> {
        let chars: Vec<char> = input
            .chars()
            .filter(|&c| !is_separator(c))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if chars.is_empty() {
            return Err(NirError::Empty);
        }
        if chars.len() != 13 && chars.len() != 15 {
            return Err(NirError::WrongLength { found: chars.len() });
        }
        for (i, &c) in chars.iter().enumerate() {
            // Letters at 6-7 are judged by the birth-place rule below, which
            // gives the user a more precise reason than "not allowed".
            let allowed = c.is_ascii_digit() || ((5..7).contains(&i) && c.is_ascii_alphabetic());
            if !allowed {
                return Err(NirError::InvalidCharacter { position: i + 1 });
            }
        }
        let mut normalised: String = chars.into_iter().collect();
        let bytes = normalised.as_bytes();

        let kind = match bytes[0] {
            b'1' | b'2' => NirKind::Standard,
            b'7' | b'8' => NirKind::ProvisionalNnp,
            _ => return Err(NirError::InvalidSex),
        };
        let month = two_digits(&bytes[3..5]);
        if !((1..=12).contains(&month) || month >= 20) {
            return Err(NirError::InvalidMonth);
        }
        let place_ok = match &bytes[5..7] {
            b"2A" | b"2B" => true,
            place => place.iter().all(u8::is_ascii_digit) && place != b"00",
        };
        if !place_ok {
            return Err(NirError::InvalidBirthPlace);
        }

        let computed = key_of_checked(&bytes[..13]);
        if bytes.len() == 15 {
            if two_digits(&bytes[13..15]) != computed {
                return Err(NirError::KeyMismatch);
            }
        } else if kind == NirKind::Standard {
            normalised.push_str(&format!("{computed:02}"));
        }
        Ok(Nir(normalised))
    }

    /// The normalised form: 15 characters, or 13 for an NNP entered without key.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn kind(&self) -> NirKind {
        match self.0.as_bytes()[0] {
            b'7' | b'8' => NirKind::ProvisionalNnp,
            _ => NirKind::Standard,
        }
    }

    /// 1 or 2, or 7 or 8 for an NNP.
    pub fn sex_digit(&self) -> u8 {
        self.0.as_bytes()[0] - b'0'
    }

    pub fn birth_year_two_digits(&self) -> u8 {
        two_digits(&self.0.as_bytes()[1..3])
    }

    /// `None` when the month is recorded as unknown (20 to 99).
    pub fn birth_month(&self) -> Option<u8> {
        let month = two_digits(&self.0.as_bytes()[3..5]);
        (1..=12).contains(&month).then_some(month)
    }

    /// Characters 6-7: a département code (possibly historical), `97`/`98` for
    /// overseas or `99` for abroad.
    pub fn birth_place_code(&self) -> &str {
        &self.0[5..7]
    }

    /// `None` only for an NNP entered without key.
    pub fn key(&self) -> Option<u8> {
        let bytes = self.0.as_bytes();
        (bytes.len() == 15).then(|| two_digits(&bytes[13..15]))
    }

    /// The key (1 to 97) of the first 13 characters of a NIR: digits, with
    /// `2A` or `2B` allowed at positions 6-7. Only the characters are checked,
    /// not the meaning of the fields. `None` when they are not of that shape.
    pub fn compute_key(first13: &str) -> Option<u8> {
        let bytes: Vec<u8> = first13.bytes().map(|b| b.to_ascii_uppercase()).collect();
        if bytes.len() != 13 {
            return None;
        }
        let shape_ok = bytes.iter().enumerate().all(|(i, b)| {
            b.is_ascii_digit() || (i == 6 && bytes[5] == b'2' && matches!(b, b'A' | b'B'))
        });
        shape_ok.then(|| key_of_checked(&bytes))
    }
}

impl fmt::Display for Nir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Nir {
    type Err = NirError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Nir::parse(s)
    }
}

impl TryFrom<String> for Nir {
    type Error = NirError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Nir::parse(&value)
    }
}

impl From<Nir> for String {
    fn from(nir: Nir) -> Self {
        nir.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn err(input: &str) -> NirError {
        Nir::parse(input).expect_err("should be rejected")
    }

    #[test]
    fn public_valid_values_parse_unchanged() {
        for value in [
            "295109912611193",
            "253072B07300470",
            "253072A07300443",
            "255081416802538",
        ] {
            let nir = Nir::parse(value).unwrap();
            assert_eq!(nir.as_str(), value);
            assert_eq!(nir.kind(), NirKind::Standard);
        }
    }

    #[test]
    fn public_invalid_key_is_a_key_mismatch() {
        assert_eq!(err("295109912611199"), NirError::KeyMismatch);
    }

    #[test]
    fn spaces_dots_and_hyphens_are_ignored() {
        for input in [
            "2 95 10 99 126 111 93",
            "2.95.10.99.126.111.93",
            "2-95-10-99-126-111-93",
            " 295109912611193 ",
            "2\u{a0}95\u{202f}10 99 126 111 93",
        ] {
            assert_eq!(
                Nir::parse(input).unwrap().as_str(),
                "295109912611193",
                "{input:?}"
            );
        }
    }

    #[test]
    fn thirteen_characters_get_their_key() {
        let nir = Nir::parse("2951099126111").unwrap();
        assert_eq!(nir.as_str(), "295109912611193");
        assert_eq!(nir.key(), Some(93));
        assert_eq!(
            Nir::parse("253072b073004").unwrap().as_str(),
            "253072B07300470"
        );
    }

    #[test]
    fn lowercase_corsica_is_normalised() {
        assert_eq!(
            Nir::parse("253072a07300443").unwrap().as_str(),
            "253072A07300443"
        );
    }

    #[test]
    fn accessors_read_the_fields() {
        let nir = Nir::parse("253072B07300470").unwrap();
        assert_eq!(nir.sex_digit(), 2);
        assert_eq!(nir.birth_year_two_digits(), 53);
        assert_eq!(nir.birth_month(), Some(7));
        assert_eq!(nir.birth_place_code(), "2B");
        assert_eq!(nir.key(), Some(70));
        assert_eq!(nir.to_string(), "253072B07300470");
        assert_eq!("253072B07300470".parse::<Nir>().unwrap(), nir);
    }

    #[test]
    fn unknown_month_has_no_month() {
        let nir = Nir::parse("1953099155012").unwrap();
        assert_eq!(nir.birth_month(), None);
        let nir = Nir::parse("1539999155012").unwrap();
        assert_eq!(nir.birth_month(), None);
    }

    #[test]
    fn empty_input() {
        assert_eq!(err(""), NirError::Empty);
        assert_eq!(err(" . - "), NirError::Empty);
    }

    #[test]
    fn wrong_length_reports_length_found() {
        assert_eq!(err("29510991261"), NirError::WrongLength { found: 11 });
        assert_eq!(err("29510991261119"), NirError::WrongLength { found: 14 });
        assert_eq!(err("2951099126111930"), NirError::WrongLength { found: 16 });
    }

    #[test]
    fn characters_not_allowed_report_their_position() {
        assert_eq!(
            err("2951099126X1193"),
            NirError::InvalidCharacter { position: 11 }
        );
        assert_eq!(
            err("A95109912611193"),
            NirError::InvalidCharacter { position: 1 }
        );
        assert_eq!(
            err("2951099126111A3"),
            NirError::InvalidCharacter { position: 14 }
        );
        // Separators do not count in the position.
        assert_eq!(
            err("2 95 10 99 1/6 111 93"),
            NirError::InvalidCharacter { position: 9 }
        );
        assert_eq!(
            err("29510é912611193"),
            NirError::InvalidCharacter { position: 6 }
        );
    }

    #[test]
    fn sex_digit_must_be_1_2_7_or_8() {
        for first in ['0', '3', '4', '5', '6', '9'] {
            let input = format!("{first}951099126111");
            assert_eq!(err(&input), NirError::InvalidSex, "{input}");
        }
    }

    #[test]
    fn month_00_and_13_to_19_are_rejected() {
        assert_eq!(err("2950099126111"), NirError::InvalidMonth);
        for month in 13..=19 {
            let input = format!("295{month}99126111");
            assert_eq!(err(&input), NirError::InvalidMonth, "{input}");
        }
        for month in [1, 12, 20, 99] {
            let input = format!("295{month:02}99126111");
            assert!(Nir::parse(&input).is_ok(), "{input}");
        }
    }

    #[test]
    fn birth_place_rules() {
        assert_eq!(err("2950100126111"), NirError::InvalidBirthPlace);
        assert_eq!(err("253072C073004"), NirError::InvalidBirthPlace);
        assert_eq!(err("253073A073004"), NirError::InvalidBirthPlace);
        assert_eq!(err("25307A2073004"), NirError::InvalidBirthPlace);
        // Historical and overseas codes are accepted as they are.
        for place in ["20", "96", "97", "98", "99", "01"] {
            let input = format!("29510{place}126111");
            assert!(Nir::parse(&input).is_ok(), "{input}");
        }
    }

    #[test]
    fn nnp_without_key_stays_thirteen_characters() {
        let nnp = Nir::parse("7 95 10 99 126 111").unwrap();
        assert_eq!(nnp.as_str(), "7951099126111");
        assert_eq!(nnp.kind(), NirKind::ProvisionalNnp);
        assert_eq!(nnp.key(), None);
        assert_eq!(nnp.sex_digit(), 7);
    }

    #[test]
    fn nnp_with_key_must_match() {
        let key = Nir::compute_key("8951099126111").unwrap();
        let with_key = format!("8951099126111{key:02}");
        let nnp = Nir::parse(&with_key).unwrap();
        assert_eq!(nnp.kind(), NirKind::ProvisionalNnp);
        assert_eq!(nnp.key(), Some(key));
        let wrong = format!("8951099126111{:02}", key % 97 + 1);
        assert_eq!(err(&wrong), NirError::KeyMismatch);
    }

    #[test]
    fn compute_key_handles_corsica_and_rejects_bad_shapes() {
        assert_eq!(Nir::compute_key("2951099126111"), Some(93));
        assert_eq!(Nir::compute_key("253072A073004"), Some(43));
        assert_eq!(Nir::compute_key("253072b073004"), Some(70));
        assert_eq!(Nir::compute_key("295109912611"), None);
        assert_eq!(Nir::compute_key("29510991261119"), None);
        assert_eq!(Nir::compute_key("253073A073004"), None);
        assert_eq!(Nir::compute_key("2530720A73004"), None);
    }

    #[test]
    fn key_97_is_possible_and_00_never() {
        // N = 97 × k gives the key 97, not 00.
        let first13 = format!("{:013}", 97u64 * 13_400_000_000);
        assert!(first13.starts_with('1'));
        assert_eq!(Nir::compute_key(&first13), Some(97));
    }

    #[test]
    fn messages_never_reveal_the_expected_key() {
        let message = err("295109912611199").to_string();
        assert!(!message.contains("93"), "{message}");
        assert_eq!(
            message,
            "the key (last two digits) does not match the first 13 characters"
        );
    }

    #[test]
    fn serde_goes_through_parse() {
        let nir: Nir = serde_json::from_str("\"2 95 10 99 126 111 93\"").unwrap();
        assert_eq!(serde_json::to_string(&nir).unwrap(), "\"295109912611193\"");
        assert!(serde_json::from_str::<Nir>("\"295109912611199\"").is_err());
    }

    fn first13() -> impl Strategy<Value = String> {
        let place = prop_oneof![
            (1..=95u8).prop_map(|p| format!("{p:02}")),
            Just("2A".to_owned()),
            Just("2B".to_owned()),
            Just("97".to_owned()),
            Just("98".to_owned()),
            Just("99".to_owned()),
        ];
        let month = prop_oneof![1..=12u8, 20..=99u8];
        (
            prop_oneof![Just(1u8), Just(2u8)],
            0..=99u8,
            month,
            place,
            0..=999u16,
            0..=999u16,
        )
            .prop_map(|(sex, year, month, place, commune, order)| {
                format!("{sex}{year:02}{month:02}{place}{commune:03}{order:03}")
            })
    }

    fn valid_nir() -> impl Strategy<Value = String> {
        first13().prop_map(|f| {
            let key = Nir::compute_key(&f).unwrap();
            format!("{f}{key:02}")
        })
    }

    fn with_separators(value: &str, inserts: &[(usize, char)]) -> String {
        let mut chars: Vec<char> = value.chars().collect();
        for &(at, sep) in inserts {
            chars.insert(at % (chars.len() + 1), sep);
        }
        chars.into_iter().collect()
    }

    proptest! {
        #[test]
        fn valid_nirs_round_trip(
            nir in valid_nir(),
            inserts in proptest::collection::vec((0..40usize, prop_oneof![Just(' '), Just('.'), Just('-')]), 0..8),
        ) {
            let parsed = Nir::parse(&nir).unwrap();
            prop_assert_eq!(parsed.as_str(), nir.as_str());
            prop_assert_eq!(Nir::parse(&parsed.to_string()).unwrap(), parsed.clone());
            let spaced = with_separators(&nir.to_lowercase(), &inserts);
            prop_assert_eq!(Nir::parse(&spaced).unwrap(), parsed.clone());
            prop_assert_eq!(Nir::parse(&nir[..13]).unwrap(), parsed);
        }

        #[test]
        fn changing_one_character_is_detected(
            nir in valid_nir(),
            position in 0..15usize,
            digit in 0..=9u8,
        ) {
            let replacement = (b'0' + digit) as char;
            let mut chars: Vec<char> = nir.chars().collect();
            prop_assume!(chars[position] != replacement);
            chars[position] = replacement;
            let changed: String = chars.into_iter().collect();
            let error = Nir::parse(&changed).expect_err("a changed character must be detected");
            prop_assert!(
                matches!(
                    error,
                    NirError::InvalidSex
                        | NirError::InvalidMonth
                        | NirError::InvalidBirthPlace
                        | NirError::KeyMismatch
                ),
                "{} gave {:?}", changed, error
            );
        }

        #[test]
        fn nnps_round_trip_with_or_without_key(f in first13(), provisional in prop_oneof![Just('7'), Just('8')]) {
            let f = format!("{provisional}{}", &f[1..]);
            let short = Nir::parse(&f).unwrap();
            prop_assert_eq!(short.as_str(), f.as_str());
            prop_assert_eq!(short.kind(), NirKind::ProvisionalNnp);
            let key = Nir::compute_key(&f).unwrap();
            let long = Nir::parse(&format!("{f}{key:02}")).unwrap();
            prop_assert_eq!(long.key(), Some(key));
            prop_assert_eq!(long.kind(), NirKind::ProvisionalNnp);
        }
    }
}
