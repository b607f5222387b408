//! Rules for free text, e-mail addresses and phone numbers, and how a
//! message quotes what someone typed.

use std::fmt::Write as _;

use crate::validation::Violations;

/// Limits of the texts users type, shared by the server and the client.
pub mod limits {
    pub const SUBJECT: usize = 150;
    pub const DESCRIPTION: usize = 10_000;
    pub const MESSAGE: usize = 10_000;
    pub const REASON: usize = 2_000;
    pub const URGENCY_REASON: usize = 500;
    pub const LAST_NAME: usize = 100;
    pub const FIRST_NAMES: usize = 150;
    pub const ADDRESS_LINE: usize = 200;
    pub const CITY: usize = 100;
    pub const ORGANISATION_NAME: usize = 200;
    pub const ACCOUNT_NAME: usize = 200;
    pub const PARTNER_REFERENCE: usize = 64;
    pub const EMAIL: usize = 254;
    pub const DEPENDANTS: usize = 20;
}

/// Whether a text may span several lines (descriptions, messages) or not (names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    Single,
    Multi,
}

/// Checks a required text: trimmed, not empty, at most `max` characters, no
/// control characters (new lines and tabs only in multi-line texts). Returns
/// the trimmed text when it is acceptable.
pub fn required(
    violations: &mut Violations,
    field: &str,
    value: &str,
    max: usize,
    lines: Lines,
) -> Option<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        violations.add(field, "required");
        return None;
    }
    checked(violations, field, trimmed, max, lines)
}

/// Like [`required`], but an empty text is `None` and fine.
pub fn optional(
    violations: &mut Violations,
    field: &str,
    value: &str,
    max: usize,
    lines: Lines,
) -> Option<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return None;
    }
    checked(violations, field, trimmed, max, lines)
}

fn checked(
    violations: &mut Violations,
    field: &str,
    trimmed: &str,
    max: usize,
    lines: Lines,
) -> Option<String> {
    let count = trimmed.chars().count();
    if count > max {
        violations.add(
            field,
            format!("at most {max} characters allowed, got {count}"),
        );
        return None;
    }
    let allowed_control = |c: char| lines == Lines::Multi && (c == '\n' || c == '\t' || c == '\r');
    if trimmed
        .chars()
        .any(|c| c.is_control() && !allowed_control(c))
    {
        let what = match lines {
            Lines::Single => "must be a single line without control characters",
            Lines::Multi => "must not contain control characters",
        };
        violations.add(field, what);
        return None;
    }
    if trimmed.chars().any(is_bidi_control) {
        violations.add(
            field,
            "must not contain bidirectional control characters (U+202A to U+202E, U+2066 to U+2069)",
        );
        return None;
    }
    Some(trimmed.to_owned())
}

/// Bidirectional embeddings, overrides and isolates: they make a text show
/// in another order than it is stored, so that a name, an address or a
/// message reads as something it is not. Text in right-to-left scripts
/// needs none of them.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A person's name: a required single line that contains at least one letter.
pub fn name(violations: &mut Violations, field: &str, value: &str, max: usize) -> Option<String> {
    let text = required(violations, field, value, max, Lines::Single)?;
    if !text.chars().any(char::is_alphabetic) {
        violations.add(field, "must contain letters");
        return None;
    }
    Some(text)
}

/// An e-mail address: `local@domain.tld`, no spaces, at most 254 characters.
/// The domain is lowercased; the local part is kept as typed.
pub fn parse_email(value: &str) -> Result<String, String> {
    const EXPECTED: &str = "expected an e-mail address such as name@example.fr";
    let value = value.trim();
    if value.chars().count() > limits::EMAIL {
        return Err(format!("at most {} characters allowed", limits::EMAIL));
    }
    let (local, domain) = value.split_once('@').ok_or(EXPECTED)?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    if !local_ok || !domain_ok {
        return Err(EXPECTED.to_owned());
    }
    Ok(format!("{local}@{}", domain.to_ascii_lowercase()))
}

