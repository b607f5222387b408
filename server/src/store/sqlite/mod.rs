//! The embedded SQLite store: one file, WAL journal, `synchronous=FULL` so a
//! committed transaction is on disk before the caller hears OK.
//!
//! All writes go through one connection, one transaction at a time: SQLite
//! allows a single writer anyway, and serialising here (rather than on
//! SQLite's lock) means no write ever fails with SQLITE_BUSY, and events are
//! published in commit order. Reads use a pool of read-only connections,
//! which WAL lets run beside the writer.

mod audit;
mod batch;
mod checkpoint;
mod credentials;
mod group_commit;
mod sla;
mod submit;

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    str::FromStr,
    sync::{Arc, PoisonError},
    time::Duration,
};

use jiff::{Timestamp, civil::Date};
use relais_core::{
    Error,
    batch::BatchId,
    case::{
        Actor, Beneficiary, Case, CaseEvent, CaseId, CaseKey, Category, Consent, ConsentType,
        Dependant, EventKind, Message, MessageId, MessageKind, NewEvent, Outcome,
        PossibleDuplicate, Resolution, Status, Transition, Urgency, Usefulness,
    },
    ids::{CaseRef, Departement},
    org::{
        Account, AccountId, AccountRef, NewAccount, NewOrganisation, OrgRef, Organisation,
        OrganisationId, OrganisationKind, Role, TokenId,
    },
    request_id::RequestId,
    sla::{Calendar, CalendarConfig, Calendars, SlaPolicy, TargetKind, report::CaseFigures},
};
use sqlx::{
    ConnectOptions as _, Connection as _, QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool,
    sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
    },
};
use tokio::sync::Mutex;
use uuid::Uuid;

use super::{
    AuditEntry, AuditFilter, AuditStore, Batch, BatchHousehold, BatchRowResult, BatchStore,
    BootstrapAdmin, CaseFilter, CaseOrder, CaseScope, CaseStore, CertificateBinding,
    CredentialOwner, CredentialStore, NewBatch, NewToken, OrganisationFilter, OrganisationStore,
    Page, PageRequest, PolicyEntry, ReportQuery, SlaStore, StoreError, StoreResult, Submission,
    Submitted, TokenInfo, Updated,
    page::{Cursor, paginate},
};
use crate::{
    events::EventBus,
    files::{self, Secrecy},
};

const DEFAULT_CASE_PAGE: u32 = 50;
const DEFAULT_DIRECTORY_PAGE: u32 = 100;

/// The page size of a new database, in bytes.
const PAGE_SIZE: u32 = 16_384;

#[derive(Debug, Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    writer: Mutex<SqliteConnection>,
    /// Submissions waiting to be stored together (group commit).
    waiting: group_commit::Waiting,
    /// The funds' calendars, as read or written by this process: every
    /// answer that shows a case's clocks needs its fund's calendar, which
    /// changes a few times a year, and only through `set_calendar_config`.
    /// (One process owns an SQLite file; a store shared by several
    /// processes could not keep such a copy.)
    calendars: std::sync::RwLock<HashMap<OrganisationId, CalendarConfig>>,
    reader: SqlitePool,
    events: EventBus,
    /// The database file; `None` for a database in memory.
    file: Option<PathBuf>,
    _checkpointer: checkpoint::Checkpointer,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` (`sqlite://relais.db`)
    /// and brings its schema up to date.
    pub async fn open(url: &str, events: EventBus) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            // Clocks and contents are documents of about 1 KiB: 4 KiB pages
            // hold three or four, and bulk writes go to splitting pages.
            // With 16 KiB, SQLite writes a prefecture file 20 to 30 % faster,
            // and single cases read and write as fast (docs/BENCHMARKS.md).
            // Only a new database takes it; an existing one keeps its size.
            .page_size(PAGE_SIZE)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let file = database_file(&options);
        if let Some(file) = &file {
            create_private(file)?;
        }
        // The writer reads what it changes: a larger page cache than
        // SQLite's 2 MiB keeps a big store's hot pages in memory.
        let writer_options = options
            .clone()
            .pragma("cache_size", "-32768")
            .pragma("wal_autocheckpoint", checkpoint::WRITER_CHECKPOINT_PAGES);
        let migrations = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(writer_options)
            .await?;
        sqlx::migrate!("../migrations/sqlite")
            .run(&migrations)
            .await?;
        let writer = migrations.acquire().await?.detach();
        migrations.close().await;
        let readers = std::thread::available_parallelism().map_or(4, |n| n.get() * 2) as u32;
        let checkpointer = checkpoint::Checkpointer::start(&options).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(readers)
            .connect_with(options.read_only(true))
            .await?;
        Ok(Self {
            inner: Arc::new(Inner {
                writer: Mutex::new(writer),
                waiting: group_commit::Waiting::default(),
                calendars: std::sync::RwLock::default(),
                reader,
                events,
                file,
                _checkpointer: checkpointer,
            }),
        })
    }

    /// The files the database lives in: the database itself, and SQLite's
    /// write-ahead log and its index beside it. None in memory.
    pub fn files(&self) -> Vec<PathBuf> {
        let Some(file) = &self.inner.file else {
            return Vec::new();
        };
        let beside = |suffix: &str| {
            let mut name = file.clone().into_os_string();
            name.push(suffix);
            PathBuf::from(name)
        };
        vec![file.clone(), beside("-wal"), beside("-shm")]
    }
}

/// The file of the database `options` open; `None` for one in memory.
fn database_file(options: &SqliteConnectOptions) -> Option<PathBuf> {
    let in_memory = options
        .to_url_lossy()
        .query_pairs()
        .any(|(key, value)| key == "mode" && value == "memory");
    (!in_memory).then(|| options.get_filename().to_owned())
}

/// Creates a missing database file, empty (which SQLite takes for a new
/// database), for its owner only, and its directory likewise when that is
/// missing too. SQLite would create it with the umask's permissions (0644,
/// usually), and gives the `-wal` and `-shm` files it makes later the
/// database file's permissions. An existing file is left as it is.
fn create_private(file: &Path) -> StoreResult<()> {
    let failed = |path: &Path| {
        let path = path.to_owned();
        move |source| StoreError::Create { path, source }
    };
    if let Some(directory) = file.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        files::create_private_dir_all(directory).map_err(failed(directory))?;
    }
    match files::create_new(file, Secrecy::Secret) {
        Err(error) if error.kind() != std::io::ErrorKind::AlreadyExists => Err(failed(file)(error)),
        _ => Ok(()),
    }
}

