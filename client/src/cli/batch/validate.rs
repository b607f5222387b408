//! `relais batch validate FILE`: the verdict the server would give on a
//! prefecture affiliation file, computed here by the same code
//! (`relais_core::batch`), with nothing sent anywhere.

use std::{
    fs::File,
    io::{self, Read, Seek},
    path::PathBuf,
};

use clap::Args;
use jiff::Timestamp;
use relais_core::batch::{BatchLimits, BatchOptions, Encoding, ListedIssue, Report, validate};
use tonic::Code;

use super::{EncodingArg, open, plural};
use crate::cli::{
    error::Failure,
    format::{Fields, NONE, truncate},
    output::{Mode, Output, table},
};

/// Values longer than this are cut in the tables: an address can take 200
/// characters and would push the reasons off the screen.
const VALUE_WIDTH: usize = 40;

#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// The CSV file, as exported from the spreadsheet; `-` reads stdin
    /// (kept in a temporary file: the file is read twice).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Read the file in this encoding [default: detected, see docs/batch-format.md].
    #[arg(long, value_enum)]
    encoding: Option<EncodingArg>,
    /// How many errors to list, and as many warnings; all are counted.
    #[arg(long, value_name = "N", default_value_t = 20)]
    max_errors: usize,
}

pub(crate) fn run(out: &Output, args: &ValidateArgs) -> Result<(), Failure> {
    let name = if args.file.as_os_str() == "-" {
        "stdin".to_owned()
    } else {
        args.file.display().to_string()
    };
    let options = BatchOptions {
        encoding: args.encoding.map(Encoding::from),
        ..BatchOptions::default()
    };
    let source = if args.file.as_os_str() == "-" {
        stdin_aside(&options.limits)?
    } else {
        open(&args.file)?
    };
    let report = validate(source, &options, Timestamp::now(), args.max_errors);

    match out.mode() {
        Mode::Json => out.json(&report)?,
        // Without a header there is nothing to sum up: the error says it all.
        _ if report.separator.is_none() => {}
        Mode::Quiet => out.response(&report, String::new, || quiet(&report))?,
        Mode::Human => out.response(&report, || human(&report, &name, args), String::new)?,
    }
    let failure = if let Some(error) = &report.file_error {
        let read = if report.separator.is_some() {
            format!(
                " (rows after it were not read; the report covers the {} before)",
                report.rows
            )
        } else {
            String::new()
        };
        Some(Failure::local(
            Code::InvalidArgument,
            format!("{name}: {error}{read}"),
        ))
    } else if report.rejected > 0 {
        Some(Failure::local(
            Code::InvalidArgument,
            format!(
                "{name}: {} of {} {} rejected, in {} {}: fix {} and validate again",
                report.rejected,
                report.rows,
                plural(report.rows, "row", "rows"),
                report.households_rejected,
                plural(report.households_rejected, "household", "households"),
                plural(report.rejected, "it", "them"),
            ),
        ))
    } else {
        None
    };
    match failure {
        // The report printed holds the failure already; a second JSON
        // document would make stdout unparsable.
        Some(failure) if out.mode() == Mode::Json => Err(failure.shown()),
        Some(failure) => Err(failure),
        None => Ok(()),
    }
}

/// Stdin copied to a temporary file, deleted when closed: the encoding is
/// decided from the whole file before its rows are read, so it is read
/// twice. Stdin may never end: the copy stops at the size of a file of
/// `max_rows` full rows.
fn stdin_aside(limits: &BatchLimits) -> Result<File, Failure> {
    let failed = |e: io::Error| {
        Failure::local(
            Code::Unavailable,
            format!("cannot keep stdin in a temporary file: {e}"),
        )
    };
    let max = (limits.max_rows + 1).saturating_mul(limits.max_row_bytes as u64);
    let mut file = tempfile::tempfile().map_err(failed)?;
    let copied = io::copy(&mut io::stdin().lock().take(max + 1), &mut file).map_err(failed)?;
    if copied > max {
        return Err(Failure::local(
            Code::InvalidArgument,
            format!(
                "stdin holds more than {max} bytes, more than a file of {} rows may (max_rows): split it",
                limits.max_rows
            ),
        ));
    }
    file.rewind().map_err(failed)?;
    Ok(file)
}

/// The errors listed, one per line as `docs/batch-format.md` shows them:
/// easy to grep, and empty for a clean file.
fn quiet(report: &Report) -> String {
    report
        .first_errors
        .iter()
        .map(|listed| format!("row {}: {}\n", listed.row, listed.issue))
        .collect()
}

fn human(report: &Report, name: &str, args: &ValidateArgs) -> String {
    let encoding = match (report.encoding, args.encoding) {
        (Some(encoding), Some(_)) => format!("{encoding} (forced)"),
        (Some(encoding), None) => format!("{encoding} (detected)"),
        (None, _) => NONE.to_owned(),
    };
    let separator = match report.separator {
        Some(';') => "; (semicolon)".to_owned(),
        Some(',') => ", (comma)".to_owned(),
        Some(other) => other.to_string(),
        None => NONE.to_owned(),
    };
    let mut fields = Fields::default();
    fields
        .add("File", name)
        .add("Encoding", encoding)
        .add("Separator", separator)
        .add("Rows", report.rows.to_string())
        .add("Accepted", report.accepted.to_string())
        .add("With warnings", report.accepted_with_warnings.to_string())
        .add("Rejected", report.rejected.to_string())
        .add(
            "Households",
            format!(
                "{} ({} accepted, {} rejected)",
                report.households, report.households_accepted, report.households_rejected
            ),
        );
    let mut text = fields.render("");
    for (title, by_kind, listed) in [
        ("Errors", &report.errors_by_kind, &report.first_errors),
        ("Warnings", &report.warnings_by_kind, &report.first_warnings),
    ] {
        if by_kind.is_empty() {
            continue;
        }
        let total: u64 = by_kind.values().sum();
        let kinds = by_kind
            .iter()
            .map(|(kind, count)| [(*kind).to_owned(), count.to_string()])
            .collect();
        text.push_str(&format!(
            "\n{title} by kind:\n{}\n",
            table(["kind", "count"], kinds)
        ));
        if listed.is_empty() {
            continue;
        }
        let shown = if (listed.len() as u64) < total {
            format!(
                "{title}, the first {} of {total} (--max-errors to see more):",
                listed.len()
            )
        } else {
            format!("{title}:")
        };
        text.push_str(&format!("\n{shown}\n{}\n", issues(listed)));
    }
    if report.file_error.is_none() && report.rejected == 0 {
        text.push_str(&format!(
            "\nEvery row is accepted: {} {} ready to send.\n",
            report.households,
            plural(report.households, "household", "households")
        ));
    }
    text
}

fn issues(listed: &[ListedIssue]) -> String {
    let rows = listed
        .iter()
        .map(|l| {
            let value = if l.issue.value.is_empty() {
                NONE.to_owned()
            } else {
                truncate(&l.issue.value, VALUE_WIDTH)
            };
            [
                l.row.to_string(),
                l.issue.column.clone(),
                value,
                l.issue.kind.to_string(),
                l.issue.reason.clone(),
            ]
        })
        .collect();
    table(["row", "column", "value", "kind", "reason"], rows)
}
