//! Dates as French spreadsheets write them, or as ISO dates.

use jiff::civil::Date;

use crate::validation::parse_iso_date;

const EXPECTED: &str = "expected a date as JJ/MM/AAAA or YYYY-MM-DD";

/// Parses `JJ/MM/AAAA` (day and month may have one digit) or `YYYY-MM-DD`.
/// A midnight time after a `JJ/MM/AAAA` date (`14/10/1995 00:00`), which a
/// spreadsheet adds to cells formatted as date and time, is ignored. Two-digit
/// years are refused: the century of a birth date cannot be guessed.
pub fn parse_date(text: &str) -> Result<Date, String> {
    let text = text.trim();
    if !text.contains('/') {
        return parse_iso_date(text).map_err(|reason| {
            if reason.contains("YYYY-MM-DD") {
                EXPECTED.to_owned()
            } else {
                reason
            }
        });
    }
    let date = ["00:00:00", "00:00"]
        .iter()
        .find_map(|midnight| text.strip_suffix(midnight).map(str::trim_end))
        .unwrap_or(text);
    let mut parts = date.split('/');
    let (Some(day), Some(month), Some(year), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(EXPECTED.to_owned());
    };
    let digits = |s: &str, min: usize, max: usize| {
        (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(day, 1, 2) || !digits(month, 1, 2) || !digits(year, 4, 4) {
        return Err(EXPECTED.to_owned());
    }
    let number = |s: &str| s.parse::<i16>().expect("checked digits");
    let (day, month, year) = (number(day), number(month), number(year));
    // Day and month have at most two digits, so they fit an i8.
    Date::new(year, month as i8, day as i8).map_err(|_| format!("{date} is not a calendar date"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn french_and_iso_dates() {
        assert_eq!(parse_date("14/10/1995"), Ok(date(1995, 10, 14)));
        assert_eq!(parse_date(" 4/3/2026 "), Ok(date(2026, 3, 4)));
        assert_eq!(parse_date("1995-10-14"), Ok(date(1995, 10, 14)));
        assert_eq!(parse_date("14/10/1995 00:00"), Ok(date(1995, 10, 14)));
        assert_eq!(parse_date("14/10/1995 00:00:00"), Ok(date(1995, 10, 14)));
    }

    #[test]
    fn other_forms_and_impossible_dates_are_refused() {
        for bad in [
            "",
            "14/10/95",
            "14-10-1995",
            "1995/10/14",
            "14/10",
            "14/10/1995/1",
            "14.10.1995",
            "14/10/1995 10:30",
            "aa/bb/cccc",
            "1995-10-14T00:00",
        ] {
            assert_eq!(parse_date(bad), Err(EXPECTED.to_owned()), "{bad}");
        }
        assert_eq!(
            parse_date("31/02/2026"),
            Err("31/02/2026 is not a calendar date".to_owned())
        );
        assert_eq!(
            parse_date("14/13/2026"),
            Err("14/13/2026 is not a calendar date".to_owned())
        );
        assert_eq!(
            parse_date("00/10/2026"),
            Err("00/10/2026 is not a calendar date".to_owned())
        );
        assert_eq!(
            parse_date("2026-02-30"),
            Err("2026-02-30 is not a calendar date".to_owned())
        );
    }
}
