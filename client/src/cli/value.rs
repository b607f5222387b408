//! Flag values with a shape of their own (instants, counted durations, dates),
//! parsed when the command line is read so that a typo is a usage error that
//! shows the expected form, before anything reaches the server.

use jiff::{SignedDuration, Span, SpanRelativeTo, Timestamp, civil};
use relais_core::validation::parse_iso_date;

use super::format::local_zone;

const INSTANT_FORMS: &str = "expected an instant as YYYY-MM-DD HH:MM or YYYY-MM-DDTHH:MM \
     (local time), or in RFC 3339 (2026-01-13T16:00:00+01:00, 2026-01-13T15:00:00Z)";

/// An instant: RFC 3339 with its offset, or a wall-clock time in the local
/// time zone, the way people read times off `relais case list`.
pub(crate) fn instant(text: &str) -> Result<Timestamp, String> {
    let text = text.trim();
    if let Ok(instant) = text.parse::<Timestamp>() {
        return Ok(instant);
    }
    let civil = ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|format| civil::DateTime::strptime(format, text).ok())
        .ok_or_else(|| INSTANT_FORMS.to_owned())?;
    local_zone()
        .to_timestamp(civil)
        .map_err(|e| format!("{text} cannot be placed in the local time zone: {e}"))
}

const SINCE_FORMS: &str = "expected a day as YYYY-MM-DD, or an instant as YYYY-MM-DD HH:MM \
     (both in local time), or in RFC 3339 (2026-01-13T15:00:00Z)";

/// An instant as [`instant`] reads it, or a day, which then starts at
/// midnight in the local time zone: "since Monday" is typed as a date.
pub(crate) fn instant_or_day(text: &str) -> Result<Timestamp, String> {
    if let Ok(instant) = instant(text) {
        return Ok(instant);
    }
    let day = date(text.trim()).map_err(|_| SINCE_FORMS.to_owned())?;
    local_zone()
        .to_timestamp(day.to_datetime(civil::Time::midnight()))
        .map_err(|e| format!("{text} cannot be placed in the local time zone: {e}"))
}

const SPAN_FORMS: &str = "expected an amount of time such as 30d, 12h, 90m, 1h30m, 0s or \
     \"2 days\" (a day is 24 hours)";

/// A length of real time, such as a token's lifetime: jiff's friendly
/// format (`30d`, `12h`, `1h30m`, `0s`, `2 days`) or ISO 8601 (`P30D`).
/// Unlike [`duration`], seconds are allowed: a grace period may be none.
pub(crate) fn span(text: &str) -> Result<SignedDuration, String> {
    let span: Span = text.trim().parse().map_err(|_| SPAN_FORMS.to_owned())?;
    // Months and years have no fixed length; days here are 24 hours, as
    // the server counts a token's lifetime.
    let amount = span
        .to_duration(SpanRelativeTo::days_are_24_hours())
        .map_err(|_| format!("{SPAN_FORMS}; months and years have no fixed length: use days"))?;
    if amount.is_negative() {
        return Err(format!("{text} is negative; {SPAN_FORMS}"));
    }
    Ok(amount)
}

const DURATION_FORMS: &str = "expected a duration such as 48h, 90m, 15d or 2d4h \
     (d: a day of 24 hours of counted time, h: hours, m: minutes)";

/// A counted duration: `48h`, `90m`, `15d`, `2d4h30m`. The units come largest
/// first and once each, so that a duration reads one way only.
pub(crate) fn duration(text: &str) -> Result<SignedDuration, String> {
    let text = text.trim().to_ascii_lowercase();
    let invalid = || DURATION_FORMS.to_owned();
    let mut total = SignedDuration::ZERO;
    let mut rest = text.as_str();
    // Units still allowed, largest first, with their length in minutes.
    let mut units: &[(char, i64)] = &[('d', 24 * 60), ('h', 60), ('m', 1)];
    if rest.is_empty() {
        return Err(invalid());
    }
    while !rest.is_empty() {
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 {
            return Err(invalid());
        }
        let amount: i64 = rest[..digits].parse().map_err(|_| invalid())?;
        let unit = rest[digits..].chars().next().ok_or_else(invalid)?;
        let position = units
            .iter()
            .position(|(name, _)| *name == unit)
            .ok_or_else(invalid)?;
        let minutes = amount
            .checked_mul(units[position].1)
            .ok_or_else(|| format!("{text} is too long"))?;
        total = total
            .checked_add(SignedDuration::from_mins(minutes))
            .ok_or_else(|| format!("{text} is too long"))?;
        units = &units[position + 1..];
        rest = &rest[digits + unit.len_utf8()..];
    }
    Ok(total)
}

