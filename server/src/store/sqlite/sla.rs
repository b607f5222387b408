//! Service levels in SQLite: policies, funds' calendars, each case's clocks
//! and the instants copied out of them, the sweeper's pass, report figures.

use std::collections::{BTreeSet, HashMap};

use jiff::{
    SignedDuration, Timestamp,
    civil::{Date, Time},
};
use relais_core::{
    case::{Case, CaseEvent, CaseId, Category, EventKind, Status},
    ids::Departement,
    org::OrganisationId,
    sla::{
        Calendar, CalendarConfig, CaseSla, CountingMode, Level, OfficeHours, Raised, SlaPolicy,
        report::{CaseFigures, Grouping, PendingFigures, PromiseFigures},
    },
};
use serde::{Deserialize, Serialize};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool};
use uuid::Uuid;

use super::{
    CASE_SELECT, case_from_row, departement, json, micros, multi_row, named, optional_instant,
    statement_chunks, to_json,
};
use crate::store::{CaseScope, ReportQuery, StoreError, StoreResult};

/// The scope of the default policies in `sla_policies`.
pub(super) const DEFAULT_SCOPE: &str = "*";

/// How a calendar is stored: the counting mode and the fund's own days. The
/// département is the fund's, never stored twice.
#[derive(Debug, Serialize, Deserialize)]
struct StoredCalendar {
    office_hours: Option<[Vec<(Time, Time)>; 7]>,
    closed_days: BTreeSet<Date>,
    worked_days: BTreeSet<Date>,
}

impl StoredCalendar {
    fn from_config(config: &CalendarConfig) -> StoredCalendar {
        let office_hours = match &config.mode {
            CountingMode::WholeDays => None,
            CountingMode::OfficeHours(hours) => Some(WEEK.map(|day| hours.windows(day).to_vec())),
        };
        StoredCalendar {
            office_hours,
            closed_days: config.closed_days.clone(),
            worked_days: config.worked_days.clone(),
        }
    }

    fn into_config(self, departement: Departement) -> StoreResult<CalendarConfig> {
        let mode = match self.office_hours {
            None => CountingMode::WholeDays,
            Some(windows) => CountingMode::OfficeHours(
                OfficeHours::new(windows)
                    .map_err(|e| StoreError::Corrupt(format!("office hours: {e}")))?,
            ),
        };
        Ok(CalendarConfig {
            departement,
            mode,
            closed_days: self.closed_days,
            worked_days: self.worked_days,
        })
    }
}

const WEEK: [jiff::civil::Weekday; 7] = {
    use jiff::civil::Weekday::*;
    [
        Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday,
    ]
};

/// A fund's calendar configuration; `None` when the organisation is not a fund.
pub(super) async fn calendar_config(
    conn: &mut SqliteConnection,
    organisation: OrganisationId,
) -> StoreResult<Option<CalendarConfig>> {
    let row = sqlx::query(
        "SELECT o.kind, o.departement, k.config FROM organisations o \
         LEFT JOIN organisation_calendars k ON k.organisation_id = o.id WHERE o.id = ?",
    )
    .bind(organisation.as_uuid())
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let kind: String = row.try_get("kind")?;
    if !matches!(kind.as_str(), "cpam" | "cgss") {
        return Ok(None);
    }
    let departement = departement(row.try_get("departement")?)?
        .ok_or_else(|| StoreError::Corrupt(format!("fund {organisation} has no département")))?;
    match row.try_get::<Option<String>, _>("config")? {
        Some(text) => json::<StoredCalendar>(&text, "calendar")?
            .into_config(departement)
            .map(Some),
        None => Ok(Some(CalendarConfig {
            departement,
            mode: CountingMode::WholeDays,
            closed_days: BTreeSet::new(),
            worked_days: BTreeSet::new(),
        })),
    }
}

