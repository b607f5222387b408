//! The bytes the CSV parser reads: line ends made uniform, and a guard that
//! stops a runaway row before it fills memory.

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
}

impl<R: Read> Source<R> {
    pub(crate) fn new(inner: R, allowance: u64) -> Source<R> {
        Source {
            inner,
            after_cr: false,
            last: None,
            at_end: false,
            handed_out: 0,
            row_start: 0,
            allowance,
            tripped: false,
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
                        self.last = Some(b'\n');
                        self.handed_out += 1;
                        1
                    }
                    _ => 0,
                });
            }
            if !self.after_cr && !out[..n].contains(&b'\r') {
                // Nothing to rewrite: the usual case, kept fast.
                self.last = Some(out[n - 1]);
                self.handed_out += n as u64;
                return Ok(n);
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
            self.last = Some(out[written - 1]);
            self.handed_out += written as u64;
            return Ok(written);
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
        Source::new(Trickle(input, chunk), u64::MAX)
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

    #[test]
    fn the_guard_trips_on_a_row_that_never_ends() {
        let endless = io::repeat(b'x');
        let mut source = Source::new(endless, 100);
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

        let mut source = Source::new(io::repeat(b'x'), 100);
        for _ in 0..10 {
            source.read_exact(&mut buffer).unwrap();
            let at = source.handed_out;
            source.row_ended_at(at);
        }
        assert!(!source.tripped());
    }
}