/// Cuts `items` into the runs of rows of multi-row statements: runs of
/// `full` rows, then what is left in decreasing powers of two (343 rows are
/// 256 + 64 + 16 + 4 + 2 + 1). A statement's text changes with its number of
/// rows, and SQLite compiles each text: with every run one of a few sizes,
/// each statement is compiled once and then kept (see `multi_row`), where
/// odd sizes cost a compilation each time (a tenth of a batch's writing).
fn statement_chunks<T>(items: &[T], full: usize) -> impl Iterator<Item = &[T]> {
    let mut rest = items;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let size = if rest.len() >= full {
            full
        } else {
            1 << rest.len().ilog2()
        };
        let (chunk, tail) = rest.split_at(size);
        rest = tail;
        Some(chunk)
    })
}

/// A multi-row statement of `rows` rows ready to run, kept prepared when
/// `rows` is one of the sizes `statement_chunks` cuts (`full` or a power of
/// two), so that the connection's cache holds a few programs per statement.
/// Kept for every size, programs of hundreds of KiB used once would fill it
/// (tens of MiB).
fn multi_row(
    query: &mut QueryBuilder<Sqlite>,
    rows: usize,
    full: usize,
) -> sqlx::query::Query<'_, Sqlite, <Sqlite as sqlx::Database>::Arguments> {
    query
        .build()
        .persistent(rows == full || rows.is_power_of_two())
}

/// The organisation named by a row's `id` and `name` columns.
fn org_ref(row: &SqliteRow, id: &str, name: &str) -> StoreResult<OrgRef> {
    Ok(OrgRef {
        id: OrganisationId::from_uuid(row.try_get(id)?),
        name: row.try_get(name)?,
    })
}

/// The account named by a row's `id` and `name` columns.
fn account_ref(row: &SqliteRow, id: &str, name: &str) -> StoreResult<AccountRef> {
    Ok(AccountRef {
        id: AccountId::from_uuid(row.try_get(id)?),
        name: row.try_get(name)?,
    })
}

fn micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

fn instant(value: i64) -> StoreResult<Timestamp> {
    Timestamp::from_microsecond(value)
        .map_err(|e| StoreError::Corrupt(format!("instant {value}: {e}")))
}

fn optional_instant(value: Option<i64>) -> StoreResult<Option<Timestamp>> {
    value.map(instant).transpose()
}

fn named<T>(value: &str, parse: fn(&str) -> Option<T>, what: &str) -> StoreResult<T> {
    parse(value).ok_or_else(|| StoreError::Corrupt(format!("unknown {what} {value:?}")))
}

fn optional_named<T>(
    value: Option<String>,
    parse: fn(&str) -> Option<T>,
    what: &str,
) -> StoreResult<Option<T>> {
    value.map(|v| named(&v, parse, what)).transpose()
}

fn departement(value: Option<String>) -> StoreResult<Option<Departement>> {
    value
        .map(|code| {
            Departement::parse(&code)
                .map_err(|e| StoreError::Corrupt(format!("département {code}: {e}")))
        })
        .transpose()
}

fn json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn to_json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("cannot encode: {e}")))
}

fn not_found(what: impl std::fmt::Display) -> StoreError {
    StoreError::Rejected(Error::NotFound(what.to_string()))
}

// ---------------------------------------------------------------- organisations

const ORGANISATION_COLUMNS: &str = "id, name, kind, departement, created_at";

fn organisation_from_row(row: &SqliteRow) -> StoreResult<Organisation> {
    Ok(Organisation {
        id: OrganisationId::from_uuid(row.try_get("id")?),
        name: row.try_get("name")?,
        kind: named(
            row.try_get("kind")?,
            OrganisationKind::from_name,
            "organisation kind",
        )?,
        departement: departement(row.try_get("departement")?)?,
        created_at: instant(row.try_get("created_at")?)?,
    })
}

async fn fetch_organisation(
    conn: &mut SqliteConnection,
    id: OrganisationId,
) -> StoreResult<Option<Organisation>> {
    let row = sqlx::query(
        "SELECT id, name, kind, departement, created_at FROM organisations WHERE id = ?",
    )
    .bind(id.as_uuid())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(organisation_from_row).transpose()
}

async fn insert_organisation(
    conn: &mut SqliteConnection,
    request_id: Option<&RequestId>,
    new: &NewOrganisation,
    now: Timestamp,
) -> StoreResult<Organisation> {
    let taken: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM organisations WHERE name = ? COLLATE NOCASE")
            .bind(&new.name)
            .fetch_optional(&mut *conn)
            .await?;
    if taken.is_some() {
        return Err(Error::AlreadyExists(format!(
            "an organisation named {:?} already exists",
            new.name
        ))
        .into());
    }
    let id = OrganisationId::generate();
    sqlx::query("INSERT INTO organisations (id, name, kind, departement, request_id, created_at) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(id.as_uuid())
        .bind(&new.name)
        .bind(new.kind.as_str())
        .bind(new.departement.map(|d| d.code()))
        .bind(request_id.map(RequestId::as_str))
        .bind(micros(now))
        .execute(&mut *conn)
        .await?;
    fetch_organisation(conn, id)
        .await?
        .ok_or_else(|| not_found("organisation just created"))
}

// ---------------------------------------------------------------- accounts

const ACCOUNT_SELECT: &str = "SELECT a.id, a.organisation_id, o.name AS organisation_name, a.name, a.email, \
     a.role, a.created_at, a.disabled_at FROM accounts a JOIN organisations o ON o.id = a.organisation_id";

fn account_from_row(row: &SqliteRow) -> StoreResult<Account> {
    Ok(Account {
        id: AccountId::from_uuid(row.try_get("id")?),
        organisation: org_ref(row, "organisation_id", "organisation_name")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        role: named(row.try_get("role")?, Role::from_name, "role")?,
        created_at: instant(row.try_get("created_at")?)?,
        disabled_at: optional_instant(row.try_get("disabled_at")?)?,
    })
}

async fn fetch_account(conn: &mut SqliteConnection, id: AccountId) -> StoreResult<Option<Account>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{ACCOUNT_SELECT} WHERE a.id = ?"
    )))
    .bind(id.as_uuid())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(account_from_row).transpose()
}

