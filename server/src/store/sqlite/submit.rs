//! Submissions, stored in batches with a handful of statements whatever the
//! batch's size: each statement costs a round trip to SQLite's thread, which
//! costs more than the work itself. One submission is a batch of one.

use std::collections::{HashMap, HashSet, hash_map::Entry};

use relais_core::{
    Error,
    case::{Case, CaseEvent, CaseId, Category, EventKind, Status, Urgency},
    ids::{CaseRef, Departement},
    org::{OrgRef, OrganisationId},
    sla::{Calendar, Calendars, CaseSla, SlaPolicy},
};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use uuid::Uuid;

use super::{
    CASE_SELECT, case_from_row, instant, micros, multi_row, organisation_from_row, sla,
    statement_chunks, to_json,
};
use crate::store::{StoreError, StoreResult, Submission, Submitted};

/// Rows per multi-row statement: 38 columns each stay below SQLite's limit
/// of 32,766 bound parameters.
const ROWS_PER_STATEMENT: usize = 400;
/// References are random; a clash is rare, several rounds of clashes mean something is broken.
const REFERENCE_ROUNDS: usize = 16;

/// What storing one submission gave.
#[derive(Debug)]
pub(super) struct Inserted {
    pub(super) submitted: Submitted,
    /// The case's first event; `None` when the request id had already created it.
    pub(super) event: Option<CaseEvent>,
}

/// Where a submission of the batch stands.
enum Outcome {
    Done(Box<StoreResult<Inserted>>),
    /// A retry, in the same batch, of the submission at this index.
    SameAs(usize),
}

/// A submission about to be stored as a new case.
struct NewRow<'a> {
    index: usize,
    submission: &'a Submission,
    case: Case,
}

