//! Rows out of a file, one at a time.

use std::io::{Read, Seek};

use super::{
    BatchLimits, BatchOptions, Encoding, FileError,
    columns::{Column, Header, cell_label},
    encoding::{Decoder, detect_encoding},
    records::Records,
};

/// A value found under no named column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrayCell {
    /// 1-based position in the row.
    pub position: usize,
    pub value: String,
}

impl StrayCell {
    /// How a spreadsheet user finds it: `column W`.
    pub fn column_label(&self) -> String {
        cell_label(self.position, None)
    }
}

/// One row of the file, decoded, its values trimmed and put under their columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRow {
    row: u64,
    cells: Vec<String>,
    stray: Vec<StrayCell>,
}

impl RawRow {
    /// A row that comes already split into cells by column rather than from
    /// a file, as a server receives them: `row` is the number the sender
    /// gives it (a spreadsheet's, when the rows come from one). Values are
    /// trimmed, as a file's are; columns not given are empty, and a column
    /// given twice keeps its last value. Check it against
    /// [`Header::canonical`].
    pub fn new(row: u64, cells: impl IntoIterator<Item = (Column, String)>) -> RawRow {
        let mut values = vec![String::new(); Column::COUNT];
        for (column, value) in cells {
            let trimmed = value.trim();
            values[column.index()] = if trimmed.len() == value.len() {
                value
            } else {
                trimmed.to_owned()
            };
        }
        RawRow {
            row,
            cells: values,
            stray: Vec::new(),
        }
    }

    /// The row number as a spreadsheet shows it: the header is row 1, the first
    /// data row 2, and an empty line or a cell spanning lines count as in the
    /// spreadsheet.
    pub fn row(&self) -> u64 {
        self.row
    }

    /// The trimmed value of a column; empty when the file has no such column.
    pub fn get(&self, column: Column) -> &str {
        &self.cells[column.index()]
    }

    /// Values under columns without a header, or beyond the header's last column.
    pub fn stray(&self) -> &[StrayCell] {
        &self.stray
    }

    /// No value at all: a file's reader skips such rows (spreadsheets export
    /// them), so a caller building rows with [`RawRow::new`] should too.
    pub fn is_blank(&self) -> bool {
        self.stray.is_empty() && self.cells.iter().all(String::is_empty)
    }
}

/// Reads a batch file row by row. The header row is read and checked when
/// the reader is made; iterating yields the data rows that have at least one
/// value (blank rows, which spreadsheets export, are skipped but still count
/// in row numbers). After an error the iterator ends.
///
/// Memory holds one row and the parser's buffer, whatever the file's size.
#[derive(Debug)]
pub struct BatchReader<R: Read> {
    records: Records<R>,
    header: Header,
    decoder: Decoder,
    max_rows: u64,
    /// Rows with values read so far.
    rows: u64,
    done: bool,
}

impl<R: Read + Seek> BatchReader<R> {
    /// Reads the whole file once to decide its encoding
    /// ([`detect_encoding`], which also stops at a file error anywhere in
    /// it), then from its start again: reads and checks the header row.
    pub fn new(mut source: R, options: &BatchOptions) -> Result<BatchReader<R>, FileError> {
        let encoding = detect_encoding(&mut source, options)?;
        source.rewind().map_err(|e| FileError::Io(e.to_string()))?;
        BatchReader::in_encoding(source, encoding, options.limits)
    }
}

