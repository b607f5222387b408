//! Field-level validation results: every problem of a request at once, each
//! naming its field with the API's path (`beneficiary.nir`, `dependants[1].birth_date`).

use std::fmt;

use jiff::{Timestamp, civil::Date, tz::Offset};

/// One field and what is wrong (or, for a warning, remarkable) about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldIssue {
    pub field: String,
    pub reason: String,
}

impl fmt::Display for FieldIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

/// The violations found in a request; empty means valid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Violations(Vec<FieldIssue>);

impl Violations {
    pub fn add(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.0.push(FieldIssue {
            field: field.into(),
            reason: reason.into(),
        });
    }

    /// Adds every violation of `other`.
    pub fn extend(&mut self, other: Violations) {
        self.0.extend(other.0);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &FieldIssue> {
        self.0.iter()
    }

    /// Whether some violation names exactly this field.
    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|issue| issue.field == field)
    }

    /// `Ok(value)` when nothing was found.
    pub fn into_result<T>(self, value: T) -> Result<T, Violations> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, issue) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            issue.fmt(f)?;
        }
        Ok(())
    }
}

impl std::error::Error for Violations {}

impl IntoIterator for Violations {
    type Item = FieldIssue;
    type IntoIter = std::vec::IntoIter<FieldIssue>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// A validated value with the warnings raised while accepting it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validated<T> {
    pub value: T,
    pub warnings: Vec<FieldIssue>,
}

/// The latest calendar date anywhere on Earth at `now` (UTC+14). A date after
/// it is in the future wherever the beneficiary is, so "not in the future"
/// checks never reject a date that is already today in La Réunion or Mayotte.
pub fn latest_date_on_earth(now: Timestamp) -> Date {
    let offset = Offset::from_hours(14).expect("UTC+14 is a valid offset");
    offset.to_datetime(now).date()
}

/// The earliest calendar date anywhere on Earth at `now` (UTC-12). A date
/// before it is over wherever the beneficiary is, so "already ended" checks
/// never fire on the last valid day of something.
pub fn earliest_date_on_earth(now: Timestamp) -> Date {
    let offset = Offset::from_hours(-12).expect("UTC-12 is a valid offset");
    offset.to_datetime(now).date()
}

/// Parses an ISO `YYYY-MM-DD` civil date; the reason names the expected form.
pub fn parse_iso_date(text: &str) -> Result<Date, String> {
    let text = text.trim();
    let well_formed = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !well_formed {
        return Err("expected a date as YYYY-MM-DD".to_owned());
    }
    text.parse::<Date>()
        .map_err(|_| format!("{text} is not a calendar date"))
}

/// Parses an ISO 3166-1 alpha-2 country code (`ua` → `UA`), refusing codes
/// no country has (`XX`); the reason names the expected form.
pub fn parse_country_code(text: &str) -> Result<String, String> {
    let code = text.trim().to_ascii_uppercase();
    if code.len() == 2 && rust_iso3166::from_alpha2(&code).is_some() {
        Ok(code)
    } else {
        Err("expected an ISO 3166-1 alpha-2 country code such as UA or FR".to_owned())
    }
}

/// Parses an ISO 639-1 language code (`UK` → `uk`), refusing codes no
/// language has (`xx`); the reason names the expected form.
pub fn parse_language_code(text: &str) -> Result<String, String> {
    let code = text.trim().to_ascii_lowercase();
    if code.len() == 2 && rust_iso639::from_code_1(&code).is_some() {
        Ok(code)
    } else {
        Err("expected an ISO 639-1 language code such as uk, ru, en or fr".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_are_parsed_strictly() {
        assert_eq!(
            parse_iso_date("2026-02-28"),
            Ok(jiff::civil::date(2026, 2, 28))
        );
        assert_eq!(
            parse_iso_date(" 2026-02-28 "),
            Ok(jiff::civil::date(2026, 2, 28))
        );
        assert!(
            parse_iso_date("2026-02-30")
                .unwrap_err()
                .contains("not a calendar date")
        );
        assert!(
            parse_iso_date("28/02/2026")
                .unwrap_err()
                .contains("YYYY-MM-DD")
        );
        assert!(
            parse_iso_date("2026-2-28")
                .unwrap_err()
                .contains("YYYY-MM-DD")
        );
        assert!(parse_iso_date("").unwrap_err().contains("YYYY-MM-DD"));
    }

    #[test]
    fn the_latest_date_on_earth_is_ahead_of_utc() {
        let now: Timestamp = "2026-05-01T11:00:00Z".parse().unwrap();
        assert_eq!(latest_date_on_earth(now), jiff::civil::date(2026, 5, 2));
        let morning: Timestamp = "2026-05-01T09:00:00Z".parse().unwrap();
        assert_eq!(latest_date_on_earth(morning), jiff::civil::date(2026, 5, 1));
    }

    #[test]
    fn violations_list_every_field() {
        let mut v = Violations::default();
        v.add("subject", "required");
        v.add("beneficiary.nir", "bad key");
        assert!(v.has("subject") && v.has("beneficiary.nir") && !v.has("beneficiary"));
        assert_eq!(v.to_string(), "subject: required; beneficiary.nir: bad key");
        assert!(v.into_result(()).is_err());
        assert_eq!(Violations::default().into_result(3), Ok(3));
    }
}