/// The working-time calendar a fund's cases run on.
pub(super) async fn working_calendar(
    conn: &mut SqliteConnection,
    organisation: OrganisationId,
) -> StoreResult<Calendar> {
    let config = calendar_config(conn, organisation).await?.ok_or_else(|| {
        StoreError::Corrupt(format!("cases handled by {organisation}, not a fund"))
    })?;
    Ok(Calendar::new(&config))
}

pub(super) async fn save_calendar_config(
    conn: &mut SqliteConnection,
    organisation: OrganisationId,
    config: &CalendarConfig,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO organisation_calendars (organisation_id, config, updated_at) VALUES (?, ?, ?) \
         ON CONFLICT (organisation_id) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at",
    )
    .bind(organisation.as_uuid())
    .bind(to_json(&StoredCalendar::from_config(config))?)
    .bind(micros(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// The policy in force for a fund's cases of a category: its own, else the
/// default one, else the built-in one; and the scope it came from (`None`:
/// built in).
pub(super) async fn effective_policy(
    conn: &mut SqliteConnection,
    organisation: Option<OrganisationId>,
    category: Category,
) -> StoreResult<(SlaPolicy, Option<String>)> {
    let scope = organisation.map_or_else(|| DEFAULT_SCOPE.to_owned(), |id| id.to_string());
    let row = sqlx::query(
        "SELECT scope, policy FROM sla_policies WHERE category = ? AND scope IN (?, ?) \
         ORDER BY scope = '*' LIMIT 1",
    )
    .bind(category.as_str())
    .bind(&scope)
    .bind(DEFAULT_SCOPE)
    .fetch_optional(conn)
    .await?;
    match row {
        Some(row) => Ok((
            json(row.try_get("policy")?, "SLA policy")?,
            Some(row.try_get("scope")?),
        )),
        None => Ok((SlaPolicy::default(), None)),
    }
}

pub(super) async fn save_policy(
    conn: &mut SqliteConnection,
    organisation: Option<OrganisationId>,
    category: Category,
    policy: &SlaPolicy,
    now: Timestamp,
) -> StoreResult<()> {
    let scope = organisation.map_or_else(|| DEFAULT_SCOPE.to_owned(), |id| id.to_string());
    sqlx::query(
        "INSERT INTO sla_policies (scope, category, policy, updated_at) VALUES (?, ?, ?, ?) \
         ON CONFLICT (scope, category) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at",
    )
    .bind(scope)
    .bind(category.as_str())
    .bind(to_json(policy)?)
    .bind(micros(now))
    .execute(conn)
    .await?;
    Ok(())
}

fn secs(duration: Option<SignedDuration>) -> Option<i64> {
    duration.map(|d| d.as_secs())
}

/// Rows per multi-row statement (at most 17 values each), within SQLite's
/// limit of 32,766 bound parameters.
const ROWS_PER_STATEMENT: usize = 400;

/// Each clock column of a case's row, by name.
pub(super) type ClockColumns = [(&'static str, Option<i64>); 14];

/// The instants copied out of the clocks onto the case's row, for the
/// sweeper, the queues and the reports.
pub(super) fn clock_columns(sla: &CaseSla) -> ClockColumns {
    let pending = sla.pending();
    let running = pending.filter(|clock| !clock.is_paused());
    let at = |t: Option<Timestamp>| t.map(micros);
    [
        ("sla_next_check_at", at(sla.next_check())),
        ("sla_due_at", at(running.map(|clock| clock.due_at()))),
        ("sla_warn_at", at(running.map(|clock| clock.warn_at()))),
        (
            "sla_paused",
            Some(i64::from(pending.is_some_and(|clock| clock.is_paused()))),
        ),
        (
            "sla_escalation",
            Some(i64::from(
                pending.map_or(0, |clock| clock.escalation_level()),
            )),
        ),
        (
            "first_response_due_at",
            at(Some(sla.first_response.due_at())),
        ),
        ("first_response_met_at", at(sla.first_response.met_at)),
        ("first_response_secs", secs(sla.first_response.took)),
        ("resolution_due_at", at(Some(sla.resolution.due_at()))),
        ("resolution_met_at", at(sla.resolution.met_at)),
        ("resolution_secs", secs(sla.resolution.took)),
        ("taken_at", at(sla.taken_at)),
        ("take_secs", secs(sla.take_took)),
        (
            "sla_stopped_at",
            at(sla.resolution.stopped_at.or(sla.first_response.stopped_at)),
        ),
    ]
}

/// Stores a case's clocks.
pub(super) async fn save_clocks(
    conn: &mut SqliteConnection,
    case: CaseId,
    sla: &CaseSla,
) -> StoreResult<()> {
    save_many_clocks(conn, &[(case, sla)]).await
}

/// Stores the clocks of many cases: the documents, and the instants on the
/// cases' rows, with two statements per few hundred cases.
async fn save_many_clocks(
    conn: &mut SqliteConnection,
    clocks: &[(CaseId, &CaseSla)],
) -> StoreResult<()> {
    for chunk in statement_chunks(clocks, ROWS_PER_STATEMENT) {
        let mut documents = QueryBuilder::<Sqlite>::new("INSERT INTO case_clocks (case_id, sla) ");
        let mut failure = None;
        documents.push_values(chunk, |mut values, (id, sla)| {
            let text = to_json(*sla).unwrap_or_else(|e| {
                failure = Some(e);
                String::new()
            });
            values.push_bind(id.as_uuid()).push_bind(text);
        });
        if let Some(error) = failure {
            return Err(error);
        }
        documents.push(" ON CONFLICT (case_id) DO UPDATE SET sla = excluded.sla");
        multi_row(&mut documents, chunk.len(), ROWS_PER_STATEMENT)
            .execute(&mut *conn)
            .await?;

        let rows: Vec<(CaseId, ClockColumns)> = chunk
            .iter()
            .map(|(id, sla)| (*id, clock_columns(sla)))
            .collect();
        let names: Vec<&str> = rows[0].1.iter().map(|(name, _)| *name).collect();
        let mut query =
            QueryBuilder::<Sqlite>::new(format!("WITH v (id, {}) AS (VALUES ", names.join(", ")));
        for (i, (id, columns)) in rows.into_iter().enumerate() {
            query.push(if i == 0 { "(" } else { ", (" });
            query.push_bind(id.as_uuid());
            for (_, value) in columns {
                query.push(", ").push_bind(value);
            }
            query.push(")");
        }
        // Not `UPDATE … FROM v`: SQLite 3.51 plans that as a scan of every
        // case, probing v; an `IN` on the key makes it look each case up.
        let sources: Vec<String> = names.iter().map(|name| format!("v.{name}")).collect();
        query.push(format!(
            ") UPDATE cases SET ({}) = (SELECT {} FROM v WHERE v.id = cases.id) \
             WHERE cases.id IN (SELECT id FROM v)",
            names.join(", "),
            sources.join(", ")
        ));
        multi_row(&mut query, chunk.len(), ROWS_PER_STATEMENT)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Records every threshold of the case passed at `now` as an event without
/// an actor; the caller saves the clocks.
pub(super) async fn raise_due(
    conn: &mut SqliteConnection,
    case: &Case,
    sla: &mut CaseSla,
    now: Timestamp,
) -> StoreResult<Vec<CaseEvent>> {
    let raised: Vec<(&Case, Raised)> = sla.raise_due(now).into_iter().map(|r| (case, r)).collect();
    record_raised(conn, &raised).await
}

/// Records raised thresholds as events, with one statement per few hundred.
async fn record_raised(
    conn: &mut SqliteConnection,
    raised: &[(&Case, Raised)],
) -> StoreResult<Vec<CaseEvent>> {
    let mut events = Vec::with_capacity(raised.len());
    for chunk in statement_chunks(raised, ROWS_PER_STATEMENT) {
        let mut query = QueryBuilder::<Sqlite>::new(
            "INSERT INTO case_events (case_id, kind, at, from_status, to_status, submitter_org_id, \
             handler_org_id, sla_target, escalation_level) ",
        );
        query.push_values(chunk, |mut values, (case, raised)| {
            let (kind, level) = kind_and_level(raised.level);
            values
                .push_bind(case.id.as_uuid())
                .push_bind(kind.as_str())
                .push_bind(micros(raised.at))
                .push_bind(case.status.as_str())
                .push_bind(case.status.as_str())
                .push_bind(case.submitter.id.as_uuid())
                .push_bind(case.handler.id.as_uuid())
                .push_bind(raised.target.as_str())
                .push_bind(i64::from(level));
        });
        query.push(" RETURNING sequence, case_id, kind, sla_target, escalation_level");
        let mut sequences = HashMap::new();
        let statement = multi_row(&mut query, chunk.len(), ROWS_PER_STATEMENT);
        for row in statement.fetch_all(&mut *conn).await? {
            let key: (Uuid, String, String, i64) = (
                row.try_get("case_id")?,
                row.try_get("kind")?,
                row.try_get("sla_target")?,
                row.try_get("escalation_level")?,
            );
            sequences.insert(key, row.try_get::<i64, _>("sequence")?);
        }
        for (case, raised) in chunk {
            let (kind, level) = kind_and_level(raised.level);
            let key = (
                case.id.as_uuid(),
                kind.as_str().to_owned(),
                raised.target.as_str().to_owned(),
                i64::from(level),
            );
            let sequence = sequences
                .get(&key)
                .ok_or_else(|| StoreError::Corrupt(format!("no event recorded for {key:?}")))?;
            events.push(CaseEvent {
                sequence: u64::try_from(*sequence)
                    .map_err(|_| StoreError::Corrupt(format!("event sequence {sequence}")))?,
                case_id: case.id,
                case_reference: case.reference.clone(),
                at: raised.at,
                actor: None,
                actor_organisation: None,
                kind,
                from_status: Some(case.status),
                to_status: case.status,
                reason: None,
                from_organisation: None,
                to_organisation: None,
                message: None,
                sla: Some((raised.target, level)),
                submitter: case.submitter.id,
                handler: case.handler.id,
            });
        }
    }
    // In sequence order, which is the order watchers must see them in.
    events.sort_by_key(|event| event.sequence);
    Ok(events)
}

fn kind_and_level(level: Level) -> (EventKind, u8) {
    match level {
        Level::AtRisk => (EventKind::SlaAtRisk, 0),
        Level::Breached => (EventKind::SlaBreached, 0),
        Level::Escalated(level) => (EventKind::SlaEscalated, level),
    }
}

/// One sweeper pass over up to `limit` cases with something due at `now`:
/// three statements for the lot.
pub(super) async fn sweep(
    conn: &mut SqliteConnection,
    now: Timestamp,
    limit: u32,
) -> StoreResult<(usize, Vec<CaseEvent>)> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{CASE_SELECT} WHERE c.sla_next_check_at <= ? ORDER BY c.sla_next_check_at LIMIT ?"
    )))
    .bind(micros(now))
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    let mut cases = rows
        .iter()
        .map(case_from_row)
        .collect::<StoreResult<Vec<Case>>>()?;
    let raised: Vec<Vec<Raised>> = cases
        .iter_mut()
        .map(|case| {
            case.sla
                .as_mut()
                .map(|sla| sla.raise_due(now))
                .unwrap_or_default()
        })
        .collect();
    let with_cases: Vec<(&Case, Raised)> = cases
        .iter()
        .zip(&raised)
        .flat_map(|(case, raised)| raised.iter().map(move |r| (case, *r)))
        .collect();
    let events = record_raised(conn, &with_cases).await?;
    let clocks: Vec<(CaseId, &CaseSla)> = cases
        .iter()
        .filter_map(|case| case.sla.as_ref().map(|sla| (case.id, sla)))
        .collect();
    save_many_clocks(conn, &clocks).await?;
    Ok((cases.len(), events))
}

/// The stored figures of the cases a report counts.
pub(super) async fn report_figures(
    pool: &SqlitePool,
    query: &ReportQuery,
) -> StoreResult<Vec<CaseFigures>> {
    let (key, label, join) = match query.grouping {
        Grouping::HandlerOrganisation => (
            "c.handler_org_id",
            "o.name",
            "JOIN organisations o ON o.id = c.handler_org_id",
        ),
        Grouping::PartnerOrganisation => (
            "c.submitter_org_id",
            "o.name",
            "JOIN organisations o ON o.id = c.submitter_org_id",
        ),
        Grouping::Category => ("c.category", "c.category", ""),
        Grouping::Departement => ("c.departement", "c.departement", ""),
    };
    let mut sql = QueryBuilder::<Sqlite>::new(format!(
        "SELECT {key} AS group_key, {label} AS group_label, c.status, \
         c.first_response_due_at, c.first_response_met_at, c.first_response_secs, \
         c.resolution_due_at, c.resolution_met_at, c.resolution_secs, c.take_secs, c.sla_stopped_at, \
         c.sla_due_at, c.sla_warn_at, c.sla_paused \
         FROM cases c {join} WHERE c.first_response_due_at IS NOT NULL AND c.created_at >= "
    ));
    sql.push_bind(micros(query.from))
        .push(" AND c.created_at < ")
        .push_bind(micros(query.to));
    match query.scope {
        CaseScope::SubmittedBy(org) => {
            sql.push(" AND c.submitter_org_id = ")
                .push_bind(org.as_uuid());
        }
        CaseScope::HandledBy(org) => {
            sql.push(" AND c.handler_org_id = ")
                .push_bind(org.as_uuid());
        }
        CaseScope::All => {}
    }
    let rows = sql.build().fetch_all(pool).await?;
    rows.iter()
        .map(|row| {
            let group_key = match query.grouping {
                Grouping::HandlerOrganisation | Grouping::PartnerOrganisation => {
                    Uuid::from_slice(&row.try_get::<Vec<u8>, _>("group_key")?)
                        .map_err(|e| StoreError::Corrupt(format!("organisation id: {e}")))?
                        .to_string()
                }
                Grouping::Category | Grouping::Departement => row
                    .try_get::<Option<String>, _>("group_key")?
                    .unwrap_or_else(|| "-".to_owned()),
            };
            let label: Option<String> = row.try_get("group_label")?;
            let status: Status = named(row.try_get("status")?, Status::from_name, "status")?;
            let promise = |due: &str, met: &str, took: &str| -> StoreResult<PromiseFigures> {
                Ok(PromiseFigures {
                    due_at: optional_instant(row.try_get(due)?)?,
                    met_at: optional_instant(row.try_get(met)?)?,
                    took: row
                        .try_get::<Option<i64>, _>(took)?
                        .map(SignedDuration::from_secs),
                })
            };
            Ok(CaseFigures {
                label: label.unwrap_or_else(|| group_key.clone()),
                key: group_key,
                first_response: promise(
                    "first_response_due_at",
                    "first_response_met_at",
                    "first_response_secs",
                )?,
                resolution: promise("resolution_due_at", "resolution_met_at", "resolution_secs")?,
                take_took: row
                    .try_get::<Option<i64>, _>("take_secs")?
                    .map(SignedDuration::from_secs),
                stopped_at: optional_instant(row.try_get("sla_stopped_at")?)?,
                pending: status
                    .is_open()
                    .then(|| -> StoreResult<PendingFigures> {
                        Ok(PendingFigures {
                            due_at: optional_instant(row.try_get("sla_due_at")?)?,
                            warn_at: optional_instant(row.try_get("sla_warn_at")?)?,
                            paused: row.try_get("sla_paused")?,
                        })
                    })
                    .transpose()?,
            })
        })
        .collect()
}
