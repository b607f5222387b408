//! Prefecture file benchmark (not a test): a generated file sent end to end,
//! `relais batch send` -> `relais-server` -> SQLite (WAL, synchronous=FULL),
//! with the server's peak memory; then, in the same run, two baselines: the
//! same households stored straight into a store of their own, and the floor
//! under that, SQLite alone writing the very rows the store wrote.
//!
//!     cargo build --release -p relais-server
//!     cargo bench -p relais-client --bench batch_send            # 100,000 rows
//!     cargo bench -p relais-client --bench batch_send -- 20000   # other sizes
//!
//! The server binary is `target/release/relais-server`, or `RELAIS_SERVER_BIN`.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    str::FromStr,
    time::Instant,
};

use jiff::Timestamp;
use relais_client::{RelaisClient, pb};
use relais_core::{
    batch::{BatchId, BatchOptions, HouseholdReader},
    org::{AccountRef, NewAccount, NewOrganisation, OrganisationKind, Role},
    request_id::RequestId,
};
use relais_server::{
    auth::token,
    // Rows stored per transaction in the baseline, as the server does.
    batch::{CHUNK_ROWS, HouseholdSubmitter},
    events::EventBus,
    store::{NewBatch, SqliteStore, prelude::*},
};
use sqlx::{
    ConnectOptions as _, SqliteConnection,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous},
};

type Failure = Box<dyn std::error::Error>;

struct Server {
    child: Child,
    url: String,
    admin_token: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn server_binary() -> PathBuf {
    std::env::var_os("RELAIS_SERVER_BIN").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/relais-server"),
        PathBuf::from,
    )
}

