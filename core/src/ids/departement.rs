//! Départements and postal codes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Every département, in the official order (Corsica between 19 and 21).
const CODES: [&str; 101] = [
    "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15", "16",
    "17", "18", "19", "2A", "2B", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31",
    "32", "33", "34", "35", "36", "37", "38", "39", "40", "41", "42", "43", "44", "45", "46", "47",
    "48", "49", "50", "51", "52", "53", "54", "55", "56", "57", "58", "59", "60", "61", "62", "63",
    "64", "65", "66", "67", "68", "69", "70", "71", "72", "73", "74", "75", "76", "77", "78", "79",
    "80", "81", "82", "83", "84", "85", "86", "87", "88", "89", "90", "91", "92", "93", "94", "95",
    "971", "972", "973", "974", "976",
];

/// A current département. Stored as an index into the official list, so it is
/// `Copy` and orders the official way (`19` < `2A` < `2B` < `21`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Departement(u8);

/// Why a département code was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DepartementError {
    #[error("the département is empty")]
    Empty,
    #[error("20 is no longer a département code: expected 2A or 2B for Corsica")]
    UndividedCorsica,
    #[error("unknown département: expected 01 to 95 (2A or 2B for Corsica), 971 to 974 or 976")]
    Unknown,
}

impl Departement {
    /// Parses a code such as `75`, `2a` or ` 971 `.
    pub fn parse(input: &str) -> Result<Departement, DepartementError> {
        let code = input.trim().to_ascii_uppercase();
        if code.is_empty() {
            return Err(DepartementError::Empty);
        }
        if code == "20" {
            return Err(DepartementError::UndividedCorsica);
        }
        Self::lookup(&code).ok_or(DepartementError::Unknown)
    }

    fn lookup(code: &str) -> Option<Departement> {
        let index = CODES.iter().position(|&c| c == code)?;
        // CODES has 101 entries, so every index fits in a u8.
        Some(Departement(index as u8))
    }

    /// The official code: two characters, or three overseas.
    pub fn code(&self) -> &'static str {
        CODES[usize::from(self.0)]
    }

    /// Guadeloupe, Martinique, Guyane, La Réunion or Mayotte.
    pub fn is_overseas(&self) -> bool {
        self.code().len() == 3
    }

    /// Moselle, Bas-Rhin or Haut-Rhin, which have extra public holidays.
    pub fn is_alsace_moselle(&self) -> bool {
        matches!(self.code(), "57" | "67" | "68")
    }

    /// The 101 départements, in the official order.
    pub fn all() -> impl Iterator<Item = Departement> {
        (0..CODES.len()).map(|index| Departement(index as u8))
    }
}

// Written by hand so that logs show the code rather than the table index.
impl fmt::Debug for Departement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Departement").field(&self.code()).finish()
    }
}

impl fmt::Display for Departement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Departement {
    type Err = DepartementError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Departement::parse(s)
    }
}

impl TryFrom<String> for Departement {
    type Error = DepartementError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Departement::parse(&value)
    }
}

impl From<Departement> for String {
    fn from(departement: Departement) -> Self {
        departement.code().to_owned()
    }
}

/// A French postal code: exactly 5 digits. Any 5 digits are accepted, since
/// the list of codes changes; [`PostalCode::departement`] says where it lies
/// when that can be told.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PostalCode(String);

/// Why a postal code was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostalCodeError {
    #[error("the postal code is empty")]
    Empty,
    #[error("a postal code has only digits")]
    NotDigits,
    #[error("expected 5 digits, found {found}")]
    WrongLength { found: usize },
    #[error(
        "postal code {0} is in no département (Monaco, Saint-Barthélemy, Saint-Martin and the overseas collectivities are not served)"
    )]
    NoDepartement(String),
}