async fn insert_account(
    conn: &mut SqliteConnection,
    request_id: Option<&RequestId>,
    new: &NewAccount,
    token: &NewToken,
    now: Timestamp,
) -> StoreResult<Account> {
    let organisation = fetch_organisation(&mut *conn, new.organisation)
        .await?
        .ok_or_else(|| Error::invalid_field("organisation_id", "no such organisation"))?;
    new.role
        .check_allowed_in(organisation.kind)
        .map_err(|reason| Error::invalid_field("role", reason))?;
    let taken: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM accounts WHERE email = ? COLLATE NOCASE")
            .bind(&new.email)
            .fetch_optional(&mut *conn)
            .await?;
    if taken.is_some() {
        return Err(Error::AlreadyExists(format!(
            "an account with the e-mail address {} already exists",
            new.email
        ))
        .into());
    }
    let id = AccountId::generate();
    sqlx::query(
        "INSERT INTO accounts (id, organisation_id, name, email, role, request_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id.as_uuid())
    .bind(new.organisation.as_uuid())
    .bind(&new.name)
    .bind(&new.email)
    .bind(new.role.as_str())
    .bind(request_id.map(RequestId::as_str))
    .bind(micros(now))
    .execute(&mut *conn)
    .await?;
    credentials::insert_token(&mut *conn, id, token, now).await?;
    fetch_account(conn, id)
        .await?
        .ok_or_else(|| not_found("account just created"))
}

// ---------------------------------------------------------------- cases

const CASE_SELECT: &str = "SELECT c.id, c.reference, c.status, c.category, cc.subject, cc.description, \
     c.urgent, cc.urgency_reason, cc.beneficiary, cc.dependants, cc.consent_type, cc.consent_date, \
     cc.partner_reference, c.departement, c.submitter_org_id, so.name AS submitter_name, \
     c.submitted_by, sa.name AS submitted_by_name, c.handler_org_id, ho.name AS handler_name, \
     c.assignee_id, aa.name AS assignee_name, c.resolution_outcome, c.resolved_at, c.usefulness, \
     c.created_at, c.updated_at, k.sla, c.sla_due_at \
     FROM cases c \
     JOIN case_contents cc ON cc.case_id = c.id \
     LEFT JOIN case_clocks k ON k.case_id = c.id \
     JOIN organisations so ON so.id = c.submitter_org_id \
     JOIN accounts sa ON sa.id = c.submitted_by \
     JOIN organisations ho ON ho.id = c.handler_org_id \
     LEFT JOIN accounts aa ON aa.id = c.assignee_id";

fn case_from_row(row: &SqliteRow) -> StoreResult<Case> {
    let reference: String = row.try_get("reference")?;
    let urgency = if row.try_get::<bool, _>("urgent")? {
        Urgency::Urgent {
            reason: row
                .try_get::<Option<String>, _>("urgency_reason")?
                .unwrap_or_default(),
        }
    } else {
        Urgency::Normal
    };
    let consent_date: String = row.try_get("consent_date")?;
    let assignee = optional_account_ref(row, "assignee_id", "assignee_name")?;
    let resolution = match row.try_get::<Option<String>, _>("resolution_outcome")? {
        Some(outcome) => Some(Resolution {
            outcome: named(&outcome, Outcome::from_name, "outcome")?,
            at: instant(row.try_get("resolved_at")?)?,
        }),
        None => None,
    };
    Ok(Case {
        id: CaseId::from_uuid(row.try_get("id")?),
        reference: CaseRef::parse(&reference)
            .map_err(|e| StoreError::Corrupt(format!("reference {reference}: {e}")))?,
        status: named(row.try_get("status")?, Status::from_name, "status")?,
        category: named(
            row.try_get("category")?,
            relais_core::case::Category::from_name,
            "category",
        )?,
        subject: row.try_get("subject")?,
        description: row.try_get("description")?,
        urgency,
        beneficiary: json::<Beneficiary>(row.try_get("beneficiary")?, "beneficiary")?,
        dependants: json::<Vec<Dependant>>(row.try_get("dependants")?, "dependants")?,
        consent: Consent {
            kind: named(
                row.try_get("consent_type")?,
                ConsentType::from_name,
                "consent type",
            )?,
            date: consent_date
                .parse::<Date>()
                .map_err(|e| StoreError::Corrupt(format!("consent date: {e}")))?,
        },
        partner_reference: row.try_get("partner_reference")?,
        submitter: org_ref(row, "submitter_org_id", "submitter_name")?,
        submitted_by: account_ref(row, "submitted_by", "submitted_by_name")?,
        handler: org_ref(row, "handler_org_id", "handler_name")?,
        assignee,
        departement: departement(row.try_get("departement")?)?,
        created_at: instant(row.try_get("created_at")?)?,
        updated_at: instant(row.try_get("updated_at")?)?,
        resolution,
        usefulness: optional_named(
            row.try_get("usefulness")?,
            Usefulness::from_name,
            "usefulness",
        )?,
        sla: row
            .try_get::<Option<String>, _>("sla")?
            .map(|text| json(&text, "SLA clocks"))
            .transpose()?,
    })
}

async fn fetch_case(conn: &mut SqliteConnection, key: &CaseKey) -> StoreResult<Option<Case>> {
    let row = match key {
        CaseKey::Id(id) => {
            sqlx::query(sqlx::AssertSqlSafe(format!("{CASE_SELECT} WHERE c.id = ?")))
                .bind(id.as_uuid())
                .fetch_optional(conn)
                .await?
        }
        CaseKey::Reference(reference) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "{CASE_SELECT} WHERE c.reference = ?"
            )))
            .bind(reference.as_str())
            .fetch_optional(conn)
            .await?
        }
    };
    row.as_ref().map(case_from_row).transpose()
}

async fn fetch_existing_case(conn: &mut SqliteConnection, id: CaseId) -> StoreResult<Case> {
    fetch_case(conn, &CaseKey::Id(id))
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("case {id} vanished inside its transaction")))
}

// ---------------------------------------------------------------- events and messages

const EVENT_SELECT: &str = "SELECT e.sequence, e.case_id, c.reference, e.kind, e.at, \
     e.actor_id, aa.name AS actor_name, e.actor_org_id, ao.name AS actor_org_name, \
     e.from_status, e.to_status, e.reason, e.from_org_id, fo.name AS from_org_name, \
     e.to_org_id, tor.name AS to_org_name, e.message_id, e.message_kind, \
     e.submitter_org_id, e.handler_org_id, e.sla_target, e.escalation_level \
     FROM case_events e \
     JOIN cases c ON c.id = e.case_id \
     LEFT JOIN accounts aa ON aa.id = e.actor_id \
     LEFT JOIN organisations ao ON ao.id = e.actor_org_id \
     LEFT JOIN organisations fo ON fo.id = e.from_org_id \
     LEFT JOIN organisations tor ON tor.id = e.to_org_id";

/// The organisation a row names, if its `id` column is not NULL.
fn optional_org_ref(row: &SqliteRow, id: &str, name: &str) -> StoreResult<Option<OrgRef>> {
    match row.try_get::<Option<Uuid>, _>(id)? {
        Some(_) => org_ref(row, id, name).map(Some),
        None => Ok(None),
    }
}

/// The account a row names, if its `id` column is not NULL.
fn optional_account_ref(row: &SqliteRow, id: &str, name: &str) -> StoreResult<Option<AccountRef>> {
    match row.try_get::<Option<Uuid>, _>(id)? {
        Some(_) => account_ref(row, id, name).map(Some),
        None => Ok(None),
    }
}