fn start_server(directory: &Path) -> Result<Server, Failure> {
    let binary = server_binary();
    if !binary.exists() {
        return Err(format!(
            "{} is missing: build it first with `cargo build --release -p relais-server`",
            binary.display()
        )
        .into());
    }
    let database = format!("sqlite://{}", directory.join("server.db").display());
    let mut child = Command::new(binary)
        .args([
            "--insecure-plaintext",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            &database,
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut admin_token = None;
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        if let Some(token) = line.trim().strip_prefix("export RELAIS_TOKEN=") {
            admin_token = Some(token.to_owned());
        }
        if let Some(rest) = line.strip_prefix("Relais is serving on ") {
            let url = rest.split_whitespace().next().ok_or("no URL")?.to_owned();
            return Ok(Server {
                child,
                url,
                admin_token: admin_token.ok_or("no administrator token printed")?,
            });
        }
    }
    Err("relais-server stopped before serving".into())
}

/// The highest resident memory of a process so far, in MiB (Linux).
fn peak_memory_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// A CPAM for the households' département, and a prefecture's system account.
async fn accounts(server: &Server) -> Result<String, Failure> {
    let admin = RelaisClient::connect(&server.url, Some(&server.admin_token)).await?;
    for (name, kind) in [
        ("CPAM de Paris", pb::OrganisationKind::Cpam),
        ("Préfecture de police", pb::OrganisationKind::Prefecture),
    ] {
        admin
            .create_organisation(pb::CreateOrganisationRequest {
                name: name.to_owned(),
                kind: kind.into(),
                departement: "75".to_owned(),
                ..Default::default()
            })
            .await?;
    }
    let organisations = admin
        .list_organisations(pb::ListOrganisationsRequest::default())
        .await?;
    let prefecture = organisations
        .organisations
        .iter()
        .find(|o| o.kind == i32::from(pb::OrganisationKind::Prefecture))
        .ok_or("no prefecture")?;
    let created = admin
        .create_account(pb::CreateAccountRequest {
            organisation_id: prefecture.id.clone(),
            name: "Guichet unique".to_owned(),
            email: "guichet@prefecture.example".to_owned(),
            role: pb::Role::PartnerSystem.into(),
            ..Default::default()
        })
        .await?;
    Ok(created.token)
}

/// Sends `file` with the CLI; returns the seconds it took.
fn send(server: &Server, token: &str, file: &Path) -> Result<f64, Failure> {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_relais"))
        .args(["batch", "send", "-q"])
        .arg(file)
        .env("RELAIS_URL", &server.url)
        .env("RELAIS_TOKEN", token)
        .env("RELAIS_CONFIG", "/nonexistent/relais/config.toml")
        .stdin(Stdio::null())
        .output()?;
    let seconds = started.elapsed().as_secs_f64();
    // Exit status 1 only says some rows were rejected, which the file has on purpose.
    if !matches!(output.status.code(), Some(0 | 1)) {
        return Err(format!(
            "relais batch send failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(seconds)
}

/// Seconds taken to read and judge the file, and to store its households.
struct Direct {
    reading: f64,
    storing: f64,
}

/// Stores the file's households straight into a store of their own, as the
/// server would, without the CLI, gRPC or the server's streaming in between.
async fn store_directly(directory: &Path, file: &Path) -> Result<Direct, Failure> {
    let url = format!("sqlite://{}", directory.join("direct.db").display());
    let store = SqliteStore::open(&url, EventBus::new()).await?;
    let now = Timestamp::now();
    store
        .create_organisation(
            &RequestId::parse("bench-cpam")?,
            &NewOrganisation::validate("CPAM de Paris", Some(OrganisationKind::Cpam), "75")?,
            now,
        )
        .await?;
    let prefecture = store
        .create_organisation(
            &RequestId::parse("bench-prefecture")?,
            &NewOrganisation::validate("Préfecture", Some(OrganisationKind::Prefecture), "75")?,
            now,
        )
        .await?;
    let (_, record) = token::generate(None);
    let (account, _) = store
        .create_account(
            &RequestId::parse("bench-account")?,
            &NewAccount::validate(
                &prefecture.id.to_string(),
                "Guichet unique",
                "guichet@prefecture.example",
                Some(Role::PartnerSystem),
            )?,
            &record,
            now,
        )
        .await?;

    let account = AccountRef {
        id: account.id,
        name: account.name,
    };
    let batch = store
        .open_batch(&NewBatch {
            id: BatchId::generate(),
            organisation: prefecture.as_ref(),
            uploaded_by: account.clone(),
            request_id: "bench-direct".to_owned(),
            file_name: "bench.csv".to_owned(),
            sha256: [7; 32],
            declared_rows: u64::MAX >> 1,
            now,
        })
        .await?;
    let submitter = HouseholdSubmitter::new(
        batch.id,
        prefecture.as_ref(),
        prefecture.departement,
        account,
        now,
    );

    // The whole file read and judged first, held in memory (the server
    // never does that), so that storing is timed alone.
    let started = Instant::now();
    let reader = HouseholdReader::open(std::fs::File::open(file)?, &BatchOptions::default(), now)?;
    let mut chunks = vec![Vec::new()];
    let mut rows = 0;
    for household in reader {
        let household = submitter.household(household?);
        rows += household.rows.len();
        chunks.last_mut().ok_or("no chunk")?.push(household);
        if rows >= CHUNK_ROWS {
            chunks.push(Vec::new());
            rows = 0;
        }
    }
    let reading = started.elapsed().as_secs_f64();

    let started = Instant::now();
    for chunk in chunks.into_iter().filter(|chunk| !chunk.is_empty()) {
        store.store_batch_households(batch.id, chunk, now).await?;
    }
    Ok(Direct {
        reading,
        storing: started.elapsed().as_secs_f64(),
    })
}

/// The tables a stored household writes to, in the order the store writes
/// them, with the column naming each row's case.
const CASE_TABLES: [(&str, &str); 5] = [
    ("cases", "id"),
    ("case_contents", "case_id"),
    ("case_clocks", "case_id"),
    ("case_events", "case_id"),
    ("batch_rows", "case_id"),
];

async fn execute(conn: &mut SqliteConnection, sql: String) -> Result<(), Failure> {
    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(conn).await?;
    Ok(())
}

/// What SQLite alone costs to write what `store_directly` wrote: its rows
/// copied into a fresh database of the same schema and settings with
/// `INSERT … SELECT`, one transaction per chunk of `CHUNK_ROWS` file rows as
/// the store does. No parsing, no validation, no binding, no Rust: the floor
/// under the store with this schema on this machine.
async fn sqlite_alone(directory: &Path) -> Result<f64, Failure> {
    let url = format!("sqlite://{}", directory.join("floor.db").display());
    // The schema, by the store's own migrations.
    drop(SqliteStore::open(&url, EventBus::new()).await?);
    let mut conn = SqliteConnectOptions::from_str(&url)?
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .pragma("cache_size", "-32768")
        .connect()
        .await?;
    let source = directory.join("direct.db");
    execute(
        &mut conn,
        format!("ATTACH DATABASE '{}' AS source", source.display()),
    )
    .await?;
    for table in ["organisations", "accounts", "batches"] {
        execute(
            &mut conn,
            format!("INSERT INTO {table} SELECT * FROM source.{table}"),
        )
        .await?;
    }
    // Each row's chunk, in temporary tables read in chunk order: a case
    // goes with the first row of its household.
    let chunk = CHUNK_ROWS;
    execute(
        &mut conn,
        format!(
            "CREATE TEMP TABLE chunk_of AS SELECT case_id, (MIN(row_number) - 2) / {chunk} AS k \
             FROM source.batch_rows WHERE case_id IS NOT NULL GROUP BY case_id"
        ),
    )
    .await?;
    let mut columns = Vec::new();
    for (table, key) in CASE_TABLES {
        let names: String = sqlx::query_scalar(
            "SELECT group_concat(name, ', ') FROM pragma_table_info(?) WHERE name != 'sequence'",
        )
        .bind(table)
        .fetch_one(&mut conn)
        .await?;
        // Row results are a table without rowid, in row order.
        let (chunk_of, order) = if table == "batch_rows" {
            (format!("(t.row_number - 2) / {chunk}"), "t.row_number")
        } else {
            (
                format!("(SELECT k FROM chunk_of WHERE chunk_of.case_id = t.{key})"),
                "t.rowid",
            )
        };
        execute(
            &mut conn,
            format!(
                "CREATE TEMP TABLE copy_{table} AS SELECT {chunk_of} AS k, t.* \
                 FROM source.{table} t ORDER BY k, {order}"
            ),
        )
        .await?;
        execute(
            &mut conn,
            format!("CREATE INDEX temp.copy_{table}_k ON copy_{table} (k)"),
        )
        .await?;
        columns.push((table, names));
    }
    let chunks: i64 = sqlx::query_scalar("SELECT MAX(k) + 1 FROM copy_batch_rows")
        .fetch_one(&mut conn)
        .await?;

    let started = Instant::now();
    for k in 0..chunks {
        execute(&mut conn, "BEGIN".to_owned()).await?;
        for (table, names) in &columns {
            execute(
                &mut conn,
                format!("INSERT INTO main.{table} ({names}) SELECT {names} FROM copy_{table} WHERE k = {k}"),
            )
            .await?;
        }
        execute(&mut conn, "COMMIT".to_owned()).await?;
    }
    Ok(started.elapsed().as_secs_f64())
}

async fn run(rows: usize) -> Result<(), Failure> {
    let directory = tempfile::tempdir()?;
    let file = directory.path().join("affiliations.csv");
    let generated = relais_tests::affiliations::generate(rows);
    std::fs::write(&file, &generated.text)?;

    let server = start_server(directory.path())?;
    let token = accounts(&server).await?;
    let idle = peak_memory_mib(server.child.id());
    let end_to_end = send(&server, &token, &file)?;
    let peak = peak_memory_mib(server.child.id());
    let direct = store_directly(directory.path(), &file).await?;
    let floor = sqlite_alone(directory.path()).await?;

    let rate = |seconds: f64| rows as f64 / seconds;
    let line = |what: &str, seconds: f64| {
        println!("{what:<37} {seconds:>5.2} s, {:>7.0} rows/s", rate(seconds));
    };
    println!("rows:                                 {rows}");
    println!(
        "households accepted:                  {}",
        generated.accepted_households
    );
    line("end to end (CLI -> server -> SQLite):", end_to_end);
    line("file read and judged alone:", direct.reading);
    line("judged households stored alone:", direct.storing);
    line("SQLite alone writing the same rows:", floor);
    println!(
        "end to end / storing alone:           {:.2}",
        direct.storing / end_to_end
    );
    println!(
        "storing alone / SQLite alone:         {:.2}",
        floor / direct.storing
    );
    match (idle, peak) {
        (Some(idle), Some(peak)) => {
            println!("server memory, before send:           {idle:.1} MiB");
            println!("server memory, peak:                  {peak:.1} MiB");
        }
        _ => println!("server memory:                        unknown (no /proc)"),
    }
    Ok(())
}

fn main() -> Result<(), Failure> {
    let rows = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse::<usize>().ok())
        .unwrap_or(100_000);
    tokio::runtime::Runtime::new()?.block_on(run(rows))
}
