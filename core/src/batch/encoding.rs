//! Which character encoding a file is in, decided from the whole file
//! before a single row is judged.
//!
//! A spreadsheet saves a file in one encoding, but a file can still mix
//! two: rows pasted from another export, or one cell typed on another
//! computer. Deciding from the start of the file read such a file wrongly
//! and without a word ("HÃ©lÃ¨ne"), so [`detect_encoding`] reads it all
//! first, looking at every cell's bytes:
//!
//! - a UTF-8 byte order mark, or UTF-8 asked for, means UTF-8, and a cell
//!   that is not UTF-8 is a file error naming its row and column;
//! - Windows-1252 asked for is obeyed (every byte is a Windows-1252
//!   character);
//! - otherwise a file that is valid UTF-8 throughout is UTF-8, and one with
//!   no character UTF-8 writes in several bytes, but bytes that are not
//!   UTF-8, is Windows-1252: accented Windows-1252 text is practically never
//!   valid UTF-8 (`é` alone is the byte 0xE9, which UTF-8 forbids before an
//!   ASCII letter). A file with both is refused, naming the first row that
//!   is not UTF-8: it mixes encodings, and no one reading reads it right.
//!
//! The same reading stops at a file that is no text at all (a workbook or
//! an image sent by mistake), which would otherwise be read as garbled
//! rows.

use std::{borrow::Cow, fmt, io::Read};

use serde::Serialize;

use crate::text::excerpt;

use super::{BatchOptions, FileError, columns::cell_label, records::Records};

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

/// Files sent instead of their CSV export, known by their first bytes.
const NOT_CSV: &[(&[u8], &str)] = &[
    (
        b"PK\x03\x04",
        "a zipped file, such as an .xlsx or .ods workbook",
    ),
    (b"\xD0\xCF\x11\xE0", "an .xls workbook"),
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xFF\xD8\xFF", "a JPEG image"),
];

/// Reads the whole file to decide the encoding it is in (see the module's
/// documentation), or find the file error that stops it: the same file
/// errors as reading its rows would find ([`Records`]), and a file that is
/// not text.
pub fn detect_encoding(source: impl Read, options: &BatchOptions) -> Result<Encoding, FileError> {
    let mut records = Records::open(source, options.limits)?;
    if let Some((_, what)) = NOT_CSV
        .iter()
        .find(|(signature, _)| records.start.starts_with(signature))
    {
        return Err(FileError::NotText {
            row: 1,
            looks_like: Some(what),
        });
    }
    let utf8_because = match (options.encoding, records.bom) {
        (Some(Encoding::Utf8), _) => Some(Utf8Because::Forced),
        (None, Bom::Utf8) => Some(Utf8Because::Bom),
        _ => None,
    };
    // The header row's cells, to name the column of a cell that is not UTF-8.
    let mut header: Option<Vec<Vec<u8>>> = None;
    let mut not_utf8: Option<(u64, String)> = None;
    let mut utf8_row: Option<u64> = None;
    while records.read()? {
        let row = records.row;
        let is_header = header.is_none();
        for (i, cell) in records.record.iter().enumerate() {
            if !is_text(cell, is_header) {
                return Err(FileError::NotText {
                    row,
                    looks_like: None,
                });
            }
            if cell.is_ascii() {
                continue;
            }
            let (multibyte, invalid) = utf8_evidence(cell);
            if multibyte {
                utf8_row.get_or_insert(row);
            }
            if invalid && not_utf8.is_none() {
                let name = header
                    .as_ref()
                    .and_then(|h| h.get(i))
                    .map(|h| header_name(h));
                let cell = cell_label(i + 1, name.as_deref());
                if let Some(because) = utf8_because {
                    return Err(FileError::InvalidUtf8 {
                        row,
                        cell,
                        because: because.as_str(),
                    });
                }
                not_utf8 = Some((row, cell));
            }
        }
        if is_header {
            header = Some(records.record.iter().map(<[u8]>::to_vec).collect());
        }
    }
    Ok(match (options.encoding, utf8_because, not_utf8, utf8_row) {
        (Some(Encoding::Windows1252), ..) => Encoding::Windows1252,
        (_, Some(_), ..) | (_, None, None, _) => Encoding::Utf8,
        (_, None, Some(_), None) => Encoding::Windows1252,
        (_, None, Some((row, cell)), Some(utf8_row)) => {
            return Err(FileError::MixedEncodings {
                row,
                cell,
                utf8_row,
            });
        }
    })
}