impl<R: Read> BatchReader<R> {
    /// Reads a file whose encoding was decided by an earlier reading
    /// ([`detect_encoding`]), or is known, without reading it first: for a
    /// file read several times, or a stream that can be read only once.
    /// Reads and checks the header row; a cell that is not UTF-8 in a file
    /// read as UTF-8 is a file error on its row.
    pub fn in_encoding(
        source: R,
        encoding: Encoding,
        limits: BatchLimits,
    ) -> Result<BatchReader<R>, FileError> {
        let mut records = Records::open(source, limits)?;
        let decoder = Decoder::new(encoding);
        if !records.read()? {
            return Err(FileError::Empty);
        }
        let mut names = Vec::with_capacity(records.record.len());
        for (i, cell) in records.record.iter().enumerate() {
            let name = decoder
                .decode(cell)
                .map_err(|because| FileError::InvalidUtf8 {
                    row: records.row,
                    cell: cell_label(i + 1, None),
                    because,
                })?;
            names.push(name.trim().to_owned());
        }
        if names.iter().all(String::is_empty) {
            return Err(FileError::Empty);
        }
        let header = Header::parse(&names).map_err(FileError::Columns)?;
        Ok(BatchReader {
            records,
            header,
            decoder,
            max_rows: limits.max_rows,
            rows: 0,
            done: false,
        })
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// `;` or `,`.
    pub fn separator(&self) -> char {
        char::from(self.records.separator)
    }

    /// The encoding the file is read in: forced, or detected (a file of
    /// plain ASCII reads as UTF-8).
    pub fn encoding(&self) -> Encoding {
        self.decoder.encoding()
    }

    fn next_row(&mut self) -> Result<Option<RawRow>, FileError> {
        loop {
            if !self.records.read()? {
                return Ok(None);
            }
            let row = self.records.row;
            let mut cells = vec![String::new(); Column::COUNT];
            let mut stray = Vec::new();
            for (i, bytes) in self.records.record.iter().enumerate() {
                let column = self.header.column_at(i);
                let text =
                    self.decoder
                        .decode(bytes)
                        .map_err(|because| FileError::InvalidUtf8 {
                            row,
                            cell: cell_label(i + 1, column.map(|c| self.header.name(c))),
                            because,
                        })?;
                let text = text.trim();
                match column {
                    Some(column) => cells[column.index()] = text.to_owned(),
                    None if text.is_empty() => {}
                    None => stray.push(StrayCell {
                        position: i + 1,
                        value: text.to_owned(),
                    }),
                }
            }
            let raw = RawRow { row, cells, stray };
            if raw.is_blank() {
                continue;
            }
            self.rows += 1;
            if self.rows > self.max_rows {
                return Err(FileError::TooManyRows { max: self.max_rows });
            }
            return Ok(Some(raw));
        }
    }
}

impl<R: Read> Iterator for BatchReader<R> {
    type Item = Result<RawRow, FileError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let next = self.next_row().transpose();
        if !matches!(next, Some(Ok(_))) {
            self.done = true;
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use std::io::{self, Cursor};

    use super::*;

    fn options() -> BatchOptions {
        BatchOptions::default()
    }

    const HEADER: &str = "nom;prenoms;date_naissance;numero_agdref;adresse;code_postal;commune";

    fn open(text: &[u8]) -> Result<BatchReader<Cursor<&[u8]>>, FileError> {
        BatchReader::new(Cursor::new(text), &options())
    }

    fn rows(text: &[u8]) -> Vec<(u64, String)> {
        open(text)
            .unwrap()
            .map(|row| {
                let row = row.unwrap();
                (row.row(), row.get(Column::Nom).to_owned())
            })
            .collect()
    }

    #[test]
    fn row_numbers_are_the_spreadsheets() {
        let header = HEADER;
        let plain = format!("{header}\nA;x\nB;x\n");
        assert_eq!(rows(plain.as_bytes()), [(2, "A".into()), (3, "B".into())]);
        let crlf = format!("{header}\r\nA;x\r\n\r\nB;x");
        assert_eq!(rows(crlf.as_bytes()), [(2, "A".into()), (4, "B".into())]);
        let blank_last = format!("{header}\nA;x\n\nB;x");
        assert_eq!(
            rows(blank_last.as_bytes()),
            [(2, "A".into()), (4, "B".into())]
        );
        let spanning = format!("{header}\n\"A\nA\";\"x\r\nx\"\n;;;;\nB;x\n");
        assert_eq!(
            rows(spanning.as_bytes()),
            [(2, "A\nA".into()), (4, "B".into())],
            "one row spans two lines; row 3 is blank"
        );
        let old_mac = format!("{header}\rA;x\rB;x\r");
        assert_eq!(rows(old_mac.as_bytes()), [(2, "A".into()), (3, "B".into())]);
    }

    #[test]
    fn values_are_trimmed_and_short_rows_padded() {
        let text = format!("{HEADER};;\n  Kovalenko ; Olena\n");
        let mut reader = open(text.as_bytes()).unwrap();
        let row = reader.next().unwrap().unwrap();
        assert_eq!(row.get(Column::Nom), "Kovalenko");
        assert_eq!(row.get(Column::Prenoms), "Olena");
        assert_eq!(row.get(Column::Commune), "");
        assert_eq!(row.get(Column::Nir), "", "a column the file does not have");
        assert!(row.stray().is_empty());
        assert!(reader.next().is_none());
    }

    #[test]
    fn a_row_built_from_cells_is_a_row_read_from_a_file() {
        let text = format!("{HEADER}\n  Kovalenko ; Olena\n");
        let read = open(text.as_bytes()).unwrap().next().unwrap().unwrap();
        let built = RawRow::new(
            2,
            [
                (Column::Prenoms, " Olena".to_owned()),
                (Column::Nom, "Kovalenko ".to_owned()),
            ],
        );
        assert_eq!(built, read);
        assert!(!built.is_blank());
        assert!(RawRow::new(3, [(Column::Nom, "  ".to_owned())]).is_blank());
    }

    #[test]
    fn values_without_a_column_are_kept_aside() {
        let text = format!("{HEADER};\nA;;;;;;;;x;y\n");
        let row = open(text.as_bytes()).unwrap().next().unwrap().unwrap();
        assert_eq!(
            row.stray(),
            [
                StrayCell {
                    position: 9,
                    value: "x".into()
                },
                StrayCell {
                    position: 10,
                    value: "y".into()
                }
            ]
        );
        assert_eq!(row.stray()[1].column_label(), "column J");
    }

    #[test]
    fn an_empty_file_or_header_is_an_error() {
        for text in [&b""[..], b"\n\n", b";;;\n", b"\xef\xbb\xbf"] {
            assert_eq!(open(text).unwrap_err(), FileError::Empty, "{text:?}");
        }
    }

    #[test]
    fn a_header_only_file_has_no_rows() {
        assert_eq!(rows(HEADER.as_bytes()), []);
    }

    #[test]
    fn utf16_is_refused_with_advice() {
        let error = open(b"\xff\xfen\x00o\x00m\x00").unwrap_err();
        assert_eq!(error, FileError::Utf16);
        assert!(error.to_string().contains("CSV UTF-8"));
    }

    #[test]
    fn a_long_header_is_refused_before_parsing() {
        let options = BatchOptions {
            limits: BatchLimits {
                max_row_bytes: 100,
                ..BatchLimits::default()
            },
            ..BatchOptions::default()
        };
        let long = format!("{}\nA\n", "x;".repeat(600));
        assert_eq!(
            BatchReader::new(Cursor::new(long.as_bytes()), &options).unwrap_err(),
            FileError::HeaderTooLong { max: 100 }
        );
    }

    #[test]
    fn an_unclosed_quote_stops_at_the_row_limit() {
        let limits = BatchLimits {
            max_row_bytes: 1000,
            ..BatchLimits::default()
        };
        let start = format!("{HEADER}\nA;x\n\"B;x\n");
        // An endless file, read as it comes: only the guard can stop it.
        let endless = start.as_bytes().chain(io::repeat(b'x'));
        let mut reader = BatchReader::in_encoding(endless, Encoding::Utf8, limits).unwrap();
        assert_eq!(reader.next().unwrap().unwrap().get(Column::Nom), "A");
        let error = reader.next().unwrap().unwrap_err();
        assert_eq!(
            error,
            FileError::RowTooLong {
                row: 3,
                max: 1000,
                open_quote: Some("A".into())
            }
        );
        assert!(
            error
                .to_string()
                .ends_with("is the quotation mark that opens its value in column A left open?"),
            "{error}"
        );
        assert!(reader.next().is_none());
    }

    #[test]
    fn a_quote_left_open_is_a_file_error_before_any_row_is_read() {
        // In the last row, the parser would read it to the end of the file as
        // one value, then the row numbers went wrong; in a row before, the
        // rest of the file is one value, longer than a row may be.
        let long_tail = format!("{HEADER}\nA;x\nB;\"x\nC;x\n{}", "D;y\n".repeat(6000));
        for (text, expected) in [
            (
                format!("{HEADER}\nA;x\nB;\"x"),
                FileError::UnclosedQuote {
                    row: 3,
                    column: "B".into(),
                },
            ),
            (
                format!("{HEADER}\nA;x\n\nB;\"x\nC;x\n"),
                FileError::UnclosedQuote {
                    row: 4,
                    column: "B".into(),
                },
            ),
            (
                long_tail,
                FileError::RowTooLong {
                    row: 3,
                    max: BatchLimits::default().max_row_bytes,
                    open_quote: Some("B".into()),
                },
            ),
        ] {
            let error = open(text.as_bytes()).unwrap_err();
            assert_eq!(error, expected, "{text:.80}");
        }
        let error = open(format!("{HEADER}\nA;x\nB;\"x").as_bytes()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "row 3, column B: the quotation mark that opens this value is never closed, so the rest of the file would be one value: close it, or remove it"
        );
    }

    #[test]
    fn a_read_error_is_a_file_error() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("disk on fire"))
            }
        }
        let start = format!("{HEADER}\nA;x\n");
        let error = detect_encoding(start.as_bytes().chain(Failing), &options()).unwrap_err();
        assert!(
            matches!(&error, FileError::Io(m) if m.contains("disk on fire")),
            "{error}"
        );
        let mut reader = BatchReader::in_encoding(
            start.as_bytes().chain(Failing),
            Encoding::Utf8,
            BatchLimits::default(),
        )
        .unwrap();
        let error = reader
            .find_map(Result::err)
            .expect("the failure is reported");
        assert!(
            matches!(&error, FileError::Io(m) if m.contains("disk on fire")),
            "{error}"
        );
    }
}
