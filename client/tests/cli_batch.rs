//! `relais batch validate`: a prefecture file checked offline. No server runs
//! here: every run points at an address where nothing listens, and names a
//! CA certificate that does not exist, so a command that tried to connect,
//! or even read the connection's settings, would fail.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::{Run, field, relais_with, relais_with_stdin};

/// Port 9 (discard): nothing listens there on a test machine.
const NOWHERE: &str = "http://127.0.0.1:9";

fn validate(args: &[&str]) -> Run {
    let mut all = vec!["batch", "validate"];
    all.extend_from_slice(args);
    relais_with(
        &[
            ("RELAIS_URL", NOWHERE),
            ("RELAIS_CA_CERT", "/nonexistent/relais/ca.pem"),
        ],
        &all,
    )
}

/// `relais batch validate -`, the file on stdin.
fn validate_stdin(args: &[&str], input: &[u8]) -> Run {
    let mut all = vec!["batch", "validate", "-"];
    all.extend_from_slice(args);
    relais_with_stdin(
        &[
            ("RELAIS_URL", NOWHERE),
            ("RELAIS_CA_CERT", "/nonexistent/relais/ca.pem"),
        ],
        &all,
        input,
    )
}

fn sample() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs/samples/affiliations.csv")
        .display()
        .to_string()
}

/// A file holding `bytes`, in a directory removed with the returned guard.
fn file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path.display().to_string())
}

/// The line of a table that starts with row number `row`.
fn table_line(stdout: &str, row: u64) -> &str {
    let prefix = format!("{row} ");
    stdout
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no line for row {row} in:\n{stdout}"))
}

const HEADER: &str =
    "nom;prenoms;sexe;date_naissance;numero_agdref;adresse;code_postal;commune;nir;foyer;lien";

/// Row 2: a NIR whose key is wrong; row 3: a birth date in the future.
fn with_errors() -> String {
    format!(
        "{HEADER}\n\
         KOVALENKO;Olena;F;14/10/1995;7512345601;12 rue Oberkampf;75011;Paris;295109912611199;;\n\
         MELNYK;Oleksandr;M;07/02/2095;6912345670;8 rue de l'Église;69003;Lyon;;;\n\
         SHEVCHENKO;Iryna;F;1988-03-21;9412345678;5 allée des Érables;94000;Créteil;;;\n"
    )
}

#[test]
fn the_sample_file_validates_clean_without_a_server() {
    let run = validate(&[&sample()]);
    let stdout = run.ok();
    assert_eq!(run.stderr(), "");
    assert_eq!(field(&stdout, "Encoding"), "UTF-8 (detected)");
    assert_eq!(field(&stdout, "Separator"), "; (semicolon)");
    assert_eq!(field(&stdout, "Rows"), "12");
    assert_eq!(field(&stdout, "Accepted"), "12");
    assert_eq!(field(&stdout, "Rejected"), "0");
    assert_eq!(field(&stdout, "Households"), "3 (3 accepted, 0 rejected)");
    assert!(
        stdout.contains("Every row is accepted: 3 households ready to send."),
        "{stdout}"
    );

    let quiet = validate(&[&sample(), "-q"]);
    assert_eq!(quiet.ok(), "", "nothing to say about a clean file");
}