fn event_from_row(row: &SqliteRow) -> StoreResult<CaseEvent> {
    let reference: String = row.try_get("reference")?;
    let sequence: i64 = row.try_get("sequence")?;
    let actor = optional_account_ref(row, "actor_id", "actor_name")?;
    let actor_organisation = optional_org_ref(row, "actor_org_id", "actor_org_name")?;
    let sla = match row.try_get::<Option<String>, _>("sla_target")? {
        Some(target) => Some((
            named(&target, TargetKind::from_name, "SLA target")?,
            u8::try_from(
                row.try_get::<Option<i64>, _>("escalation_level")?
                    .unwrap_or(0),
            )
            .map_err(|_| StoreError::Corrupt(format!("event {sequence}: escalation level")))?,
        )),
        None => None,
    };
    let message = match (
        row.try_get::<Option<Uuid>, _>("message_id")?,
        row.try_get::<Option<String>, _>("message_kind")?,
    ) {
        (Some(id), Some(kind)) => Some((
            MessageId::from_uuid(id),
            named(&kind, MessageKind::from_name, "message kind")?,
        )),
        _ => None,
    };
    Ok(CaseEvent {
        sequence: u64::try_from(sequence)
            .map_err(|_| StoreError::Corrupt(format!("event sequence {sequence}")))?,
        case_id: CaseId::from_uuid(row.try_get("case_id")?),
        case_reference: CaseRef::parse(&reference)
            .map_err(|e| StoreError::Corrupt(format!("reference {reference}: {e}")))?,
        at: instant(row.try_get("at")?)?,
        actor,
        actor_organisation,
        kind: named(row.try_get("kind")?, EventKind::from_name, "event kind")?,
        from_status: optional_named(row.try_get("from_status")?, Status::from_name, "status")?,
        to_status: named(row.try_get("to_status")?, Status::from_name, "status")?,
        reason: row.try_get("reason")?,
        from_organisation: optional_org_ref(row, "from_org_id", "from_org_name")?,
        to_organisation: optional_org_ref(row, "to_org_id", "to_org_name")?,
        message,
        sla,
        submitter: OrganisationId::from_uuid(row.try_get("submitter_org_id")?),
        handler: OrganisationId::from_uuid(row.try_get("handler_org_id")?),
    })
}

/// Who and what an event records, besides the change itself.
struct EventContext<'a> {
    /// `None` for what the service raises itself.
    actor: Option<&'a Actor>,
    /// The client's request id, which makes a retried change find its first result.
    request_id: Option<&'a RequestId>,
    sla: Option<(TargetKind, u8)>,
}

/// Records an event and returns it as stored (with its sequence number).
async fn insert_event(
    conn: &mut SqliteConnection,
    case: &Case,
    event: &NewEvent,
    context: EventContext<'_>,
    at: Timestamp,
) -> StoreResult<CaseEvent> {
    let sequence: i64 = sqlx::query_scalar(
        "INSERT INTO case_events (case_id, kind, at, actor_id, actor_org_id, from_status, to_status, reason, \
         from_org_id, to_org_id, message_id, message_kind, submitter_org_id, handler_org_id, request_id, \
         sla_target, escalation_level) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING sequence",
    )
    .bind(case.id.as_uuid())
    .bind(event.kind.as_str())
    .bind(micros(at))
    .bind(context.actor.map(|a| a.account.id.as_uuid()))
    .bind(context.actor.map(|a| a.organisation.id.as_uuid()))
    .bind(event.from_status.map(Status::as_str))
    .bind(event.to_status.as_str())
    .bind(event.reason.as_deref())
    .bind(event.from_organisation.as_ref().map(|o| o.id.as_uuid()))
    .bind(event.to_organisation.as_ref().map(|o| o.id.as_uuid()))
    .bind(event.message.map(|(id, _)| id.as_uuid()))
    .bind(event.message.map(|(_, kind)| kind.as_str()))
    .bind(case.submitter.id.as_uuid())
    .bind(case.handler.id.as_uuid())
    .bind(context.request_id.map(RequestId::as_str))
    .bind(context.sla.map(|(target, _)| target.as_str()))
    .bind(context.sla.map(|(_, level)| i64::from(level)))
    .fetch_one(&mut *conn)
    .await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{EVENT_SELECT} WHERE e.sequence = ?"
    )))
    .bind(sequence)
    .fetch_one(conn)
    .await?;
    event_from_row(&row)
}

const MESSAGE_SELECT: &str = "SELECT m.id, m.case_id, m.kind, m.author_id, a.name AS author_name, \
     m.author_org_id, o.name AS author_org_name, m.body, m.created_at \
     FROM messages m JOIN accounts a ON a.id = m.author_id JOIN organisations o ON o.id = m.author_org_id";

fn message_from_row(row: &SqliteRow) -> StoreResult<Message> {
    Ok(Message {
        id: MessageId::from_uuid(row.try_get("id")?),
        case_id: CaseId::from_uuid(row.try_get("case_id")?),
        kind: named(row.try_get("kind")?, MessageKind::from_name, "message kind")?,
        author: account_ref(row, "author_id", "author_name")?,
        author_organisation: org_ref(row, "author_org_id", "author_org_name")?,
        body: row.try_get("body")?,
        created_at: instant(row.try_get("created_at")?)?,
    })
}

async fn fetch_message(conn: &mut SqliteConnection, id: MessageId) -> StoreResult<Option<Message>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{MESSAGE_SELECT} WHERE m.id = ?"
    )))
    .bind(id.as_uuid())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(message_from_row).transpose()
}

async fn apply_transition(
    conn: &mut SqliteConnection,
    case: &Case,
    transition: &Transition,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE cases SET status = ?, assignee_id = ?, handler_org_id = ?, resolution_outcome = ?, \
         resolved_at = ?, usefulness = ?, updated_at = ? WHERE id = ?",
    )
    .bind(transition.status.as_str())
    .bind(transition.assignee.as_ref().map(|a| a.id.as_uuid()))
    .bind(transition.handler.id.as_uuid())
    .bind(transition.resolution.map(|r| r.outcome.as_str()))
    .bind(transition.resolution.map(|r| micros(r.at)))
    .bind(transition.usefulness.map(Usefulness::as_str))
    .bind(micros(now))
    .bind(case.id.as_uuid())
    .execute(&mut *conn)
    .await?;
    if let Some(message) = &transition.message {
        sqlx::query(
            "INSERT INTO messages (id, case_id, kind, author_id, author_org_id, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(message.id.as_uuid())
        .bind(case.id.as_uuid())
        .bind(message.kind.as_str())
        .bind(message.author.id.as_uuid())
        .bind(message.author_organisation.id.as_uuid())
        .bind(&message.body)
        .bind(micros(message.created_at))
        .execute(conn)
        .await?;
    }
    Ok(())
}

