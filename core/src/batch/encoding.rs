//! Which character encoding a file is in, decided without reading it whole.
//!
//! A byte order mark means UTF-8. Otherwise the decision waits for the first
//! cell that is not plain ASCII (until then both readings agree): UTF-8 if it
//! is valid UTF-8, Windows-1252 if not. Windows-1252 text with accents is
//! practically never valid UTF-8 (`é` alone is the byte 0xE9, which UTF-8
//! forbids before an ASCII letter), so one cell is enough to tell, and this
//! gives the same answer as checking the whole file for every file that is in
//! one encoding.

use std::{borrow::Cow, fmt};

use serde::Serialize;

/// The two encodings spreadsheets export CSV in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Encoding {
    #[serde(rename = "UTF-8")]
    Utf8,
    /// What a French spreadsheet exports by default ("CSV (separator: semicolon)").
    #[serde(rename = "Windows-1252")]
    Windows1252,
}

impl Encoding {
    pub const fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Windows1252 => "Windows-1252",
        }
    }

    /// Reads a name as a user types it: `utf-8`, `utf8`, `windows-1252`,
    /// `cp1252`, `latin1`… (ISO-8859-1 text reads the same as Windows-1252).
    pub fn from_name(name: &str) -> Option<Encoding> {
        let compact: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        match compact.as_str() {
            "utf8" => Some(Encoding::Utf8),
            "windows1252" | "cp1252" | "latin1" | "iso88591" | "ansi" => {
                Some(Encoding::Windows1252)
            }
            _ => None,
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the first bytes of a file say about its encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bom {
    Utf8,
    Utf16,
    None,
}

impl Bom {
    pub(crate) fn sniff(start: &[u8]) -> Bom {
        if start.starts_with(&[0xEF, 0xBB, 0xBF]) {
            Bom::Utf8
        } else if start.starts_with(&[0xFF, 0xFE]) || start.starts_with(&[0xFE, 0xFF]) {
            Bom::Utf16
        } else {
            Bom::None
        }
    }
}

/// Why the file is read as UTF-8: said when a later cell is not UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Utf8Because {
    Forced,
    Bom,
    /// The first non-ASCII cell, on this row, was UTF-8.
    Detected {
        row: u64,
    },
}

impl fmt::Display for Utf8Because {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Utf8Because::Forced => f.write_str("UTF-8 was asked for"),
            Utf8Because::Bom => f.write_str("it starts with a UTF-8 byte order mark"),
            Utf8Because::Detected { row } => {
                write!(f, "its first accented text (row {row}) is UTF-8")
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Only ASCII so far.
    Undecided,
    Utf8(Utf8Because),
    Windows1252,
}

/// Decodes cells one at a time, deciding the encoding on the way.
#[derive(Debug)]
pub(crate) struct Decoder {
    state: State,
}

impl Decoder {
    pub(crate) fn new(forced: Option<Encoding>, bom: Bom) -> Decoder {
        let state = match (forced, bom) {
            (Some(Encoding::Utf8), _) => State::Utf8(Utf8Because::Forced),
            (Some(Encoding::Windows1252), _) => State::Windows1252,
            (None, Bom::Utf8) => State::Utf8(Utf8Because::Bom),
            (None, _) => State::Undecided,
        };
        Decoder { state }
    }

    /// The encoding decided so far; a file of plain ASCII reads as UTF-8.
    pub(crate) fn encoding(&self) -> Encoding {
        match self.state {
            State::Windows1252 => Encoding::Windows1252,
            State::Undecided | State::Utf8(_) => Encoding::Utf8,
        }
    }

    /// The text of one cell of row `row`. `Err` carries why the file is read
    /// as UTF-8 when the cell is not.
    pub(crate) fn decode<'a>(&mut self, bytes: &'a [u8], row: u64) -> Result<Cow<'a, str>, String> {
        if bytes.is_ascii() {
            // ASCII reads the same in both encodings.
            return Ok(Cow::Borrowed(
                std::str::from_utf8(bytes).expect("ASCII is valid UTF-8"),
            ));
        }
        if self.state == State::Undecided {
            self.state = match std::str::from_utf8(bytes) {
                Ok(_) => State::Utf8(Utf8Because::Detected { row }),
                Err(_) => State::Windows1252,
            };
        }
        match self.state {
            State::Windows1252 => Ok(encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0),
            State::Utf8(because) => std::str::from_utf8(bytes)
                .map(Cow::Borrowed)
                .map_err(|_| because.to_string()),
            State::Undecided => unreachable!("decided above"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_leaves_the_encoding_undecided() {
        let mut decoder = Decoder::new(None, Bom::None);
        assert_eq!(decoder.decode(b"Kovalenko", 2).unwrap(), "Kovalenko");
        assert_eq!(decoder.state, State::Undecided);
        assert_eq!(decoder.encoding(), Encoding::Utf8);
    }

    #[test]
    fn the_first_accented_cell_decides() {
        let mut decoder = Decoder::new(None, Bom::None);
        assert_eq!(decoder.decode(b"H\xe9l\xe8ne", 3).unwrap(), "Hélène");
        assert_eq!(decoder.encoding(), Encoding::Windows1252);
        // Bytes 0x80-0x9F are letters and signs in Windows-1252, not controls.
        assert_eq!(decoder.decode(b"\x8c\x9c \x80", 4).unwrap(), "Œœ €");

        let mut decoder = Decoder::new(None, Bom::None);
        assert_eq!(decoder.decode("Hélène".as_bytes(), 3).unwrap(), "Hélène");
        assert_eq!(decoder.encoding(), Encoding::Utf8);
        let because = decoder.decode(b"H\xe9l\xe8ne", 9).unwrap_err();
        assert_eq!(because, "its first accented text (row 3) is UTF-8");
    }

    #[test]
    fn a_bom_or_a_forced_encoding_decides_at_once() {
        let mut decoder = Decoder::new(None, Bom::Utf8);
        assert!(
            decoder
                .decode(b"H\xe9l\xe8ne", 2)
                .unwrap_err()
                .contains("byte order mark")
        );
        let mut decoder = Decoder::new(Some(Encoding::Windows1252), Bom::None);
        // Valid UTF-8 read as Windows-1252 when told so: what the user asked.
        assert_eq!(decoder.decode("é".as_bytes(), 2).unwrap(), "Ã©");
        let mut decoder = Decoder::new(Some(Encoding::Utf8), Bom::None);
        assert!(
            decoder
                .decode(b"\xe9", 2)
                .unwrap_err()
                .contains("asked for")
        );
    }

    #[test]
    fn byte_order_marks_are_recognised() {
        assert_eq!(Bom::sniff(b"\xef\xbb\xbfnom"), Bom::Utf8);
        assert_eq!(Bom::sniff(b"\xff\xfen\x00"), Bom::Utf16);
        assert_eq!(Bom::sniff(b"\xfe\xff\x00n"), Bom::Utf16);
        assert_eq!(Bom::sniff(b"nom"), Bom::None);
        assert_eq!(Bom::sniff(b""), Bom::None);
    }

    #[test]
    fn encoding_names_as_users_type_them() {
        assert_eq!(Encoding::from_name("UTF-8"), Some(Encoding::Utf8));
        assert_eq!(Encoding::from_name("utf8"), Some(Encoding::Utf8));
        assert_eq!(
            Encoding::from_name("Windows-1252"),
            Some(Encoding::Windows1252)
        );
        assert_eq!(Encoding::from_name("cp1252"), Some(Encoding::Windows1252));
        assert_eq!(Encoding::from_name("latin-1"), Some(Encoding::Windows1252));
        assert_eq!(Encoding::from_name("utf-16"), None);
    }
}
