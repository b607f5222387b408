//! `relais batch send FILE`: a prefecture affiliation file sent to the
//! server row by row, its answers written to a results file as they come.
//!
//! The file is read three times and never held whole, and nothing is sent
//! before the whole file has been read: once to decide its encoding
//! (`relais_core::batch::detect_encoding`, as `relais batch validate` does)
//! and find its SHA-256, once to count its rows and stop at any other file
//! error, then again to send the rows while the server answers.

use std::{
    ffi::OsString,
    fs,
    io::{self, Read},
    path::{Path, PathBuf},
    thread,
};

use clap::Args;
use relais_client::{RelaisClient, pb};
use relais_core::{
    batch::{
        BatchLimits, BatchOptions, BatchReader, Column, Encoding, FileError, Header, RawRow,
        detect_encoding,
    },
    request_id::RequestId,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::sync::{mpsc, oneshot};
use tonic::{Code, Status};

use super::{EncodingArg, is_accepted, open, plural, progress::Progress, results::ResultsFile};
use crate::cli::{
    context::Context,
    error::Failure,
    format::Fields,
    output::{Mode, Output},
};

/// Rows read ahead of the upload: enough to keep the connection busy, few
/// enough that memory does not grow with the file.
const ROWS_AHEAD: usize = 512;

#[derive(Debug, Args)]
pub(crate) struct SendArgs {
    /// The CSV file, as exported from the spreadsheet (checked with
    /// `relais batch validate FILE` first, ideally).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Read the file in this encoding [default: detected, see docs/batch-format.md].
    #[arg(long, value_enum)]
    encoding: Option<EncodingArg>,
    /// The batch's request id [default: `file-` and the start of the file's
    /// SHA-256, the same each time the same file is sent]. The same request
    /// id resumes a send; a new one sends the file as a new batch, whose
    /// rows are all judged again (households already stored come back as
    /// duplicates of their cases).
    #[arg(long, value_name = "ID", value_parser = request_id)]
    request_id: Option<String>,
    /// Where to write each row's result [default: FILE.results.csv].
    #[arg(long, value_name = "PATH")]
    results: Option<PathBuf>,
}

fn request_id(text: &str) -> Result<String, String> {
    RequestId::parse(text).map(|id| id.as_str().to_owned())
}

/// What the readings before the send found.
#[derive(Debug)]
struct Scan {
    sha256: String,
    encoding: Encoding,
    rows: u64,
    header: Header,
    separator: char,
}

/// What `relais batch send` prints, in JSON as it is.
#[derive(Debug, Default, Serialize)]
struct Summary {
    file: String,
    /// Empty when the batch could not be looked up after the send.
    batch_id: String,
    request_id: String,
    sha256: String,
    results_file: String,
    /// Rows in the file (persons; the header and blank rows not counted).
    rows: u64,
    /// The rows the server answered for: all of them, unless the send was cut.
    answered: u64,
    accepted: u64,
    accepted_with_warnings: u64,
    duplicates: u64,
    rejected: u64,
    /// Cases this send created: one per household accepted.
    cases: u64,
    /// Rows stored by an earlier send of the same file, answered again.
    replayed: u64,
    /// Cases created by earlier sends, for the replayed rows.
    replayed_cases: u64,
    /// `--request-id` was given: resuming the send needs it again.
    #[serde(skip)]
    request_id_given: bool,
}

impl Summary {
    fn add(&mut self, result: &pb::RowResult, last_case: &mut String) {
        self.answered += 1;
        match pb::RowStatus::try_from(result.status) {
            Ok(pb::RowStatus::Accepted) => self.accepted += 1,
            Ok(pb::RowStatus::AcceptedWithWarnings) => self.accepted_with_warnings += 1,
            Ok(pb::RowStatus::Duplicate) => self.duplicates += 1,
            Ok(pb::RowStatus::Rejected) => self.rejected += 1,
            Ok(pb::RowStatus::Unspecified) | Err(_) => {}
        }
        if result.replayed {
            self.replayed += 1;
        }
        // A household's rows come together, so a case starts where the
        // reference changes: no set of every reference is kept.
        if is_accepted(result.status)
            && !result.case_reference.is_empty()
            && result.case_reference != *last_case
        {
            if result.replayed {
                self.replayed_cases += 1;
            } else {
                self.cases += 1;
            }
            last_case.clone_from(&result.case_reference);
        }
    }
}

pub(crate) async fn run(ctx: &Context, args: SendArgs) -> Result<(), Failure> {
    if args.file.as_os_str() == "-" {
        return Err(Failure::local(
            Code::InvalidArgument,
            "a file is sent by its path: it is read twice, so it cannot come from stdin",
        ));
    }
    let name = args.file.display().to_string();
    let options = BatchOptions {
        encoding: args.encoding.map(Into::into),
        ..BatchOptions::default()
    };
    let results_path = args.results.clone().unwrap_or_else(|| {
        let mut path = OsString::from(args.file.as_os_str());
        path.push(".results.csv");
        PathBuf::from(path)
    });
    if same_file(&args.file, &results_path) {
        return Err(Failure::local(
            Code::InvalidArgument,
            format!("the results would replace {name}: give --results another path"),
        ));
    }

    let scan = {
        let (path, shown) = (args.file.clone(), name.clone());
        tokio::task::spawn_blocking(move || scan(&path, &options, &shown))
            .await
            .map_err(|e| Failure::local(Code::Internal, format!("reading {name} failed: {e}")))??
    };
    let request_id = args
        .request_id
        .clone()
        .unwrap_or_else(|| format!("file-{}", &scan.sha256[..32]));
    let mut results =
        ResultsFile::create(&results_path, u8::try_from(scan.separator).unwrap_or(b','))?;
    let client = match ctx.client().await {
        Ok(client) => client,
        Err(failure) => {
            results.abandon();
            return Err(failure);
        }
    };

    let quiet = ctx.out.mode() == Mode::Quiet;
    if !quiet {
        Output::progress(&format!(
            "relais: sending {name}: {} {}, request id {request_id}",
            scan.rows,
            plural(scan.rows, "row", "rows")
        ));
    }
    let header = pb::BatchHeader {
        request_id: request_id.clone(),
        file_name: args
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| name.clone()),
        sha256: scan.sha256.clone(),
        row_count: i64::try_from(scan.rows).unwrap_or(i64::MAX),
    };
    let (rows, fed) = feed(
        args.file.clone(),
        scan.encoding,
        options.limits,
        scan.sha256.clone(),
    );
    let mut summary = Summary {
        file: name.clone(),
        request_id: request_id.clone(),
        sha256: scan.sha256.clone(),
        results_file: results_path.display().to_string(),
        rows: scan.rows,
        request_id_given: args.request_id.is_some(),
        ..Summary::default()
    };
    let mut progress = Progress::new(scan.rows, quiet);
    let ended = receive(
        &client,
        header,
        rows,
        &scan.header,
        &mut results,
        &mut summary,
        &mut progress,
    )
    .await;
    progress.finish();
    let kept = results.finish()?;
    let failure = |status: Status| upload_failure(status, &summary, kept.as_deref());
    match ended {
        Ok(()) => {}
        Err(Ended::Status(status)) => return Err(failure(status)),
        Err(Ended::Local(failure)) => {
            return Err(failure.with_hint(resend_hint(&summary, kept.as_deref())));
        }
    }
    // The answers ended cleanly, so the rows did: the reader is done.
    match fed.await {
        Ok(Ok(())) => {}
        Ok(Err(problem)) => {
            return Err(Failure::local(Code::Aborted, format!("{name}: {problem}"))
                .with_hint(resend_hint(&summary, kept.as_deref())));
        }
        Err(_) => {
            return Err(Failure::local(
                Code::Internal,
                format!("reading {name} stopped unexpectedly"),
            ));
        }
    }
    if summary.answered < summary.rows {
        return Err(Failure::local(
            Code::Unavailable,
            format!(
                "the server answered for {} of the {} rows: the connection was cut",
                summary.answered, summary.rows
            ),
        )
        .with_hint(resend_hint(&summary, kept.as_deref())));
    }

    if let Some(batch) = find_batch(&client, &request_id).await {
        summary.batch_id = batch.id;
    }
    ctx.out.response(
        &summary,
        || human(&summary),
        || {
            if summary.batch_id.is_empty() {
                summary.request_id.clone()
            } else {
                summary.batch_id.clone()
            }
        },
    )?;
    if summary.rejected > 0 {
        let failure = Failure::local(
            Code::InvalidArgument,
            format!(
                "{} of {} {} rejected: the reasons are in {}",
                summary.rejected,
                summary.rows,
                plural(summary.rows, "row was", "rows were"),
                summary.results_file
            ),
        )
        .with_hint(
            "fix the rows and send the file again; if the file was right and the cause is \
             fixed elsewhere (a fund now serves the département), send it again with a new \
             --request-id: its rows are judged again, and households already stored come back \
             as duplicates of their cases",
        );
        // The summary printed holds it; a second JSON document would make
        // stdout unparsable.
        return Err(if ctx.out.mode() == Mode::Json {
            failure.shown()
        } else {
            failure
        });
    }
    Ok(())
}