/// A calendar date, `YYYY-MM-DD`.
pub(crate) fn date(text: &str) -> Result<civil::Date, String> {
    parse_iso_date(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_in_rfc_3339_keep_their_offset() {
        let expected: Timestamp = "2026-01-13T15:00:00Z".parse().unwrap();
        assert_eq!(instant("2026-01-13T16:00:00+01:00"), Ok(expected));
        assert_eq!(instant("2026-01-13T15:00:00Z"), Ok(expected));
    }

    #[test]
    fn wall_clock_instants_are_local() {
        let civil: civil::DateTime = "2026-01-13T16:00".parse().unwrap();
        let expected = local_zone().to_timestamp(civil).unwrap();
        assert_eq!(instant("2026-01-13 16:00"), Ok(expected));
        assert_eq!(instant("2026-01-13T16:00"), Ok(expected));
    }

    #[test]
    fn other_instants_name_the_expected_forms() {
        for bad in [
            "tomorrow",
            "13/01/2026 16:00",
            "2026-01-13",
            "2026-01-13 25:00",
            "",
        ] {
            let error = instant(bad).unwrap_err();
            assert!(error.contains("YYYY-MM-DD HH:MM"), "{bad}: {error}");
        }
    }

    #[test]
    fn durations_add_their_units() {
        assert_eq!(duration("48h"), Ok(SignedDuration::from_hours(48)));
        assert_eq!(duration("90m"), Ok(SignedDuration::from_mins(90)));
        assert_eq!(duration("15d"), Ok(SignedDuration::from_hours(360)));
        assert_eq!(duration("2d4h"), Ok(SignedDuration::from_hours(52)));
        assert_eq!(duration(" 1H30M "), Ok(SignedDuration::from_mins(90)));
        assert_eq!(duration("0h"), Ok(SignedDuration::ZERO));
    }

    #[test]
    fn bad_durations_name_the_expected_form() {
        for bad in ["", "48", "h", "4h2d", "1h1h", "1.5h", "2 days", "-3h", "3s"] {
            let error = duration(bad).unwrap_err();
            assert!(error.contains("48h"), "{bad}: {error}");
        }
        assert!(duration("99999999999999999d").is_err());
    }

    #[test]
    fn a_day_since_starts_at_local_midnight() {
        let midnight: civil::DateTime = "2026-01-13T00:00".parse().unwrap();
        let expected = local_zone().to_timestamp(midnight).unwrap();
        assert_eq!(instant_or_day("2026-01-13"), Ok(expected));
        assert_eq!(
            instant_or_day("2026-01-13T15:00:00Z"),
            instant("2026-01-13T15:00:00Z")
        );
        assert_eq!(
            instant_or_day("2026-01-13 16:00"),
            instant("2026-01-13 16:00")
        );
        let error = instant_or_day("yesterday").unwrap_err();
        assert!(error.contains("YYYY-MM-DD"), "{error}");
    }

    #[test]
    fn spans_have_days_of_24_hours_and_seconds() {
        let h = SignedDuration::from_hours;
        assert_eq!(span("30d"), Ok(h(720)));
        assert_eq!(span("12h"), Ok(h(12)));
        assert_eq!(span("1h30m"), Ok(SignedDuration::from_mins(90)));
        assert_eq!(span("2 days"), Ok(h(48)));
        assert_eq!(span("P30D"), Ok(h(720)));
        assert_eq!(span("1w"), Ok(h(168)));
        assert_eq!(span("0s"), Ok(SignedDuration::ZERO));
    }

    #[test]
    fn bad_spans_name_the_expected_form() {
        for bad in ["banana", "", "30", "-1h", "1h ago"] {
            let error = span(bad).unwrap_err();
            assert!(error.contains("30d"), "{bad}: {error}");
        }
        let months = span("2mo").unwrap_err();
        assert!(months.contains("use days"), "{months}");
    }

    #[test]
    fn dates_are_strict() {
        assert_eq!(date("2026-05-25"), Ok(civil::date(2026, 5, 25)));
        assert!(date("25/05/2026").is_err());
    }
}
