//! Prefecture affiliation files through the real server: households become
//! cases, rejected rows never block the others, a file sent again, or
//! resumed after a cut, is stored exactly once, and a file sent under a new
//! request id is judged again.

use futures::StreamExt as _;
use relais_client::{RelaisClient, pb};
use relais_tests::{User, World, create_org, create_user};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Code;

/// A person living in Paris 11e (département 75).
fn person(
    row: i64,
    foyer: &str,
    lien: &str,
    name: &str,
    birth: &str,
    agdref: &str,
) -> pb::AffiliationRow {
    let (last_name, first_names) = name.split_once(' ').unwrap();
    pb::AffiliationRow {
        row_number: row,
        last_name: last_name.to_owned(),
        first_names: first_names.to_owned(),
        sex: String::new(),
        birth_date: birth.to_owned(),
        birth_country: "UA".to_owned(),
        nationality: "UA".to_owned(),
        agdref_number: agdref.to_owned(),
        aps_number: String::new(),
        aps_start: "15/09/2026".to_owned(),
        aps_end: "14/03/2027".to_owned(),
        entry_date: "01/09/2026".to_owned(),
        address: "12 rue Oberkampf".to_owned(),
        postal_code: "75011".to_owned(),
        city: "Paris".to_owned(),
        phone: String::new(),
        email: String::new(),
        language: "uk".to_owned(),
        nir: String::new(),
        household: foyer.to_owned(),
        relationship: lien.to_owned(),
    }
}

/// A family of three and a woman alone: rows 2 to 5.
fn file() -> Vec<pb::AffiliationRow> {
    vec![
        person(
            2,
            "F1",
            "demandeur",
            "Kovalenko Olena",
            "14/10/1985",
            "7501234567",
        ),
        person(3, "F1", "conjoint", "Kovalenko Andrii", "1983-02-01", ""),
        person(4, "F1", "enfant", "Kovalenko Taras", "02/04/2015", ""),
        person(5, "", "", "Melnyk Iryna", "30/06/1990", "7501234568"),
    ]
}

fn header(request_id: &str, rows: &[pb::AffiliationRow]) -> pb::BatchHeader {
    let content = format!("{rows:?}");
    pb::BatchHeader {
        request_id: request_id.to_owned(),
        file_name: "affiliations-2026-11-23.csv".to_owned(),
        sha256: Sha256::digest(content.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        row_count: i64::try_from(rows.len()).unwrap(),
    }
}

async fn send(
    client: &RelaisClient,
    header: pb::BatchHeader,
    rows: Vec<pb::AffiliationRow>,
) -> Result<Vec<pb::RowResult>, tonic::Status> {
    let mut results = client
        .upload_affiliations(header, futures::stream::iter(rows))
        .await?;
    let mut out = Vec::new();
    while let Some(response) = results.message().await? {
        out.push(response.result.unwrap());
    }
    Ok(out)
}

fn status(result: &pb::RowResult) -> pb::RowStatus {
    pb::RowStatus::try_from(result.status).unwrap()
}

async fn cases_of(user: &User) -> Vec<pb::Case> {
    user.client
        .list_cases(pb::ListCasesRequest::default())
        .await
        .unwrap()
        .cases
}

#[tokio::test]
async fn households_become_affiliation_cases_at_the_fund_of_their_departement() {
    let world = World::new().await;
    let desk = world.prefecture_desk().await;
    let rows = file();
    let results = send(&desk.client, header("pref75-2026-11-23", &rows), rows)
        .await
        .unwrap();
    let numbers: Vec<i64> = results.iter().map(|r| r.row_number).collect();
    assert_eq!(numbers, [2, 3, 4, 5], "one result per row, in order");
    assert!(
        results.iter().all(|r| matches!(
            status(r),
            pb::RowStatus::Accepted | pb::RowStatus::AcceptedWithWarnings
        )),
        "{results:#?}"
    );
    let family = &results[0].case_reference;
    assert!(results[..3].iter().all(|r| &r.case_reference == family));
    assert_ne!(results[3].case_reference, *family);

    let cases = cases_of(&desk).await;
    assert_eq!(cases.len(), 2, "one case per household");
    let case = desk.client.get_case(family).await.unwrap().case.unwrap();
    assert_eq!(case.category, i32::from(pb::Category::PumaAffiliation));
    assert_eq!(case.beneficiary.unwrap().first_names, "Olena");
    assert_eq!(case.dependants.len(), 2);
    assert_eq!(case.handler_organisation.unwrap().id, world.cpam.id);
    // The fund sees them in its queue.
    let queue = world
        .agent
        .client
        .list_cases(pb::ListCasesRequest::default())
        .await
        .unwrap();
    assert_eq!(queue.cases.len(), 2);
}

#[tokio::test]
async fn the_same_file_sent_again_creates_nothing_and_gives_the_same_results() {
    let world = World::new().await;
    let desk = world.prefecture_desk().await;
    let rows = file();
    let first = send(&desk.client, header("pref75-a", &rows), rows.clone())
        .await
        .unwrap();
    let again = send(&desk.client, header("pref75-a", &rows), rows.clone())
        .await
        .unwrap();
    assert_eq!(again.len(), first.len());
    for (a, b) in first.iter().zip(&again) {
        assert_eq!(
            (a.row_number, a.status, &a.case_reference),
            (b.row_number, b.status, &b.case_reference)
        );
        assert!(b.replayed);
    }
    assert_eq!(cases_of(&desk).await.len(), 2);

    // The same request id for another file is refused before any row.
    let mut other = file();
    other[0].first_names = "Olga".to_owned();
    let refused = send(&desk.client, header("pref75-a", &other), other)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::AlreadyExists);
    assert_eq!(cases_of(&desk).await.len(), 2);
}

