//! Batches of affiliation rows: the batch, its rows' results, and the cases
//! of its households, stored together so that a send cut off anywhere can be
//! resumed by sending the file again under the same request id.

use std::collections::HashMap;

use relais_core::{
    Error,
    batch::{BatchId, IssueKind, RowIssue, RowOutcome, RowStatus},
    case::{CaseEvent, CaseId, IdentityMatch, PossibleDuplicate},
    ids::CaseRef,
    org::OrganisationId,
};
use serde::{Deserialize, Serialize};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, sqlite::SqliteRow};
use uuid::Uuid;

use super::{account_ref, instant, micros, multi_row, org_ref, statement_chunks, submit};
use crate::store::{
    Batch, BatchCounts, BatchHousehold, BatchRowResult, BatchRowStatus, NewBatch, StoreError,
    StoreResult,
};

const BATCH_SELECT: &str = "SELECT b.id, b.organisation_id, o.name AS organisation_name, \
     b.uploaded_by, a.name AS account_name, b.request_id, b.file_name, b.sha256, \
     b.declared_rows, b.rows_done, b.accepted, b.with_warnings, b.duplicates, b.rejected, \
     b.cases, b.created_at, b.updated_at \
     FROM batches b JOIN organisations o ON o.id = b.organisation_id \
     JOIN accounts a ON a.id = b.uploaded_by";

/// Rows per multi-row insert: 6 parameters each, well below SQLite's limit.
const ROWS_PER_STATEMENT: usize = 2_000;

fn count(row: &SqliteRow, column: &str) -> StoreResult<u64> {
    let value: i64 = row.try_get(column)?;
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("a negative {column}")))
}

fn batch_from_row(row: &SqliteRow) -> StoreResult<Batch> {
    let sha256: Vec<u8> = row.try_get("sha256")?;
    Ok(Batch {
        id: BatchId::from_uuid(row.try_get("id")?),
        organisation: org_ref(row, "organisation_id", "organisation_name")?,
        uploaded_by: account_ref(row, "uploaded_by", "account_name")?,
        request_id: row.try_get("request_id")?,
        file_name: row.try_get("file_name")?,
        sha256: sha256
            .try_into()
            .map_err(|_| StoreError::Corrupt("a batch's SHA-256 is not 32 bytes".to_owned()))?,
        declared_rows: count(row, "declared_rows")?,
        counts: BatchCounts {
            rows: count(row, "rows_done")?,
            accepted: count(row, "accepted")?,
            with_warnings: count(row, "with_warnings")?,
            duplicates: count(row, "duplicates")?,
            rejected: count(row, "rejected")?,
            cases: count(row, "cases")?,
        },
        created_at: instant(row.try_get("created_at")?)?,
        updated_at: instant(row.try_get("updated_at")?)?,
    })
}

async fn fetch_one(
    conn: &mut SqliteConnection,
    condition: &str,
    organisation: OrganisationId,
    value: impl for<'q> sqlx::Encode<'q, Sqlite> + sqlx::Type<Sqlite> + Send,
) -> StoreResult<Option<Batch>> {
    let sql = format!("{BATCH_SELECT} WHERE b.organisation_id = ? AND {condition}");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(organisation.as_uuid())
        .bind(value)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(batch_from_row)
        .transpose()
}