impl SqliteStore {
    /// Stores many submissions in one transaction: one refused submission
    /// (one that cannot be routed, say) leaves the others. An `Ok` outside
    /// means everything accepted is committed. The fast path that seeds a
    /// store for benchmarks.
    pub async fn submit_many(
        &self,
        submissions: &[Submission],
    ) -> StoreResult<Vec<StoreResult<Submitted>>> {
        let mut writer = self.inner.writer.lock().await;
        let mut tx = writer.begin().await?;
        let outcomes = submit::insert_submissions(&mut tx, submissions).await?;
        tx.commit().await?;
        Ok(outcomes
            .into_iter()
            .map(|outcome| {
                outcome.map(|inserted| {
                    if let Some(event) = inserted.event {
                        self.inner.events.publish(event);
                    }
                    inserted.submitted
                })
            })
            .collect())
    }
}

// ---------------------------------------------------------------- the trait

impl CredentialStore for SqliteStore {
    async fn add_token(
        &self,
        account: AccountId,
        token: &NewToken,
        now: Timestamp,
    ) -> StoreResult<TokenInfo> {
        let mut writer = self.inner.writer.lock().await;
        let mut tx = writer.begin().await?;
        if fetch_account(&mut tx, account).await?.is_none() {
            return Err(not_found(format!("account {account}")));
        }
        credentials::insert_token(&mut tx, account, token, now).await?;
        let info = credentials::fetch_token(&mut tx, token.id, now)
            .await?
            .ok_or_else(|| StoreError::Corrupt("a token vanished".to_owned()))?;
        tx.commit().await?;
        Ok(info)
    }

    async fn token_owner(
        &self,
        secret_hash: &[u8; 32],
        now: Timestamp,
    ) -> StoreResult<Option<CredentialOwner>> {
        let mut conn = self.inner.reader.acquire().await?;
        credentials::token_owner(&mut conn, secret_hash, now).await
    }

    async fn certificate_owner(
        &self,
        fingerprint: &[u8; 32],
    ) -> StoreResult<Option<CredentialOwner>> {
        let mut conn = self.inner.reader.acquire().await?;
        credentials::certificate_owner(&mut conn, fingerprint).await
    }

    async fn token(&self, id: TokenId, now: Timestamp) -> StoreResult<Option<TokenInfo>> {
        let mut conn = self.inner.reader.acquire().await?;
        credentials::fetch_token(&mut conn, id, now).await
    }

    async fn list_tokens(
        &self,
        account: Option<AccountId>,
        page: &PageRequest,
        now: Timestamp,
    ) -> StoreResult<Page<TokenInfo>> {
        let mut conn = self.inner.reader.acquire().await?;
        credentials::list_tokens(&mut conn, account, page, now).await
    }

    async fn revoke_token(&self, id: TokenId, now: Timestamp) -> StoreResult<TokenInfo> {
        let mut writer = self.inner.writer.lock().await;
        let mut tx = writer.begin().await?;
        let info = credentials::revoke_token(&mut tx, id, now).await?;
        tx.commit().await?;
        Ok(info)
    }

    async fn rotate_token(
        &self,
        id: TokenId,
        new: &NewToken,
        old_expires_at: Timestamp,
        now: Timestamp,
    ) -> StoreResult<(TokenInfo, TokenInfo)> {
        let mut writer = self.inner.writer.lock().await;
        let mut tx = writer.begin().await?;
        let rotated = credentials::rotate_token(&mut tx, id, new, old_expires_at, now).await?;
        tx.commit().await?;
        Ok(rotated)
    }

    async fn touch_token(&self, id: TokenId, now: Timestamp) -> StoreResult<()> {
        let mut writer = self.inner.writer.lock().await;
        credentials::touch_token(&mut writer, id, now).await
    }

    async fn bind_certificate(
        &self,
        account: AccountId,
        fingerprint: &[u8; 32],
        now: Timestamp,
    ) -> StoreResult<CertificateBinding> {
        let mut writer = self.inner.writer.lock().await;
        let mut tx = writer.begin().await?;
        let binding = credentials::bind_certificate(&mut tx, account, fingerprint, now).await?;
        tx.commit().await?;
        Ok(binding)
    }

    async fn list_certificates(
        &self,
        account: Option<AccountId>,
    ) -> StoreResult<Vec<CertificateBinding>> {
        let mut conn = self.inner.reader.acquire().await?;
        credentials::list_certificates(&mut conn, account).await
    }

    async fn unbind_certificate(&self, fingerprint: &[u8; 32]) -> StoreResult<CertificateBinding> {
        let mut writer = self.inner.writer.lock().await;
        let mut tx = writer.begin().await?;
        let binding = credentials::unbind_certificate(&mut tx, fingerprint).await?;
        tx.commit().await?;
        Ok(binding)
    }
}

impl OrganisationStore for SqliteStore {
    async fn bootstrap_admin(
        &self,
        admin: &BootstrapAdmin,
        now: Timestamp,
    ) -> StoreResult<Option<Account>> {
        let mut writer = self.inner.writer.lock().await;
        let mut tx = writer.begin().await?;
        let existing: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM accounts WHERE role = 'admin' LIMIT 1")
                .fetch_optional(&mut *tx)
                .await?;
        if existing.is_some() {
            return Ok(None);
        }
        let organisation = NewOrganisation {
            name: admin.organisation_name.clone(),
            kind: OrganisationKind::Other,
            departement: None,
        };
        let organisation = insert_organisation(&mut tx, None, &organisation, now).await?;
        let account = NewAccount {
            organisation: organisation.id,
            name: admin.name.clone(),
            email: admin.email.clone(),
            role: Role::Admin,
        };
        let account = insert_account(&mut tx, None, &account, &admin.token, now).await?;
        tx.commit().await?;
        Ok(Some(account))
    }