#[test]
fn rejected_rows_are_named_with_their_column_and_fail() {
    let (_dir, path) = file("errors.csv", with_errors().as_bytes());
    let run = validate(&[&path]);
    let stderr = run.failed();
    assert!(
        stderr.contains(&path) && stderr.contains("2 of 3 rows rejected"),
        "{stderr}"
    );
    let stdout = run.stdout();
    assert_eq!(field(&stdout, "Rows"), "3");
    assert_eq!(field(&stdout, "Accepted"), "1");
    assert_eq!(field(&stdout, "Rejected"), "2");
    let nir = table_line(&stdout, 2);
    for part in ["nir", "295109912611199", "nir_key", "does not match"] {
        assert!(nir.contains(part), "{part} in {nir}");
    }
    let birth = table_line(&stdout, 3);
    for part in [
        "date_naissance",
        "07/02/2095",
        "date_in_future",
        "in the future",
    ] {
        assert!(birth.contains(part), "{part} in {birth}");
    }
    assert!(stdout.contains("Errors by kind:"), "{stdout}");

    let quiet = validate(&[&path, "-q"]);
    quiet.failed();
    let lines: Vec<String> = quiet.stdout().lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with("row 2: nir \"295109912611199\": "),
        "{lines:?}"
    );
    assert_eq!(
        lines[1],
        "row 3: date_naissance \"07/02/2095\": 2095-02-07 is in the future"
    );

    let capped = validate(&[&path, "--max-errors", "1"]);
    let stdout = capped.stdout();
    capped.failed();
    assert!(stdout.contains("the first 1 of 2"), "{stdout}");
    assert!(!stdout.lines().any(|l| l.starts_with("3 ")), "{stdout}");
}

/// `Nom;Prénoms;…` as French spreadsheets save it by default: é is one byte, 0xE9.
fn windows_1252(rows: &str) -> Vec<u8> {
    let text = format!(
        "Nom;Prénoms;Date de naissance;N° AGDREF;Adresse;Code postal;Commune;Foyer;Lien\r\n{rows}"
    );
    text.chars()
        .map(|c| match c {
            'é' => 0xE9,
            'è' => 0xE8,
            'È' => 0xC8,
            '°' => 0xB0,
            'œ' => 0x9C,
            c if c.is_ascii() => c as u8,
            c => panic!("{c} is not in this test's table"),
        })
        .collect()
}

#[test]
fn a_windows_1252_file_is_read_correctly() {
    let demandeur = "LEFÈVRE;Hélène;03/05/1990;7512345601;3 rue du Sacré-Cœur;75018;Paris;Hélène LEFÈVRE;demandeur\r\n";
    let bytes = windows_1252(demandeur);
    assert!(std::str::from_utf8(&bytes).is_err(), "not UTF-8");
    let (_dir, path) = file("lefevre.csv", &bytes);
    let stdout = validate(&[&path]).ok();
    assert_eq!(field(&stdout, "Encoding"), "Windows-1252 (detected)");
    assert_eq!(field(&stdout, "Accepted"), "1");

    // The child is born in the future, so her mother's row is rejected with
    // the household, its `foyer` value and header shown as written.
    let child = "LEFÈVRE;Zoé;12/06/2095;;;;;Hélène LEFÈVRE;enfant\r\n";
    let (_dir, path) = file("lefevre.csv", &windows_1252(&format!("{demandeur}{child}")));
    let run = validate(&[&path]);
    run.failed();
    let stdout = run.stdout();
    let mother = table_line(&stdout, 2);
    for part in ["Foyer", "Hélène LEFÈVRE", "household_member_rejected"] {
        assert!(mother.contains(part), "{part} in {mother}");
    }
    let daughter = table_line(&stdout, 3);
    assert!(daughter.contains("Date de naissance"), "{daughter}");

    let forced = validate(&[&path, "--encoding", "windows-1252"]);
    forced.failed();
    assert_eq!(field(&forced.stdout(), "Encoding"), "Windows-1252 (forced)");
    // Read as UTF-8, the very header is not text: a file error, no report.
    let wrong = validate(&[&path, "--encoding", "utf-8"]);
    let stderr = wrong.failed();
    assert_eq!(wrong.stdout(), "");
    assert!(
        stderr.contains(&path) && stderr.contains("not valid UTF-8"),
        "{stderr}"
    );
}

#[test]
fn a_missing_required_column_is_a_file_error_naming_it() {
    let text = "nom;prenoms;numero_agdref;adresse;code_postal;commune\n\
                KOVALENKO;Olena;7512345601;12 rue Oberkampf;75011;Paris\n";
    let (_dir, path) = file("no-birth-date.csv", text.as_bytes());
    let run = validate(&[&path]);
    let stderr = run.failed();
    assert!(
        stderr.contains(&path) && stderr.contains("missing required column date_naissance"),
        "{stderr}"
    );
    assert_eq!(run.stdout(), "", "no report without a usable header");

    let json = validate(&[&path, "--json"]);
    json.failed();
    assert_eq!(json.stderr(), "");
    let report = json.json();
    assert_eq!(report["rows"], 0);
    let error = report["file_error"].as_str().unwrap();
    assert!(error.contains("date_naissance"), "{error}");
}