/// Whether a cell's bytes can be text: no text holds a NUL byte, and the
/// header row, which people type, holds no control character but line
/// breaks and tabs. (A stray control character in a value is the row's
/// error, named by its check.)
fn is_text(cell: &[u8], is_header: bool) -> bool {
    if is_header {
        !cell
            .iter()
            .any(|&b| (b < 0x20 && b != b'\t' && b != b'\n') || b == 0x7F)
    } else {
        !cell.contains(&0)
    }
}

/// Whether a cell holds a character UTF-8 writes in several bytes, and
/// whether it holds bytes that are not UTF-8.
fn utf8_evidence(cell: &[u8]) -> (bool, bool) {
    let (mut multibyte, mut invalid) = (false, false);
    let mut rest = cell;
    loop {
        match std::str::from_utf8(rest) {
            Ok(text) => return (multibyte || !text.is_ascii(), invalid),
            Err(error) => {
                let (valid, after) = rest.split_at(error.valid_up_to());
                multibyte |= !valid.is_ascii();
                invalid = true;
                match error.error_len() {
                    Some(len) => rest = &after[len..],
                    // Cut short at the cell's end.
                    None => return (multibyte, invalid),
                }
            }
        }
    }
}

/// A header cell as an error names it, before the encoding is known.
fn header_name(cell: &[u8]) -> String {
    let text = match std::str::from_utf8(cell) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => {
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(cell)
                .0
        }
    };
    excerpt(text.trim())
}

/// Why a file is read as UTF-8 whatever its bytes: said when a cell is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Utf8Because {
    Forced,
    Bom,
    /// The encoding was decided by an earlier reading of the file.
    Decided,
}

impl Utf8Because {
    const fn as_str(self) -> &'static str {
        match self {
            Utf8Because::Forced => "UTF-8 was asked for",
            Utf8Because::Bom => "it starts with a UTF-8 byte order mark",
            Utf8Because::Decided => {
                "it was found to be UTF-8 when it was first read (has it changed since?)"
            }
        }
    }
}

/// Decodes cells in an encoding decided before the reading.
#[derive(Debug)]
pub(crate) struct Decoder {
    encoding: Encoding,
}

impl Decoder {
    pub(crate) fn new(encoding: Encoding) -> Decoder {
        Decoder { encoding }
    }

