//! SLA benchmark (not a test): how long the sweeper's pass and the report take
//! over many cases, on the embedded SQLite store (WAL, synchronous=FULL).
//!
//!     cargo bench -p relais-server --bench sla            # 100,000 and 1,000,000 cases
//!     cargo bench -p relais-server --bench sla -- 20000   # other sizes
//!
//! Cases are seeded through the store's batch fast path (`submit_many`: the
//! submission code, many per transaction), all submitted on Monday 5 January
//! 2026 at 09:00 in Paris to a CPAM de Paris on the default policy.

use std::{sync::Arc, time::Instant};

use jiff::{Timestamp, civil::DateTime, tz::TimeZone};
use relais_core::{
    case::{
        AddressDraft, BeneficiaryDraft, CaseDraft, Category, ConsentDraft, ConsentType,
        ResidenceDraft,
    },
    clock::{Clock, ManualClock},
    org::{AccountRef, NewAccount, NewOrganisation, OrganisationKind, Role},
    request_id::RequestId,
    sla::report::{self, Grouping},
};
use relais_server::{
    auth::token,
    events::EventBus,
    sla::Sweeper,
    store::{CaseScope, ReportQuery, SqliteStore, Submission, prelude::*},
};

const SEED_BATCH: usize = 5_000;

fn paris(text: &str) -> Timestamp {
    let civil: DateTime = text.parse().expect("a wall-clock time");
    TimeZone::get("Europe/Paris")
        .expect("the tz database has Europe/Paris")
        .to_timestamp(civil)
        .expect("a valid time in Paris")
}

fn draft() -> CaseDraft {
    CaseDraft {
        category: Some(Category::RightsCertificate),
        subject: "Attestation de droits".to_owned(),
        description: "Besoin d'une attestation pour une hospitalisation.".to_owned(),
        beneficiary: Some(BeneficiaryDraft {
            last_name: "Martin".to_owned(),
            first_names: "Lucie".to_owned(),
            birth_date: "1980-02-03".to_owned(),
            residence: Some(ResidenceDraft::PostalAddress(AddressDraft {
                line1: "3 rue des Pyrénées".to_owned(),
                postal_code: "75020".to_owned(),
                city: "Paris".to_owned(),
                ..AddressDraft::default()
            })),
            ..BeneficiaryDraft::default()
        }),
        consent: Some(ConsentDraft {
            kind: Some(ConsentType::Phone),
            date: "2026-01-02".to_owned(),
        }),
        ..CaseDraft::default()
    }
}

fn seconds(since: Instant) -> f64 {
    since.elapsed().as_secs_f64()
}

async fn run(cases: usize) -> Result<(), Box<dyn std::error::Error>> {
    let directory = tempfile::tempdir()?;
    let url = format!("sqlite://{}", directory.path().join("bench.db").display());
    let store = SqliteStore::open(&url, EventBus::new()).await?;
    let submitted_at = paris("2026-01-05T09:00");
    let cpam = store
        .create_organisation(
            &RequestId::parse("bench-cpam")?,
            &NewOrganisation::validate("CPAM de Paris", Some(OrganisationKind::Cpam), "75")?,
            submitted_at,
        )
        .await?;
    let counter = store
        .create_organisation(
            &RequestId::parse("bench-counter")?,
            &NewOrganisation::validate(
                "France Services",
                Some(OrganisationKind::FranceServices),
                "75",
            )?,
            submitted_at,
        )
        .await?;
    let (_, record) = token::generate(None);
    let new_account = NewAccount::validate(
        &counter.id.to_string(),
        "Inès",
        "ines@bench.example",
        Some(Role::PartnerAgent),
    )?;
    let (account, _) = store
        .create_account(
            &RequestId::parse("bench-account")?,
            &new_account,
            &record,
            submitted_at,
        )
        .await?;
    let case = draft()
        .validate(submitted_at)
        .map_err(|v| v.to_string())?
        .value;

    let seeding = Instant::now();
    for start in (0..cases).step_by(SEED_BATCH) {
        let batch: Vec<Submission> = (start..(start + SEED_BATCH).min(cases))
            .map(|i| Submission {
                request_id: RequestId::parse(&format!("bench-{i}")).expect("a request id"),
                fingerprint: [0; 32],
                case: case.clone(),
                submitter: counter.as_ref(),
                submitter_departement: counter.departement,
                submitted_by: AccountRef {
                    id: account.id,
                    name: account.name.clone(),
                },
                now: submitted_at,
            })
            .collect();
        for outcome in store.submit_many(&batch).await? {
            outcome?;
        }
    }
    let seeding = seconds(seeding);
    assert_eq!(cpam.kind, OrganisationKind::Cpam);

    // Tuesday 09:00: 24 of the 48 working hours gone, nothing due yet.
    let clock = Arc::new(ManualClock::new(paris("2026-01-06T09:00")));
    let sweeper = Sweeper::new(
        store.clone(),
        clock.clone(),
        std::time::Duration::from_secs(15),
    );
    let idle = Instant::now();
    let looked_at = sweeper.sweep().await?;
    let idle = seconds(idle);
    assert_eq!(looked_at, 0);

    // Tuesday 22:00: past 75 % (36 working hours) for every case: one
    // at-risk event each, raised in one pass.
    clock.set(paris("2026-01-06T22:00"));
    let raising = Instant::now();
    let looked_at = sweeper.sweep().await?;
    let raising = seconds(raising);
    assert_eq!(looked_at, cases);
    let again = Instant::now();
    let looked_at_again = sweeper.sweep().await?;
    let again = seconds(again);
    assert_eq!(looked_at_again, 0, "every threshold is raised once");

    let reporting = Instant::now();
    let query = ReportQuery {
        scope: CaseScope::HandledBy(cpam.id),
        from: paris("2026-01-01T00:00"),
        to: paris("2026-02-01T00:00"),
        grouping: Grouping::Category,
    };
    let figures = store.report_figures(&query).await?;
    let (rows, total) = report::aggregate(figures, clock.now());
    let reporting = seconds(reporting);
    assert_eq!(total.received, cases as u64);
    assert_eq!(rows.len(), 1);
    assert_eq!(total.open_at_risk, cases as u64);

    let per_second = |n: usize, s: f64| n as f64 / s;
    println!("cases: {cases}");
    println!(
        "  seed (batch fast path):         {seeding:>9.2} s  ({:>9.0} cases/s)",
        per_second(cases, seeding)
    );
    println!("  sweep, nothing due:             {:>9.3} ms", idle * 1e3);
    println!(
        "  sweep, one threshold per case:  {raising:>9.2} s  ({:>9.0} events/s)",
        per_second(cases, raising)
    );
    println!("  sweep again, nothing left:      {:>9.3} ms", again * 1e3);
    println!(
        "  report over all cases:          {reporting:>9.2} s  ({:>9.0} cases/s)",
        per_second(cases, reporting)
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with('-'))
        .map(|arg| arg.replace('_', "").parse())
        .collect::<Result<_, _>>()?;
    let sizes = if sizes.is_empty() {
        vec![100_000, 1_000_000]
    } else {
        sizes
    };
    let runtime = tokio::runtime::Runtime::new()?;
    for cases in sizes {
        runtime.block_on(run(cases))?;
    }
    Ok(())
}