/// Stores `submissions` in the transaction `conn`: each either becomes a
/// case, finds the case its request id already created, or is refused on
/// its own (routing); a database failure fails them all.
pub(super) async fn insert_submissions(
    conn: &mut SqliteConnection,
    submissions: &[Submission],
) -> StoreResult<Vec<StoreResult<Inserted>>> {
    let mut outcomes: Vec<Option<Outcome>> = submissions.iter().map(|_| None).collect();

    // Replays: request ids that already created a case, in the store or earlier in the batch.
    let earlier = earlier_cases(conn, submissions).await?;
    let mut first_in_batch: HashMap<(OrganisationId, &str), usize> = HashMap::new();
    let mut fresh = Vec::new();
    for (index, submission) in submissions.iter().enumerate() {
        let key = (submission.submitter.id, submission.request_id.as_str());
        if let Some((case, fingerprint)) = earlier.get(&key) {
            outcomes[index] = Some(Outcome::Done(Box::new(replay(
                submission,
                case.clone(),
                fingerprint,
            ))));
        } else if let Some(&first) = first_in_batch.get(&key) {
            outcomes[index] = Some(Outcome::SameAs(first));
        } else {
            first_in_batch.insert(key, index);
            fresh.push(index);
        }
    }

    // Routing, calendars and policies: looked up once per fund.
    let routes = route_all(conn, submissions, &fresh).await?;
    let mut calendars: HashMap<OrganisationId, Calendar> = HashMap::new();
    let mut policies: HashMap<(OrganisationId, Category), SlaPolicy> = HashMap::new();
    // Submissions of one batch share their instant, so most share their
    // clocks too: working out a clock walks the calendar, which costs more
    // than storing the case.
    let mut started: HashMap<(OrganisationId, Category, bool, i64), CaseSla> = HashMap::new();
    let round_the_clock = Calendar::round_the_clock();
    let mut rows = Vec::new();
    for (index, route) in fresh.iter().copied().zip(routes) {
        let submission = &submissions[index];
        let handler = match route {
            Ok(handler) => handler,
            Err(error) => {
                outcomes[index] = Some(Outcome::Done(Box::new(Err(error))));
                continue;
            }
        };
        if let Entry::Vacant(entry) = calendars.entry(handler.id) {
            entry.insert(sla::working_calendar(conn, handler.id).await?);
        }
        let category = submission.case.category;
        if let Entry::Vacant(entry) = policies.entry((handler.id, category)) {
            entry.insert(
                sla::effective_policy(conn, Some(handler.id), category)
                    .await?
                    .0,
            );
        }
        let now = instant(micros(submission.now))?;
        let new = &submission.case;
        let urgent = matches!(new.urgency, Urgency::Urgent { .. });
        let clocks = started
            .entry((handler.id, category, urgent, micros(now)))
            .or_insert_with(|| {
                let calendars = Calendars {
                    working: &calendars[&handler.id],
                    round_the_clock: &round_the_clock,
                };
                CaseSla::start(&policies[&(handler.id, category)], urgent, now, &calendars)
            })
            .clone();
        let case = Case {
            id: CaseId::generate(),
            // Replaced by an unused reference below.
            reference: CaseRef::generate(),
            status: Status::Submitted,
            category,
            subject: new.subject.clone(),
            description: new.description.clone(),
            urgency: new.urgency.clone(),
            beneficiary: new.beneficiary.clone(),
            dependants: new.dependants.clone(),
            consent: new.consent,
            partner_reference: new.partner_reference.clone(),
            submitter: submission.submitter.clone(),
            submitted_by: submission.submitted_by.clone(),
            handler,
            assignee: None,
            departement: new.routing_departement(submission.submitter_departement),
            created_at: now,
            updated_at: now,
            resolution: None,
            usefulness: None,
            sla: Some(clocks),
        };
        rows.push(NewRow {
            index,
            submission,
            case,
        });
    }
    assign_unused_references(conn, &mut rows).await?;

    for chunk in statement_chunks(&rows, ROWS_PER_STATEMENT) {
        insert_cases(conn, chunk).await?;
    }
    let mut events = HashMap::new();
    for chunk in statement_chunks(&rows, ROWS_PER_STATEMENT) {
        events.extend(insert_first_events(conn, chunk).await?);
    }
    for row in rows {
        let event = events.remove(&row.case.id).ok_or_else(|| {
            StoreError::Corrupt(format!("no first event for case {}", row.case.id))
        })?;
        outcomes[row.index] = Some(Outcome::Done(Box::new(Ok(Inserted {
            submitted: Submitted {
                case: row.case,
                replayed: false,
            },
            event: Some(event),
        }))));
    }

    // Later occurrences of a request id in the batch replay the first.
    let retries: Vec<(usize, StoreResult<Inserted>)> = outcomes
        .iter()
        .enumerate()
        .filter_map(|(index, outcome)| match outcome {
            Some(Outcome::SameAs(first)) => {
                let result = match outcomes[*first].as_ref() {
                    Some(Outcome::Done(done)) => match done.as_ref() {
                        Ok(inserted) => replay(
                            &submissions[index],
                            inserted.submitted.case.clone(),
                            &submissions[*first].fingerprint,
                        ),
                        Err(error) => Err(same_refusal(error)),
                    },
                    _ => Err(StoreError::Corrupt(
                        "a retry without its first request".to_owned(),
                    )),
                };
                Some((index, result))
            }
            _ => None,
        })
        .collect();
    for (index, result) in retries {
        outcomes[index] = Some(Outcome::Done(Box::new(result)));
    }
    Ok(outcomes
        .into_iter()
        .map(|outcome| match outcome {
            Some(Outcome::Done(result)) => *result,
            _ => Err(StoreError::Corrupt(
                "a submission left without an outcome".to_owned(),
            )),
        })
        .collect())
}

/// The answer to a request id seen before: the same case if the request is
/// the same, a refusal if the id is reused for something else.
fn replay(submission: &Submission, case: Case, fingerprint: &[u8]) -> StoreResult<Inserted> {
    if fingerprint != submission.fingerprint {
        return Err(Error::AlreadyExists(format!(
            "request_id {} already created case {} with different content; use a new request_id for a new case",
            submission.request_id, case.reference
        ))
        .into());
    }
    Ok(Inserted {
        submitted: Submitted {
            case,
            replayed: true,
        },
        event: None,
    })
}

/// A refusal, given again (to a retry of the same request in the batch).
fn same_refusal(error: &StoreError) -> StoreError {
    match error {
        StoreError::Rejected(rejection) => StoreError::Rejected(rejection.clone()),
        other => StoreError::Corrupt(other.to_string()),
    }
}