/// How the answers stopped, when not at their end.
#[derive(Debug)]
enum Ended {
    Status(Status),
    Local(Failure),
}

/// Sends the header, lets the rows flow, and writes each answer down.
async fn receive(
    client: &RelaisClient,
    header: pb::BatchHeader,
    rows: mpsc::Receiver<pb::AffiliationRow>,
    file_header: &Header,
    results: &mut ResultsFile,
    summary: &mut Summary,
    progress: &mut Progress,
) -> Result<(), Ended> {
    let rows = futures::stream::unfold(rows, |mut rows| async move {
        rows.recv().await.map(|row| (row, rows))
    });
    let mut answers = client
        .upload_affiliations(header, rows)
        .await
        .map_err(Ended::Status)?;
    let mut last_case = String::new();
    while let Some(answer) = answers.message().await.map_err(Ended::Status)? {
        let Some(mut result) = answer.result else {
            continue;
        };
        name_columns(&mut result, file_header);
        results.write(&result).map_err(Ended::Local)?;
        summary.add(&result, &mut last_case);
        progress.advance();
    }
    Ok(())
}

/// The server names columns by their French names (`date_naissance`), as
/// for rows that come split by column; the person fixing the file looks for
/// its own headers (`Date de naissance`), which `relais batch validate` shows.
fn name_columns(result: &mut pb::RowResult, header: &Header) {
    for issue in result.errors.iter_mut().chain(result.warnings.iter_mut()) {
        if let Some(column) = Column::from_name(&issue.column)
            && header.has(column)
        {
            issue.column = header.name(column).to_owned();
        }
    }
}

