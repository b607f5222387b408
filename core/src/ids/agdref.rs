//! The AGDREF number, a foreigner's file number.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An AGDREF number: 10 digits, or 9 digits from old files (see
/// [`Agdref::is_legacy_nine_digits`]). There is no known checksum, so a typo
/// cannot be caught here.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Agdref(String);

/// Why an AGDREF number was rejected. Positions are 1-based and do not count
/// spaces.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgdrefError {
    #[error("the AGDREF number is empty")]
    Empty,
    #[error("character {position} is not a digit: an AGDREF number has only digits")]
    NotDigits { position: usize },
    #[error("expected 10 digits, found {found}")]
    WrongLength { found: usize },
}

impl Agdref {
    /// Parses a number as printed on a permit or receipt, spaces allowed.
    /// Leading zeros are significant and kept; 9 digits are accepted for old
    /// files rather than padded, since where the missing digit goes is unknown.
    pub fn parse(input: &str) -> Result<Agdref, AgdrefError> {
        // Any whitespace, not only ASCII spaces: copies from documents bring
        // non-breaking spaces.
        let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.is_empty() {
            return Err(AgdrefError::Empty);
        }
        if let Some(index) = digits.chars().position(|c| !c.is_ascii_digit()) {
            return Err(AgdrefError::NotDigits {
                position: index + 1,
            });
        }
        match digits.len() {
            9 | 10 => Ok(Agdref(digits)),
            found => Err(AgdrefError::WrongLength { found }),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for a 9-digit number from an old file: the caller should ask for
    /// a manual review.
    pub fn is_legacy_nine_digits(&self) -> bool {
        self.0.len() == 9
    }
}

impl fmt::Display for Agdref {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Agdref {
    type Err = AgdrefError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Agdref::parse(s)
    }
}

impl TryFrom<String> for Agdref {
    type Error = AgdrefError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Agdref::parse(&value)
    }
}

impl From<Agdref> for String {
    fn from(agdref: Agdref) -> Self {
        agdref.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ten_digits_are_accepted() {
        let agdref = Agdref::parse("0123456789").unwrap();
        assert_eq!(agdref.as_str(), "0123456789");
        assert!(!agdref.is_legacy_nine_digits());
        assert_eq!(agdref.to_string(), "0123456789");
    }

    #[test]
    fn spaces_are_stripped() {
        let agdref = Agdref::parse(" 75 1234 5678\u{a0}").unwrap();
        assert_eq!(agdref.as_str(), "7512345678");
    }

    #[test]
    fn nine_digits_are_accepted_as_legacy() {
        let agdref = Agdref::parse("123456789").unwrap();
        assert_eq!(agdref.as_str(), "123456789");
        assert!(agdref.is_legacy_nine_digits());
    }

    #[test]
    fn empty_input() {
        assert_eq!(Agdref::parse(""), Err(AgdrefError::Empty));
        assert_eq!(Agdref::parse("   "), Err(AgdrefError::Empty));
    }

    #[test]
    fn non_digits_report_their_position() {
        assert_eq!(
            Agdref::parse("12345A7890"),
            Err(AgdrefError::NotDigits { position: 6 })
        );
        assert_eq!(
            Agdref::parse("12 34-567890"),
            Err(AgdrefError::NotDigits { position: 5 })
        );
    }

    #[test]
    fn other_lengths_are_rejected() {
        assert_eq!(
            Agdref::parse("12345678"),
            Err(AgdrefError::WrongLength { found: 8 })
        );
        assert_eq!(
            Agdref::parse("12345678901"),
            Err(AgdrefError::WrongLength { found: 11 })
        );
    }

    #[test]
    fn from_str_and_serde_go_through_parse() {
        assert_eq!(
            "0123456789".parse::<Agdref>().unwrap(),
            Agdref::parse("0123456789").unwrap()
        );
        let agdref: Agdref = serde_json::from_str("\"01 2345 6789\"").unwrap();
        assert_eq!(serde_json::to_string(&agdref).unwrap(), "\"0123456789\"");
        assert!(serde_json::from_str::<Agdref>("\"12345\"").is_err());
    }

    proptest! {
        #[test]
        fn digit_strings_round_trip(digits in "[0-9]{9,10}") {
            let agdref = Agdref::parse(&digits).unwrap();
            prop_assert_eq!(agdref.as_str(), digits.as_str());
            prop_assert_eq!(agdref.is_legacy_nine_digits(), digits.len() == 9);
            prop_assert_eq!(Agdref::parse(&agdref.to_string()).unwrap(), agdref);
        }
    }
}