/// The cases some of these request ids already created, with the fingerprint
/// of the request that created each.
async fn earlier_cases<'a>(
    conn: &mut SqliteConnection,
    submissions: &'a [Submission],
) -> StoreResult<HashMap<(OrganisationId, &'a str), (Case, Vec<u8>)>> {
    let mut matches: Vec<(CaseId, OrganisationId, String, Vec<u8>)> = Vec::new();
    for chunk in statement_chunks(submissions, ROWS_PER_STATEMENT) {
        // A join, not `(submitter_org_id, request_id) IN (VALUES …)`: SQLite
        // plans that as a scan of every case.
        let mut query = QueryBuilder::<Sqlite>::new(
            "SELECT c.id, c.submitter_org_id, c.request_id, c.request_fingerprint FROM (VALUES ",
        );
        let mut values = query.separated(", ");
        for submission in chunk {
            values
                .push("(")
                .push_bind_unseparated(submission.submitter.id.as_uuid())
                .push_unseparated(", ")
                .push_bind_unseparated(submission.request_id.as_str())
                .push_unseparated(")");
        }
        query.push(
            ") AS v JOIN cases c ON c.submitter_org_id = v.column1 AND c.request_id = v.column2",
        );
        let statement = multi_row(&mut query, chunk.len(), ROWS_PER_STATEMENT);
        for row in statement.fetch_all(&mut *conn).await? {
            matches.push((
                CaseId::from_uuid(row.try_get("id")?),
                OrganisationId::from_uuid(row.try_get("submitter_org_id")?),
                row.try_get("request_id")?,
                row.try_get("request_fingerprint")?,
            ));
        }
    }
    let mut found = HashMap::new();
    if matches.is_empty() {
        return Ok(found);
    }
    let mut cases: HashMap<CaseId, Case> = HashMap::new();
    for chunk in statement_chunks(&matches, ROWS_PER_STATEMENT) {
        let mut query = QueryBuilder::<Sqlite>::new(format!("{CASE_SELECT} WHERE c.id IN ("));
        let mut list = query.separated(", ");
        for (id, ..) in chunk {
            list.push_bind(id.as_uuid());
        }
        query.push(")");
        let statement = multi_row(&mut query, chunk.len(), ROWS_PER_STATEMENT);
        for row in statement.fetch_all(&mut *conn).await? {
            let case = case_from_row(&row)?;
            cases.insert(case.id, case);
        }
    }
    for (id, submitter, request_id, fingerprint) in matches {
        let submission = submissions
            .iter()
            .find(|s| s.submitter.id == submitter && s.request_id.as_str() == request_id);
        if let (Some(submission), Some(case)) = (submission, cases.remove(&id)) {
            found.insert(
                (submission.submitter.id, submission.request_id.as_str()),
                (case, fingerprint),
            );
        }
    }
    Ok(found)
}

/// The fund each new case goes to: the one the partner named, else the first
/// CPAM/CGSS created for the routing département.
async fn route_all(
    conn: &mut SqliteConnection,
    submissions: &[Submission],
    fresh: &[usize],
) -> StoreResult<Vec<StoreResult<OrgRef>>> {
    let named: HashSet<OrganisationId> = fresh
        .iter()
        .filter_map(|&i| submissions[i].case.handler)
        .collect();
    let mut organisations = HashMap::new();
    if !named.is_empty() {
        let mut query = QueryBuilder::<Sqlite>::new(
            "SELECT id, name, kind, departement, created_at FROM organisations WHERE id IN (",
        );
        let mut list = query.separated(", ");
        for id in &named {
            list.push_bind(id.as_uuid());
        }
        query.push(")");
        for row in query.build().fetch_all(&mut *conn).await? {
            let organisation = organisation_from_row(&row)?;
            organisations.insert(organisation.id, organisation);
        }
    }
    let departements: HashSet<Departement> = fresh
        .iter()
        .map(|&i| &submissions[i])
        .filter(|s| s.case.handler.is_none())
        .filter_map(|s| s.case.routing_departement(s.submitter_departement))
        .collect();
    let mut funds: HashMap<Departement, OrgRef> = HashMap::new();
    if !departements.is_empty() {
        let mut query = QueryBuilder::<Sqlite>::new(
            "SELECT id, name, departement FROM organisations WHERE kind IN ('cpam', 'cgss') AND departement IN (",
        );
        let mut list = query.separated(", ");
        for departement in &departements {
            list.push_bind(departement.code());
        }
        query.push(") ORDER BY created_at, id");
        for row in query.build().fetch_all(&mut *conn).await? {
            let code: String = row.try_get("departement")?;
            let departement = Departement::parse(&code)
                .map_err(|e| StoreError::Corrupt(format!("département {code}: {e}")))?;
            if let Entry::Vacant(entry) = funds.entry(departement) {
                entry.insert(OrgRef {
                    id: OrganisationId::from_uuid(row.try_get::<Uuid, _>("id")?),
                    name: row.try_get("name")?,
                });
            }
        }
    }
    Ok(fresh
        .iter()
        .map(|&i| {
            let submission = &submissions[i];
            if let Some(id) = submission.case.handler {
                let organisation = organisations
                    .get(&id)
                    .ok_or_else(|| Error::invalid_field("handler_organisation_id", "no such organisation"))?;
                return organisation
                    .as_handler()
                    .map_err(|reason| Error::invalid_field("handler_organisation_id", reason).into());
            }
            let Some(departement) = submission.case.routing_departement(submission.submitter_departement) else {
                return Err(Error::FailedPrecondition(
                    "cannot route the case: neither the beneficiary's département nor the partner's is known; \
                     give beneficiary.departement or handler_organisation_id"
                        .to_owned(),
                )
                .into());
            };
            funds.get(&departement).cloned().ok_or_else(|| {
                Error::FailedPrecondition(format!(
                    "no CPAM or CGSS handles département {departement} in Relais yet: \
                     an administrator must create it, or name the handling organisation (handler_organisation_id)"
                ))
                .into()
            })
        })
        .collect())
}