impl PostalCode {
    /// Parses a postal code; surrounding spaces are ignored.
    pub fn parse(input: &str) -> Result<PostalCode, PostalCodeError> {
        let code = input.trim();
        if code.is_empty() {
            return Err(PostalCodeError::Empty);
        }
        if !code.chars().all(|c| c.is_ascii_digit()) {
            return Err(PostalCodeError::NotDigits);
        }
        if code.len() != 5 {
            return Err(PostalCodeError::WrongLength { found: code.len() });
        }
        Ok(PostalCode(code.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The département of an address the service can route a case by;
    /// the error says why a code in none cannot be.
    pub fn served_departement(&self) -> Result<Departement, PostalCodeError> {
        self.departement()
            .ok_or_else(|| PostalCodeError::NoDepartement(self.0.clone()))
    }

    /// The département the code belongs to, or `None` when it is not one
    /// (Monaco, overseas collectivities, Saint-Barthélemy, Saint-Martin,
    /// unassigned ranges). A few codes straddle two départements: this gives
    /// the usual one, and a département stated by the user should win.
    pub fn departement(&self) -> Option<Departement> {
        let code = self.0.as_str();
        match &code[..2] {
            // Corsica was split after postal codes were assigned, so the third
            // digit decides.
            "20" => match code.as_bytes()[2] {
                b'0' | b'1' => Departement::lookup("2A"),
                b'2'..=b'6' => Departement::lookup("2B"),
                _ => None,
            },
            // Saint-Barthélemy and Saint-Martin use Guadeloupe's 971 range but
            // have been separate collectivities since 2007.
            "97" if matches!(code, "97133" | "97150") => None,
            // 975 (Saint-Pierre-et-Miquelon) is not a département; lookup
            // rejects it along with 977 and above.
            "97" => Departement::lookup(&code[..3]),
            two => Departement::lookup(two),
        }
    }
}

impl fmt::Display for PostalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for PostalCode {
    type Err = PostalCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PostalCode::parse(s)
    }
}

impl TryFrom<String> for PostalCode {
    type Error = PostalCodeError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        PostalCode::parse(&value)
    }
}

impl From<PostalCode> for String {
    fn from(postal_code: PostalCode) -> Self {
        postal_code.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dep(code: &str) -> Departement {
        Departement::parse(code).unwrap()
    }

    fn dep_of(postal_code: &str) -> Option<String> {
        PostalCode::parse(postal_code)
            .unwrap()
            .departement()
            .map(|d| d.code().to_owned())
    }

    #[test]
    fn there_are_101_departements_in_order() {
        let all: Vec<Departement> = Departement::all().collect();
        assert_eq!(all.len(), 101);
        assert_eq!(all[0].code(), "01");
        assert_eq!(all[18].code(), "19");
        assert_eq!(all[19].code(), "2A");
        assert_eq!(all[20].code(), "2B");
        assert_eq!(all[21].code(), "21");
        assert_eq!(all[95].code(), "95");
        assert_eq!(all[100].code(), "976");
        assert!(all.windows(2).all(|w| w[0] < w[1]));
        for d in &all {
            assert_eq!(Departement::parse(d.code()), Ok(*d));
        }
    }

    #[test]
    fn accepts_every_listed_code() {
        for n in (1..=19).chain(21..=95) {
            assert_eq!(dep(&format!("{n:02}")).code(), format!("{n:02}"));
        }
        for code in ["2A", "2B", "971", "972", "973", "974", "976"] {
            assert_eq!(dep(code).code(), code);
        }
    }

    #[test]
    fn accepts_lowercase_and_surrounding_spaces() {
        assert_eq!(dep("2a").code(), "2A");
        assert_eq!(dep(" 2b ").code(), "2B");
        assert_eq!(dep(" 971\t").code(), "971");
        assert_eq!("75".parse::<Departement>().unwrap().to_string(), "75");
    }

    #[test]
    fn rejects_codes_that_are_not_departements() {
        assert_eq!(Departement::parse(""), Err(DepartementError::Empty));
        assert_eq!(Departement::parse("  "), Err(DepartementError::Empty));
        assert_eq!(
            Departement::parse("20"),
            Err(DepartementError::UndividedCorsica)
        );
        for code in [
            "00", "96", "97", "98", "99", "975", "977", "978", "970", "1", "7", "075", "2C", "A2",
            "75 1", "9 71",
        ] {
            assert_eq!(
                Departement::parse(code),
                Err(DepartementError::Unknown),
                "{code}"
            );
        }
    }

    #[test]
    fn overseas_and_alsace_moselle() {
        let overseas: Vec<&str> = Departement::all()
            .filter(Departement::is_overseas)
            .map(|d| d.code())
            .collect();
        assert_eq!(overseas, ["971", "972", "973", "974", "976"]);
        let concordat: Vec<&str> = Departement::all()
            .filter(Departement::is_alsace_moselle)
            .map(|d| d.code())
            .collect();
        assert_eq!(concordat, ["57", "67", "68"]);
    }

    #[test]
    fn departement_debug_shows_the_code() {
        assert_eq!(format!("{:?}", dep("2A")), "Departement(\"2A\")");
    }

    #[test]
    fn departement_serde_goes_through_parse() {
        let d: Departement = serde_json::from_str("\"2a\"").unwrap();
        assert_eq!(d, dep("2A"));
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"2A\"");
        assert!(serde_json::from_str::<Departement>("\"20\"").is_err());
    }

