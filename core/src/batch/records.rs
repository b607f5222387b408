//! The CSV records of a file as raw bytes, numbered as a spreadsheet numbers
//! its rows: what both the reading that decides the encoding
//! ([`detect_encoding`](super::detect_encoding)) and the reading of rows
//! ([`BatchReader`](super::BatchReader)) go through, so that both find the
//! same rows and stop at the same file errors.

use std::io::{self, Chain, Cursor, Read};

use super::{BatchLimits, FileError, columns::letters, encoding::Bom, source::Source};

/// The CSV parser's read buffer. A row may grow this much past
/// `max_row_bytes` before the source's guard stops it.
const CSV_BUFFER: usize = 8 * 1024;

/// How many of the file's first bytes are kept to recognise its kind.
const START: usize = 8;

type Input<R> = Source<Chain<Cursor<Vec<u8>>, R>>;

#[derive(Debug)]
pub(crate) struct Records<R: Read> {
    csv: csv::Reader<Input<R>>,
    /// The record last read.
    pub(crate) record: csv::ByteRecord,
    /// Its row number: the header is row 1, and an empty line counts while a
    /// line break inside a value does not.
    pub(crate) row: u64,
    /// `;` or `,`.
    pub(crate) separator: u8,
    /// What the file starts with; a UTF-8 byte order mark is not part of
    /// the first record.
    pub(crate) bom: Bom,
    /// The file's first bytes, by which some files that are not CSV are known.
    pub(crate) start: Vec<u8>,
    max_row_bytes: usize,
    /// Line breaks inside cells so far: a spreadsheet row spans them.
    breaks_in_cells: u64,
}

