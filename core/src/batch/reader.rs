//! Rows out of any [`Read`], one at a time.

use std::io::{self, Chain, Cursor, Read};

use super::{
    BatchOptions, Encoding, FileError,
    columns::{Column, Header, letters},
    encoding::{Bom, Decoder},
    source::Source,
};

/// The CSV parser's read buffer. A row may grow this much past
/// `max_row_bytes` before the source's guard stops it.
const CSV_BUFFER: usize = 8 * 1024;

type Input<R> = Source<Chain<Cursor<Vec<u8>>, R>>;

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
        format!("column {}", letters(self.position))
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

/// The CSV records of a file, numbered as a spreadsheet numbers its rows.
#[derive(Debug)]
struct Records<R: Read> {
    csv: csv::Reader<Input<R>>,
    record: csv::ByteRecord,
    max_row_bytes: usize,
    /// Line breaks inside cells so far: a spreadsheet row spans them.
    breaks_in_cells: u64,
    /// The row number of the record last read.
    last_row: u64,
}

impl<R: Read> Records<R> {
    /// Reads the next record into `self.record` and numbers it; `false` at
    /// the end of the file.
    fn read(&mut self) -> Result<bool, FileError> {
        let start = self.csv.position().byte();
        match self.csv.read_byte_record(&mut self.record) {
            Ok(true) => {}
            Ok(false) => return Ok(false),
            Err(_) if self.csv.get_ref().tripped() => {
                return Err(FileError::RowTooLong {
                    row: self.last_row + 1,
                    max: self.max_row_bytes,
                });
            }
            Err(error) => return Err(FileError::Io(error.to_string())),
        }
        let end = self.csv.position().clone();
        self.csv.get_mut().row_ended_at(end.byte());
        self.breaks_in_cells += line_feeds(self.record.as_slice());
        // The source ends every row with one `\n`, so the parser's line
        // counter, less the breaks inside cells, is the spreadsheet's row
        // after this one.
        self.last_row = end.line() - 1 - self.breaks_in_cells;
        if end.byte() - start > self.max_row_bytes as u64 {
            return Err(FileError::RowTooLong {
                row: self.last_row,
                max: self.max_row_bytes,
            });
        }
        Ok(true)
    }
}

/// Reads a batch file row by row. The header row is read and checked by
/// [`BatchReader::new`]; iterating yields the data rows that have at least one
/// value (blank rows, which spreadsheets export, are skipped but still count in
/// row numbers). After an error the iterator ends.
///
/// Memory holds one row and the parser's buffer, whatever the file's size.
#[derive(Debug)]
pub struct BatchReader<R: Read> {
    records: Records<R>,
    header: Header,
    decoder: Decoder,
    max_rows: u64,
    separator: char,
    /// Rows with values read so far.
    rows: u64,
    done: bool,
}