fn upload_failure(status: Status, summary: &Summary, kept: Option<&Path>) -> Failure {
    let failure = Failure::from(status);
    match failure.code() {
        // Refusals: sending again would be refused again.
        Code::Unauthenticated
        | Code::PermissionDenied
        | Code::InvalidArgument
        | Code::NotFound
        | Code::FailedPrecondition => failure,
        Code::AlreadyExists => failure
            .with_hint("leave --request-id out: the default one is made from the file's content"),
        _ => {
            let hint = resend_hint(summary, kept);
            failure.with_hint(hint)
        }
    }
}

fn resend_hint(summary: &Summary, kept: Option<&Path>) -> String {
    let answered = match kept {
        Some(path) if summary.answered > 0 => format!(
            "{} of {} rows were answered, in {}; ",
            summary.answered,
            summary.rows,
            path.display()
        ),
        _ => String::new(),
    };
    let same_id = if summary.request_id_given {
        format!(" with --request-id {}", summary.request_id)
    } else {
        String::new()
    };
    format!(
        "{answered}send the same file again{same_id} to finish: rows already stored are answered again, never stored twice"
    )
}

fn human(summary: &Summary) -> String {
    let mut fields = Fields::default();
    fields
        .add("File", &summary.file)
        .add("Batch", &summary.batch_id)
        .add("Request id", &summary.request_id)
        .add("Rows", summary.rows.to_string())
        .add("Accepted", summary.accepted.to_string())
        .add("With warnings", summary.accepted_with_warnings.to_string())
        .add("Duplicates", summary.duplicates.to_string())
        .add("Rejected", summary.rejected.to_string())
        .add(
            "Cases created",
            if summary.cases == 0 && summary.replayed_cases > 0 {
                "0 (the earlier send created them)".to_owned()
            } else {
                format!("{} (one per household accepted)", summary.cases)
            },
        )
        .add(
            "Replayed",
            if summary.replayed == 0 {
                "0".to_owned()
            } else {
                format!(
                    "{} (already stored by an earlier send, with {} {})",
                    summary.replayed,
                    summary.replayed_cases,
                    plural(summary.replayed_cases, "case", "cases")
                )
            },
        )
        .add("Results", &summary.results_file);
    fields.render("")
}

