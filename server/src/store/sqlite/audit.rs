//! The audit trail: appended to in batches, listed newest first, purged past
//! its retention.

use relais_core::{
    case::CaseId,
    org::{AccountId, AccountRef, OrgRef, OrganisationId},
};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool, sqlite::SqliteRow};
use uuid::Uuid;

use super::{instant, micros, multi_row, statement_chunks};
use crate::store::{
    AuditEntry, AuditFilter, Page, PageRequest, StoreResult,
    page::{Cursor, paginate},
};

/// Rows per multi-row insert (11 values each).
const ROWS_PER_STATEMENT: usize = 1_000;
/// The page-token tag of audit listings (newest first).
const AUDIT_ORDER: u8 = 4;

pub(super) async fn append(conn: &mut SqliteConnection, entries: &[AuditEntry]) -> StoreResult<()> {
    for chunk in statement_chunks(entries, ROWS_PER_STATEMENT) {
        let mut query = QueryBuilder::<Sqlite>::new(
            "INSERT INTO audit_log (at, account_id, organisation_id, rpc, case_id, case_reference, peer, \
             credential, request_id, outcome) ",
        );
        query.push_values(chunk, |mut values, entry| {
            values
                .push_bind(micros(entry.at))
                .push_bind(entry.account.as_ref().map(|a| a.id.as_uuid()))
                .push_bind(entry.organisation.as_ref().map(|o| o.id.as_uuid()))
                .push_bind(entry.rpc.clone())
                .push_bind(entry.case_id.map(|id| id.as_uuid()))
                .push_bind(entry.case_reference.clone())
                .push_bind(entry.peer.clone())
                .push_bind(entry.credential.clone())
                .push_bind(entry.request_id.clone())
                .push_bind(entry.outcome.clone());
        });
        multi_row(&mut query, chunk.len(), ROWS_PER_STATEMENT)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

fn entry_from_row(row: &SqliteRow) -> StoreResult<AuditEntry> {
    let account = match row.try_get::<Option<Uuid>, _>("account_id")? {
        Some(id) => Some(AccountRef {
            id: AccountId::from_uuid(id),
            name: row
                .try_get::<Option<String>, _>("account_name")?
                .unwrap_or_default(),
        }),
        None => None,
    };
    let organisation = match row.try_get::<Option<Uuid>, _>("organisation_id")? {
        Some(id) => Some(OrgRef {
            id: OrganisationId::from_uuid(id),
            name: row
                .try_get::<Option<String>, _>("organisation_name")?
                .unwrap_or_default(),
        }),
        None => None,
    };
    Ok(AuditEntry {
        at: instant(row.try_get("at")?)?,
        account,
        organisation,
        rpc: row.try_get("rpc")?,
        case_id: row
            .try_get::<Option<Uuid>, _>("case_id")?
            .map(CaseId::from_uuid),
        case_reference: row.try_get("case_reference")?,
        peer: row.try_get("peer")?,
        credential: row.try_get("credential")?,
        request_id: row.try_get("request_id")?,
        outcome: row.try_get("outcome")?,
    })
}

pub(super) async fn list(
    pool: &SqlitePool,
    filter: &AuditFilter,
    page: &PageRequest,
) -> StoreResult<Page<AuditEntry>> {
    let limit = page.limit(100);
    let cursor = Cursor::decode(&page.token, AUDIT_ORDER)?;
    let mut query = QueryBuilder::<Sqlite>::new(
        "SELECT l.id, l.at, l.account_id, a.name AS account_name, l.organisation_id, o.name AS organisation_name, \
         l.rpc, l.case_id, l.case_reference, l.peer, l.credential, l.request_id, l.outcome \
         FROM audit_log l LEFT JOIN accounts a ON a.id = l.account_id \
         LEFT JOIN organisations o ON o.id = l.organisation_id WHERE 1 = 1",
    );
    match (filter.case_id, &filter.case_reference) {
        (Some(id), Some(reference)) => {
            query
                .push(" AND (l.case_id = ")
                .push_bind(id.as_uuid())
                .push(" OR l.case_reference = ")
                .push_bind(reference.clone())
                .push(")");
        }
        (Some(id), None) => {
            query.push(" AND l.case_id = ").push_bind(id.as_uuid());
        }
        (None, Some(reference)) => {
            query
                .push(" AND l.case_reference = ")
                .push_bind(reference.clone());
        }
        (None, None) => {}
    }
    if let Some(account) = filter.account {
        query
            .push(" AND l.account_id = ")
            .push_bind(account.as_uuid());
    }
    if let Some(since) = filter.since {
        query.push(" AND l.at >= ").push_bind(micros(since));
    }
    if let Some(cursor) = cursor {
        query.push(" AND l.id < ").push_bind(cursor.key);
    }
    query
        .push(" ORDER BY l.id DESC LIMIT ")
        .push_bind(i64::from(limit) + 1);
    let rows = query.build().fetch_all(pool).await?;
    let items = rows
        .iter()
        .map(|row| {
            let cursor = Cursor {
                order: AUDIT_ORDER,
                key: row.try_get("id")?,
                id: Uuid::nil(),
            };
            Ok((cursor, entry_from_row(row)?))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(paginate(items, limit))
}

pub(super) async fn purge(
    conn: &mut SqliteConnection,
    before: jiff::Timestamp,
) -> StoreResult<u64> {
    let done = sqlx::query("DELETE FROM audit_log WHERE at < ?")
        .bind(micros(before))
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
