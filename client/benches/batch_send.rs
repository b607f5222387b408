//! Prefecture file benchmark (not a test): a generated file sent end to end,
//! `relais batch send` -> `relais-server` -> SQLite (WAL, synchronous=FULL),
//! with the server's peak memory; then the same households stored straight
//! into a store of their own in the same run, as the baseline.
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
    store::{NewBatch, SqliteStore, Store},
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

/// Stores the file's households straight into a store of their own, as the
/// server would, without the CLI, gRPC or the server's streaming in between.
async fn store_directly(directory: &Path, file: &Path) -> Result<f64, Failure> {
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
    let started = Instant::now();
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
    let reader = HouseholdReader::open(std::fs::File::open(file)?, &BatchOptions::default(), now)?;
    let mut chunk = Vec::new();
    let mut rows = 0;
    for household in reader {
        let household = submitter.household(household?);
        rows += household.rows.len();
        chunk.push(household);
        if rows >= CHUNK_ROWS {
            store
                .store_batch_households(batch.id, std::mem::take(&mut chunk), now)
                .await?;
            rows = 0;
        }
    }
    if !chunk.is_empty() {
        store.store_batch_households(batch.id, chunk, now).await?;
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

    let rate = |seconds: f64| rows as f64 / seconds;
    println!("rows:                         {rows}");
    println!(
        "households accepted:          {}",
        generated.accepted_households
    );
    println!(
        "end to end (CLI -> server):   {end_to_end:.2} s, {:.0} rows/s",
        rate(end_to_end)
    );
    println!(
        "straight into the store:      {direct:.2} s, {:.0} rows/s",
        rate(direct)
    );
    println!(
        "end to end / store:           {:.2} (of the store's rate)",
        direct / end_to_end
    );
    match (idle, peak) {
        (Some(idle), Some(peak)) => {
            println!("server memory, before send:   {idle:.1} MiB");
            println!("server memory, peak:          {peak:.1} MiB");
        }
        _ => println!("server memory:                unknown (no /proc)"),
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
