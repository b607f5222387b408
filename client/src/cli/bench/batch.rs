//! `relais bench batch`: one generated affiliation file sent as a
//! prefecture's desk would send it, timed from each row leaving to its answer.

use std::{
    io,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use futures::StreamExt as _;
use relais_client::{RelaisClient, affiliations, pb};
use relais_core::batch::{BatchOptions, BatchReader};
use sha2::{Digest as _, Sha256};
use tonic::Code;

use super::report::{BatchFigures, Recorder};
use crate::cli::{batch::affiliation_row, error::Failure};

/// Households of the generator number below 100 million (their AGDREF
/// numbers have eight digits after `75`).
const HOUSEHOLDS: u64 = 100_000_000;

/// A file ready to send, made before the clock starts.
#[derive(Debug)]
pub(super) struct File {
    header: pb::BatchHeader,
    rows: Vec<pb::AffiliationRow>,
}

/// `rows` rows about people the server has most likely not seen: the
/// households are numbered from a random start, so that the rows are not
/// duplicates of an earlier run's. Parsed as `relais batch send` parses a
/// file, and sent as it sends one.
pub(super) fn prepare(rows: usize, suffix: &str, random: u64) -> Result<File, Failure> {
    let room = HOUSEHOLDS.saturating_sub(rows as u64 + 1).max(1);
    let generated = affiliations::generate_from(rows, random % room);
    let invalid = |e: &dyn std::fmt::Display| {
        Failure::local(
            Code::Internal,
            format!("the generated file does not read: {e}"),
        )
    };
    let reader = BatchReader::new(
        io::Cursor::new(generated.text.as_bytes()),
        &BatchOptions::default(),
    )
    .map_err(|e| invalid(&e))?;
    let rows = reader
        .map(|row| row.map(|row| affiliation_row(&row)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(&e))?;
    let sha256: String = Sha256::digest(generated.text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    Ok(File {
        header: pb::BatchHeader {
            request_id: format!("bench-{suffix}"),
            file_name: format!("bench-{suffix}.csv"),
            sha256,
            row_count: i64::try_from(rows.len()).unwrap_or(i64::MAX),
        },
        rows,
    })
}

/// Sends the file; the recorder gets each row's latency, or the code the
/// upload failed with.
pub(super) async fn send(
    desk: &RelaisClient,
    file: File,
    recorder: &mut Recorder,
) -> (BatchFigures, Duration) {
    let mut figures = BatchFigures {
        rows: file.rows.len() as u64,
        ..BatchFigures::default()
    };
    // When each row left, by row number: rows are answered a chunk of
    // households at a time, well after they left.
    let last_row = file.rows.iter().map(|r| r.row_number).max().unwrap_or(0);
    let slots = usize::try_from(last_row).unwrap_or(0) + 1;
    let sent = Arc::new(Mutex::new(vec![None::<Instant>; slots]));
    let leaving = Arc::clone(&sent);
    let rows = futures::stream::iter(file.rows).map(move |row| {
        if let Ok(index) = usize::try_from(row.row_number) {
            let mut sent = leaving.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(slot) = sent.get_mut(index) {
                *slot = Some(Instant::now());
            }
        }
        row
    });
    let started = Instant::now();
    let mut answers = match desk.upload_affiliations(file.header, rows).await {
        Ok(answers) => answers,
        Err(status) => {
            recorder.error(status.code());
            return (figures, started.elapsed());
        }
    };
    loop {
        let answer = match answers.message().await {
            Ok(Some(answer)) => answer,
            Ok(None) => break,
            Err(status) => {
                recorder.error(status.code());
                break;
            }
        };
        let Some(result) = answer.result else {
            continue;
        };
        let left = usize::try_from(result.row_number).ok().and_then(|index| {
            let sent = sent.lock().unwrap_or_else(PoisonError::into_inner);
            sent.get(index).copied().flatten()
        });
        recorder.success(left.map_or(Duration::ZERO, |left| left.elapsed()));
        figures.answered += 1;
        match pb::RowStatus::try_from(result.status) {
            Ok(pb::RowStatus::Accepted) => figures.accepted += 1,
            Ok(pb::RowStatus::AcceptedWithWarnings) => figures.accepted_with_warnings += 1,
            Ok(pb::RowStatus::Duplicate) => figures.duplicates += 1,
            Ok(pb::RowStatus::Rejected) => figures.rejected += 1,
            Ok(pb::RowStatus::Unspecified) | Err(_) => {}
        }
    }
    (figures, started.elapsed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prepared_file_has_every_row_and_the_files_hash() {
        let file = prepare(50, "test", 12_345).unwrap();
        assert_eq!(file.rows.len(), 50);
        assert_eq!(file.header.row_count, 50);
        assert_eq!(file.header.sha256.len(), 64);
        assert!(file.rows.iter().all(|row| !row.last_name.is_empty()));
        let again = prepare(50, "test", 99_999_999_999).unwrap();
        assert_ne!(file.header.sha256, again.header.sha256);
    }
}