/// The batch the server filed this send under, to name it in the summary:
/// the send is over whatever happens here.
async fn find_batch(client: &RelaisClient, request_id: &str) -> Option<pb::Batch> {
    client
        .get_batch(pb::GetBatchRequest {
            batch_id: request_id.to_owned(),
            page_size: 1,
            page_token: String::new(),
        })
        .await
        .ok()
        .and_then(|found| found.batch)
}

/// Whether two paths name one file (the second may not exist yet).
fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// A reader that hashes what goes through it.
struct Hashing<R> {
    inner: R,
    sha256: Sha256,
}

impl<R: Read> Hashing<R> {
    fn new(inner: R) -> Self {
        Hashing {
            inner,
            sha256: Sha256::new(),
        }
    }

    /// The SHA-256 of the whole file, in hexadecimal, reading what is left.
    fn finish(mut self) -> io::Result<String> {
        io::copy(&mut self, &mut io::sink())?;
        Ok(self
            .sha256
            .finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect())
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.sha256.update(&buf[..n]);
        Ok(n)
    }
}

/// A file error, worded as `relais batch validate` words it.
fn file_error(name: &str, error: &FileError) -> Failure {
    Failure::local(Code::InvalidArgument, format!("{name}: {error}"))
        .with_hint("nothing was sent: fix the file, then send it again")
}

/// The readings before the send: the encoding, decided from the whole file,
/// and its SHA-256; then the row count, and every file error found before a
/// single row leaves.
fn scan(path: &Path, options: &BatchOptions, name: &str) -> Result<Scan, Failure> {
    let mut hashed = Hashing::new(open(path)?);
    let encoding = detect_encoding(&mut hashed, options).map_err(|e| file_error(name, &e))?;
    let sha256 = hashed
        .finish()
        .map_err(|e| file_error(name, &FileError::Io(e.to_string())))?;
    let mut reader = BatchReader::in_encoding(open(path)?, encoding, options.limits)
        .map_err(|e| file_error(name, &e))?;
    let mut rows = 0u64;
    let mut stray: Option<(u64, String)> = None;
    let mut stray_rows = 0u64;
    for row in &mut reader {
        let row = row.map_err(|e| file_error(name, &e))?;
        rows += 1;
        if let Some(cell) = row.stray().first() {
            stray_rows += 1;
            stray.get_or_insert_with(|| (row.row(), cell.column_label()));
        }
    }
    let (header, separator) = (reader.header().clone(), reader.separator());
    drop(reader);
    // A row is sent as its named columns: a value under no header would be
    // dropped on the way, and the row judged without it, where `validate`
    // rejects it.
    if let Some((row, column)) = stray {
        let others = match stray_rows - 1 {
            0 => String::new(),
            n => format!(" (and {n} more {})", plural(n, "row", "rows")),
        };
        return Err(Failure::local(
            Code::InvalidArgument,
            format!(
                "{name}: row {row}{others} has a value in {column}, which has no header: \
                 name the column or empty the cell"
            ),
        )
        .with_hint("nothing was sent: fix the file, then send it again"));
    }
    if rows == 0 {
        return Err(Failure::local(
            Code::InvalidArgument,
            format!("{name}: the file has no rows after its header: nothing to send"),
        ));
    }
    Ok(Scan {
        sha256,
        encoding,
        rows,
        header,
        separator,
    })
}