    async fn create_organisation(
        &self,
        request_id: &RequestId,
        new: &NewOrganisation,
        now: Timestamp,
    ) -> StoreResult<Organisation> {
        let mut writer = self.inner.writer.lock().await;
        let mut tx = writer.begin().await?;
        let earlier = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORGANISATION_COLUMNS} FROM organisations WHERE request_id = ?"
        )))
        .bind(request_id.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = earlier {
            return organisation_from_row(&row);
        }
        let organisation = insert_organisation(&mut tx, Some(request_id), new, now).await?;
        tx.commit().await?;
        Ok(organisation)
    }

    async fn organisation(&self, id: OrganisationId) -> StoreResult<Option<Organisation>> {
        let mut conn = self.inner.reader.acquire().await?;
        fetch_organisation(&mut conn, id).await
    }

    async fn list_organisations(
        &self,
        filter: &OrganisationFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Organisation>> {
        let limit = page.limit(DEFAULT_DIRECTORY_PAGE);
        let cursor = Cursor::decode(&page.token, CREATION_ORDER)?;
        let mut query = QueryBuilder::<Sqlite>::new(format!(
            "SELECT {ORGANISATION_COLUMNS} FROM organisations WHERE 1 = 1"
        ));
        if let Some(kind) = filter.kind {
            query.push(" AND kind = ").push_bind(kind.as_str());
        }
        if let Some(departement) = filter.departement {
            query
                .push(" AND departement = ")
                .push_bind(departement.code());
        }
        push_cursor(&mut query, "created_at", "id", cursor);
        query
            .push(" ORDER BY created_at, id LIMIT ")
            .push_bind(i64::from(limit) + 1);
        let rows = query.build().fetch_all(&self.inner.reader).await?;
        let items = rows
            .iter()
            .map(|row| {
                let organisation = organisation_from_row(row)?;
                Ok((
                    created_cursor(organisation.created_at, organisation.id.as_uuid()),
                    organisation,
                ))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(paginate(items, limit))
    }

    async fn create_account(
        &self,
        request_id: &RequestId,
        new: &NewAccount,
        token: &NewToken,
        now: Timestamp,
    ) -> StoreResult<(Account, bool)> {
        let mut writer = self.inner.writer.lock().await;
        let mut tx = writer.begin().await?;
        let earlier = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{ACCOUNT_SELECT} WHERE a.request_id = ?"
        )))
        .bind(request_id.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = earlier {
            return Ok((account_from_row(&row)?, false));
        }
        let account = insert_account(&mut tx, Some(request_id), new, token, now).await?;
        tx.commit().await?;
        Ok((account, true))
    }

    async fn account(&self, id: AccountId) -> StoreResult<Option<Account>> {
        let mut conn = self.inner.reader.acquire().await?;
        fetch_account(&mut conn, id).await
    }

    async fn list_accounts(
        &self,
        organisation: Option<OrganisationId>,
        page: &PageRequest,
    ) -> StoreResult<Page<Account>> {
        let limit = page.limit(DEFAULT_DIRECTORY_PAGE);
        let cursor = Cursor::decode(&page.token, CREATION_ORDER)?;
        let mut query = QueryBuilder::<Sqlite>::new(format!("{ACCOUNT_SELECT} WHERE 1 = 1"));
        if let Some(organisation) = organisation {
            query
                .push(" AND a.organisation_id = ")
                .push_bind(organisation.as_uuid());
        }
        push_cursor(&mut query, "a.created_at", "a.id", cursor);
        query
            .push(" ORDER BY a.created_at, a.id LIMIT ")
            .push_bind(i64::from(limit) + 1);
        let rows = query.build().fetch_all(&self.inner.reader).await?;
        let items = rows
            .iter()
            .map(|row| {
                let account = account_from_row(row)?;
                Ok((
                    created_cursor(account.created_at, account.id.as_uuid()),
                    account,
                ))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(paginate(items, limit))
    }

    async fn disable_account(&self, id: AccountId, now: Timestamp) -> StoreResult<Account> {
        let mut writer = self.inner.writer.lock().await;
        let mut tx = writer.begin().await?;
        sqlx::query("UPDATE accounts SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL")
            .bind(micros(now))
            .bind(id.as_uuid())
            .execute(&mut *tx)
            .await?;
        let account = fetch_account(&mut tx, id)
            .await?
            .ok_or_else(|| not_found(format!("account {id}")))?;
        tx.commit().await?;
        Ok(account)
    }
}

impl CaseStore for SqliteStore {
    async fn submit_case(&self, submission: Submission) -> StoreResult<Submitted> {
        let answered = self.inner.waiting.push(submission);
        // Whoever gets the writer stores every submission waiting then. It
        // does so in a task of its own: a caller that goes away mid-way
        // must not take the other callers' cases down with it.
        let inner = Arc::clone(&self.inner);
        tokio::spawn(async move {
            let mut writer = inner.writer.lock().await;
            let group = inner.waiting.take();
            if !group.is_empty() {
                group_commit::store_group(&mut writer, &inner.events, group).await;
            }
        });
        answered.await.unwrap_or_else(|_| group_commit::lost())
    }

    async fn case(&self, key: &CaseKey) -> StoreResult<Option<Case>> {
        let mut conn = self.inner.reader.acquire().await?;
        fetch_case(&mut conn, key).await
    }

    async fn update_case<F>(
        &self,
        key: &CaseKey,
        request_id: &RequestId,
        actor: &Actor,
        now: Timestamp,
        decide: F,
    ) -> StoreResult<Updated>
    where
        F: FnOnce(&Case) -> Result<Transition, Error> + Send,
    {
        let mut writer = self.inner.writer.lock().await;
        let mut tx = writer.begin().await?;
        let case = fetch_case(&mut tx, key)
            .await?
            .ok_or_else(|| not_found(format!("case {key}")))?;
        let earlier: Option<Option<Uuid>> = sqlx::query_scalar(
            "SELECT message_id FROM case_events WHERE case_id = ? AND request_id = ?",
        )
        .bind(case.id.as_uuid())
        .bind(request_id.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(message_id) = earlier {
            let message = match message_id {
                Some(id) => fetch_message(&mut tx, MessageId::from_uuid(id)).await?,
                None => None,
            };
            return Ok(Updated {
                case,
                message,
                replayed: true,
            });
        }
        // Thresholds passed since the sweeper's last pass are raised before
        // the change, so that none is skipped by a change that ends the clock.
        let mut clocks = case.sla.clone();
        let mut events = match clocks.as_mut() {
            Some(clocks) => sla::raise_due(&mut tx, &case, clocks, now).await?,
            None => Vec::new(),
        };
        let transition = decide(&case)?;
        apply_transition(&mut tx, &case, &transition, now).await?;
        if let Some(clocks) = clocks.as_mut() {
            let handler = transition.handler.id;
            let calendar = sla::working_calendar(&mut tx, handler).await?;
            let (policy, _) = sla::effective_policy(&mut tx, Some(handler), case.category).await?;
            let round_the_clock = Calendar::round_the_clock();
            let calendars = Calendars {
                working: &calendar,
                round_the_clock: &round_the_clock,
            };
            clocks.record(&transition.event, now, &policy, &calendars);
            sla::save_clocks(&mut tx, case.id, clocks).await?;
        }
        let updated = fetch_existing_case(&mut tx, case.id).await?;
        let context = EventContext {
            actor: Some(actor),
            request_id: Some(request_id),
            sla: None,
        };
        events.push(insert_event(&mut tx, &updated, &transition.event, context, now).await?);
        let message = match &transition.message {
            Some(message) => fetch_message(&mut tx, message.id).await?,
            None => None,
        };
        tx.commit().await?;
        for event in events {
            self.inner.events.publish(event);
        }
        Ok(Updated {
            case: updated,
            message,
            replayed: false,
        })
    }

    async fn list_cases(&self, filter: &CaseFilter, page: &PageRequest) -> StoreResult<Page<Case>> {
        let limit = page.limit(DEFAULT_CASE_PAGE);
        let (order, key) = match filter.order {
            CaseOrder::OldestFirst => (CREATION_ORDER, "c.created_at"),
            // Cases without a running promise sort last.
            CaseOrder::DueFirst => (DUE_ORDER, "COALESCE(c.sla_due_at, 9223372036854775807)"),
        };
        let cursor = Cursor::decode(&page.token, order)?;
        let mut query = QueryBuilder::<Sqlite>::new(format!("{CASE_SELECT} WHERE 1 = 1"));
        match filter.scope {
            CaseScope::SubmittedBy(org) => {
                query
                    .push(" AND c.submitter_org_id = ")
                    .push_bind(org.as_uuid());
            }
            CaseScope::HandledBy(org) => {
                query
                    .push(" AND c.handler_org_id = ")
                    .push_bind(org.as_uuid());
            }
            CaseScope::All => {}
        }
        if !filter.statuses.is_empty() {
            query.push(" AND c.status IN (");
            let mut list = query.separated(", ");
            for status in &filter.statuses {
                list.push_bind(status.as_str());
            }
            query.push(")");
        }
        if !filter.categories.is_empty() {
            query.push(" AND c.category IN (");
            let mut list = query.separated(", ");
            for category in &filter.categories {
                list.push_bind(category.as_str());
            }
            query.push(")");
        }
        if let Some(handler) = filter.handler {
            query
                .push(" AND c.handler_org_id = ")
                .push_bind(handler.as_uuid());
        }
        if let Some(submitter) = filter.submitter {
            query
                .push(" AND c.submitter_org_id = ")
                .push_bind(submitter.as_uuid());
        }
        if let Some(assignee) = filter.assignee {
            query
                .push(" AND c.assignee_id = ")
                .push_bind(assignee.as_uuid());
        }
        if filter.escalated {
            query.push(" AND c.sla_escalation > 0");
        }
        if let Some(before) = filter.due_before {
            query.push(" AND c.sla_due_at < ").push_bind(micros(before));
        }
        push_cursor(&mut query, key, "c.id", cursor);
        query
            .push(format!(" ORDER BY {key}, c.id LIMIT "))
            .push_bind(i64::from(limit) + 1);
        let rows = query.build().fetch_all(&self.inner.reader).await?;
        let items = rows
            .iter()
            .map(|row| {
                let case = case_from_row(row)?;
                let cursor = match filter.order {
                    CaseOrder::OldestFirst => created_cursor(case.created_at, case.id.as_uuid()),
                    CaseOrder::DueFirst => Cursor {
                        order: DUE_ORDER,
                        key: row
                            .try_get::<Option<i64>, _>("sla_due_at")?
                            .unwrap_or(i64::MAX),
                        id: case.id.as_uuid(),
                    },
                };
                Ok((cursor, case))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(paginate(items, limit))
    }

    async fn messages(&self, case: CaseId) -> StoreResult<Vec<Message>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{MESSAGE_SELECT} WHERE m.case_id = ? ORDER BY m.created_at, m.id"
        )))
        .bind(case.as_uuid())
        .fetch_all(&self.inner.reader)
        .await?;
        rows.iter().map(message_from_row).collect()
    }

    async fn history(&self, case: CaseId) -> StoreResult<Vec<CaseEvent>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{EVENT_SELECT} WHERE e.case_id = ? ORDER BY e.sequence"
        )))
        .bind(case.as_uuid())
        .fetch_all(&self.inner.reader)
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    async fn possible_duplicates(&self, case: CaseId) -> StoreResult<Vec<PossibleDuplicate>> {
        let mut conn = self.inner.reader.acquire().await?;
        batch::possible_duplicates(&mut conn, case).await
    }

    async fn transferred_from(
        &self,
        case: CaseId,
        organisation: OrganisationId,
    ) -> StoreResult<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM case_events WHERE case_id = ? AND kind = 'transferred' AND from_org_id = ? LIMIT 1",
        )
        .bind(case.as_uuid())
        .bind(organisation.as_uuid())
        .fetch_optional(&self.inner.reader)
        .await?;
        Ok(found.is_some())
    }

    async fn events_after(&self, sequence: u64, limit: u32) -> StoreResult<Vec<CaseEvent>> {
        let after = i64::try_from(sequence).unwrap_or(i64::MAX);
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{EVENT_SELECT} WHERE e.sequence > ? ORDER BY e.sequence LIMIT ?"
        )))
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.inner.reader)
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    async fn last_event_sequence(&self) -> StoreResult<u64> {
        let last: Option<i64> = sqlx::query_scalar("SELECT MAX(sequence) FROM case_events")
            .fetch_one(&self.inner.reader)
            .await?;
        Ok(last.and_then(|s| u64::try_from(s).ok()).unwrap_or(0))
    }
}