    pub(crate) fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// The text of one cell; `Err` says why the file is read as UTF-8 when
    /// the cell is not UTF-8.
    pub(crate) fn decode<'a>(&self, bytes: &'a [u8]) -> Result<Cow<'a, str>, &'static str> {
        match self.encoding {
            Encoding::Windows1252 if !bytes.is_ascii() => Ok(encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0),
            // ASCII reads the same in both encodings.
            Encoding::Windows1252 | Encoding::Utf8 => std::str::from_utf8(bytes)
                .map(Cow::Borrowed)
                .map_err(|_| Utf8Because::Decided.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(bytes: &[u8]) -> Result<Encoding, FileError> {
        detect_encoding(bytes, &BatchOptions::default())
    }

    fn forced(bytes: &[u8], encoding: Encoding) -> Result<Encoding, FileError> {
        let options = BatchOptions {
            encoding: Some(encoding),
            ..BatchOptions::default()
        };
        detect_encoding(bytes, &options)
    }

    const HEADER: &[u8] = b"nom;prenoms;date_naissance\n";

    fn file(rows: &[&[u8]]) -> Vec<u8> {
        let mut bytes = HEADER.to_vec();
        for row in rows {
            bytes.extend_from_slice(row);
            bytes.push(b'\n');
        }
        bytes
    }

    #[test]
    fn a_file_in_one_encoding_is_read_in_it() {
        assert_eq!(
            detect(&file(&[b"Kovalenko;Olena;1990-01-01"])),
            Ok(Encoding::Utf8)
        );
        let utf8 = file(&[
            "Lefèvre;Hélène;1990-01-01".as_bytes(),
            "Garçon;Noël;x".as_bytes(),
        ]);
        assert_eq!(detect(&utf8), Ok(Encoding::Utf8));
        let windows = file(&[
            b"Lef\xe8vre;H\xe9l\xe8ne;1990-01-01",
            b"Gar\xe7on;No\xebl;x",
        ]);
        assert_eq!(detect(&windows), Ok(Encoding::Windows1252));
        // Bytes 0x80-0x9F are letters and signs in Windows-1252.
        assert_eq!(
            detect(&file(&[b"\x8c\x9c \x80;x;y"])),
            Ok(Encoding::Windows1252)
        );
    }

    #[test]
    fn one_stray_byte_in_a_utf8_file_is_not_read_as_windows_1252() {
        // Read from its start, this file was UTF-8 until row 3, or, with the
        // stray byte first, Windows-1252 and "ZoÃ«" ever after.
        for (rows, row) in [
            (
                [
                    "Lefèvre;Hélène;1990-01-01".as_bytes(),
                    b"Lef\xe8vre;Zo\xe9;1990-01-01",
                    "Garçon;Zoë;x".as_bytes(),
                ],
                3,
            ),
            (
                [
                    b"Lef\xe8vre;Zo\xe9;1990-01-01",
                    "Lefèvre;Hélène;1990-01-01".as_bytes(),
                    "Garçon;Zoë;x".as_bytes(),
                ],
                2,
            ),
        ] {
            let error = detect(&file(&rows)).unwrap_err();
            assert!(
                matches!(&error, FileError::MixedEncodings { row: r, cell, .. } if *r == row && cell == "column A (nom)"),
                "{error:?}"
            );
            assert!(
                error.to_string().contains("the file mixes encodings"),
                "{error}"
            );
        }
    }

    #[test]
    fn a_bom_or_utf8_asked_for_makes_any_other_byte_an_error() {
        let mut bom = b"\xef\xbb\xbf".to_vec();
        bom.extend(file(&[b"Kovalenko;Olena;x", b"Lef\xe8vre;H\xe9l\xe8ne;x"]));
        let error = detect(&bom).unwrap_err();
        assert_eq!(
            error,
            FileError::InvalidUtf8 {
                row: 3,
                cell: "column A (nom)".into(),
                because: "it starts with a UTF-8 byte order mark"
            }
        );
        let windows = file(&[b"Lef\xe8vre;H\xe9l\xe8ne;x"]);
        let error = forced(&windows, Encoding::Utf8).unwrap_err();
        assert!(
            matches!(&error, FileError::InvalidUtf8 { row: 2, because, .. } if because.contains("asked for")),
            "{error:?}"
        );
        // Windows-1252 asked for is obeyed, even for UTF-8 text.
        let utf8 = file(&["Lefèvre;Hélène;x".as_bytes()]);
        assert_eq!(
            forced(&utf8, Encoding::Windows1252),
            Ok(Encoding::Windows1252)
        );
        assert_eq!(
            forced(&bom, Encoding::Windows1252),
            Ok(Encoding::Windows1252)
        );
    }

    #[test]
    fn files_that_are_not_text_are_named() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0";
        assert_eq!(
            detect(png),
            Err(FileError::NotText {
                row: 1,
                looks_like: Some("a PNG image")
            })
        );
        let xlsx = b"PK\x03\x04\x14\0\x06\0\x08\0\0\0!\0";
        assert!(
            detect(xlsx).unwrap_err().to_string().contains(".xlsx"),
            "{:?}",
            detect(xlsx)
        );
        // Binary without a known signature: control bytes in the header, or
        // a NUL byte anywhere.
        let error = detect(b"\x13\x97\xa4\x02;\x7f\xee\n").unwrap_err();
        assert_eq!(
            error,
            FileError::NotText {
                row: 1,
                looks_like: None
            }
        );
        let error = detect(&file(&[b"Kovalenko;Olena;x", b"Bad\0;x;y"])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "this is not a CSV text file: row 3 holds bytes no text holds (control characters): save the spreadsheet as \"CSV UTF-8\" or \"CSV (separator: semicolon)\""
        );
        // A tab or a line break in a header is text; a control character in
        // a value is that row's error, not the file's.
        let fine = file(&[b"Kovalenko\x0b;Olena;x"]);
        let mut header_with_tab = b"nom\t;\"prenoms\nx\";date\n".to_vec();
        header_with_tab.extend_from_slice(b"a;b;c\n");
        for text in [fine, header_with_tab] {
            assert_eq!(detect(&text), Ok(Encoding::Utf8));
        }
    }

    #[test]
    fn decoding_follows_the_decision() {
        let decoder = Decoder::new(Encoding::Windows1252);
        assert_eq!(decoder.decode(b"H\xe9l\xe8ne").unwrap(), "Hélène");
        assert_eq!(decoder.decode(b"\x8c\x9c \x80").unwrap(), "Œœ €");
        // Valid UTF-8 read as Windows-1252 when told so: what the user asked.
        assert_eq!(decoder.decode("é".as_bytes()).unwrap(), "Ã©");
        let decoder = Decoder::new(Encoding::Utf8);
        assert_eq!(decoder.decode("Hélène".as_bytes()).unwrap(), "Hélène");
        assert!(decoder.decode(b"\xe9").unwrap_err().contains("first read"));
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