/// The second reading, on a thread of its own: rows go to the upload as it
/// takes them. Its outcome comes when the rows end; a thread rather than a
/// blocking task, so that an upload refused early cannot keep the command
/// waiting for it.
fn feed(
    path: PathBuf,
    encoding: Encoding,
    limits: BatchLimits,
    sha256: String,
) -> (
    mpsc::Receiver<pb::AffiliationRow>,
    oneshot::Receiver<Result<(), String>>,
) {
    let (rows, receiver) = mpsc::channel(ROWS_AHEAD);
    let (outcome, fed) = oneshot::channel();
    thread::spawn(move || {
        let _ = outcome.send(read_rows(&path, encoding, limits, &sha256, &rows));
    });
    (receiver, fed)
}

fn read_rows(
    path: &Path,
    encoding: Encoding,
    limits: BatchLimits,
    sha256: &str,
    rows: &mpsc::Sender<pb::AffiliationRow>,
) -> Result<(), String> {
    let file = fs::File::open(path).map_err(|e| format!("cannot read it again: {e}"))?;
    let mut hashed = Hashing::new(file);
    let reader =
        BatchReader::in_encoding(&mut hashed, encoding, limits).map_err(|e| e.to_string())?;
    for row in reader {
        let row = row.map_err(|e| e.to_string())?;
        if rows.blocking_send(affiliation_row(&row)).is_err() {
            // The upload stopped first; it tells why.
            return Ok(());
        }
    }
    let read = hashed
        .finish()
        .map_err(|e| format!("reading it failed: {e}"))?;
    if read != sha256 {
        return Err("the file changed while it was being sent: send it again".to_owned());
    }
    Ok(())
}

/// A row as it is sent: `relais bench batch` sends its rows this way too.
pub(in crate::cli) fn affiliation_row(raw: &RawRow) -> pb::AffiliationRow {
    let mut row = pb::AffiliationRow {
        row_number: i64::try_from(raw.row()).unwrap_or(i64::MAX),
        ..pb::AffiliationRow::default()
    };
    for &column in Column::ALL {
        *cell(&mut row, column) = raw.get(column).to_owned();
    }
    row
}