impl<R: Read> BatchReader<R> {
    /// Reads and checks the header row: the encoding's byte order mark, the
    /// separator, and the columns.
    pub fn new(mut source: R, options: &BatchOptions) -> Result<BatchReader<R>, FileError> {
        let limits = options.limits;
        let mut first_line = read_first_line(&mut source, limits.max_row_bytes)?;
        let bom = Bom::sniff(&first_line);
        match bom {
            Bom::Utf16 => return Err(FileError::Utf16),
            // Never data, even when an encoding is forced.
            Bom::Utf8 => {
                first_line.drain(..3);
            }
            Bom::None => {}
        }
        let separator = detect_separator(&first_line);
        let input = Source::new(
            Cursor::new(first_line).chain(source),
            (limits.max_row_bytes + CSV_BUFFER) as u64,
        );
        let csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(separator)
            .buffer_capacity(CSV_BUFFER)
            .from_reader(input);
        let mut records = Records {
            csv,
            record: csv::ByteRecord::new(),
            max_row_bytes: limits.max_row_bytes,
            breaks_in_cells: 0,
            last_row: 0,
        };
        let mut decoder = Decoder::new(options.encoding, bom);
        if !records.read()? {
            return Err(FileError::Empty);
        }
        let mut names = Vec::with_capacity(records.record.len());
        for (i, cell) in records.record.iter().enumerate() {
            let name = decoder
                .decode(cell, 1)
                .map_err(|because| FileError::InvalidUtf8 {
                    row: 1,
                    column: letters(i + 1),
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
            separator: char::from(separator),
            rows: 0,
            done: false,
        })
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// `;` or `,`.
    pub fn separator(&self) -> char {
        self.separator
    }

    /// The encoding the file is read in: forced, or detected so far (a file
    /// of plain ASCII so far reads as UTF-8).
    pub fn encoding(&self) -> Encoding {
        self.decoder.encoding()
    }

    fn next_row(&mut self) -> Result<Option<RawRow>, FileError> {
        loop {
            if !self.records.read()? {
                return Ok(None);
            }
            let row = self.records.last_row;
            let mut cells = vec![String::new(); Column::COUNT];
            let mut stray = Vec::new();
            for (i, bytes) in self.records.record.iter().enumerate() {
                let column = self.header.column_at(i);
                let text =
                    self.decoder
                        .decode(bytes, row)
                        .map_err(|because| FileError::InvalidUtf8 {
                            row,
                            column: column
                                .map_or_else(|| letters(i + 1), |c| self.header.name(c).to_owned()),
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

fn line_feeds(bytes: &[u8]) -> u64 {
    if !bytes.contains(&b'\n') {
        return 0;
    }
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// Reads up to the end of the first line (or of the file), to see the byte
/// order mark and the separator before parsing.
fn read_first_line(source: &mut impl Read, max_row_bytes: usize) -> Result<Vec<u8>, FileError> {
    // The byte order mark does not count against the limit.
    let max = max_row_bytes + 3;
    let mut line = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        let n = match source.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(FileError::Io(e.to_string())),
        };
        if n == 0 {
            break;
        }
        let had = line.len();
        line.extend_from_slice(&chunk[..n]);
        if line[had..].iter().any(|&b| b == b'\n' || b == b'\r') {
            break;
        }
        if line.len() > max {
            return Err(FileError::HeaderTooLong { max: max_row_bytes });
        }
    }
    if line.is_empty() {
        return Err(FileError::Empty);
    }
    Ok(line)
}

/// `;` or `,`, whichever the header line has more of outside quotes; `;`,
/// what French spreadsheets use, when it has neither.
fn detect_separator(start: &[u8]) -> u8 {
    let (mut semicolons, mut commas, mut quoted) = (0usize, 0usize, false);
    for &b in start {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            b';' if !quoted => semicolons += 1,
            b',' if !quoted => commas += 1,
            _ => {}
        }
    }
    if commas > semicolons { b',' } else { b';' }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::BatchLimits;

    fn options() -> BatchOptions {
        BatchOptions::default()
    }

    const HEADER: &str = "nom;prenoms;date_naissance;numero_agdref;adresse;code_postal;commune";

    fn rows(text: &[u8]) -> Vec<(u64, String)> {
        BatchReader::new(text, &options())
            .unwrap()
            .map(|row| {
                let row = row.unwrap();
                (row.row(), row.get(Column::Nom).to_owned())
            })
            .collect()
    }

    #[test]
    fn separators_are_detected_from_the_header_line() {
        assert_eq!(detect_separator(b"nom;prenoms;date_naissance\n"), b';');
        assert_eq!(detect_separator(b"nom,prenoms,date_naissance\r\n"), b',');
        assert_eq!(detect_separator(b"\"nom;x\",prenoms,date\n"), b',');
        assert_eq!(detect_separator(b"nom;prenoms\na,b,c,d,e\n"), b';');
        assert_eq!(detect_separator(b"nom"), b';');
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
        let mut reader = BatchReader::new(text.as_bytes(), &options()).unwrap();
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
        let read = BatchReader::new(text.as_bytes(), &options())
            .unwrap()
            .next()
            .unwrap()
            .unwrap();
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
        let row = BatchReader::new(text.as_bytes(), &options())
            .unwrap()
            .next()
            .unwrap()
            .unwrap();
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
            assert_eq!(
                BatchReader::new(text, &options()).unwrap_err(),
                FileError::Empty,
                "{text:?}"
            );
        }
    }

    #[test]
    fn a_header_only_file_has_no_rows() {
        assert_eq!(rows(HEADER.as_bytes()), []);
    }

    #[test]
    fn utf16_is_refused_with_advice() {
        let error = BatchReader::new(&b"\xff\xfen\x00o\x00m\x00"[..], &options()).unwrap_err();
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
            BatchReader::new(long.as_bytes(), &options).unwrap_err(),
            FileError::HeaderTooLong { max: 100 }
        );
    }

    #[test]
    fn an_unclosed_quote_stops_at_the_row_limit() {
        let options = BatchOptions {
            limits: BatchLimits {
                max_row_bytes: 1000,
                ..BatchLimits::default()
            },
            ..BatchOptions::default()
        };
        let start = format!("{HEADER}\nA;x\n\"B;x\n");
        // An endless file: only the guard can stop it.
        let endless = start.as_bytes().chain(io::repeat(b'x'));
        let mut reader = BatchReader::new(endless, &options).unwrap();
        assert_eq!(reader.next().unwrap().unwrap().get(Column::Nom), "A");
        assert_eq!(
            reader.next().unwrap().unwrap_err(),
            FileError::RowTooLong { row: 3, max: 1000 }
        );
        assert!(reader.next().is_none());
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
        let mut reader = BatchReader::new(start.as_bytes().chain(Failing), &options()).unwrap();
        let error = reader
            .find_map(Result::err)
            .expect("the failure is reported");
        assert!(
            matches!(&error, FileError::Io(m) if m.contains("disk on fire")),
            "{error}"
        );
    }
}