impl BatchStore for SqliteStore {
    async fn open_batch(&self, new: &NewBatch) -> StoreResult<Batch> {
        let mut writer = self.inner.writer.lock().await;
        let mut tx = writer.begin().await?;
        let batch = batch::open_batch(&mut tx, new).await?;
        tx.commit().await?;
        Ok(batch)
    }

    async fn store_batch_households(
        &self,
        id: BatchId,
        households: Vec<BatchHousehold>,
        now: Timestamp,
    ) -> StoreResult<Vec<BatchRowResult>> {
        let mut writer = self.inner.writer.lock().await;
        let mut tx = writer.begin().await?;
        let (results, events) = batch::store_households(&mut tx, id, households, now).await?;
        tx.commit().await?;
        // Still holding the writer: events reach watchers in commit order.
        for event in events {
            self.inner.events.publish(event);
        }
        Ok(results)
    }

    async fn list_batches(
        &self,
        organisation: OrganisationId,
        page: &PageRequest,
    ) -> StoreResult<Page<Batch>> {
        let cursor = Cursor::decode(&page.token, BATCH_ORDER)?;
        let limit = page.limit(DEFAULT_DIRECTORY_PAGE);
        let mut conn = self.inner.reader.acquire().await?;
        let batches = batch::list_batches(
            &mut conn,
            organisation,
            cursor.map(|cursor| (cursor.key, cursor.id)),
            limit + 1,
        )
        .await?;
        let rows = batches
            .into_iter()
            .map(|batch| {
                let cursor = Cursor {
                    order: BATCH_ORDER,
                    key: micros(batch.created_at),
                    id: batch.id.as_uuid(),
                };
                (cursor, batch)
            })
            .collect();
        Ok(paginate(rows, limit))
    }