    #[test]
    fn postal_code_syntax() {
        assert_eq!(PostalCode::parse(" 75001 ").unwrap().as_str(), "75001");
        assert_eq!(PostalCode::parse("01000").unwrap().to_string(), "01000");
        assert_eq!(PostalCode::parse(""), Err(PostalCodeError::Empty));
        assert_eq!(PostalCode::parse("   "), Err(PostalCodeError::Empty));
        assert_eq!(PostalCode::parse("7500A"), Err(PostalCodeError::NotDigits));
        assert_eq!(PostalCode::parse("75 001"), Err(PostalCodeError::NotDigits));
        assert_eq!(
            PostalCode::parse("7500"),
            Err(PostalCodeError::WrongLength { found: 4 })
        );
        assert_eq!(
            PostalCode::parse("750011"),
            Err(PostalCodeError::WrongLength { found: 6 })
        );
    }

    #[test]
    fn postal_code_to_departement_mainland() {
        assert_eq!(dep_of("75001").as_deref(), Some("75"));
        assert_eq!(dep_of("01000").as_deref(), Some("01"));
        assert_eq!(dep_of("57000").as_deref(), Some("57"));
        assert_eq!(dep_of("95000").as_deref(), Some("95"));
        assert_eq!(dep_of("00100"), None);
        assert_eq!(dep_of("96000"), None);
        assert_eq!(dep_of("98000"), None);
        assert_eq!(dep_of("99999"), None);
    }

    #[test]
    fn postal_code_to_departement_corsica() {
        assert_eq!(dep_of("20000").as_deref(), Some("2A"));
        assert_eq!(dep_of("20167").as_deref(), Some("2A"));
        assert_eq!(dep_of("20200").as_deref(), Some("2B"));
        assert_eq!(dep_of("20600").as_deref(), Some("2B"));
        assert_eq!(dep_of("20700"), None);
        assert_eq!(dep_of("20999"), None);
    }

    #[test]
    fn postal_code_to_departement_overseas() {
        assert_eq!(dep_of("97100").as_deref(), Some("971"));
        assert_eq!(dep_of("97200").as_deref(), Some("972"));
        assert_eq!(dep_of("97300").as_deref(), Some("973"));
        assert_eq!(dep_of("97400").as_deref(), Some("974"));
        assert_eq!(dep_of("97600").as_deref(), Some("976"));
        assert_eq!(dep_of("97133"), None);
        assert_eq!(dep_of("97150"), None);
        assert_eq!(dep_of("97134").as_deref(), Some("971"));
        assert_eq!(dep_of("97500"), None);
        assert_eq!(dep_of("97000"), None);
        assert_eq!(dep_of("97700"), None);
        assert_eq!(dep_of("98800"), None);
    }

    #[test]
    fn postal_code_serde_goes_through_parse() {
        let p: PostalCode = serde_json::from_str("\" 13001 \"").unwrap();
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"13001\"");
        assert!(serde_json::from_str::<PostalCode>("\"1300\"").is_err());
        assert_eq!("13001".parse::<PostalCode>().unwrap(), p);
    }

    proptest! {
        #[test]
        fn every_postal_code_maps_consistently(code in "[0-9]{5}") {
            let postal = PostalCode::parse(&code).unwrap();
            prop_assert_eq!(postal.as_str(), code.as_str());
            if let Some(d) = postal.departement() {
                let expected_prefix = match d.code() {
                    "2A" | "2B" => "20",
                    other => other,
                };
                prop_assert!(code.starts_with(expected_prefix), "{} -> {:?}", code, d);
            }
        }
    }
}