#[tokio::test]
async fn a_file_sent_under_a_new_request_id_is_judged_again() {
    let world = World::new().await;
    let desk = world.prefecture_desk().await;
    // The woman alone lives in Marseille, whose département has no fund yet.
    let mut rows = file();
    rows[3].address = "3 rue de la République".to_owned();
    rows[3].postal_code = "13002".to_owned();
    rows[3].city = "Marseille".to_owned();
    let first = send(&desk.client, header("pref75-monday", &rows), rows.clone())
        .await
        .unwrap();
    assert_eq!(status(&first[3]), pb::RowStatus::Rejected, "{first:#?}");
    assert!(
        first[3].errors.iter().any(|e| e.column == "code_postal"),
        "{:#?}",
        first[3].errors
    );
    let family = first[0].case_reference.clone();

    create_org(
        &world.admin,
        "CPAM des Bouches-du-Rhône",
        pb::OrganisationKind::Cpam,
        "13",
    )
    .await;
    // Resumed under its request id, the batch answers as it did.
    let replayed = send(&desk.client, header("pref75-monday", &rows), rows.clone())
        .await
        .unwrap();
    assert!(replayed.iter().all(|r| r.replayed));
    assert_eq!(status(&replayed[3]), pb::RowStatus::Rejected);

    // Under a new one, it is a batch of its own: every row judged again.
    let again = send(&desk.client, header("pref75-monday-retry", &rows), rows)
        .await
        .unwrap();
    assert!(again.iter().all(|r| !r.replayed), "{again:#?}");
    for result in &again[..3] {
        assert_eq!(status(result), pb::RowStatus::Duplicate, "{result:?}");
        assert_eq!(result.case_reference, family, "its own case");
    }
    assert_ne!(status(&again[3]), pb::RowStatus::Rejected, "{:?}", again[3]);
    assert_eq!(cases_of(&desk).await.len(), 2, "the family once, and Iryna");

    let batches = desk
        .client
        .list_batches(pb::ListBatchesRequest::default())
        .await
        .unwrap()
        .batches;
    let mut request_ids: Vec<&str> = batches.iter().map(|b| b.request_id.as_str()).collect();
    request_ids.sort_unstable();
    assert_eq!(request_ids, ["pref75-monday", "pref75-monday-retry"]);
    assert_eq!(
        batches[0].sha256, batches[1].sha256,
        "one file, two batches"
    );
    let shown = desk
        .client
        .get_batch(pb::GetBatchRequest {
            batch_id: "pref75-monday-retry".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap()
        .batch
        .unwrap();
    let counts = shown.counts.unwrap();
    assert_eq!(
        (counts.duplicates, counts.rejected, counts.cases),
        (3, 0, 1)
    );
}

#[tokio::test]
async fn an_upload_cut_off_halfway_is_resumed_by_sending_the_file_again() {
    let world = World::new().await;
    let desk = world.prefecture_desk().await;
    let mut rows = Vec::new();
    for family in 0..20 {
        let row = 2 + family * 3;
        let foyer = format!("F{family}");
        let agdref = format!("75{:08}", family);
        rows.push(person(
            row,
            &foyer,
            "demandeur",
            "Shevchenko Oksana",
            "01/01/1980",
            &agdref,
        ));
        rows.push(person(
            row + 1,
            &foyer,
            "enfant",
            "Shevchenko Petro",
            "01/01/2012",
            "",
        ));
        rows.push(person(
            row + 2,
            &foyer,
            "enfant",
            "Shevchenko Maria",
            "01/01/2014",
            "",
        ));
    }
    let header = header("pref75-cut", &rows);

    // Half the rows, the 31st in the middle of a household, then the line drops.
    let (sender, receiver) = mpsc::channel(64);
    let mut results = desk
        .client
        .upload_affiliations(header.clone(), ReceiverStream::new(receiver))
        .await
        .unwrap();
    for row in rows.iter().take(31) {
        sender.send(row.clone()).await.unwrap();
    }
    drop(sender);
    let mut first = Vec::new();
    while let Some(Ok(response)) = results.next().await {
        first.push(response.result.unwrap());
    }
    // Ten whole households were stored; the eleventh, cut, waits.
    assert_eq!(first.len(), 30, "{first:#?}");
    assert_eq!(cases_of(&desk).await.len(), 10);

    let all = send(&desk.client, header, rows.clone()).await.unwrap();
    assert_eq!(all.len(), rows.len(), "every row once");
    assert_eq!(all.iter().filter(|r| r.replayed).count(), 30);
    for (row, result) in rows.iter().zip(&all) {
        assert_eq!(row.row_number, result.row_number);
        assert_ne!(status(result), pb::RowStatus::Rejected, "{result:?}");
    }
    assert_eq!(
        cases_of(&desk).await.len(),
        20,
        "each household exactly once"
    );
}

#[tokio::test]
async fn a_person_known_from_another_batch_is_a_duplicate_of_their_case() {
    let world = World::new().await;
    let desk = world.prefecture_desk().await;
    let rows = file();
    let first = send(&desk.client, header("monday", &rows), rows)
        .await
        .unwrap();
    let olena = first[0].case_reference.clone();

    let tuesday = vec![
        person(2, "", "", "Kovalenko Olena", "14/10/1985", "7501234567"),
        person(3, "", "", "Bondarenko Yulia", "05/05/1995", "7509999999"),
    ];
    let second = send(&desk.client, header("tuesday", &tuesday), tuesday)
        .await
        .unwrap();
    assert_eq!(status(&second[0]), pb::RowStatus::Duplicate);
    assert_eq!(second[0].case_reference, olena);
    assert_ne!(status(&second[1]), pb::RowStatus::Rejected);
    assert_eq!(cases_of(&desk).await.len(), 3);
}

#[tokio::test]
async fn a_person_another_prefecture_filed_is_a_new_case_linked_for_the_funds_only() {
    let world = World::new().await;
    let paris = world.prefecture_desk().await;
    let rows = file();
    let filed_in_paris = send(&paris.client, header("paris-monday", &rows), rows)
        .await
        .unwrap();
    let olena_in_paris = filed_in_paris[0].case_reference.clone();

    let bobigny_org = create_org(
        &world.admin,
        "Préfecture de la Seine-Saint-Denis",
        pb::OrganisationKind::Prefecture,
        "93",
    )
    .await;
    let bobigny = create_user(
        &world.server,
        &world.admin,
        &bobigny_org,
        "Guichet Bobigny",
        pb::Role::PartnerSystem,
    )
    .await;
    // Olena has moved to Montreuil (93), and Bobigny files her again.
    let mut olena = person(2, "", "", "Kovalenko Olena", "14/10/1985", "7501234567");
    olena.postal_code = "93100".to_owned();
    olena.city = "Montreuil".to_owned();
    let results = send(
        &bobigny.client,
        header("bobigny-tuesday", std::slice::from_ref(&olena)),
        vec![olena.clone()],
    )
    .await
    .unwrap();

    // Bobigny learns nothing of Paris's file: its row is a case of its own.
    assert_eq!(status(&results[0]), pb::RowStatus::Accepted, "{results:?}");
    let olena_in_bobigny = results[0].case_reference.clone();
    assert_ne!(olena_in_bobigny, olena_in_paris);
    assert!(!format!("{results:?}").contains(&olena_in_paris));
    let seen_by_bobigny = bobigny.client.get_case(&olena_in_bobigny).await.unwrap();
    assert!(seen_by_bobigny.possible_duplicates.is_empty());
    let batch = bobigny
        .client
        .get_batch(pb::GetBatchRequest {
            batch_id: "bobigny-tuesday".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(!format!("{batch:?}").contains(&olena_in_paris));
    assert_eq!(batch.batch.unwrap().counts.unwrap().duplicates, 0);
    // Nor does Paris learn of Bobigny's.
    let seen_by_paris = paris.client.get_case(&olena_in_paris).await.unwrap();
    assert!(seen_by_paris.possible_duplicates.is_empty());

    // The funds handling the two cases see each other's, and only they.
    let at_cpam_93 = world
        .agent_93
        .client
        .get_case(&olena_in_bobigny)
        .await
        .unwrap();
    let links: Vec<(&str, &str, pb::IdentityMatch)> = at_cpam_93
        .possible_duplicates
        .iter()
        .map(|d| {
            (
                d.case_reference.as_str(),
                d.handler_organisation.as_ref().unwrap().id.as_str(),
                d.matched_on(),
            )
        })
        .collect();
    assert_eq!(
        links,
        [(
            olena_in_paris.as_str(),
            world.cpam.id.as_str(),
            pb::IdentityMatch::Agdref
        )]
    );
    let at_cpam_75 = world.agent.client.get_case(&olena_in_paris).await.unwrap();
    let back: Vec<&str> = at_cpam_75
        .possible_duplicates
        .iter()
        .map(|d| d.case_reference.as_str())
        .collect();
    assert_eq!(back, [olena_in_bobigny.as_str()]);
    let at_admin = world.admin.get_case(&olena_in_paris).await.unwrap();
    assert!(at_admin.possible_duplicates.is_empty());

    // Among Bobigny's own files, she is a duplicate as before.
    olena.phone = "06 12 34 56 78".to_owned();
    let again = send(
        &bobigny.client,
        header("bobigny-wednesday", std::slice::from_ref(&olena)),
        vec![olena],
    )
    .await
    .unwrap();
    assert_eq!(status(&again[0]), pb::RowStatus::Duplicate);
    assert_eq!(again[0].case_reference, olena_in_bobigny);
}

#[tokio::test]
async fn a_rejected_row_never_blocks_the_valid_ones_and_names_its_column() {
    let world = World::new().await;
    let desk = world.prefecture_desk().await;
    let mut rows = file();
    // A NIR whose key is wrong, on the woman alone.
    rows[3].nir = "290069912611194".to_owned();
    // A child with no demandeur in its household.
    rows.push(person(
        6,
        "F9",
        "enfant",
        "Tkachenko Ivan",
        "01/01/2016",
        "",
    ));
    let results = send(&desk.client, header("with-errors", &rows), rows)
        .await
        .unwrap();
    assert!(
        results[..3]
            .iter()
            .all(|r| status(r) != pb::RowStatus::Rejected)
    );
    assert_eq!(status(&results[3]), pb::RowStatus::Rejected);
    assert!(
        results[3].errors.iter().any(|e| e.column == "nir"),
        "{:#?}",
        results[3].errors
    );
    assert_eq!(status(&results[4]), pb::RowStatus::Rejected);
    assert!(
        results[4].errors.iter().any(|e| e.column == "lien"),
        "{:#?}",
        results[4].errors
    );
    assert_eq!(cases_of(&desk).await.len(), 1);

    let batches = desk
        .client
        .list_batches(pb::ListBatchesRequest::default())
        .await
        .unwrap()
        .batches;
    assert_eq!(batches.len(), 1);
    let counts = batches[0].counts.unwrap();
    assert_eq!(counts.rows, 5);
    assert_eq!(
        counts.accepted + counts.accepted_with_warnings + counts.duplicates + counts.rejected,
        counts.rows
    );
    assert_eq!((counts.rejected, counts.cases), (2, 1));
    let shown = desk
        .client
        .get_batch(pb::GetBatchRequest {
            batch_id: "with-errors".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(shown.results.len(), 5);
}

#[tokio::test]
async fn only_prefectures_send_files_and_see_their_own_batches() {
    let world = World::new().await;
    let rows = file();
    for (who, client) in [
        ("a France Services counter", &world.partner.client),
        ("a CPAM agent", &world.agent.client),
        ("an administrator", &world.admin),
    ] {
        let denied = send(client, header("nope", &rows), rows.clone())
            .await
            .unwrap_err();
        assert_eq!(denied.code(), Code::PermissionDenied, "{who}");
    }
    let desk = world.prefecture_desk().await;
    send(&desk.client, header("mine", &rows), rows)
        .await
        .unwrap();

    let other_org = create_org(
        &world.admin,
        "Préfecture de la Seine-Saint-Denis",
        pb::OrganisationKind::Prefecture,
        "93",
    )
    .await;
    let other = create_user(
        &world.server,
        &world.admin,
        &other_org,
        "Guichet Bobigny",
        pb::Role::PartnerAgent,
    )
    .await;
    let hidden = other
        .client
        .get_batch(pb::GetBatchRequest {
            batch_id: "mine".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(hidden.code(), Code::NotFound);
    assert!(
        other
            .client
            .list_batches(pb::ListBatchesRequest::default())
            .await
            .unwrap()
            .batches
            .is_empty()
    );
}

#[tokio::test]
async fn a_header_that_does_not_parse_names_its_fields() {
    let world = World::new().await;
    let desk = world.prefecture_desk().await;
    let rows = file();
    let mut bad = header("", &rows);
    bad.sha256 = "abc".to_owned();
    let refused = send(&desk.client, bad, rows).await.unwrap_err();
    let mut fields = relais_tests::violated_fields(&refused);
    fields.sort();
    assert_eq!(fields, ["header.request_id", "header.sha256"]);
}

/// Migration 0006 drops a batch's UNIQUE (organisation, SHA-256) by
/// rebuilding `batches`, which `batch_rows` refers to: on a database at
/// version 5 holding batches, their rows and a case, every batch and row
/// must come through with its links, and the same file may then make a new
/// batch.
#[tokio::test]
async fn migration_0006_keeps_every_batch_and_row_and_lets_a_file_be_sent_again() {
    use std::str::FromStr as _;

    use relais_core::{
        batch::{BatchId, IssueKind},
        ids::CaseRef,
        org::{AccountId, AccountRef, OrgRef, OrganisationId},
    };
    use relais_server::{
        events::EventBus,
        store::{BatchRowStatus, NewBatch, PageRequest, SqliteStore, StoreError, prelude::*},
    };
    use sqlx::{Connection as _, sqlite::SqliteConnectOptions};

    let directory = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", directory.path().join("relais.db").display());
    let options = SqliteConnectOptions::from_str(&url)
        .unwrap()
        .create_if_missing(true)
        .foreign_keys(true);
    let mut db = sqlx::SqliteConnection::connect_with(&options)
        .await
        .unwrap();
    sqlx::migrate!("../migrations/sqlite")
        .run_to(5, &mut db)
        .await
        .unwrap();

    // What a server at version 5 stored: a prefecture's two files, the
    // first with an accepted row (its case) and a rejected one.
    let organisation = OrganisationId::generate();
    let account = AccountId::generate();
    let case = relais_core::case::CaseId::generate();
    let reference = CaseRef::generate();
    let (monday, tuesday) = (BatchId::generate(), BatchId::generate());
    let (file_a, file_b) = ([0xAA_u8; 32], [0xBB_u8; 32]);
    sqlx::query(
        "INSERT INTO organisations (id, name, kind, departement, created_at) \
         VALUES (?, 'Préfecture de Paris', 'prefecture', '75', 1)",
    )
    .bind(organisation.as_uuid())
    .execute(&mut db)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO accounts (id, organisation_id, name, email, role, created_at) \
         VALUES (?, ?, 'Guichet unique', 'guichet@pref75.test', 'partner_system', 1)",
    )
    .bind(account.as_uuid())
    .bind(organisation.as_uuid())
    .execute(&mut db)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO cases (id, reference, status, category, urgent, submitter_org_id, \
         submitted_by, handler_org_id, request_id, request_fingerprint, created_at, updated_at) \
         VALUES (?, ?, 'submitted', 'puma_affiliation', 0, ?, ?, ?, 'batch-row-2', X'00', 2, 2)",
    )
    .bind(case.as_uuid())
    .bind(reference.as_str())
    .bind(organisation.as_uuid())
    .bind(account.as_uuid())
    .bind(organisation.as_uuid())
    .execute(&mut db)
    .await
    .unwrap();
    for (batch, request_id, sha256, at) in [
        (monday, "monday", file_a, 10),
        (tuesday, "tuesday", file_b, 20),
    ] {
        sqlx::query(
            "INSERT INTO batches (id, organisation_id, uploaded_by, request_id, file_name, \
             sha256, declared_rows, rows_done, accepted, rejected, cases, created_at, updated_at) \
             VALUES (?, ?, ?, ?, 'affiliations.csv', ?, 2, 2, 1, 1, 1, ?, ?)",
        )
        .bind(batch.as_uuid())
        .bind(organisation.as_uuid())
        .bind(account.as_uuid())
        .bind(request_id)
        .bind(sha256.to_vec())
        .bind(at)
        .bind(at + 1)
        .execute(&mut db)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO batch_rows (batch_id, row_number, status, case_id, errors, warnings) VALUES \
         (?, 2, 'accepted', ?, NULL, NULL), \
         (?, 3, 'rejected', NULL, ?, NULL), \
         (?, 2, 'duplicate', ?, NULL, NULL)",
    )
    .bind(monday.as_uuid())
    .bind(case.as_uuid())
    .bind(monday.as_uuid())
    .bind(r#"[{"column":"nir","value":"295109912611199","reason":"wrong key","kind":"nir_key"}]"#)
    .bind(tuesday.as_uuid())
    .bind(case.as_uuid())
    .execute(&mut db)
    .await
    .unwrap();
    db.close().await.unwrap();

    // Opening the store brings the schema up to date.
    let store = SqliteStore::open(&url, EventBus::new()).await.unwrap();
    let found = store.batch(organisation, "monday").await.unwrap().unwrap();
    assert_eq!(found.id, monday);
    assert_eq!(found.sha256, file_a);
    assert_eq!(
        (
            found.declared_rows,
            found.counts.rows,
            found.counts.rejected
        ),
        (2, 2, 1)
    );
    assert_eq!(found.created_at.as_microsecond(), 10);
    let rows = store.batch_rows(monday, 0, 10).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0].row, rows[0].status, rows[0].case_reference.as_ref()),
        (2, BatchRowStatus::Accepted, Some(&reference))
    );
    assert_eq!(rows[1].status, BatchRowStatus::Rejected);
    assert_eq!(rows[1].errors[0].kind, IssueKind::NirKey);
    let rows = store.batch_rows(tuesday, 0, 10).await.unwrap();
    assert_eq!(rows[0].case_reference.as_ref(), Some(&reference));
    let listed = store
        .list_batches(organisation, &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 2);

    // The same file, under a new request id: a new batch.
    let new = |request_id: &str, sha256: [u8; 32]| NewBatch {
        id: BatchId::generate(),
        organisation: OrgRef {
            id: organisation,
            name: "Préfecture de Paris".to_owned(),
        },
        uploaded_by: AccountRef {
            id: account,
            name: "Guichet unique".to_owned(),
        },
        request_id: request_id.to_owned(),
        file_name: "affiliations.csv".to_owned(),
        sha256,
        declared_rows: 2,
        now: jiff::Timestamp::now(),
    };
    let again = store
        .open_batch(&new("monday-retry", file_a))
        .await
        .unwrap();
    assert_ne!(again.id, monday);
    assert_eq!(
        store.open_batch(&new("monday", file_a)).await.unwrap().id,
        monday
    );
    let reused = store.open_batch(&new("monday", file_b)).await.unwrap_err();
    assert!(
        matches!(
            reused,
            StoreError::Rejected(relais_core::Error::AlreadyExists(_))
        ),
        "{reused:?}"
    );
    drop(store);

    let mut db = sqlx::SqliteConnection::connect_with(&options)
        .await
        .unwrap();
    let orphans = sqlx::query("PRAGMA foreign_key_check")
        .fetch_all(&mut db)
        .await
        .unwrap();
    assert!(
        orphans.is_empty(),
        "{} rows lost their batch or case",
        orphans.len()
    );
    let index: Option<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_schema WHERE type = 'index' AND name = 'batches_by_organisation'",
    )
    .fetch_optional(&mut db)
    .await
    .unwrap();
    assert!(index.is_some(), "the listing's index is rebuilt");
}
