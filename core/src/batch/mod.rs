//! Prefecture batch affiliation files: a CSV file exported from a spreadsheet,
//! one row per person, the rows of a household next to each other. Each
//! household becomes one `puma_affiliation` case.
//!
//! Everything streams: [`BatchReader`] turns any [`Read`] into rows one at a
//! time, [`HouseholdReader`] checks them and groups them into households,
//! holding at most one household, so memory stays flat whatever the file's
//! size. [`HouseholdGrouper`] is the same grouping for rows pushed one at a
//! time (a server receiving them over a stream, built with [`RawRow::new`]
//! and checked against [`Header::canonical`]), so both judge rows alike. [`validate`] runs a whole file through and sums it up in a
//! [`Report`], for `relais batch validate`. The format is described for desk
//! agents and integrators in `docs/batch-format.md`.

mod columns;
mod date;
mod encoding;
mod household;
mod issue;
mod reader;
mod report;
mod row;
mod source;

use std::{fmt, io::Read};

use jiff::Timestamp;

use columns::LISTED_HEADERS;
pub use columns::{Column, ColumnProblem, Header};
pub use date::parse_date;
pub use encoding::Encoding;
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
    /// `None` detects the encoding (see [`Encoding`]); `Some` forces one.
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
    #[error("the header row is longer than {max} bytes (max_row_bytes)")]
    HeaderTooLong { max: usize },
    #[error("{}", ColumnProblems(.0))]
    Columns(Vec<ColumnProblem>),
    #[error(
        "row {row}, column \"{column}\": the text is not valid UTF-8, although the file was read as UTF-8 because {because}; the file mixes encodings: save it again from the spreadsheet, or force the encoding"
    )]
    InvalidUtf8 {
        row: u64,
        column: String,
        because: String,
    },
    #[error("row {row} is longer than {max} bytes (max_row_bytes): is a quotation mark left open?")]
    RowTooLong { row: u64, max: usize },
    #[error("the file has more than {max} rows (max_rows): split it into several files")]
    TooManyRows { max: u64 },
    #[error("reading the file failed: {0}")]
    Io(String),
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
/// check shows is what the server would answer row by row.
pub fn validate(
    source: impl Read,
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
    for result in &mut households {
        match result {
            Ok(household) => report.add(&household),
            Err(error) => report.file_error = Some(error),
        }
    }
    report.encoding = Some(households.encoding());
    report
}

crate::org::uuid_id!(
    /// A batch's identifier: one per file sent, whatever the number of sends.
    BatchId
);