/// Where a column goes in a row sent; exhaustive, so that a column added to
/// the format cannot be forgotten here.
fn cell(row: &mut pb::AffiliationRow, column: Column) -> &mut String {
    match column {
        Column::Nom => &mut row.last_name,
        Column::Prenoms => &mut row.first_names,
        Column::Sexe => &mut row.sex,
        Column::DateNaissance => &mut row.birth_date,
        Column::PaysNaissance => &mut row.birth_country,
        Column::Nationalite => &mut row.nationality,
        Column::NumeroAgdref => &mut row.agdref_number,
        Column::ApsNumero => &mut row.aps_number,
        Column::ApsDebut => &mut row.aps_start,
        Column::ApsFin => &mut row.aps_end,
        Column::DateEntree => &mut row.entry_date,
        Column::Adresse => &mut row.address,
        Column::CodePostal => &mut row.postal_code,
        Column::Commune => &mut row.city,
        Column::Telephone => &mut row.phone,
        Column::Email => &mut row.email,
        Column::Langue => &mut row.language,
        Column::Nir => &mut row.nir,
        Column::Foyer => &mut row.household,
        Column::Lien => &mut row.relationship,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_column_of_a_row_is_sent_in_a_field_of_its_own() {
        let raw = RawRow::new(
            7,
            Column::ALL
                .iter()
                .map(|&column| (column, format!("value of {column}"))),
        );
        let mut sent = affiliation_row(&raw);
        assert_eq!(sent.row_number, 7);
        let mut fields = HashSet::new();
        for &column in Column::ALL {
            let value = cell(&mut sent, column).clone();
            assert_eq!(value, format!("value of {column}"));
            fields.insert(value);
        }
        assert_eq!(fields.len(), Column::COUNT, "no two columns share a field");
        assert_eq!(sent.birth_date, "value of date_naissance");
        assert_eq!(sent.household, "value of foyer");
    }

    #[test]
    fn issues_name_the_columns_as_the_file_does() {
        let header = Header::parse(&[
            "Nom",
            "Prénoms",
            "Date de naissance",
            "N° AGDREF",
            "Adresse",
            "CP",
            "Ville",
        ])
        .unwrap();
        let issue = |column: &str| pb::RowIssue {
            column: column.to_owned(),
            value: String::new(),
            reason: "x".to_owned(),
        };
        let mut result = pb::RowResult {
            errors: vec![issue("date_naissance"), issue("nir"), issue("beneficiary")],
            warnings: vec![issue("numero_agdref")],
            ..pb::RowResult::default()
        };
        name_columns(&mut result, &header);
        let columns: Vec<&str> = result.errors.iter().map(|i| i.column.as_str()).collect();
        // `nir` is not in this file; `beneficiary` is no column at all.
        assert_eq!(columns, ["Date de naissance", "nir", "beneficiary"]);
        assert_eq!(result.warnings[0].column, "N° AGDREF");
    }

    fn answer(row: i64, status: pb::RowStatus, case: &str, replayed: bool) -> pb::RowResult {
        pb::RowResult {
            row_number: row,
            status: status.into(),
            case_reference: case.to_owned(),
            replayed,
            ..pb::RowResult::default()
        }
    }

    #[test]
    fn cases_are_counted_once_per_household_new_or_replayed() {
        use pb::RowStatus::{Accepted, AcceptedWithWarnings, Duplicate, Rejected};
        let answers = [
            answer(2, Accepted, "R-A", true),
            answer(3, AcceptedWithWarnings, "R-A", true),
            answer(4, Rejected, "", false),
            answer(5, Accepted, "R-B", false),
            answer(6, Accepted, "R-B", false),
            answer(7, Duplicate, "R-Z", false),
            answer(8, Accepted, "R-C", false),
        ];
        let mut summary = Summary::default();
        let mut last_case = String::new();
        for answer in &answers {
            summary.add(answer, &mut last_case);
        }
        assert_eq!(summary.answered, 7);
        assert_eq!(
            (
                summary.accepted,
                summary.accepted_with_warnings,
                summary.duplicates,
                summary.rejected
            ),
            (4, 1, 1, 1)
        );
        assert_eq!(
            (summary.cases, summary.replayed_cases, summary.replayed),
            (2, 1, 2)
        );
    }

    #[test]
    fn the_hash_covers_every_byte_read_or_not() {
        let text = b"nom;prenoms\nA;B\n";
        let mut hashed = Hashing::new(&text[..]);
        let mut start = [0u8; 4];
        hashed.read_exact(&mut start).unwrap();
        assert_eq!(
            hashed.finish().unwrap(),
            Sha256::digest(text)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
    }
}