#[test]
fn an_unreadable_file_is_named() {
    let run = validate(&["/nonexistent/affiliations.csv"]);
    let stderr = run.failed();
    assert!(
        stderr.contains("cannot read /nonexistent/affiliations.csv"),
        "{stderr}"
    );
    let json = validate(&["/nonexistent/affiliations.csv", "--json"]);
    json.failed();
    assert_eq!(json.json()["error"]["code"], "NOT_FOUND");
}

#[test]
fn json_is_the_report() {
    let run = validate(&[&sample(), "--json"]);
    run.ok();
    let report: Value = run.json();
    assert_eq!(report["encoding"], "UTF-8");
    assert_eq!(report["separator"], ";");
    assert_eq!(report["rows"], 12);
    assert_eq!(report["rejected"], 0);
    assert_eq!(report["households"], 3);
    assert_eq!(report["file_error"], Value::Null);

    let (_dir, path) = file("errors.csv", with_errors().as_bytes());
    let run = validate(&[&path, "--json"]);
    run.failed();
    assert_eq!(run.stderr(), "", "the report says it all");
    let report = run.json();
    assert_eq!(report["rejected"], 2);
    assert_eq!(report["errors_by_kind"]["nir_key"], 1);
    assert_eq!(report["errors_by_kind"]["date_in_future"], 1);
    let first = &report["first_errors"][0];
    assert_eq!(
        (&first["row"], &first["column"], &first["kind"]),
        (
            &Value::from(2),
            &Value::from("nir"),
            &Value::from("nir_key")
        )
    );
    assert_eq!(first["value"], "295109912611199");
}

/// A valid row in Paris, then a row whose address opens a quotation mark
/// that nothing closes (column F).
fn open_quote_in_last_row() -> String {
    format!(
        "{HEADER}\n\
         KOVALENKO;Olena;F;14/10/1995;7512345601;12 rue Oberkampf;75011;Paris;;;\n\
         MELNYK;Oleksandr;M;07/02/1979;6912345670;\"8 rue de l'Église;69003;Lyon;;;\n"
    )
}

