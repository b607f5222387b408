//! The bytes the CSV parser reads: line ends made uniform, a guard that
//! stops a runaway row before it fills memory, and where the quotation marks
//! open and close.

use std::io::{self, Read};

/// Wraps the file for the CSV parser.
///
/// - Every line end (`\r\n`, lone `\r` from old Mac exports, `\n`) becomes
///   `\n`, and a last line without one gets one, so that counting `\n` gives
///   spreadsheet row numbers whatever the file's line ends.
/// - The parser buffers a row until it ends. A row with an unclosed quotation
///   mark never ends: the guard fails the read once more bytes than
///   `max_row_bytes` plus the parser's buffer have been handed out since the
///   last row ended, so memory stays bounded.
/// - The parser reads a value whose quotation mark is never closed up to the
///   end of the file without a word, and cannot say where it opened: the
///   source follows the quotation marks as the parser does, to name the row
///   and column where one was left open.
#[derive(Debug)]
pub(crate) struct Source<R> {
    inner: R,
    /// The previous byte read was `\r`, already handed out as `\n`.
    after_cr: bool,
    /// The last byte handed out, to end the last line.
    last: Option<u8>,
    at_end: bool,
    handed_out: u64,
    /// Where the current row starts, as the parser counts bytes.
    row_start: u64,
    /// Bytes a row may take before the guard trips.
    allowance: u64,
    tripped: bool,
    quotes: Quotes,
}

impl<R: Read> Source<R> {
    pub(crate) fn new(inner: R, allowance: u64, separator: u8) -> Source<R> {
        Source {
            inner,
            after_cr: false,
            last: None,
            at_end: false,
            handed_out: 0,
            row_start: 0,
            allowance,
            tripped: false,
            quotes: Quotes::new(separator),
        }
    }

    /// A row ended at this offset of the bytes handed out.
    pub(crate) fn row_ended_at(&mut self, offset: u64) {
        self.row_start = offset;
    }

    /// Whether a read failed because a row grew past the allowance.
    pub(crate) fn tripped(&self) -> bool {
        self.tripped
    }

    /// The spreadsheet row of the last byte handed out: the row being read
    /// when the guard trips.
    pub(crate) fn row(&self) -> u64 {
        self.quotes.row
    }

    /// The quotation mark still open after the last byte handed out.
    pub(crate) fn open_quote(&self) -> Option<OpenQuote> {
        self.quotes.open
    }

    /// The quotation mark the file ended without closing.
    pub(crate) fn unclosed_quote(&self) -> Option<OpenQuote> {
        self.quotes.open.filter(|_| self.at_end)
    }

    /// Notes the bytes about to be handed out; gives their count.
    fn hand_out(&mut self, out: &[u8]) -> usize {
        self.quotes.follow(out, self.handed_out);
        self.last = out.last().copied().or(self.last);
        self.handed_out += out.len() as u64;
        out.len()
    }
}

/// Where a quotation mark opened a value that is not closed yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OpenQuote {
    /// The spreadsheet row.
    pub(crate) row: u64,
    /// The value's 1-based position in its row.
    pub(crate) position: usize,
    /// Where the quotation mark is in the bytes handed out.
    pub(crate) offset: u64,
}

/// Where the parser is in a value, byte after byte, as the `csv` crate
/// reads: a quotation mark opens a quoted value only at a value's start
/// (elsewhere it is a character like any other), and inside one, a doubled
/// quotation mark is one character while a single one closes the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Value {
    Start,
    Unquoted,
    Quoted,
    /// A quotation mark inside a quoted value: it closes the value unless
    /// another follows.
    QuoteInQuoted,
}

#[derive(Debug)]
struct Quotes {
    separator: u8,
    value: Value,
    /// The spreadsheet row: line feeds outside quotes, plus one.
    row: u64,
    /// The 0-based position of the value in its row.
    position: usize,
    open: Option<OpenQuote>,
}

impl Quotes {
    fn new(separator: u8) -> Quotes {
        Quotes {
            separator,
            value: Value::Start,
            row: 1,
            position: 0,
            open: None,
        }
    }

    /// Follows `bytes`, which start at `offset` of the bytes handed out
    /// (line ends already made `\n`).
    fn follow(&mut self, bytes: &[u8], offset: u64) {
        for (i, &byte) in bytes.iter().enumerate() {
            self.value = match (self.value, byte) {
                (Value::Quoted, b'"') => Value::QuoteInQuoted,
                (Value::Quoted, _) => Value::Quoted,
                (Value::QuoteInQuoted, b'"') => Value::Quoted,
                (Value::Start, b'"') => {
                    self.open = Some(OpenQuote {
                        row: self.row,
                        position: self.position + 1,
                        offset: offset + i as u64,
                    });
                    Value::Quoted
                }
                (_, b'\n') => {
                    self.row += 1;
                    self.position = 0;
                    self.open = None;
                    Value::Start
                }
                (_, byte) if byte == self.separator => {
                    self.position += 1;
                    self.open = None;
                    Value::Start
                }
                (Value::Unquoted, _) => Value::Unquoted,
                (Value::Start | Value::QuoteInQuoted, _) => {
                    self.open = None;
                    Value::Unquoted
                }
            };
        }
    }
}