    async fn batch(&self, organisation: OrganisationId, key: &str) -> StoreResult<Option<Batch>> {
        let mut conn = self.inner.reader.acquire().await?;
        batch::find_batch(&mut conn, organisation, key).await
    }

    async fn batch_rows(
        &self,
        id: BatchId,
        after: u64,
        limit: u32,
    ) -> StoreResult<Vec<BatchRowResult>> {
        let mut conn = self.inner.reader.acquire().await?;
        batch::batch_rows(&mut conn, id, after, limit).await
    }
}

impl SlaStore for SqliteStore {
    async fn sla_policies(
        &self,
        organisation: Option<OrganisationId>,
    ) -> StoreResult<Vec<PolicyEntry>> {
        let mut conn = self.inner.reader.acquire().await?;
        if let Some(id) = organisation {
            fund(&mut conn, id).await?;
        }
        let mut entries = Vec::with_capacity(Category::ALL.len());
        for category in Category::ALL {
            let (policy, scope) = sla::effective_policy(&mut conn, organisation, *category).await?;
            entries.push(PolicyEntry {
                category: *category,
                organisation: match scope.as_deref() {
                    None | Some(sla::DEFAULT_SCOPE) => None,
                    Some(_) => organisation,
                },
                policy,
                built_in: scope.is_none(),
            });
        }
        Ok(entries)
    }

    async fn set_sla_policy(
        &self,
        organisation: Option<OrganisationId>,
        category: Category,
        policy: &SlaPolicy,
        now: Timestamp,
    ) -> StoreResult<PolicyEntry> {
        let mut writer = self.inner.writer.lock().await;
        let mut tx = writer.begin().await?;
        if let Some(id) = organisation {
            fund(&mut tx, id).await?;
        }
        sla::save_policy(&mut tx, organisation, category, policy, now).await?;
        tx.commit().await?;
        Ok(PolicyEntry {
            category,
            organisation,
            policy: policy.clone(),
            built_in: false,
        })
    }

    async fn calendar_config(
        &self,
        organisation: OrganisationId,
    ) -> StoreResult<Option<CalendarConfig>> {
        let known = self
            .inner
            .calendars
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&organisation)
            .cloned();
        if known.is_some() {
            return Ok(known);
        }
        let mut conn = self.inner.reader.acquire().await?;
        let config = sla::calendar_config(&mut conn, organisation).await?;
        // Only organisations that exist are kept, so that unknown ids cannot
        // grow the copy. Kept only if nothing newer was written meanwhile:
        // `set_calendar_config` stores what it committed.
        if let Some(config) = &config {
            self.inner
                .calendars
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(organisation)
                .or_insert_with(|| config.clone());
        }
        Ok(config)
    }

    async fn set_calendar_config(
        &self,
        organisation: OrganisationId,
        config: &CalendarConfig,
        now: Timestamp,
    ) -> StoreResult<CalendarConfig> {
        let mut writer = self.inner.writer.lock().await;
        let mut tx = writer.begin().await?;
        fund(&mut tx, organisation).await?;
        sla::save_calendar_config(&mut tx, organisation, config, now).await?;
        let stored = sla::calendar_config(&mut tx, organisation)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("calendar of {organisation} vanished")))?;
        tx.commit().await?;
        self.inner
            .calendars
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(organisation, stored.clone());
        Ok(stored)
    }

    async fn sweep_sla(&self, now: Timestamp, limit: u32) -> StoreResult<usize> {
        let mut writer = self.inner.writer.lock().await;
        let mut tx = writer.begin().await?;
        let (looked_at, events) = sla::sweep(&mut tx, now, limit).await?;
        tx.commit().await?;
        for event in events {
            self.inner.events.publish(event);
        }
        Ok(looked_at)
    }

    async fn report_figures(&self, query: &ReportQuery) -> StoreResult<Vec<CaseFigures>> {
        sla::report_figures(&self.inner.reader, query).await
    }
}

impl AuditStore for SqliteStore {
    async fn append_audit(&self, entries: &[AuditEntry]) -> StoreResult<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut writer = self.inner.writer.lock().await;
        let mut tx = writer.begin().await?;
        audit::append(&mut tx, entries).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn list_audit(
        &self,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<AuditEntry>> {
        audit::list(&self.inner.reader, filter, page).await
    }

    async fn purge_audit(&self, before: Timestamp) -> StoreResult<u64> {
        let mut writer = self.inner.writer.lock().await;
        let mut tx = writer.begin().await?;
        let purged = audit::purge(&mut tx, before).await?;
        tx.commit().await?;
        Ok(purged)
    }
}

/// Checks that an organisation exists and is a fund (a CPAM or CGSS).
async fn fund(conn: &mut SqliteConnection, id: OrganisationId) -> StoreResult<Organisation> {
    let organisation = fetch_organisation(&mut *conn, id)
        .await?
        .ok_or_else(|| Error::invalid_field("organisation_id", "no such organisation"))?;
    organisation
        .as_handler()
        .map_err(|reason| Error::invalid_field("organisation_id", reason))?;
    Ok(organisation)
}

/// The page-token tags of the two orders a listing may follow.
const CREATION_ORDER: u8 = 0;
const DUE_ORDER: u8 = 1;
const BATCH_ORDER: u8 = 5;

fn created_cursor(created_at: Timestamp, id: Uuid) -> Cursor {
    Cursor {
        order: CREATION_ORDER,
        key: micros(created_at),
        id,
    }
}

/// Keeps only rows after the cursor in (`key`, `id`) order.
fn push_cursor(query: &mut QueryBuilder<Sqlite>, key: &str, id: &str, cursor: Option<Cursor>) {
    if let Some(cursor) = cursor {
        query
            .push(format!(" AND ({key}, {id}) > ("))
            .push_bind(cursor.key)
            .push(", ")
            .push_bind(cursor.id)
            .push(")");
    }
}

#[cfg(test)]
mod tests {
    use super::statement_chunks;

    #[test]
    fn statement_chunks_keep_every_row_in_order_in_a_few_sizes() {
        let rows: Vec<usize> = (0..1_143).collect();
        let chunks: Vec<&[usize]> = statement_chunks(&rows, 400).collect();
        let sizes: Vec<usize> = chunks.iter().map(|chunk| chunk.len()).collect();
        assert_eq!(sizes, [400, 400, 256, 64, 16, 4, 2, 1]);
        assert_eq!(chunks.concat(), rows);
        assert_eq!(statement_chunks(&rows[..1], 400).count(), 1);
        assert_eq!(statement_chunks(&rows[..0], 400).count(), 0);
    }
}