/// A phone number: French national (`06 12 34 56 78`, ten digits starting with
/// 0) or international (`+380 44 123 4567`, 8 to 15 digits after `+`).
/// Spaces, dots, dashes and parentheses are removed.
pub fn parse_phone(value: &str) -> Result<String, String> {
    const EXPECTED: &str = "expected a French number of 10 digits (06 12 34 56 78) or an international one (+33 6 12 34 56 78)";
    let compact: String = value
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
        .collect();
    let (plus, digits) = match compact.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, compact.as_str()),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(EXPECTED.to_owned());
    }
    let valid = if plus {
        (8..=15).contains(&digits.len()) && !digits.starts_with('0')
    } else {
        digits.len() == 10 && digits.starts_with('0') && !digits.starts_with("00")
    };
    if valid {
        Ok(compact)
    } else {
        Err(EXPECTED.to_owned())
    }
}

/// How many characters of someone's input a message quotes at most: every
/// value a right row holds fits (a name, a NIR, a date, a phone number, an
/// e-mail address or a line of address up to 60 characters), so that a
/// message shows what to look for; a cell of a binary file or of a row whose
/// quotation mark was left open is cut to one line of a terminal.
pub const EXCERPT_CHARS: usize = 60;

/// `input` as a message quotes it, between quotation marks that the caller
/// adds: at most [`EXCERPT_CHARS`] characters, then `…` and the input's
/// length when it is longer, so that garbage cannot flood a terminal, a log
/// or a results file; and every character that would not show, or would
/// move the text around, written visibly (`\n`, `\t`, `\u{0}`, `\u{a0}`,
/// `\u{202e}`), with `"` and `\` escaped so that the quotation ends where it
/// seems to. Ordinary text, accents and every script included, is unchanged.
pub fn excerpt(input: &str) -> String {
    let mut out = String::with_capacity(input.len().min(EXCERPT_CHARS + 32));
    let mut shown = 0;
    for c in input.chars() {
        let before = out.len();
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_invisible(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
        // An escape counts as wide as it is written, so that a run of
        // control bytes is cut where as many letters would be.
        shown += out[before..].chars().count();
        if shown > EXCERPT_CHARS {
            out.truncate(before);
            let total = input.chars().count();
            let _ = write!(out, "… ({total} characters)");
            return out;
        }
    }
    out
}

/// Characters that show nothing, or change how the text around them shows:
/// controls, spaces other than the plain one (a non-breaking space looks
/// like a space but is not one to a parser), soft hyphens, zero-width
/// characters and the marks that reverse the writing direction.
fn is_invisible(c: char) -> bool {
    c.is_control()
        || (c.is_whitespace() && c != ' ')
        || matches!(
            c,
            '\u{ad}'
                | '\u{34f}'
                | '\u{61c}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2060}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_text_is_trimmed_and_bounded() {
        let mut v = Violations::default();
        assert_eq!(
            required(&mut v, "subject", "  Carte Vitale  ", 150, Lines::Single),
            Some("Carte Vitale".into())
        );
        assert!(required(&mut v, "a", "   ", 150, Lines::Single).is_none());
        assert!(required(&mut v, "b", &"x".repeat(151), 150, Lines::Single).is_none());
        assert!(required(&mut v, "c", "line\nbreak", 150, Lines::Single).is_none());
        assert_eq!(
            required(&mut v, "d", "line\nbreak", 150, Lines::Multi),
            Some("line\nbreak".into())
        );
        assert!(v.has("a") && v.has("b") && v.has("c") && !v.has("d"));
        // Characters, not bytes, are counted.
        let mut v = Violations::default();
        assert!(required(&mut v, "e", &"é".repeat(150), 150, Lines::Single).is_some());
    }

    #[test]
    fn optional_text_may_be_empty() {
        let mut v = Violations::default();
        assert_eq!(optional(&mut v, "f", "  ", 10, Lines::Single), None);
        assert!(v.is_empty());
    }

    #[test]
    fn names_need_letters() {
        let mut v = Violations::default();
        assert_eq!(
            name(&mut v, "n", "Kovalenko", 100),
            Some("Kovalenko".into())
        );
        assert_eq!(name(&mut v, "n2", "Шевченко", 100), Some("Шевченко".into()));
        assert!(name(&mut v, "n3", "1234", 100).is_none());
        assert!(v.has("n3") && !v.has("n2"));
    }

    #[test]
    fn controls_and_bidirectional_overrides_are_refused_everywhere() {
        for (value, lines) in [
            ("Kova\u{0}lenko", Lines::Single),
            ("Kova\u{1b}[31mlenko", Lines::Multi),
            ("Olena \u{202E}oknelavoK", Lines::Single),
            ("12 rue \u{2066}Oberkampf\u{2069}", Lines::Single),
            ("Bonjour\n\u{202B}texte\u{202C}", Lines::Multi),
        ] {
            let mut v = Violations::default();
            assert!(
                required(&mut v, "f", value, 200, lines).is_none(),
                "{value:?} accepted"
            );
            assert!(v.has("f"));
        }
        // Right-to-left scripts need no control character to show right.
        let mut v = Violations::default();
        assert!(name(&mut v, "n", "حداد", 100).is_some());
        assert!(v.is_empty());
    }

    #[test]
    fn excerpts_leave_ordinary_text_alone() {
        for text in [
            "",
            "KOVALENKO",
            "Hélène Zoé",
            "Шевченко Тарас",
            "rue de l'Église",
            "olena.kovalenko@prefecture-paris.gouv.fr",
        ] {
            assert_eq!(excerpt(text), text);
        }
        let sixty = "x".repeat(EXCERPT_CHARS);
        assert_eq!(excerpt(&sixty), sixty, "exactly the limit is not cut");
    }

    #[test]
    fn excerpts_show_what_does_not_show() {
        assert_eq!(excerpt("a\"b\\c"), "a\\\"b\\\\c");
        assert_eq!(excerpt("l1\nl2\r\tx"), "l1\\nl2\\r\\tx");
        assert_eq!(excerpt("\0\u{1b}[31m\u{7f}"), "\\u{0}\\u{1b}[31m\\u{7f}");
        // Looks like a space, a hyphen or nothing; reverses the text after it.
        assert_eq!(
            excerpt("Olena\u{a0}K\u{ad}\u{200b}\u{202e}abc\u{feff}"),
            "Olena\\u{a0}K\\u{ad}\\u{200b}\\u{202e}abc\\u{feff}"
        );
        // C1 controls: what the bytes Windows-1252 leaves undefined decode to.
        assert_eq!(excerpt("\u{81}\u{8d}"), "\\u{81}\\u{8d}");
    }

    #[test]
    fn long_excerpts_are_cut_with_their_length() {
        let long = "é".repeat(1_500);
        assert_eq!(
            excerpt(&long),
            format!("{}… (1500 characters)", "é".repeat(EXCERPT_CHARS))
        );
        // Escapes count as they are written: a run of NUL bytes is cut as
        // soon as as many letters would be.
        let nuls = excerpt(&"\0".repeat(1_000));
        assert_eq!(nuls, format!("{}… (1000 characters)", "\\u{0}".repeat(12)));
        assert!(nuls.chars().count() < EXCERPT_CHARS + 25, "{nuls}");
    }

    #[test]
    fn emails() {
        assert_eq!(
            parse_email("Olena.K@Example.FR"),
            Ok("Olena.K@example.fr".into())
        );
        for bad in [
            "",
            "olena",
            "olena@",
            "@example.fr",
            "o@example",
            "o l@example.fr",
            "o@@example.fr",
            "o@ex..fr",
            "o@example.f",
        ] {
            assert!(parse_email(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn phones() {
        assert_eq!(parse_phone("06 12 34 56 78"), Ok("0612345678".into()));
        assert_eq!(parse_phone("02.62.12.34.56"), Ok("0262123456".into()));
        assert_eq!(
            parse_phone("+380 (44) 123-4567"),
            Ok("+380441234567".into())
        );
        for bad in [
            "",
            "12345",
            "0612",
            "1612345678",
            "+0612345678",
            "06123456789",
            "06 12 34 ab 78",
        ] {
            assert!(parse_phone(bad).is_err(), "{bad} accepted");
        }
    }
}
