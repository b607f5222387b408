//! `relais batch`: prefecture affiliation files, one household per case.

mod list;
mod progress;
mod results;
mod send;
mod show;
mod validate;

use std::{fs::File, io, path::Path};

use clap::{Subcommand, ValueEnum};
use relais_client::pb;
use relais_core::batch::Encoding;
use tonic::Code;

use super::{context::Context, error::Failure, output::Output};

pub(super) use send::affiliation_row;

#[derive(Debug, Subcommand)]
pub(crate) enum BatchCommand {
    /// Checks an affiliation file as the server would, without sending it:
    /// works offline, with no server, URL or token.
    Validate(validate::ValidateArgs),
    /// Sends an affiliation file (prefectures): one case per household,
    /// and one result per row in FILE.results.csv. Sending the same file
    /// again stores nothing twice, and finishes a send that was cut off;
    /// under a new --request-id, every row is judged again.
    Send(send::SendArgs),
    /// Lists the files your organisation sent, newest first.
    List(list::ListArgs),
    /// Shows a file sent: its counts, then the result of each row.
    Show(show::ShowArgs),
}

/// Runs the command if it needs no server, before the connection's settings
/// are read, so that a broken profile or a missing certificate cannot stop
/// it; gives the command back otherwise.
pub(crate) fn run_offline(
    out: &Output,
    command: BatchCommand,
) -> Result<Result<(), Failure>, BatchCommand> {
    match command {
        BatchCommand::Validate(args) => Ok(validate::run(out, &args)),
        online => Err(online),
    }
}

pub(crate) async fn run(ctx: &Context, command: BatchCommand) -> Result<(), Failure> {
    match command {
        BatchCommand::Validate(args) => validate::run(&ctx.out, &args),
        BatchCommand::Send(args) => send::run(ctx, args).await,
        BatchCommand::List(args) => list::run(ctx, args).await,
        BatchCommand::Show(args) => show::run(ctx, args).await,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum EncodingArg {
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    /// What French spreadsheets export by default; ISO-8859-1 reads the same.
    #[value(
        name = "windows-1252",
        aliases = ["cp1252", "latin1", "latin-1", "iso-8859-1"]
    )]
    Windows1252,
}

impl From<EncodingArg> for Encoding {
    fn from(value: EncodingArg) -> Self {
        match value {
            EncodingArg::Utf8 => Encoding::Utf8,
            EncodingArg::Windows1252 => Encoding::Windows1252,
        }
    }
}

/// Opens a file to read, naming it in the error as the user typed it.
fn open(path: &Path) -> Result<File, Failure> {
    File::open(path).map_err(|e| {
        let code = if e.kind() == io::ErrorKind::NotFound {
            Code::NotFound
        } else {
            Code::InvalidArgument
        };
        Failure::local(code, format!("cannot read {}: {e}", path.display()))
    })
}

fn plural(count: u64, one: &'static str, many: &'static str) -> &'static str {
    if count == 1 { one } else { many }
}

/// A row's status as a word, the same in the results file, in tables and in
/// the server's store.
fn status_word(status: i32) -> &'static str {
    match pb::RowStatus::try_from(status) {
        Ok(pb::RowStatus::Accepted) => "accepted",
        Ok(pb::RowStatus::AcceptedWithWarnings) => "accepted_with_warnings",
        Ok(pb::RowStatus::Duplicate) => "duplicate",
        Ok(pb::RowStatus::Rejected) => "rejected",
        Ok(pb::RowStatus::Unspecified) | Err(_) => "unknown",
    }
}

/// Whether the row's household is stored as a case by this batch.
fn is_accepted(status: i32) -> bool {
    matches!(
        pb::RowStatus::try_from(status),
        Ok(pb::RowStatus::Accepted | pb::RowStatus::AcceptedWithWarnings)
    )
}

/// `nir "295109912611199": the key does not match; lien "enfant": …`, as
/// `relais batch validate` and `docs/batch-format.md` write issues.
fn issues_text(issues: &[pb::RowIssue]) -> String {
    issues
        .iter()
        .map(|issue| {
            if issue.value.is_empty() {
                format!("{}: {}", issue.column, issue.reason)
            } else {
                format!("{} \"{}\": {}", issue.column, issue.value, issue.reason)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issues_read_as_validate_prints_them() {
        let issues = [
            pb::RowIssue {
                column: "nir".to_owned(),
                value: "295109912611199".to_owned(),
                reason: "the key does not match".to_owned(),
            },
            pb::RowIssue {
                column: "adresse".to_owned(),
                value: String::new(),
                reason: "required".to_owned(),
            },
        ];
        assert_eq!(
            issues_text(&issues),
            "nir \"295109912611199\": the key does not match; adresse: required"
        );
        assert_eq!(issues_text(&[]), "");
    }

    #[test]
    fn statuses_are_lowercase_words() {
        let word = |status: pb::RowStatus| status_word(status.into());
        assert_eq!(word(pb::RowStatus::Accepted), "accepted");
        assert_eq!(
            word(pb::RowStatus::AcceptedWithWarnings),
            "accepted_with_warnings"
        );
        assert_eq!(word(pb::RowStatus::Duplicate), "duplicate");
        assert_eq!(word(pb::RowStatus::Rejected), "rejected");
        assert!(is_accepted(pb::RowStatus::AcceptedWithWarnings.into()));
        assert!(!is_accepted(pb::RowStatus::Duplicate.into()));
    }
}
