//! `relais batch send`, `list` and `show` against a real server: a
//! prefecture's file of 10,000 rows sent, answered row by row into a
//! results file, and sent again without creating anything; files refused
//! before anything leaves; a send cut off halfway and finished by sending
//! the file again; a file whose rows were rejected sent again under a new
//! request id once the cause is fixed.

mod support;

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
};

use relais_client::{collect_pages, pb};
use relais_tests::{
    User, World,
    affiliations::{BAD_NIR, generate},
    create_org,
};
use serde_json::Value;
use support::{Run, field, relais};
use tokio::{
    io::{AsyncReadExt as _, AsyncWriteExt as _},
    net::{TcpListener, TcpStream},
};

/// A file holding `text`, in a directory removed with the returned guard.
fn write_file(name: &str, text: impl AsRef<[u8]>) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

fn results_path(file: &Path) -> PathBuf {
    PathBuf::from(format!("{}.results.csv", file.display()))
}

/// The records of a results file, its header checked.
fn read_results(path: &Path) -> Vec<csv::StringRecord> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        reader.headers().unwrap(),
        vec!["row", "status", "case_reference", "errors", "warnings"]
    );
    reader.records().map(Result::unwrap).collect()
}

/// The number a summary line starts with.
fn count(stdout: &str, label: &str) -> u64 {
    let value = field(stdout, label);
    let number = value.split_whitespace().next().unwrap_or_default();
    number
        .parse()
        .unwrap_or_else(|_| panic!("{label}: {value:?} is not a count"))
}

/// Every case the user's organisation sees.
async fn cases_of(user: &User) -> Vec<pb::Case> {
    collect_pages(
        pb::ListCasesRequest::default(),
        usize::MAX,
        |request| async {
            let page = user.client.list_cases(request).await?;
            Ok((page.cases, page.next_page_token))
        },
    )
    .await
    .unwrap()
}

fn send(world: &World, user: &User, args: &[&str]) -> Run {
    let mut all = vec!["batch", "send"];
    all.extend_from_slice(args);
    relais(&world.server.url, Some(&user.token), &all)
}