#[test]
fn an_open_quote_in_the_last_row_is_a_file_error_where_it_opens() {
    let (_dir, path) = file("open-quote.csv", open_quote_in_last_row().as_bytes());
    let run = validate(&[&path]);
    let stderr = run.failed();
    assert_eq!(
        run.stdout(),
        "",
        "no row is judged, the valid one least of all"
    );
    assert!(
        stderr.contains(&format!(
            "{path}: row 3, column F: the quotation mark that opens this value is never closed"
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("row 2"), "{stderr}");
}

/// UTF-8, but for one Windows-1252 byte on row 2 ("Olenaï").
fn utf8_with_a_stray_byte() -> Vec<u8> {
    let mut bytes = format!("{HEADER}\nKOVALENKO;Olena").into_bytes();
    bytes.push(0xEF);
    bytes.extend_from_slice(
        ";F;14/10/1995;7512345601;12 rue Oberkampf;75011;Paris;;;\n\
         SHEVCHENKO;Iryna;F;1988-03-21;9412345678;5 allée des Érables;94000;Créteil;;;\n"
            .as_bytes(),
    );
    bytes
}

#[test]
fn a_file_mixing_encodings_is_refused_naming_the_first_row_not_in_utf8() {
    // Read from its start, this file was Windows-1252: "allÃ©e des Ã‰rables".
    let (_dir, path) = file("stray-byte.csv", &utf8_with_a_stray_byte());
    let run = validate(&[&path]);
    let stderr = run.failed();
    assert_eq!(run.stdout(), "");
    assert!(
        stderr.contains(&format!(
            "{path}: row 2, column B (prenoms): the text is not UTF-8, while the file has UTF-8 text too (first on row 3): the file mixes encodings"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("--encoding"), "{stderr}");

    // Begun in Windows-1252, continued in UTF-8 (a row pasted from another
    // export): the header is the first text that is not UTF-8.
    let demandeur = "LEFÈVRE;Hélène;03/05/1990;7512345601;3 rue du Sacré-Cœur;75018;Paris;Hélène LEFÈVRE;demandeur\r\n";
    let mut bytes = windows_1252(demandeur);
    bytes.extend_from_slice(
        "GARÇON;Noël;25/12/1984;9412345678;12 avenue de l'Église;94000;Créteil;;\r\n".as_bytes(),
    );
    let (_dir, path) = file("pasted.csv", &bytes);
    let stderr = validate(&[&path]).failed();
    assert!(
        stderr.contains("row 1, column B: the text is not UTF-8, while the file has UTF-8 text too (first on row 3): the file mixes encodings"),
        "{stderr}"
    );
    // Forced, the encoding is obeyed: the user knows best.
    let forced = validate(&[&path, "--encoding", "windows-1252"]);
    assert_eq!(field(&forced.ok(), "Encoding"), "Windows-1252 (forced)");
}

#[test]
fn stdin_is_read_whole_before_it_is_judged() {
    let sample = std::fs::read(sample()).unwrap();
    let stdout = validate_stdin(&[], &sample).ok();
    assert_eq!(field(&stdout, "File"), "stdin");
    assert_eq!(field(&stdout, "Rows"), "12");
    let run = validate_stdin(&[], &utf8_with_a_stray_byte());
    let stderr = run.failed();
    assert!(
        stderr.contains("stdin: row 2, column B (prenoms): the text is not UTF-8"),
        "{stderr}"
    );
}

/// No byte a terminal would obey (escape sequences, bells, NUL…): only
/// line feeds among the control characters.
fn assert_printable(run: &Run) {
    let output = run.raw_output();
    let text = String::from_utf8_lossy(&output);
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "{text:?}"
    );
}

#[test]
fn a_binary_file_gets_a_short_readable_error() {
    // A PNG image sent instead of the CSV export, and bytes of no known kind.
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x04\0\0\0\x03\0\x08\x06".to_vec();
    let mut state: u32 = 0x9E37_79B9;
    let noise: Vec<u8> = (0..4_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state.to_le_bytes()[1]
        })
        .collect();
    png.extend_from_slice(&noise);
    for (name, bytes, what) in [
        (
            "photo.csv",
            &png,
            "this is not a CSV text file but a PNG image",
        ),
        (
            "noise.csv",
            &noise,
            "this is not a CSV text file: row 1 holds bytes no text holds",
        ),
    ] {
        let (_dir, path) = file(name, bytes);
        let run = validate(&[&path]);
        let stderr = run.failed();
        assert_eq!(run.stdout(), "");
        assert!(stderr.contains(what), "{stderr}");
        assert!(stderr.len() < 400, "{} bytes: {stderr}", stderr.len());
        assert_printable(&run);
    }
}

#[test]
fn values_are_quoted_short_and_visible() {
    // A name that is 1,500 characters of garbage, with a terminal escape.
    let garbage = format!("\u{1b}[2J{}", "\u{7}x".repeat(750));
    let text = format!(
        "{HEADER}\nKOVALENKO;{garbage};F;14/10/1995;7512345601;12 rue Oberkampf;75011;Paris;;;\n"
    );
    let (_dir, path) = file("garbage.csv", text.as_bytes());
    for args in [&[][..], &["-q"], &["--json"]] {
        let mut all = vec![path.as_str()];
        all.extend_from_slice(args);
        let run = validate(&all);
        run.failed();
        assert_printable(&run);
        assert!(run.stdout().len() < 2_500, "{}", run.stdout());
    }
    let quiet = validate(&[&path, "-q"]).stdout();
    assert!(
        quiet.starts_with("row 2: prenoms \"\\u{1b}[2J\\u{7}x\\u{7}x"),
        "{quiet}"
    );
    assert!(quiet.contains("… (1504 characters)\": "), "{quiet}");
}