pub(super) async fn open_batch(conn: &mut SqliteConnection, new: &NewBatch) -> StoreResult<Batch> {
    let organisation = new.organisation.id;
    if let Some(batch) = fetch_one(
        conn,
        "b.request_id = ?",
        organisation,
        new.request_id.clone(),
    )
    .await?
    {
        if batch.sha256 != new.sha256 {
            return Err(Error::AlreadyExists(format!(
                "request id {:?} was used for another file ({}, sent {}): give each file its own \
                 request id",
                new.request_id, batch.file_name, batch.created_at
            ))
            .into());
        }
        return Ok(batch);
    }
    // Another request id is another batch, even for a file already sent:
    // its rows are judged again (see `migrations/sqlite/0006_batch_resend.sql`).
    sqlx::query(
        "INSERT INTO batches (id, organisation_id, uploaded_by, request_id, file_name, sha256, \
         declared_rows, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(new.id.as_uuid())
    .bind(organisation.as_uuid())
    .bind(new.uploaded_by.id.as_uuid())
    .bind(&new.request_id)
    .bind(&new.file_name)
    .bind(new.sha256.to_vec())
    .bind(i64::try_from(new.declared_rows).unwrap_or(i64::MAX))
    .bind(micros(new.now))
    .bind(micros(new.now))
    .execute(&mut *conn)
    .await?;
    fetch_one(conn, "b.id = ?", organisation, new.id.as_uuid())
        .await?
        .ok_or_else(|| StoreError::Corrupt("a new batch vanished".to_owned()))
}

pub(super) async fn find_batch(
    conn: &mut SqliteConnection,
    organisation: OrganisationId,
    key: &str,
) -> StoreResult<Option<Batch>> {
    if let Ok(id) = BatchId::parse(key)
        && let Some(batch) = fetch_one(conn, "b.id = ?", organisation, id.as_uuid()).await?
    {
        return Ok(Some(batch));
    }
    fetch_one(conn, "b.request_id = ?", organisation, key.to_owned()).await
}

pub(super) async fn list_batches(
    conn: &mut SqliteConnection,
    organisation: OrganisationId,
    before: Option<(i64, Uuid)>,
    limit: u32,
) -> StoreResult<Vec<Batch>> {
    let mut query = QueryBuilder::<Sqlite>::new(BATCH_SELECT);
    query
        .push(" WHERE b.organisation_id = ")
        .push_bind(organisation.as_uuid());
    if let Some((at, id)) = before {
        query
            .push(" AND (b.created_at, b.id) < (")
            .push_bind(at)
            .push(", ")
            .push_bind(id)
            .push(")");
    }
    query
        .push(" ORDER BY b.created_at DESC, b.id DESC LIMIT ")
        .push_bind(i64::from(limit));
    query
        .build()
        .fetch_all(conn)
        .await?
        .iter()
        .map(batch_from_row)
        .collect()
}

/// A row issue as stored, in JSON.
#[derive(Serialize, Deserialize)]
struct StoredIssue {
    column: String,
    value: String,
    reason: String,
    kind: IssueKind,
}

fn issues_json(issues: &[RowIssue]) -> StoreResult<Option<String>> {
    if issues.is_empty() {
        return Ok(None);
    }
    let stored: Vec<StoredIssue> = issues
        .iter()
        .map(|issue| StoredIssue {
            column: issue.column.clone(),
            value: issue.value.clone(),
            reason: issue.reason.clone(),
            kind: issue.kind,
        })
        .collect();
    serde_json::to_string(&stored)
        .map(Some)
        .map_err(|e| StoreError::Corrupt(format!("row issues not serialisable: {e}")))
}

fn issues_from(json: Option<String>) -> StoreResult<Vec<RowIssue>> {
    let Some(json) = json else {
        return Ok(Vec::new());
    };
    let stored: Vec<StoredIssue> = serde_json::from_str(&json)
        .map_err(|e| StoreError::Corrupt(format!("unreadable row issues: {e}")))?;
    Ok(stored
        .into_iter()
        .map(|issue| RowIssue {
            column: issue.column,
            value: issue.value,
            reason: issue.reason,
            kind: issue.kind,
        })
        .collect())
}

fn row_result_from(row: &SqliteRow) -> StoreResult<BatchRowResult> {
    let status: String = row.try_get("status")?;
    let reference: Option<String> = row.try_get("reference")?;
    Ok(BatchRowResult {
        row: count(row, "row_number")?,
        status: BatchRowStatus::from_name(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown row status {status:?}")))?,
        case_reference: reference
            .map(|reference| {
                CaseRef::parse(&reference)
                    .map_err(|e| StoreError::Corrupt(format!("stored reference: {e}")))
            })
            .transpose()?,
        errors: issues_from(row.try_get("errors")?)?,
        warnings: issues_from(row.try_get("warnings")?)?,
        replayed: true,
    })
}

/// A row's case is named only when the batch's own organisation filed it:
/// rows stored before duplicates were limited to the sender's own cases may
/// point at another organisation's, which the sender must not learn of.
const ROW_SELECT: &str = "SELECT r.row_number, r.status, c.reference, r.errors, r.warnings \
     FROM batch_rows r JOIN batches b ON b.id = r.batch_id \
     LEFT JOIN cases c ON c.id = r.case_id AND c.submitter_org_id = b.organisation_id";

pub(super) async fn batch_rows(
    conn: &mut SqliteConnection,
    batch: BatchId,
    after: u64,
    limit: u32,
) -> StoreResult<Vec<BatchRowResult>> {
    let sql = format!(
        "{ROW_SELECT} WHERE r.batch_id = ? AND r.row_number > ? ORDER BY r.row_number LIMIT ?"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(batch.as_uuid())
        .bind(i64::try_from(after).unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(conn)
        .await?
        .iter()
        .map(row_result_from)
        .collect()
}

/// The stored results of rows `from..=to` of a batch, by row.
async fn stored_rows(
    conn: &mut SqliteConnection,
    batch: BatchId,
    from: u64,
    to: u64,
) -> StoreResult<HashMap<u64, BatchRowResult>> {
    let sql = format!("{ROW_SELECT} WHERE r.batch_id = ? AND r.row_number BETWEEN ? AND ?");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(batch.as_uuid())
        .bind(i64::try_from(from).unwrap_or(i64::MAX))
        .bind(i64::try_from(to).unwrap_or(i64::MAX))
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|row| row_result_from(row).map(|result| (result.row, result)))
        .collect()
}

/// An affiliation case already about a person of the chunk.
#[derive(Debug, Clone)]
struct Known {
    id: CaseId,
    reference: CaseRef,
    submitter: OrganisationId,
}

/// The affiliation cases already about these NIRs or AGDREF numbers, by
/// identity key (see `identity_keys`), oldest first.
async fn known_people(
    conn: &mut SqliteConnection,
    households: &[&BatchHousehold],
) -> StoreResult<HashMap<IdentityKey, Vec<Known>>> {
    let mut known: HashMap<IdentityKey, Vec<Known>> = HashMap::new();
    let nirs: Vec<&str> = households
        .iter()
        .filter_map(|h| h.nir.as_ref().map(|nir| nir.as_str()))
        .collect();
    let agdrefs: Vec<&str> = households
        .iter()
        .filter_map(|h| h.agdref.as_ref().map(|agdref| agdref.as_str()))
        .collect();
    for (matched_on, values) in [(IdentityMatch::Nir, nirs), (IdentityMatch::Agdref, agdrefs)] {
        let column = matched_on.as_str();
        for chunk in statement_chunks(&values, ROWS_PER_STATEMENT) {
            let mut query = QueryBuilder::<Sqlite>::new(format!(
                "SELECT id, reference, submitter_org_id, {column} AS value FROM cases \
                 WHERE category = 'puma_affiliation' AND {column} IN ("
            ));
            let mut list = query.separated(", ");
            for value in chunk {
                list.push_bind(*value);
            }
            // The first case about a person is the one a duplicate points to.
            query.push(") ORDER BY created_at, id");
            let statement = multi_row(&mut query, chunk.len(), ROWS_PER_STATEMENT);
            for row in statement.fetch_all(&mut *conn).await? {
                let reference = CaseRef::parse(row.try_get::<&str, _>("reference")?)
                    .map_err(|e| StoreError::Corrupt(format!("stored reference: {e}")))?;
                known
                    .entry((matched_on, row.try_get("value")?))
                    .or_default()
                    .push(Known {
                        id: CaseId::from_uuid(row.try_get("id")?),
                        reference,
                        submitter: OrganisationId::from_uuid(row.try_get("submitter_org_id")?),
                    });
            }
        }
    }
    Ok(known)
}

/// What a person is known by: which identifier, and its value.
type IdentityKey = (IdentityMatch, String);

/// The keys a household's person is known by: its NIR, its AGDREF number.
fn identity_keys(household: &BatchHousehold) -> Vec<IdentityKey> {
    let mut keys = Vec::new();
    if let Some(nir) = &household.nir {
        keys.push((IdentityMatch::Nir, nir.as_str().to_owned()));
    }
    if let Some(agdref) = &household.agdref {
        keys.push((IdentityMatch::Agdref, agdref.as_str().to_owned()));
    }
    keys
}

/// Splits what is known of a household's person between the sender's own
/// case, if there is one (the household is then its duplicate), and the
/// cases of other organisations, which the sender may not learn of: the new
/// case is linked to the first of each, by the first identifier they share.
fn sort_known(
    known: &HashMap<IdentityKey, Vec<Known>>,
    keys: &[IdentityKey],
    sender: OrganisationId,
) -> (Option<Known>, Vec<(Known, IdentityMatch)>) {
    let mut own = None;
    let mut others: Vec<(Known, IdentityMatch)> = Vec::new();
    for key in keys {
        for case in known.get(key).into_iter().flatten() {
            if case.submitter == sender {
                own.get_or_insert_with(|| case.clone());
            } else if !others.iter().any(|(other, _)| other.id == case.id) {
                others.push((case.clone(), key.0));
            }
        }
    }
    (own, others)
}

/// Links each new case to the cases it may duplicate, both ways.
async fn link_possible_duplicates(
    conn: &mut SqliteConnection,
    links: &[(CaseId, CaseId, IdentityMatch)],
    now: jiff::Timestamp,
) -> StoreResult<()> {
    let both_ways: Vec<(CaseId, CaseId, IdentityMatch)> = links
        .iter()
        .flat_map(|&(new, old, matched_on)| [(new, old, matched_on), (old, new, matched_on)])
        .collect();
    for chunk in statement_chunks(&both_ways, ROWS_PER_STATEMENT) {
        let mut query = QueryBuilder::<Sqlite>::new(
            "INSERT OR IGNORE INTO case_links (case_id, other_case_id, matched_on, created_at) ",
        );
        query.push_values(chunk, |mut values, (case, other, matched_on)| {
            values
                .push_bind(case.as_uuid())
                .push_bind(other.as_uuid())
                .push_bind(matched_on.as_str())
                .push_bind(micros(now));
        });
        multi_row(&mut query, chunk.len(), ROWS_PER_STATEMENT)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The cases linked to `case` as possible duplicates, oldest first.
pub(super) async fn possible_duplicates(
    conn: &mut SqliteConnection,
    case: CaseId,
) -> StoreResult<Vec<PossibleDuplicate>> {
    let rows = sqlx::query(
        "SELECT c.id, c.reference, c.handler_org_id, o.name AS handler_name, l.matched_on \
         FROM case_links l JOIN cases c ON c.id = l.other_case_id \
         JOIN organisations o ON o.id = c.handler_org_id \
         WHERE l.case_id = ? ORDER BY c.created_at, c.id",
    )
    .bind(case.as_uuid())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let matched_on: &str = row.try_get("matched_on")?;
            Ok(PossibleDuplicate {
                case_id: CaseId::from_uuid(row.try_get("id")?),
                reference: CaseRef::parse(row.try_get::<&str, _>("reference")?)
                    .map_err(|e| StoreError::Corrupt(format!("stored reference: {e}")))?,
                handler: org_ref(row, "handler_org_id", "handler_name")?,
                matched_on: IdentityMatch::from_name(matched_on).ok_or_else(|| {
                    StoreError::Corrupt(format!("unknown identity match {matched_on:?}"))
                })?,
            })
        })
        .collect()
}

fn row_results(
    rows: &[RowOutcome],
    status: Option<BatchRowStatus>,
    case: Option<&CaseRef>,
) -> Vec<BatchRowResult> {
    rows.iter()
        .map(|row| BatchRowResult {
            row: row.row,
            status: status.unwrap_or(match row.status() {
                RowStatus::Accepted => BatchRowStatus::Accepted,
                RowStatus::AcceptedWithWarnings => BatchRowStatus::AcceptedWithWarnings,
                RowStatus::Rejected => BatchRowStatus::Rejected,
            }),
            case_reference: case.cloned(),
            errors: row.errors.clone(),
            warnings: row.warnings.clone(),
            replayed: false,
        })
        .collect()
}

/// What became of one household of the chunk.
enum Fate {
    /// Stored by an earlier send.
    Stored(Vec<BatchRowResult>),
    Rejected,
    Duplicate(CaseId, CaseRef),
    /// The same person as an earlier household of this chunk.
    SameAs(usize),
    /// To be submitted: index into the submissions, with the other
    /// organisations' cases the new one may duplicate.
    Submit(usize, Vec<(Known, IdentityMatch)>),
}

/// Stores a chunk of a batch's households; see `Store::store_batch_households`.
pub(super) async fn store_households(
    conn: &mut SqliteConnection,
    batch: BatchId,
    households: Vec<BatchHousehold>,
    now: jiff::Timestamp,
) -> StoreResult<(Vec<BatchRowResult>, Vec<CaseEvent>)> {
    let rows = households.iter().flat_map(|h| h.rows.iter().map(|r| r.row));
    let (from, to) = rows.fold((u64::MAX, 0), |(lo, hi), row| (lo.min(row), hi.max(row)));
    let mut stored = if from <= to {
        stored_rows(conn, batch, from, to).await?
    } else {
        HashMap::new()
    };
    let fresh: Vec<&BatchHousehold> = households
        .iter()
        .filter(|h| h.submission.is_some() && !stored.contains_key(&h.rows[0].row))
        .collect();
    let known = known_people(conn, &fresh).await?;

    let mut fates = Vec::with_capacity(households.len());
    let mut submissions = Vec::new();
    let mut in_chunk: HashMap<IdentityKey, usize> = HashMap::new();
    for (index, household) in households.iter().enumerate() {
        if let Some(first) = household.rows.first()
            && stored.contains_key(&first.row)
        {
            let results = household
                .rows
                .iter()
                .filter_map(|row| stored.remove(&row.row))
                .collect();
            fates.push(Fate::Stored(results));
            continue;
        }
        let Some(submission) = &household.submission else {
            fates.push(Fate::Rejected);
            continue;
        };
        let keys = identity_keys(household);
        let (own, others) = sort_known(&known, &keys, submission.submitter.id);
        if let Some(own) = own {
            fates.push(Fate::Duplicate(own.id, own.reference));
        } else if let Some(&earlier) = keys.iter().find_map(|key| in_chunk.get(key)) {
            fates.push(Fate::SameAs(earlier));
        } else {
            for key in keys {
                in_chunk.insert(key, index);
            }
            fates.push(Fate::Submit(submissions.len(), others));
            submissions.push(submission.clone());
        }
    }

    let inserted = submit::insert_submissions(conn, &submissions).await?;
    let mut events = Vec::new();
    let mut cases: Vec<Option<(CaseId, CaseRef)>> = Vec::with_capacity(inserted.len());
    let mut refusals: Vec<Option<Error>> = Vec::with_capacity(inserted.len());
    for outcome in inserted {
        match outcome {
            Ok(inserted) => {
                let case = &inserted.submitted.case;
                cases.push(Some((case.id, case.reference.clone())));
                refusals.push(None);
                events.extend(inserted.event);
            }
            Err(StoreError::Rejected(error)) => {
                cases.push(None);
                refusals.push(Some(error));
            }
            Err(error) => return Err(error),
        }
    }

    let mut results = Vec::new();
    let mut links = Vec::new();
    let mut new_rows: Vec<(BatchRowResult, Option<CaseId>)> = Vec::new();
    let mut counts = BatchCounts::default();
    for (household, fate) in households.iter().zip(&fates) {
        let fresh: Vec<(BatchRowResult, Option<CaseId>)> = match fate {
            Fate::Stored(stored) => {
                results.extend(stored.iter().cloned());
                continue;
            }
            Fate::Rejected => row_results(&household.rows, None, None)
                .into_iter()
                .map(|r| (r, None))
                .collect(),
            Fate::Duplicate(id, reference) => duplicate_rows(&household.rows, *id, reference),
            Fate::SameAs(earlier) => match &fates[*earlier] {
                Fate::Submit(at, _) => match &cases[*at] {
                    Some((id, reference)) => duplicate_rows(&household.rows, *id, reference),
                    None => refused_rows(household, refusals[*at].as_ref()),
                },
                _ => unreachable!("a household is the same as a submitted one only"),
            },
            Fate::Submit(at, others) => match &cases[*at] {
                Some((id, reference)) => {
                    counts.cases += 1;
                    links.extend(others.iter().map(|(other, on)| (*id, other.id, *on)));
                    row_results(&household.rows, None, Some(reference))
                        .into_iter()
                        .map(|r| (r, Some(*id)))
                        .collect()
                }
                None => refused_rows(household, refusals[*at].as_ref()),
            },
        };
        for (result, case) in fresh {
            counts.rows += 1;
            match result.status {
                BatchRowStatus::Accepted => counts.accepted += 1,
                BatchRowStatus::AcceptedWithWarnings => counts.with_warnings += 1,
                BatchRowStatus::Duplicate => counts.duplicates += 1,
                BatchRowStatus::Rejected => counts.rejected += 1,
            }
            results.push(result.clone());
            new_rows.push((result, case));
        }
    }

    for chunk in statement_chunks(&new_rows, ROWS_PER_STATEMENT) {
        let mut query = QueryBuilder::<Sqlite>::new(
            "INSERT INTO batch_rows (batch_id, row_number, status, case_id, errors, warnings) ",
        );
        let mut failed = None;
        query.push_values(chunk, |mut values, (result, case)| {
            let errors = issues_json(&result.errors);
            let warnings = issues_json(&result.warnings);
            let (errors, warnings) = match (errors, warnings) {
                (Ok(errors), Ok(warnings)) => (errors, warnings),
                (Err(e), _) | (_, Err(e)) => {
                    failed = Some(e);
                    (None, None)
                }
            };
            values
                .push_bind(batch.as_uuid())
                .push_bind(i64::try_from(result.row).unwrap_or(i64::MAX))
                .push_bind(result.status.as_str())
                .push_bind(case.map(|id| id.as_uuid()))
                .push_bind(errors)
                .push_bind(warnings);
        });
        if let Some(error) = failed {
            return Err(error);
        }
        multi_row(&mut query, chunk.len(), ROWS_PER_STATEMENT)
            .execute(&mut *conn)
            .await?;
    }
    link_possible_duplicates(conn, &links, now).await?;
    if counts.rows > 0 {
        let signed = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        sqlx::query(
            "UPDATE batches SET rows_done = rows_done + ?, accepted = accepted + ?, \
             with_warnings = with_warnings + ?, duplicates = duplicates + ?, \
             rejected = rejected + ?, cases = cases + ?, updated_at = ? WHERE id = ?",
        )
        .bind(signed(counts.rows))
        .bind(signed(counts.accepted))
        .bind(signed(counts.with_warnings))
        .bind(signed(counts.duplicates))
        .bind(signed(counts.rejected))
        .bind(signed(counts.cases))
        .bind(micros(now))
        .bind(batch.as_uuid())
        .execute(&mut *conn)
        .await?;
    }
    results.sort_by_key(|result| result.row);
    Ok((results, events))
}

fn duplicate_rows(
    rows: &[RowOutcome],
    id: CaseId,
    reference: &CaseRef,
) -> Vec<(BatchRowResult, Option<CaseId>)> {
    row_results(rows, Some(BatchRowStatus::Duplicate), Some(reference))
        .into_iter()
        .map(|r| (r, Some(id)))
        .collect()
}

/// The rows of a household the store refused (no fund for its département).
fn refused_rows(
    household: &BatchHousehold,
    refusal: Option<&Error>,
) -> Vec<(BatchRowResult, Option<CaseId>)> {
    let reason = refusal.map_or_else(
        || "the household could not be stored".to_owned(),
        ToString::to_string,
    );
    row_results(&household.rows, Some(BatchRowStatus::Rejected), None)
        .into_iter()
        .map(|mut result| {
            result.errors.push(RowIssue {
                column: "code_postal".to_owned(),
                value: String::new(),
                reason: reason.clone(),
                kind: IssueKind::DepartementUnknown,
            });
            (result, None)
        })
        .collect()
}