fn batch(world: &World, user: &User, args: &[&str]) -> Run {
    let mut all = vec!["batch"];
    all.extend_from_slice(args);
    relais(&world.server.url, Some(&user.token), &all)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_of_ten_thousand_rows_is_answered_row_by_row_and_sent_again_for_nothing() {
    let world = World::new().await;
    let desk = world.prefecture_desk().await;
    let generated = generate(10_000);
    let (_dir, path) = write_file("affiliations.csv", &generated.text);
    let file = path.display().to_string();

    let run = send(&world, &desk, &[&file]);
    let stderr = run.failed();
    assert!(
        stderr.contains("rows were rejected") && stderr.contains(".results.csv"),
        "{stderr}"
    );
    assert!(
        stderr.contains("10000 of 10000 rows done (100 %)"),
        "progress lines in a log: {stderr}"
    );
    let stdout = run.stdout();
    let rows = count(&stdout, "Rows");
    let accepted = count(&stdout, "Accepted");
    let warnings = count(&stdout, "With warnings");
    let duplicates = count(&stdout, "Duplicates");
    let rejected = count(&stdout, "Rejected");
    assert_eq!(rows, 10_000);
    assert_eq!(
        accepted + warnings + duplicates + rejected,
        rows,
        "{stdout}"
    );
    assert_eq!(accepted + warnings, generated.accepted_rows, "{stdout}");
    assert_eq!(warnings, generated.warned_rows, "{stdout}");
    assert_eq!(duplicates, 0);
    assert_eq!(count(&stdout, "Replayed"), 0);
    let cases = count(&stdout, "Cases created");
    assert_eq!(cases, generated.accepted_households, "{stdout}");
    let batch_id = field(&stdout, "Batch");
    let request_id = field(&stdout, "Request id");
    assert!(
        request_id.starts_with("file-") && request_id.len() == 37,
        "{request_id}"
    );

    // One line per row, in the file's order and numbering.
    let results = read_results(&results_path(&path));
    let numbers: Vec<u64> = results.iter().map(|r| r[0].parse().unwrap()).collect();
    assert_eq!(numbers, generated.rows);
    let mut households = BTreeSet::new();
    for record in &results {
        let row: u64 = record[0].parse().unwrap();
        match &record[1] {
            "accepted" | "accepted_with_warnings" => {
                assert!(record[2].starts_with("R-"), "{record:?}");
                assert_eq!(&record[3], "", "{record:?}");
                households.insert(record[2].to_owned());
            }
            "rejected" => {
                assert_eq!(&record[2], "", "{record:?}");
                assert!(!record[3].is_empty(), "{record:?}");
            }
            other => panic!("row {row}: unexpected status {other}"),
        }
        if let Some(value) = generated.faulty.get(&row) {
            assert_eq!(&record[1], "rejected");
            assert!(record[3].contains(&format!("\"{value}\": ")), "{record:?}");
        }
        if &record[1] == "accepted_with_warnings" {
            assert!(record[4].starts_with("numero_agdref "), "{record:?}");
        }
    }
    assert_eq!(households.len() as u64, cases);
    assert_eq!(
        results.iter().filter(|r| &r[1] == "rejected").count() as u64,
        rejected
    );

    // What the server stored says the same.
    let seen = cases_of(&desk).await;
    assert_eq!(seen.len() as u64, cases);
    let stored = desk
        .client
        .get_batch(pb::GetBatchRequest {
            batch_id: batch_id.clone(),
            page_size: 1,
            page_token: String::new(),
        })
        .await
        .unwrap()
        .batch
        .unwrap();
    assert_eq!(stored.request_id, request_id);
    let counts = stored.counts.unwrap();
    assert_eq!(
        (counts.rows, counts.rejected, counts.cases),
        (
            10_000,
            i64::try_from(rejected).unwrap(),
            i64::try_from(cases).unwrap()
        )
    );

    // The same file again: every row comes back as it was, nothing is created.
    let again = send(&world, &desk, &[&file, "--json"]);
    again.failed();
    let summary = again.json();
    assert_eq!(summary["batch_id"], batch_id.as_str());
    assert_eq!(summary["rows"], 10_000);
    assert_eq!(summary["replayed"], 10_000);
    assert_eq!(summary["cases"], 0);
    assert_eq!(summary["replayed_cases"], cases);
    assert_eq!(summary["rejected"], rejected);
    assert_eq!(
        read_results(&results_path(&path))
            .iter()
            .map(|r| r.iter().map(str::to_owned).collect::<Vec<_>>())
            .collect::<Vec<_>>(),
        results
            .iter()
            .map(|r| r.iter().map(str::to_owned).collect::<Vec<_>>())
            .collect::<Vec<_>>(),
        "the same results"
    );
    assert_eq!(cases_of(&desk).await.len() as u64, cases);

    // The batch is listed, and shown row by row.
    let listed = batch(&world, &desk, &["list"]).ok();
    let line = listed
        .lines()
        .find(|l| l.starts_with(&batch_id))
        .unwrap_or_else(|| panic!("{batch_id} in\n{listed}"));
    for part in [&request_id, "affiliations.csv", "10000/10000"] {
        assert!(line.contains(part), "{part} in {line}");
    }
    assert_eq!(
        batch(&world, &desk, &["list", "-q"]).ok(),
        format!("{batch_id}\n")
    );

    let shown = batch(&world, &desk, &["show", &batch_id, "--json"]);
    let json = shown.json();
    let all = json["results"].as_array().unwrap();
    assert_eq!(all.len(), 10_000, "every page followed");
    assert_eq!(
        json["batch"]["counts"]["cases"],
        Value::from(cases.to_string())
    );

    let only = batch(&world, &desk, &["show", &request_id, "--rejected-only"]).ok();
    assert_eq!(field(&only, "Rejected"), rejected.to_string());
    let table: Vec<&str> = only
        .lines()
        .skip_while(|l| !l.starts_with("ROW "))
        .skip(1)
        .collect();
    assert_eq!(table.len() as u64, rejected, "{only}");
    assert!(
        table
            .iter()
            .all(|l| l.split_whitespace().nth(1) == Some("rejected")),
        "{only}"
    );
    let errors = batch(&world, &desk, &["show", &batch_id, "--rejected-only", "-q"]).ok();
    let nir_error = format!("nir \"{BAD_NIR}\": ");
    assert!(
        errors
            .lines()
            .any(|l| l.starts_with("row ") && l.contains(&nir_error)),
        "{errors}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_that_cannot_be_read_whole_is_refused_before_anything_is_sent() {
    let world = World::new().await;
    let desk = world.prefecture_desk().await;
    let no_birth_date = "nom;prenoms;numero_agdref;adresse;code_postal;commune\n\
                         KOVALENKO;Olena;7512345601;12 rue Oberkampf;75011;Paris\n";
    let (_dir, path) = write_file("no-birth-date.csv", no_birth_date);
    let stderr = send(&world, &desk, &[&path.display().to_string()]).failed();
    assert!(
        stderr.contains(&path.display().to_string())
            && stderr.contains("missing required column date_naissance")
            && stderr.contains("nothing was sent"),
        "{stderr}"
    );
    assert!(!results_path(&path).exists());

    // A value under no header would be lost on the way: refused too.
    let stray = "nom;prenoms;date_naissance;numero_agdref;adresse;code_postal;commune;\n\
                 KOVALENKO;Olena;14/10/1985;7512345601;12 rue Oberkampf;75011;Paris;\n\
                 MELNYK;Iryna;30/06/1990;7512345602;12 rue Oberkampf;75011;Paris;voir dossier\n";
    let (_dir, path) = write_file("stray.csv", stray);
    let stderr = send(&world, &desk, &[&path.display().to_string()]).failed();
    assert!(
        stderr.contains("row 3 has a value in column H") && stderr.contains("nothing was sent"),
        "{stderr}"
    );

    let listed = batch(&world, &desk, &["list", "--json"]);
    assert_eq!(listed.json()["batches"], Value::Array(Vec::new()));
    assert_eq!(batch(&world, &desk, &["list"]).ok(), "No batches.\n");
    assert!(cases_of(&desk).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn only_prefectures_send_files() {
    let world = World::new().await;
    let (_dir, path) = write_file("affiliations.csv", &generate(3).text);
    let run = send(&world, &world.partner, &[&path.display().to_string()]);
    let stderr = run.failed();
    assert!(
        stderr.lines().any(|l| l
            == "relais: PERMISSION_DENIED: only prefectures' partner accounts send affiliation files"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("send the same file again"),
        "a refusal is not worth retrying: {stderr}"
    );
    assert!(!results_path(&path).exists(), "nothing was answered");
    assert!(cases_of(&world.partner).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_results_name_columns_as_the_file_does() {
    let world = World::new().await;
    let desk = world.prefecture_desk().await;
    let text = "Nom,Prénoms,Date de naissance,N° AGDREF,Adresse,Code postal,Commune\n\
                KOVALENKO,Olena,14/10/1985,7512345601,12 rue Oberkampf,75011,Paris\n\
                MELNYK,Iryna,07/02/2095,7512345602,\"12, rue Oberkampf\",75011,Paris\n";
    let (dir, path) = write_file("affiliations.csv", text);
    let results = dir.path().join("out.csv");
    let run = send(
        &world,
        &desk,
        &[
            &path.display().to_string(),
            "--request-id",
            "pref75-2026-11-23",
            "--results",
            &results.display().to_string(),
            "-q",
        ],
    );
    let stderr = run.failed();
    assert!(stderr.contains("1 of 2 rows were rejected"), "{stderr}");
    assert!(!stderr.contains("rows done"), "quiet: {stderr}");
    let batch_id = run.stdout().trim().to_owned();
    assert!(uuid::Uuid::parse_str(&batch_id).is_ok(), "{batch_id:?}");

    // Comma-separated like the file, so that it opens in the same spreadsheet.
    let mut reader = csv::Reader::from_path(&results).unwrap();
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 2);
    assert_eq!(&records[0][1], "accepted");
    assert_eq!(&records[1][1], "rejected");
    assert!(
        records[1][3].starts_with("Date de naissance \"07/02/2095\": "),
        "{:?}",
        records[1]
    );

    let shown = batch(&world, &desk, &["show", "pref75-2026-11-23"]).ok();
    assert_eq!(field(&shown, "Batch"), batch_id);
    assert_eq!(field(&shown, "Rows"), "2");
    assert_eq!(field(&shown, "Cases"), "1");
}

/// Forwards one connection to `upstream`, and cuts it once `limit` bytes of
/// answers went through.
async fn cutting_proxy(upstream: std::net::SocketAddr, limit: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (client, _) = listener.accept().await.unwrap();
        let server = TcpStream::connect(upstream).await.unwrap();
        let (mut client_read, mut client_write) = client.into_split();
        let (mut server_read, mut server_write) = server.into_split();
        let requests = tokio::spawn(async move {
            let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
        });
        let mut forwarded = 0;
        let mut buffer = vec![0u8; 4096];
        while forwarded < limit {
            let n = match server_read.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n.min(limit - forwarded),
            };
            if client_write.write_all(&buffer[..n]).await.is_err() {
                break;
            }
            forwarded += n;
        }
        requests.abort();
        // Both halves dropped here: the line goes dead both ways.
    });
    format!("http://{address}")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_send_cut_off_is_finished_by_sending_the_file_again() {
    let world = World::new().await;
    let desk = world.prefecture_desk().await;
    let generated = generate(3_000);
    let (_dir, path) = write_file("affiliations.csv", &generated.text);
    let file = path.display().to_string();

    let proxy = cutting_proxy(world.server.address(), 20_000).await;
    let cut = relais(&proxy, Some(&desk.token), &["batch", "send", &file]);
    let stderr = cut.failed();
    assert!(
        stderr.contains("send the same file again to finish"),
        "{stderr}"
    );
    let answered = read_results(&results_path(&path)).len();
    assert!(
        answered > 0 && answered < 3_000,
        "cut in the middle of the answers: {answered}"
    );
    assert!(
        stderr.contains(&format!("{answered} of 3000 rows were answered")),
        "{stderr}"
    );

    let run = send(&world, &desk, &[&file, "--json"]);
    run.failed();
    let summary = run.json();
    assert_eq!(summary["rows"], 3_000);
    assert_eq!(summary["answered"], 3_000);
    assert!(
        summary["replayed"].as_u64().unwrap() >= answered as u64,
        "what was answered was stored: {summary}"
    );
    assert_eq!(
        summary["cases"].as_u64().unwrap() + summary["replayed_cases"].as_u64().unwrap(),
        generated.accepted_households
    );
    let results = read_results(&results_path(&path));
    let numbers: Vec<u64> = results.iter().map(|r| r[0].parse().unwrap()).collect();
    assert_eq!(numbers, generated.rows);
    assert_eq!(
        cases_of(&desk).await.len() as u64,
        generated.accepted_households,
        "each household exactly once"
    );
}

/// The organisation's batches, as the server lists them.
async fn batches_of(user: &User) -> Vec<pb::Batch> {
    user.client
        .list_batches(pb::ListBatchesRequest::default())
        .await
        .unwrap()
        .batches
}

/// Asserts that a send failed before anything left: no batch, no case, no
/// results file.
async fn assert_nothing_sent(desk: &User, path: &Path, stderr: &str) {
    assert!(stderr.contains("nothing was sent"), "{stderr}");
    assert!(batches_of(desk).await.is_empty());
    assert!(cases_of(desk).await.is_empty());
    assert!(!results_path(path).exists());
}

const HEADER: &str = "nom;prenoms;date_naissance;numero_agdref;adresse;code_postal;commune";

#[tokio::test(flavor = "multi_thread")]
async fn a_file_with_a_quote_left_open_in_its_last_row_is_refused_before_anything_is_sent() {
    let world = World::new().await;
    let desk = world.prefecture_desk().await;
    // Every attempt used to fail halfway, with `row.row_number "(row 2
    // after row 2)"`, row 2 stored.
    let text = format!(
        "{HEADER}\n\
         KOVALENKO;Olena;14/10/1995;7512345601;12 rue Oberkampf;75011;Paris\n\
         MELNYK;Iryna;30/06/1990;7512345602;\"12 rue Oberkampf;75011;Paris\n"
    );
    let (_dir, path) = write_file("open-quote.csv", text);
    let file = path.display().to_string();
    let stderr = send(&world, &desk, &[&file]).failed();
    assert!(
        stderr.contains(&format!(
            "{file}: row 3, column E: the quotation mark that opens this value is never closed"
        )),
        "{stderr}"
    );
    assert_nothing_sent(&desk, &path, &stderr).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_mixing_encodings_is_refused_before_anything_is_sent() {
    let world = World::new().await;
    let desk = world.prefecture_desk().await;
    let row = |name: &[u8], agdref: &str| {
        let mut row = name.to_vec();
        row.extend_from_slice(
            format!(";14/10/1995;{agdref};12 rue Oberkampf;75011;Paris\n").as_bytes(),
        );
        row
    };

    // UTF-8 but for one stray byte: read from its start, it used to be sent
    // as Windows-1252, "Zoë" stored as "ZoÃ«".
    let mut stray = format!("{HEADER}\n").into_bytes();
    stray.extend(row(b"KOVALENKO;Olen\xe0", "7512345601"));
    stray.extend(row("LEFÈVRE;Zoë".as_bytes(), "7512345602"));
    let (_dir, path) = write_file("stray.csv", &stray);
    let stderr = send(&world, &desk, &[&path.display().to_string()]).failed();
    assert!(
        stderr.contains("row 2, column B (prenoms): the text is not UTF-8, while the file has UTF-8 text too (first on row 3): the file mixes encodings"),
        "{stderr}"
    );
    assert_nothing_sent(&desk, &path, &stderr).await;

    // Windows-1252, then a row pasted in UTF-8.
    let mut pasted = format!("{HEADER}\n").into_bytes();
    pasted.extend(row(b"LEF\xc8VRE;H\xe9l\xe8ne", "7512345601"));
    pasted.extend(row("LEFÈVRE;Zoë".as_bytes(), "7512345602"));
    let (_dir, path) = write_file("pasted.csv", &pasted);
    let stderr = send(&world, &desk, &[&path.display().to_string()]).failed();
    assert!(
        stderr.contains("row 2, column A (nom): the text is not UTF-8, while the file has UTF-8 text too (first on row 3)"),
        "{stderr}"
    );
    assert_nothing_sent(&desk, &path, &stderr).await;

    // A file all in Windows-1252 is sent, its names read right.
    let mut windows = format!("{HEADER}\n").into_bytes();
    windows.extend(row(b"LEF\xc8VRE;H\xe9l\xe8ne", "7512345601"));
    let (_dir, path) = write_file("windows.csv", &windows);
    send(&world, &desk, &[&path.display().to_string()]).ok();
    let cases = cases_of(&desk).await;
    assert_eq!(cases.len(), 1);
    let case = desk
        .client
        .get_case(&cases[0].reference)
        .await
        .unwrap()
        .case
        .unwrap();
    let beneficiary = case.beneficiary.unwrap();
    assert_eq!(
        (
            beneficiary.last_name.as_str(),
            beneficiary.first_names.as_str()
        ),
        ("LEFÈVRE", "Hélène")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_rejected_for_want_of_a_fund_is_judged_again_under_a_new_request_id() {
    let world = World::new().await;
    let desk = world.prefecture_desk().await;
    // Olena lives in Paris; Iryna in Marseille, where no fund is set up yet.
    let text = format!(
        "{HEADER}\n\
         KOVALENKO;Olena;14/10/1995;7512345601;12 rue Oberkampf;75011;Paris\n\
         MELNYK;Iryna;30/06/1990;7512345602;3 rue de la République;13002;Marseille\n"
    );
    let (_dir, path) = write_file("affiliations.csv", text);
    let file = path.display().to_string();
    let first = send(&world, &desk, &[&file]);
    let stderr = first.failed();
    assert!(
        stderr.contains("send it again with a new --request-id"),
        "the way out is said: {stderr}"
    );
    let stdout = first.stdout();
    assert_eq!(
        (count(&stdout, "Accepted"), count(&stdout, "Rejected")),
        (1, 1)
    );
    let olena = read_results(&results_path(&path))[0][2].to_owned();
    assert!(olena.starts_with("R-"), "{olena}");

    create_org(
        &world.admin,
        "CPAM des Bouches-du-Rhône",
        pb::OrganisationKind::Cpam,
        "13",
    )
    .await;
    // The same request id resumes the same batch: its answers stand.
    let replayed = send(&world, &desk, &[&file, "--json"]);
    replayed.failed();
    assert_eq!(replayed.json()["replayed"], 2);
    assert_eq!(replayed.json()["rejected"], 1);

    // A new request id: a new batch, every row judged again.
    let retry = send(&world, &desk, &[&file, "--request-id", "retry-1", "--json"]);
    retry.ok();
    let summary = retry.json();
    assert_eq!(summary["request_id"], "retry-1");
    assert_eq!(
        (
            summary["duplicates"].as_u64(),
            summary["accepted"].as_u64(),
            summary["rejected"].as_u64(),
            summary["replayed"].as_u64(),
            summary["cases"].as_u64()
        ),
        (Some(1), Some(1), Some(0), Some(0), Some(1))
    );
    let results = read_results(&results_path(&path));
    assert_eq!(
        (&results[0][1], &results[0][2]),
        ("duplicate", olena.as_str()),
        "Olena's household is a duplicate of its own case"
    );
    assert_eq!(&results[1][1], "accepted");
    assert_eq!(cases_of(&desk).await.len(), 2);

    // Shown by the request id given, beside the first batch of the file.
    let shown = batch(&world, &desk, &["show", "retry-1"]).ok();
    assert_eq!(field(&shown, "Request id"), "retry-1");
    assert_eq!(
        field(&shown, "Batch"),
        summary["batch_id"].as_str().unwrap()
    );
    assert_eq!(field(&shown, "Duplicates"), "1");
    assert_eq!(field(&shown, "Rejected"), "0");
    let batches = batches_of(&desk).await;
    assert_eq!(batches.len(), 2);
    assert_eq!(batches[0].sha256, batches[1].sha256);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_binary_file_is_refused_in_one_short_readable_line() {
    let world = World::new().await;
    let desk = world.prefecture_desk().await;
    // An .xlsx workbook sent instead of its CSV export.
    let mut workbook = b"PK\x03\x04\x14\0\x06\0\x08\0\0\0!\0".to_vec();
    workbook.extend((0..3_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    let (_dir, path) = write_file("affiliations.xlsx", &workbook);
    let run = send(&world, &desk, &[&path.display().to_string()]);
    let stderr = run.failed();
    assert!(
        stderr.contains(
            "this is not a CSV text file but a zipped file, such as an .xlsx or .ods workbook"
        ),
        "{stderr}"
    );
    assert!(stderr.len() < 400, "{stderr}");
    let output = String::from_utf8_lossy(&run.raw_output()).into_owned();
    assert!(
        !output.chars().any(|c| c.is_control() && c != '\n'),
        "{output:?}"
    );
    assert_nothing_sent(&desk, &path, &stderr).await;
}