impl<R: Read> Read for Source<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        if self.handed_out - self.row_start > self.allowance {
            self.tripped = true;
            return Err(io::Error::other("row longer than allowed"));
        }
        loop {
            let n = match self.inner.read(out) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if n == 0 {
                if self.at_end {
                    return Ok(0);
                }
                self.at_end = true;
                return Ok(match self.last {
                    Some(b) if b != b'\n' => {
                        out[0] = b'\n';
                        self.hand_out(&out[..1])
                    }
                    _ => 0,
                });
            }
            if !self.after_cr && !out[..n].contains(&b'\r') {
                // Nothing to rewrite: the usual case, kept fast.
                return Ok(self.hand_out(&out[..n]));
            }
            // In place: the output never outgrows what was read.
            let mut written = 0;
            for i in 0..n {
                let byte = out[i];
                if std::mem::take(&mut self.after_cr) && byte == b'\n' {
                    continue;
                }
                out[written] = if byte == b'\r' {
                    self.after_cr = true;
                    b'\n'
                } else {
                    byte
                };
                written += 1;
            }
            if written == 0 {
                // Only the `\n` of a `\r\n` split across reads.
                continue;
            }
            return Ok(self.hand_out(&out[..written]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads through a source, `chunk` bytes at a time from the inner reader.
    fn normalised(input: &[u8], chunk: usize) -> Vec<u8> {
        struct Trickle<'a>(&'a [u8], usize);
        impl Read for Trickle<'_> {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(self.1).min(out.len());
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut out = Vec::new();
        Source::new(Trickle(input, chunk), u64::MAX, b';')
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn line_ends_become_line_feeds_and_the_last_line_is_ended() {
        for chunk in [1, 2, 3, 64] {
            assert_eq!(normalised(b"a;b\r\nc;d\r\n", chunk), b"a;b\nc;d\n");
            assert_eq!(normalised(b"a;b\rc;d", chunk), b"a;b\nc;d\n");
            assert_eq!(normalised(b"a;b\n\nc;d", chunk), b"a;b\n\nc;d\n");
            assert_eq!(normalised(b"a\r\r\nb\r", chunk), b"a\n\nb\n");
            assert_eq!(normalised(b"", chunk), b"");
        }
    }

    /// The quotation mark open after `text`, and the row reached.
    fn followed(text: &[u8]) -> (Option<(u64, usize)>, u64) {
        let mut quotes = Quotes::new(b';');
        // In two parts: a read may end anywhere.
        let (a, b) = text.split_at(text.len() / 2);
        quotes.follow(a, 0);
        quotes.follow(b, a.len() as u64);
        (quotes.open.map(|q| (q.row, q.position)), quotes.row)
    }

    #[test]
    fn quotation_marks_are_followed_as_the_parser_reads_them() {
        // Closed, doubled inside, empty, and spanning lines: a row each.
        assert_eq!(
            followed(b"a;\"x;y\"\n\"x\"\"y\";b\n\"\";\"\"\n\"l1\nl2\";c\n"),
            (None, 5)
        );
        // Not at a value's start, a quotation mark is a character.
        assert_eq!(followed(b"12 \"bis\" rue;x \"y\n"), (None, 2));
        // Opened and never closed: where it opened, whatever follows.
        assert_eq!(followed(b"a;b\nc;\"d\n;e\nf;g\n"), (Some((2, 2)), 2));
        assert_eq!(followed(b"a;b\n\n\"\"\"d"), (Some((3, 1)), 3));
        // A doubled quotation mark at the end is still inside the value.
        assert_eq!(followed(b"\"a\"\""), (Some((1, 1)), 1));
        let mut quotes = Quotes::new(b',');
        quotes.follow(b"a;\"b,\"c", 10);
        assert_eq!(
            quotes.open,
            Some(OpenQuote {
                row: 1,
                position: 2,
                offset: 15
            }),
            "with a comma as separator, the semicolon is a character"
        );
    }

    #[test]
    fn the_guard_trips_on_a_row_that_never_ends() {
        let endless = io::repeat(b'x');
        let mut source = Source::new(endless, 100, b';');
        let mut buffer = [0u8; 64];
        let mut read = 0;
        let error = loop {
            match source.read(&mut buffer) {
                Ok(n) => read += n,
                Err(e) => break e,
            }
        };
        assert!(source.tripped(), "{error}");
        assert!(read > 100 && read <= 164, "{read}");

        let mut source = Source::new(io::repeat(b'x'), 100, b';');
        for _ in 0..10 {
            source.read_exact(&mut buffer).unwrap();
            let at = source.handed_out;
            source.row_ended_at(at);
        }
        assert!(!source.tripped());
    }
}