/// Gives each new case a reference no case has, drawing again on a clash.
async fn assign_unused_references(
    conn: &mut SqliteConnection,
    rows: &mut [NewRow<'_>],
) -> StoreResult<()> {
    let mut unchecked: Vec<usize> = (0..rows.len()).collect();
    for _ in 0..REFERENCE_ROUNDS {
        if unchecked.is_empty() {
            return Ok(());
        }
        let mut taken: HashSet<String> = HashSet::new();
        for chunk in statement_chunks(&unchecked, ROWS_PER_STATEMENT) {
            let mut query =
                QueryBuilder::<Sqlite>::new("SELECT reference FROM cases WHERE reference IN (");
            let mut list = query.separated(", ");
            for &i in chunk {
                list.push_bind(rows[i].case.reference.as_str());
            }
            query.push(")");
            let statement = multi_row(&mut query, chunk.len(), ROWS_PER_STATEMENT);
            for row in statement.fetch_all(&mut *conn).await? {
                taken.insert(row.try_get("reference")?);
            }
        }
        // Clashes within the batch count too.
        let mut seen = HashSet::new();
        let mut clashing = Vec::new();
        for &i in &unchecked {
            let reference = rows[i].case.reference.as_str().to_owned();
            if taken.contains(&reference) || !seen.insert(reference) {
                rows[i].case.reference = CaseRef::generate();
                clashing.push(i);
            }
        }
        unchecked = clashing;
    }
    Err(StoreError::Corrupt(
        "no unused case reference found".to_owned(),
    ))
}

/// A new case's clocks, which every new case has.
fn clocks(case: &Case) -> StoreResult<&CaseSla> {
    case.sla
        .as_ref()
        .ok_or_else(|| StoreError::Corrupt(format!("new case {} without clocks", case.id)))
}

/// Inserts the new cases: their rows, their contents and their clocks, with
/// one statement each.
async fn insert_cases(conn: &mut SqliteConnection, rows: &[NewRow<'_>]) -> StoreResult<()> {
    let mut query = QueryBuilder::<Sqlite>::new(
        "INSERT INTO cases (id, reference, status, category, urgent, departement, nir, agdref, \
         submitter_org_id, submitted_by, handler_org_id, request_id, request_fingerprint, created_at, updated_at",
    );
    if let Some(first) = rows.first() {
        for (name, _) in sla::clock_columns(clocks(&first.case)?) {
            query.push(", ").push(name);
        }
    }
    query.push(") VALUES ");
    for (i, row) in rows.iter().enumerate() {
        let case = &row.case;
        if i > 0 {
            query.push(", ");
        }
        query.push("(");
        let mut values = query.separated(", ");
        values
            .push_bind(case.id.as_uuid())
            .push_bind(case.reference.as_str().to_owned())
            .push_bind(case.status.as_str())
            .push_bind(case.category.as_str())
            .push_bind(matches!(case.urgency, Urgency::Urgent { .. }))
            .push_bind(case.departement.map(|d| d.code()))
            .push_bind(case.beneficiary.nir.as_ref().map(|n| n.as_str().to_owned()))
            .push_bind(
                case.beneficiary
                    .agdref
                    .as_ref()
                    .map(|a| a.as_str().to_owned()),
            )
            .push_bind(case.submitter.id.as_uuid())
            .push_bind(case.submitted_by.id.as_uuid())
            .push_bind(case.handler.id.as_uuid())
            .push_bind(row.submission.request_id.as_str().to_owned())
            .push_bind(row.submission.fingerprint.to_vec())
            .push_bind(micros(case.created_at))
            .push_bind(micros(case.updated_at));
        for (_, value) in sla::clock_columns(clocks(case)?) {
            query.push(", ").push_bind(value);
        }
        query.push(")");
    }
    multi_row(&mut query, rows.len(), ROWS_PER_STATEMENT)
        .execute(&mut *conn)
        .await?;

    let mut contents = QueryBuilder::<Sqlite>::new(
        "INSERT INTO case_contents (case_id, subject, description, urgency_reason, beneficiary, dependants, \
         consent_type, consent_date, partner_reference) ",
    );
    let documents = rows
        .iter()
        .map(|row| {
            Ok((
                to_json(&row.case.beneficiary)?,
                to_json(&row.case.dependants)?,
            ))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    contents.push_values(
        rows.iter().zip(documents),
        |mut values, (row, (beneficiary, dependants))| {
            let case = &row.case;
            let urgency_reason = match &case.urgency {
                Urgency::Normal => None,
                Urgency::Urgent { reason } => Some(reason.clone()),
            };
            values
                .push_bind(case.id.as_uuid())
                .push_bind(case.subject.clone())
                .push_bind(case.description.clone())
                .push_bind(urgency_reason)
                .push_bind(beneficiary)
                .push_bind(dependants)
                .push_bind(case.consent.kind.as_str())
                .push_bind(case.consent.date.to_string())
                .push_bind(case.partner_reference.clone());
        },
    );
    multi_row(&mut contents, rows.len(), ROWS_PER_STATEMENT)
        .execute(&mut *conn)
        .await?;

    let mut documents = QueryBuilder::<Sqlite>::new("INSERT INTO case_clocks (case_id, sla) ");
    let texts = rows
        .iter()
        .map(|row| to_json(clocks(&row.case)?))
        .collect::<StoreResult<Vec<_>>>()?;
    documents.push_values(rows.iter().zip(texts), |mut values, (row, text)| {
        values.push_bind(row.case.id.as_uuid()).push_bind(text);
    });
    multi_row(&mut documents, rows.len(), ROWS_PER_STATEMENT)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records each new case's submission event; returns them by case.
async fn insert_first_events(
    conn: &mut SqliteConnection,
    rows: &[NewRow<'_>],
) -> StoreResult<HashMap<CaseId, CaseEvent>> {
    let mut query = QueryBuilder::<Sqlite>::new(
        "INSERT INTO case_events (case_id, kind, at, actor_id, actor_org_id, to_status, \
         submitter_org_id, handler_org_id, request_id) ",
    );
    query.push_values(rows, |mut values, row| {
        let case = &row.case;
        values
            .push_bind(case.id.as_uuid())
            .push_bind(EventKind::Submitted.as_str())
            .push_bind(micros(case.created_at))
            .push_bind(case.submitted_by.id.as_uuid())
            .push_bind(case.submitter.id.as_uuid())
            .push_bind(Status::Submitted.as_str())
            .push_bind(case.submitter.id.as_uuid())
            .push_bind(case.handler.id.as_uuid())
            .push_bind(row.submission.request_id.as_str().to_owned());
    });
    query.push(" RETURNING sequence, case_id");
    let by_id: HashMap<CaseId, &Case> = rows.iter().map(|row| (row.case.id, &row.case)).collect();
    let mut events = HashMap::new();
    let statement = multi_row(&mut query, rows.len(), ROWS_PER_STATEMENT);
    for row in statement.fetch_all(&mut *conn).await? {
        let sequence: i64 = row.try_get("sequence")?;
        let id = CaseId::from_uuid(row.try_get("case_id")?);
        let case = by_id
            .get(&id)
            .ok_or_else(|| StoreError::Corrupt(format!("event {sequence} for an unknown case")))?;
        events.insert(id, first_event(case, sequence)?);
    }
    Ok(events)
}

fn first_event(case: &Case, sequence: i64) -> StoreResult<CaseEvent> {
    Ok(CaseEvent {
        sequence: u64::try_from(sequence)
            .map_err(|_| StoreError::Corrupt(format!("event sequence {sequence}")))?,
        case_id: case.id,
        case_reference: case.reference.clone(),
        at: case.created_at,
        actor: Some(case.submitted_by.clone()),
        actor_organisation: Some(case.submitter.clone()),
        kind: EventKind::Submitted,
        from_status: None,
        to_status: Status::Submitted,
        reason: None,
        from_organisation: None,
        to_organisation: None,
        message: None,
        sla: None,
        submitter: case.submitter.id,
        handler: case.handler.id,
    })
}