impl<R: Read> Records<R> {
    /// Looks at the first line for a byte order mark and the separator, and
    /// gets ready to read records. The first record read is the header row.
    pub(crate) fn open(mut source: R, limits: BatchLimits) -> Result<Records<R>, FileError> {
        let mut first_line = read_first_line(&mut source, limits.max_row_bytes)?;
        let bom = Bom::sniff(&first_line);
        let start = first_line[..first_line.len().min(START)].to_vec();
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
            separator,
        );
        let csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(separator)
            .buffer_capacity(CSV_BUFFER)
            .from_reader(input);
        Ok(Records {
            csv,
            record: csv::ByteRecord::new(),
            row: 0,
            separator,
            bom,
            start,
            max_row_bytes: limits.max_row_bytes,
            breaks_in_cells: 0,
        })
    }

    /// Reads the next record into `self.record` and numbers it; `false` at
    /// the end of the file.
    pub(crate) fn read(&mut self) -> Result<bool, FileError> {
        let start = self.csv.position().byte();
        match self.csv.read_byte_record(&mut self.record) {
            Ok(true) => {}
            Ok(false) => return Ok(false),
            Err(_) if self.csv.get_ref().tripped() => {
                let source = self.csv.get_ref();
                return Err(FileError::RowTooLong {
                    row: source.row(),
                    max: self.max_row_bytes,
                    open_quote: source.open_quote().map(|quote| letters(quote.position)),
                });
            }
            Err(error) => return Err(FileError::Io(error.to_string())),
        }
        let end = self.csv.position().clone();
        // The parser ends a value left open at the end of the file as if it
        // were closed there: the record would hold the rest of the file.
        if let Some(quote) = self.csv.get_ref().unclosed_quote()
            && quote.offset < end.byte()
        {
            return Err(FileError::UnclosedQuote {
                row: quote.row,
                column: letters(quote.position),
            });
        }
        self.csv.get_mut().row_ended_at(end.byte());
        self.breaks_in_cells += line_feeds(self.record.as_slice());
        // The source ends every row with one `\n`, so the parser's line
        // counter, less the breaks inside cells, is the spreadsheet's row
        // after this one.
        self.row = end.line() - 1 - self.breaks_in_cells;
        if end.byte() - start > self.max_row_bytes as u64 {
            // A quotation mark closed rows later, by the next one opened in
            // the file, leaves a value running over several lines.
            let spanning = self.record.iter().position(|cell| cell.contains(&b'\n'));
            return Err(FileError::RowTooLong {
                row: self.row,
                max: self.max_row_bytes,
                open_quote: spanning.map(|i| letters(i + 1)),
            });
        }
        Ok(true)
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

    fn limits(max_row_bytes: usize) -> BatchLimits {
        BatchLimits {
            max_row_bytes,
            ..BatchLimits::default()
        }
    }

    /// Every record's row and first cell, up to the error that ends the file.
    fn read_all(text: &[u8], max_row_bytes: usize) -> (Vec<(u64, String)>, Option<FileError>) {
        let mut records = Records::open(text, limits(max_row_bytes)).unwrap();
        let mut read = Vec::new();
        loop {
            match records.read() {
                Ok(true) => read.push((
                    records.row,
                    String::from_utf8_lossy(&records.record[0]).into_owned(),
                )),
                Ok(false) => return (read, None),
                Err(error) => return (read, Some(error)),
            }
        }
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
    fn a_quote_left_open_in_the_last_row_is_named_where_it_opens() {
        // Without a last line end, with one, after a cell spanning two
        // lines, and with blank rows before it: the row is the spreadsheet's.
        for (text, row, column) in [
            (&b"nom;prenoms\nA;x\nB;\"x"[..], 3, "B"),
            (b"nom;prenoms\r\nA;x\r\n\"B;x\r\n", 3, "A"),
            (b"nom;prenoms\n\"A\nA\";x\n\n\nB;x;\"y\nz\n", 5, "C"),
        ] {
            let (read, error) = read_all(text, 1000);
            assert_eq!(
                error,
                Some(FileError::UnclosedQuote {
                    row,
                    column: column.into()
                }),
                "{}",
                String::from_utf8_lossy(text)
            );
            // The rows before it are read as they are.
            assert_eq!(read.last().map(|(row, _)| *row), Some(2));
        }
    }

    #[test]
    fn closed_quotes_are_not_taken_for_open_ones() {
        let text =
            b"nom;prenoms\n\"A;\"\"x\"\"\";\"y\"\"\"\n\"B\"\"\";x\"\"\nC;\"\"\n\"\"\"\";\"l1\nl2\"";
        let (read, error) = read_all(text, 1000);
        assert_eq!(error, None);
        let rows: Vec<u64> = read.iter().map(|(row, _)| *row).collect();
        assert_eq!(rows, [1, 2, 3, 4, 5]);
        assert_eq!(read[1].1, "A;\"x\"");
        assert_eq!(read[2].1, "B\"");
        assert_eq!(read[4].1, "\"");
    }

    #[test]
    fn a_runaway_row_names_the_quote_that_opened_it() {
        let start = b"nom;prenoms\nA;x\n\nB;\"x\n".to_vec();
        let endless = Cursor::new(start).chain(io::repeat(b'x'));
        let mut records = Records::open(endless, limits(1000)).unwrap();
        assert!(records.read().unwrap() && records.read().unwrap());
        assert_eq!(
            records.read().unwrap_err(),
            FileError::RowTooLong {
                row: 4,
                max: 1000,
                open_quote: Some("B".into())
            }
        );

        // A quotation mark left open, then closed by the one that opens a
        // value rows later: the value in between runs over many lines.
        let mut text = b"nom;prenoms\nA;x\nB;\"x\n".to_vec();
        text.extend(b"C;y\n".repeat(300));
        text.extend(b"D;\"y\"\n");
        let (read, error) = read_all(&text, 1000);
        assert_eq!(read.len(), 2);
        assert_eq!(
            error,
            Some(FileError::RowTooLong {
                row: 3,
                max: 1000,
                open_quote: Some("B".into())
            })
        );

        // A row that is long without any quotation mark.
        let start = b"nom;prenoms\nA;x\n".to_vec();
        let endless = Cursor::new(start).chain(io::repeat(b'x'));
        let mut records = Records::open(endless, limits(1000)).unwrap();
        assert!(records.read().unwrap() && records.read().unwrap());
        assert_eq!(
            records.read().unwrap_err(),
            FileError::RowTooLong {
                row: 3,
                max: 1000,
                open_quote: None
            }
        );
    }
}
