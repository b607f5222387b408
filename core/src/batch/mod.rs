//! Prefecture batch affiliation files: a CSV file exported from a spreadsheet,
//! one row per person, the rows of a household next to each other. Each
//! household becomes one `puma_affiliation` case.
//!
//! Everything streams: [`BatchReader`] decides a file's encoding from the
//! whole file ([`detect_encoding`]), then turns it into rows one at a time;
//! [`HouseholdReader`] checks them and groups them into households, holding
//! at most one household, so memory stays flat whatever the file's size.
//! [`HouseholdGrouper`] is the same grouping for rows pushed one at a time
//! (a server receiving them over a stream, built with [`RawRow::new`] and
//! checked against [`Header::canonical`]), so both judge rows alike.
//! [`validate`] runs a whole file through and sums it up in a [`Report`],
//! for `relais batch validate`. The format is described for desk agents and
//! integrators in `docs/batch-format.md`.

mod columns;
mod date;
mod encoding;
mod household;
mod issue;
mod reader;
mod records;
mod report;
mod row;
mod source;

use std::{
    fmt,
    io::{Read, Seek},
};

use jiff::Timestamp;

use columns::LISTED_HEADERS;
pub use columns::{Column, ColumnProblem, Header};
pub use date::parse_date;
pub use encoding::{Encoding, detect_encoding};
pub use household::{
    Household, HouseholdGrouper, HouseholdReader, HouseholdResult, MAX_HOUSEHOLD_ROWS,
    SubmissionContext,
};
pub use issue::{IssueKind, RowIssue, RowOutcome, RowStatus};
pub use reader::{BatchReader, RawRow, StrayCell};
pub use report::{ListedIssue, Report};
pub use row::{Aps, CheckedRow, Lien, Member, check_row};

/// Limits that keep a batch from exhausting the server, whatever is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchLimits {
    /// Rows with at least one value, the header not counted.
    pub max_rows: u64,
    /// Bytes of one row as written in the file, separators and quotes included.
    /// Also bounds the header row and the memory a row with an unclosed quote
    /// can take.
    pub max_row_bytes: usize,
}

impl Default for BatchLimits {
    fn default() -> Self {
        BatchLimits {
            max_rows: 200_000,
            // A full row is about 400 bytes; 8 KiB leaves room for long
            // addresses and many first names while keeping memory small.
            max_row_bytes: 8 * 1024,
        }
    }
}

/// How to read a batch file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchOptions {
    /// `None` detects the encoding from the whole file ([`detect_encoding`]);
    /// `Some` forces one.
    pub encoding: Option<Encoding>,
    pub limits: BatchLimits,
}

/// A problem with the file as a whole: nothing after it is read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("the file is empty: expected a header row naming the columns")]
    Empty,
    #[error(
        "the file is in UTF-16 (\"Unicode text\"): save it as \"CSV UTF-8\" or \"CSV (separator: semicolon)\""
    )]
    Utf16,
    /// A file sent instead of its CSV export; `looks_like` says what it
    /// seems to be, when its first bytes tell.
    #[error(
        "this is not a CSV text file{}: save the spreadsheet as \"CSV UTF-8\" or \"CSV (separator: semicolon)\"",
        not_text(*.row, *.looks_like)
    )]
    NotText {
        row: u64,
        looks_like: Option<&'static str>,
    },
    #[error("the header row is longer than {max} bytes (max_row_bytes)")]
    HeaderTooLong { max: usize },
    #[error("{}", ColumnProblems(.0))]
    Columns(Vec<ColumnProblem>),
    /// A cell that is not UTF-8 in a file read as UTF-8 whatever its bytes.
    /// `cell` names the column: `column B (Prénoms)`.
    #[error(
        "row {row}, {cell}: the text is not valid UTF-8, although the file is read as UTF-8 because {because}: save it again from the spreadsheet, or force the encoding it is in (--encoding)"
    )]
    InvalidUtf8 {
        row: u64,
        cell: String,
        because: &'static str,
    },
    /// `row` is the first row with text that is not UTF-8.
    #[error(
        "row {row}, {cell}: the text is not UTF-8, while the file has UTF-8 text too (first on row {utf8_row}): the file mixes encodings (rows pasted from another file?): save it again from the spreadsheet, or force the encoding it is in (--encoding)"
    )]
    MixedEncodings {
        row: u64,
        cell: String,
        utf8_row: u64,
    },
    /// `column` is the spreadsheet's letter.
    #[error(
        "row {row}, column {column}: the quotation mark that opens this value is never closed, so the rest of the file would be one value: close it, or remove it"
    )]
    UnclosedQuote { row: u64, column: String },
    /// `open_quote` is the column letter of a value that runs on past its
    /// row: its quotation mark still open when the row grew too long, or
    /// closed only rows later.
    #[error("row {row} is longer than {max} bytes (max_row_bytes){}", open_quote_hint(.open_quote))]
    RowTooLong {
        row: u64,
        max: usize,
        open_quote: Option<String>,
    },
    #[error("the file has more than {max} rows (max_rows): split it into several files")]
    TooManyRows { max: u64 },
    #[error("reading the file failed: {0}")]
    Io(String),
}

fn not_text(row: u64, looks_like: Option<&str>) -> String {
    match looks_like {
        Some(what) => format!(" but {what}"),
        None => format!(": row {row} holds bytes no text holds (control characters)"),
    }
}

fn open_quote_hint(column: &Option<String>) -> String {
    match column {
        Some(column) => {
            format!(": is the quotation mark that opens its value in column {column} left open?")
        }
        None => String::new(),
    }
}

struct ColumnProblems<'a>(&'a [ColumnProblem]);

impl fmt::Display for ColumnProblems<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let is_unknown = |p: &ColumnProblem| matches!(p, ColumnProblem::Unknown { .. });
        let unknown = self.0.iter().filter(|p| is_unknown(p)).count();
        let mut parts: Vec<String> = Vec::new();
        let mut unknown_seen = 0;
        for problem in self.0 {
            if is_unknown(problem) {
                unknown_seen += 1;
                if unknown_seen > LISTED_HEADERS {
                    if unknown_seen == LISTED_HEADERS + 1 {
                        parts.push(format!(
                            "and {} more unknown columns",
                            unknown - LISTED_HEADERS
                        ));
                    }
                    continue;
                }
            }
            parts.push(problem.to_string());
        }
        write!(f, "the header row is not usable: {}", parts.join("; "))
    }
}

/// Reads a whole file at instant `now` and sums it up, listing at most
/// `max_listed` errors and as many warnings, in file order. What an offline
/// check shows is what the server would answer row by row. The file is read
/// twice: once to decide its encoding ([`detect_encoding`]), then its rows.
pub fn validate(
    source: impl Read + Seek,
    options: &BatchOptions,
    now: Timestamp,
    max_listed: usize,
) -> Report {
    let mut report = Report::new(max_listed);
    let mut households = match HouseholdReader::open(source, options, now) {
        Ok(households) => households,
        Err(error) => {
            report.file_error = Some(error);
            return report;
        }
    };
    report.separator = Some(households.separator());
    report.encoding = Some(households.encoding());
    for result in &mut households {
        match result {
            Ok(household) => report.add(&household),
            Err(error) => report.file_error = Some(error),
        }
    }
    report
}

crate::org::uuid_id!(
    /// A batch's identifier: one per file sent, whatever the number of sends.
    BatchId
);
