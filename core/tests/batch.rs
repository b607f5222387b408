//! Prefecture batch files, read from the fixtures under `tests/batch/` and the
//! sample shipped in `docs/samples/`.

use std::{
    cell::Cell,
    fs::File,
    io::{self, Cursor, Read},
    path::PathBuf,
    rc::Rc,
    time::{Duration, Instant},
};

use jiff::Timestamp;
use relais_core::{
    batch::{
        BatchLimits, BatchOptions, BatchReader, Column, ColumnProblem, Encoding, FileError, Header,
        HouseholdGrouper, HouseholdReader, HouseholdResult, IssueKind, RawRow, Report, RowIssue,
        RowStatus, SubmissionContext, validate,
    },
    case::{Category, Consent, ConsentType, Relationship, Situation},
};

/// Sunday 22 November 2026, 11:00 in Paris.
fn now() -> Timestamp {
    "2026-11-22T10:00:00Z".parse().unwrap()
}

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(name)
}

fn fixture(name: &str) -> File {
    File::open(path(&format!("tests/batch/{name}"))).unwrap()
}

fn sample() -> File {
    File::open(path("../docs/samples/affiliations.csv")).unwrap()
}

fn households(file: File) -> Vec<HouseholdResult> {
    HouseholdReader::open(file, &BatchOptions::default(), now())
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn check(file: File) -> Report {
    validate(file, &BatchOptions::default(), now(), 50)
}

fn column_problems(file: File) -> Vec<ColumnProblem> {
    column_problems_with(file, &BatchOptions::default())
}

fn column_problems_with(file: File, options: &BatchOptions) -> Vec<ColumnProblem> {
    match BatchReader::new(file, options) {
        Err(FileError::Columns(problems)) => problems,
        other => panic!("expected a column error, got {other:?}"),
    }
}

#[test]
fn the_sample_file_validates_clean() {
    let report = check(sample());
    assert!(report.is_clean(), "{report:#?}");
    assert_eq!(
        (
            report.rows,
            report.accepted,
            report.households,
            report.households_accepted
        ),
        (12, 12, 3, 3)
    );
    assert_eq!(report.warnings_by_kind.len(), 0, "{report:#?}");
    assert_eq!(report.encoding, Some(Encoding::Utf8));
    assert_eq!(report.separator, Some(';'));
}

/// One row's verdict with its issues' columns as canonical columns, since a
/// file's header and [`Header::canonical`] may spell them differently.
type Verdict = (
    u64,
    Option<String>,
    RowStatus,
    Vec<(Option<Column>, String, String, IssueKind)>,
    Vec<(Option<Column>, String, String, IssueKind)>,
);

fn verdicts_of(results: &[HouseholdResult]) -> Vec<(Vec<Verdict>, bool)> {
    let issues = |issues: &[RowIssue]| {
        issues
            .iter()
            .map(|i| {
                let column = Column::from_header(&i.column);
                assert!(column.is_some(), "{i}");
                (column, i.value.clone(), i.reason.clone(), i.kind)
            })
            .collect::<Vec<_>>()
    };
    results
        .iter()
        .map(|r| {
            let rows = r
                .rows
                .iter()
                .map(|o| {
                    (
                        o.row,
                        o.foyer.clone(),
                        o.status(),
                        issues(&o.errors),
                        issues(&o.warnings),
                    )
                })
                .collect();
            (rows, r.household.is_some())
        })
        .collect()
}

/// What a server does: every row received as cells by column, pushed one by
/// one, checked against the canonical header.
fn pushed_cell_by_cell(file: File) -> Vec<HouseholdResult> {
    let rows = BatchReader::new(file, &BatchOptions::default()).unwrap();
    let mut grouper = HouseholdGrouper::new(Header::canonical(), now());
    let mut results = Vec::new();
    for row in rows {
        let row = row.unwrap();
        assert_eq!(row.stray(), [], "a stream has no cells outside columns");
        let cells = Column::ALL
            .iter()
            .map(|&c| (c, format!(" {} ", row.get(c))));
        results.extend(grouper.push(RawRow::new(row.row(), cells)));
    }
    results.extend(grouper.finish(false));
    results
}

#[test]
fn rows_pushed_cell_by_cell_are_judged_as_the_file_is() {
    for (name, file) in [
        ("sample", sample as fn() -> File),
        ("errors.csv", || fixture("errors.csv")),
        ("split-household.csv", || fixture("split-household.csv")),
        ("comma.csv", || fixture("comma.csv")),
        ("windows-1252.csv", || fixture("windows-1252.csv")),
        ("utf8-bom.csv", || fixture("utf8-bom.csv")),
    ] {
        let from_file = households(file());
        let pushed = pushed_cell_by_cell(file());
        assert_eq!(verdicts_of(&pushed), verdicts_of(&from_file), "{name}");
        let members = |results: &[HouseholdResult]| {
            results
                .iter()
                .map(|r| r.household.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(members(&pushed), members(&from_file), "{name}");
    }
    let sample = households(sample());
    assert_eq!(sample.iter().map(|r| r.rows.len()).sum::<usize>(), 12);
    let errors = households(fixture("errors.csv"));
    assert!(
        errors
            .iter()
            .flat_map(|r| &r.rows)
            .any(|o| o.status() == RowStatus::Rejected),
        "the comparison covers rejections"
    );
}

/// The example description in `docs/batch-format.md`.
fn documented_description() -> String {
    let doc = std::fs::read_to_string(path("../docs/batch-format.md")).unwrap();
    let start = doc
        .find("```\nPUMa affiliation from a prefecture batch file")
        .expect("the documented description");
    let block = &doc[start + 4..];
    block[..block.find("\n```").unwrap()].to_owned()
}

#[test]
fn the_sample_households_become_cases_like_submitted_ones() {
    let results = households(sample());
    let sizes: Vec<(Option<&str>, usize)> = results
        .iter()
        .map(|r| (r.foyer.as_deref(), r.rows.len()))
        .collect();
    assert_eq!(
        sizes,
        [
            (Some("F-2026-0001"), 5),
            (Some("F-2026-0002"), 6),
            (None, 1)
        ]
    );
    let context = SubmissionContext {
        consent: Consent {
            kind: ConsentType::Paper,
            date: jiff::civil::date(2026, 11, 20),
        },
        handler: None,
    };
    let cases: Vec<_> = results
        .iter()
        .map(|r| {
            let draft = r.household.as_ref().unwrap().to_draft(&context);
            draft.validate(now()).unwrap().value
        })
        .collect();

    let kovalenko = &cases[0];
    assert_eq!(kovalenko.category, Category::PumaAffiliation);
    assert_eq!(kovalenko.beneficiary.first_names, "Olena");
    assert_eq!(
        kovalenko.beneficiary.situation,
        Situation::TemporaryProtection
    );
    assert_eq!(
        kovalenko.beneficiary.nir.as_ref().unwrap().as_str(),
        "295109912611193"
    );
    assert_eq!(kovalenko.partner_reference.as_deref(), Some("F-2026-0001"));
    let children: Vec<&str> = kovalenko
        .dependants
        .iter()
        .filter(|d| d.relationship == Relationship::Child)
        .map(|d| d.first_names.as_str())
        .collect();
    assert_eq!(children, ["Taras", "Mariia", "Zoé"]);
    // docs/batch-format.md shows the beginning of this description: it stays true.
    let documented = documented_description();
    assert!(
        kovalenko.description.starts_with(&documented),
        "{}\n---\n{documented}",
        kovalenko.description
    );
    assert!(
        kovalenko
            .description
            .ends_with("\nRow 6, enfant KOVALENKO Zoé: nationalite UA; pays_naissance FR.")
    );

    let shevchenko = &cases[1];
    let address = shevchenko.beneficiary.residence.as_ref().unwrap().address();
    assert_eq!(
        address.line1,
        "chez Mme Hélène Lefèvre, 5 allée des Érables"
    );
    assert_eq!(shevchenko.beneficiary_departement().unwrap().code(), "94");
    assert_eq!(shevchenko.dependants.len(), 5);
    assert_eq!(shevchenko.dependants[1].relationship, Relationship::Other);

    let melnyk = &cases[2];
    assert_eq!(melnyk.dependants, []);
    assert_eq!(melnyk.partner_reference, None);
    assert_eq!(melnyk.beneficiary_departement().unwrap().code(), "69");
}

#[test]
fn a_windows_1252_file_is_detected_and_read_correctly() {
    let mut reader =
        BatchReader::new(fixture("windows-1252.csv"), &BatchOptions::default()).unwrap();
    assert_eq!(reader.header().name(Column::Prenoms), "Prénoms");
    assert_eq!(reader.header().name(Column::NumeroAgdref), "N° AGDREF");
    let rows: Vec<_> = reader.by_ref().map(Result::unwrap).collect();
    assert_eq!(reader.encoding(), Encoding::Windows1252);
    let names: Vec<(u64, &str, &str)> = rows
        .iter()
        .map(|r| (r.row(), r.get(Column::Nom), r.get(Column::Prenoms)))
        .collect();
    assert_eq!(
        names,
        [
            (2, "LEFÈVRE", "Hélène"),
            (3, "LEFÈVRE", "Zoé Chloé"),
            (4, "GARÇON", "Noël")
        ]
    );
    assert_eq!(rows[0].get(Column::Adresse), "3 rue du Sacré-Cœur");
    assert_eq!(rows[2].get(Column::Commune), "Créteil");

    let report = check(fixture("windows-1252.csv"));
    assert!(report.is_clean(), "{report:#?}");
    assert_eq!(report.encoding, Some(Encoding::Windows1252));
    assert_eq!((report.rows, report.households), (3, 2));
}

#[test]
fn a_forced_encoding_is_obeyed() {
    let utf8 = BatchOptions {
        encoding: Some(Encoding::Utf8),
        ..BatchOptions::default()
    };
    // The header's "é" is not UTF-8: reading stops there, naming why.
    let error = BatchReader::new(fixture("windows-1252.csv"), &utf8).unwrap_err();
    assert!(
        matches!(&error, FileError::InvalidUtf8 { row: 1, cell, .. } if cell == "column B"),
        "{error:?}"
    );
    assert!(error.to_string().contains("UTF-8 was asked for"), "{error}");

    let windows = BatchOptions {
        encoding: Some(Encoding::Windows1252),
        ..BatchOptions::default()
    };
    // UTF-8 read as Windows-1252 when told so: the accented headers no longer match.
    let problems = column_problems_with(fixture("utf8-bom.csv"), &windows);
    assert_eq!(
        problems[0],
        ColumnProblem::Unknown {
            header: "PRÃ‰NOMS".into(),
            position: 2
        }
    );
}

#[test]
fn a_file_mixing_encodings_stops_where_it_changes() {
    let mut bytes = Vec::new();
    fixture("split-household.csv")
        .read_to_end(&mut bytes)
        .unwrap();
    bytes
        .extend_from_slice(b"Gar\xe7on;No\xebl;25/12/1984;9412345678;1 rue X;94000;Cr\xe9teil;;\n");
    let report = validate(Cursor::new(bytes), &BatchOptions::default(), now(), 10);
    let error = report.file_error.unwrap();
    assert_eq!(
        error.to_string(),
        "row 9, column A (nom): the text is not UTF-8, while the file has UTF-8 text too (first on row 4): the file mixes encodings (rows pasted from another file?): save it again from the spreadsheet, or force the encoding it is in (--encoding)"
    );
    assert_eq!(report.rows, 0, "no row is judged in a guessed encoding");
}

fn bytes_of(mut file: File) -> Vec<u8> {
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).unwrap();
    bytes
}

fn check_bytes(bytes: Vec<u8>) -> Report {
    validate(Cursor::new(bytes), &BatchOptions::default(), now(), 50)
}

#[test]
fn a_utf8_file_with_one_stray_byte_is_refused_naming_its_row() {
    // Andrii's "ï" in Windows-1252, before any accent in UTF-8: decided from
    // the file's start, this file was Windows-1252, and Zoé became "ZoÃ©".
    let sample = bytes_of(sample());
    let at = sample.windows(6).position(|w| w == b"Andrii").unwrap();
    let mut bytes = sample[..at + 5].to_vec();
    bytes.push(0xEF);
    bytes.extend_from_slice(&sample[at + 6..]);
    let report = check_bytes(bytes.clone());
    assert_eq!(
        report.file_error,
        Some(FileError::MixedEncodings {
            row: 3,
            cell: "column B (prenoms)".into(),
            utf8_row: 6
        })
    );
    assert_eq!((report.rows, report.encoding), (0, None), "nothing judged");

    // Told what it is, the file is read so: the user's choice.
    let windows = BatchOptions {
        encoding: Some(Encoding::Windows1252),
        ..BatchOptions::default()
    };
    let report = validate(Cursor::new(bytes), &windows, now(), 50);
    assert_eq!(report.file_error, None);
    assert_eq!(report.encoding, Some(Encoding::Windows1252));
}

#[test]
fn a_windows_1252_file_continued_in_utf8_is_refused() {
    let mut bytes = bytes_of(fixture("windows-1252.csv"));
    bytes.extend_from_slice(
        "BONDARENKO;Zoë;F;01/02/2003;9412345679;12 avenue de l'Église;94000;Créteil;;;\r\n"
            .as_bytes(),
    );
    let error = check_bytes(bytes).file_error.unwrap();
    assert!(
        matches!(
            &error,
            FileError::MixedEncodings {
                row: 1,
                utf8_row: 5,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().starts_with(
            "row 1, column B: the text is not UTF-8, while the file has UTF-8 text too (first on row 5): the file mixes encodings"
        ),
        "{error}"
    );
    // Each encoding alone still reads.
    assert_eq!(check(fixture("windows-1252.csv")).file_error, None);
    assert_eq!(check(sample()).file_error, None);
}

#[test]
fn an_open_quote_in_the_last_row_stops_the_file_where_it_opens() {
    // The spreadsheet would show rows 2 to 13; row 13's address opens a
    // quotation mark that nothing closes.
    let mut bytes = bytes_of(sample());
    let last = bytes.len()
        - "8 rue de l'Église;69003;Lyon;+33 6 98 76 54 32;o.melnyk@example.com;uk;;;\n".len();
    bytes.insert(last, b'"');
    let report = check_bytes(bytes);
    assert_eq!(
        report.file_error,
        Some(FileError::UnclosedQuote {
            row: 13,
            column: "L".into()
        })
    );
    assert_eq!(report.rows, 0, "no row is judged, nor blamed");

    // In a row before the last (after the address in quotes on row 7,
    // which would close it), the rest of the file is one value.
    let mut bytes = bytes_of(sample());
    let at = bytes.windows(6).position(|w| w == b"Dmytro").unwrap();
    bytes.insert(at, b'"');
    let report = check_bytes(bytes);
    assert_eq!(
        report.file_error,
        Some(FileError::UnclosedQuote {
            row: 8,
            column: "B".into()
        })
    );
}

/// Bytes that look random, the same at every run.
fn noise(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[3]
        })
        .collect()
}

#[test]
fn a_binary_file_gets_one_short_readable_error() {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend(noise(4_000));
    let mut xlsx = b"PK\x03\x04\x14\0\x06\0".to_vec();
    xlsx.extend(noise(4_000));
    for (bytes, what) in [
        (noise(4_000), "control characters"),
        (png, "a PNG image"),
        (xlsx, ".xlsx"),
    ] {
        let report = check_bytes(bytes);
        let error = report.file_error.unwrap();
        assert!(matches!(error, FileError::NotText { .. }), "{error:?}");
        let message = error.to_string();
        assert!(message.contains(what), "{message}");
        assert!(message.len() < 200, "{message}");
        assert!(!message.chars().any(char::is_control), "{message}");
    }
}

#[test]
fn a_header_of_garbage_is_refused_in_a_few_short_lines() {
    // Text, but not an affiliation file's header: dozens of long cells.
    // (A control character would make it no text at all.)
    let cell = format!("\u{202e}{}", "colonne inconnue ".repeat(10));
    let mut text = vec![cell; 40].join(";");
    text.push_str("\nKOVALENKO;Olena\n");
    let error = check_bytes(text.into_bytes()).file_error.unwrap();
    let message = error.to_string();
    assert!(
        message.starts_with(
            "the header row is not usable: unknown column \"\\u{202e}colonne inconnue colonne"
        ),
        "{message}"
    );
    assert!(
        message.contains("… (170 characters)\" (column A)"),
        "{message}"
    );
    assert!(
        message.contains("; and 32 more unknown columns; missing required column nom"),
        "{message}"
    );
    assert!(message.len() < 1_500, "{} bytes: {message}", message.len());
    assert!(!message.contains('\u{202e}'), "{message}");
}

#[test]
fn row_issues_quote_values_short_and_visible() {
    let long = format!("Olena{}", "\u{7}x".repeat(750));
    let text = format!(
        "nom;prenoms;date_naissance;numero_agdref;adresse;code_postal;commune;\n\
         KOVALENKO;{long};14/10/1995;7512345601;12 rue Oberkampf;75011;Paris;\u{202e}{long}\n"
    );
    let report = check_bytes(text.into_bytes());
    let values: Vec<&str> = report
        .first_errors
        .iter()
        .map(|listed| listed.issue.value.as_str())
        .collect();
    assert_eq!(values.len(), 2, "{:#?}", report.first_errors);
    for value in values {
        assert!(
            value.ends_with("… (1505 characters)") || value.ends_with("… (1506 characters)"),
            "{value}"
        );
        assert!(value.chars().count() < 90, "{value}");
        assert!(!value.chars().any(char::is_control), "{value}");
        assert!(value.contains("\\u{7}"), "{value}");
    }
    assert!(
        report.first_errors[1]
            .issue
            .value
            .starts_with("\\u{202e}Olena")
    );
}

#[test]
fn a_utf8_file_with_a_bom_and_semicolons() {
    let mut reader = BatchReader::new(fixture("utf8-bom.csv"), &BatchOptions::default()).unwrap();
    assert_eq!(reader.separator(), ';');
    assert_eq!(
        reader.header().name(Column::Nom),
        "NOM",
        "the BOM is not part of the name"
    );
    assert_eq!(reader.header().name(Column::Prenoms), "PRÉNOMS");
    let rows: Vec<_> = reader.by_ref().map(Result::unwrap).collect();
    assert_eq!(rows[1].get(Column::Nom), "Шевченко");
    assert_eq!(rows[1].get(Column::Prenoms), "Ірина");
    assert_eq!(rows[1].get(Column::Adresse), "5 allée des Érables");
    assert_eq!(reader.encoding(), Encoding::Utf8);

    let report = check(fixture("utf8-bom.csv"));
    assert!(report.is_clean(), "{report:#?}");
    assert_eq!(report.accepted, 2);
}

#[test]
fn a_comma_separated_file_with_english_headers_and_quotes() {
    let mut reader = BatchReader::new(fixture("comma.csv"), &BatchOptions::default()).unwrap();
    assert_eq!(reader.separator(), ',');
    assert_eq!(reader.header().name(Column::Foyer), "household");
    let rows: Vec<_> = reader.by_ref().map(Result::unwrap).collect();
    assert_eq!(rows[0].get(Column::Adresse), "12, rue Oberkampf");
    assert_eq!(
        rows[2].get(Column::Adresse),
        "8 rue de l'Église \"bâtiment B\""
    );

    let results = households(fixture("comma.csv"));
    assert_eq!(results.len(), 2);
    assert!(
        results.iter().all(|r| r.household.is_some()),
        "{results:#?}"
    );
    let kovalenko = results[0].household.as_ref().unwrap();
    assert_eq!(kovalenko.dependants()[0].person.first_names, "Taras");
}

#[test]
fn missing_required_columns_are_named_before_any_row() {
    let problems = column_problems(fixture("missing-columns.csv"));
    assert_eq!(
        problems,
        [
            ColumnProblem::Missing {
                column: Column::DateNaissance
            },
            ColumnProblem::Missing {
                column: Column::Commune
            },
        ]
    );
    let report = check(fixture("missing-columns.csv"));
    assert_eq!(report.rows, 0);
    assert_eq!(
        report.file_error.unwrap().to_string(),
        "the header row is not usable: missing required column date_naissance; missing required column commune"
    );
}

#[test]
fn unknown_and_duplicate_columns_are_named() {
    let problems = column_problems(fixture("unknown-column.csv"));
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        [
            "unknown column \"Commentaire\" (column H)",
            "unknown column \"nom d'usage\" (column I)",
            "columns \"nir\", \"NIR\" all mean nir",
        ]
    );
}

/// (row, status, error kinds, warning kinds) of every row of a file.
fn verdicts(file: File) -> Vec<(u64, RowStatus, Vec<IssueKind>, Vec<IssueKind>)> {
    households(file)
        .iter()
        .flat_map(|h| &h.rows)
        .map(|o| {
            (
                o.row,
                o.status(),
                o.errors.iter().map(|e| e.kind).collect(),
                o.warnings.iter().map(|e| e.kind).collect(),
            )
        })
        .collect()
}

#[test]
fn every_kind_of_error_the_desks_make_is_reported() {
    use IssueKind::*;
    use RowStatus::*;
    assert_eq!(
        verdicts(fixture("errors.csv")),
        [
            (2, Rejected, vec![NirKey], vec![]),
            (3, AcceptedWithWarnings, vec![], vec![AgdrefNineDigits]),
            (4, Rejected, vec![DateInFuture], vec![]),
            (5, Rejected, vec![DepartementUnknown], vec![]),
            (6, Rejected, vec![ApsEndBeforeStart], vec![]),
            (7, AcceptedWithWarnings, vec![], vec![NirProvisional]),
            (8, Rejected, vec![HouseholdWithoutDemandeur], vec![]),
            (9, Rejected, vec![HouseholdWithoutDemandeur], vec![]),
        ]
    );

    let report = check(fixture("errors.csv"));
    assert!(!report.is_clean());
    assert_eq!(
        (
            report.rows,
            report.accepted,
            report.accepted_with_warnings,
            report.rejected
        ),
        (8, 0, 2, 6)
    );
    assert_eq!((report.households, report.households_rejected), (7, 5));
    let by_kind: Vec<(&str, u64)> = report
        .errors_by_kind
        .iter()
        .map(|(k, n)| (*k, *n))
        .collect();
    assert_eq!(
        by_kind,
        [
            ("aps_end_before_start", 1),
            ("date_in_future", 1),
            ("departement_unknown", 1),
            ("household_without_demandeur", 2),
            ("nir_key", 1),
        ]
    );
    let messages: Vec<String> = report
        .first_errors
        .iter()
        .map(|l| format!("row {}: {}", l.row, l.issue))
        .collect();
    assert_eq!(
        messages,
        [
            "row 2: nir \"295109912611199\": the key (last two digits) does not match the first 13 characters",
            "row 4: date_naissance \"07/02/2031\": 2031-02-07 is in the future",
            "row 5: code_postal \"98000\": postal code 98000 is in no département (Monaco, Saint-Barthélemy, Saint-Martin and the overseas collectivities are not served)",
            "row 6: aps_fin \"15/03/2026\": 2026-03-15 is not after the APS start 2026-09-15",
            "row 8: lien \"enfant\": household F-9 has no demandeur (lien demandeur): its members cannot be attached to anyone",
            "row 9: lien \"conjoint\": household F-9 has no demandeur (lien demandeur): its members cannot be attached to anyone",
        ]
    );
    let warnings: Vec<(u64, &str)> = report
        .first_warnings
        .iter()
        .map(|l| (l.row, l.issue.column.as_str()))
        .collect();
    assert_eq!(warnings, [(3, "numero_agdref"), (7, "nir")]);
}

#[test]
fn a_foyer_split_in_two_places_is_rejected_where_it_comes_back() {
    use IssueKind::*;
    use RowStatus::*;
    assert_eq!(
        verdicts(fixture("split-household.csv")),
        [
            (2, Accepted, vec![], vec![]),
            (3, Accepted, vec![], vec![]),
            (4, Accepted, vec![], vec![]),
            (5, Rejected, vec![HouseholdSplit], vec![]),
            (6, Rejected, vec![HouseholdSplit], vec![]),
            (7, Rejected, vec![HouseholdSplit], vec![]),
            (8, Accepted, vec![], vec![]),
        ]
    );
    let report = check(fixture("split-household.csv"));
    let reasons: Vec<&str> = report
        .first_errors
        .iter()
        .map(|l| l.issue.reason.as_str())
        .collect();
    assert_eq!(
        reasons[0],
        "household F-1 already appeared at rows 2 to 3: the rows of a household must follow each other"
    );
    assert_eq!(
        reasons[2],
        "household F-2 already appeared at row 4: the rows of a household must follow each other"
    );
}

#[test]
fn row_limits_are_clear_errors() {
    let six_rows = BatchOptions {
        limits: BatchLimits {
            max_rows: 6,
            ..BatchLimits::default()
        },
        ..BatchOptions::default()
    };
    let report = validate(sample(), &six_rows, now(), 50);
    assert_eq!(report.file_error, Some(FileError::TooManyRows { max: 6 }));
    assert_eq!(
        report.file_error.as_ref().unwrap().to_string(),
        "the file has more than 6 rows (max_rows): split it into several files"
    );
    // The first household (rows 2-6) was read whole; the second was cut
    // short after its first row, which is not submitted.
    assert_eq!(
        (report.households_accepted, report.households_rejected),
        (1, 1)
    );
    assert_eq!(report.rows, 6);
    assert_eq!(report.errors_by_kind.get("household_incomplete"), Some(&1));

    let short_rows = BatchOptions {
        limits: BatchLimits {
            max_row_bytes: 190,
            ..BatchLimits::default()
        },
        ..BatchOptions::default()
    };
    let report = validate(sample(), &short_rows, now(), 50);
    assert_eq!(
        report.file_error,
        Some(FileError::RowTooLong {
            row: 2,
            max: 190,
            open_quote: None
        })
    );
    assert_eq!(report.rows, 0);
}

/// A file of `households` households of three, made as it is read.
struct Generated {
    households: usize,
    next: usize,
    pending: Vec<u8>,
    at: usize,
    pulled: Rc<Cell<u64>>,
}

impl Generated {
    fn new(households: usize) -> (Generated, Rc<Cell<u64>>) {
        let pulled = Rc::new(Cell::new(0));
        let header = "nom;prenoms;sexe;date_naissance;numero_agdref;aps_numero;aps_debut;aps_fin;\
            adresse;code_postal;commune;foyer;lien\n";
        let generated = Generated {
            households,
            next: 0,
            pending: header.as_bytes().to_vec(),
            at: 0,
            pulled: Rc::clone(&pulled),
        };
        (generated, pulled)
    }
}

impl Read for Generated {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.at == self.pending.len() {
            if self.next == self.households {
                return Ok(0);
            }
            let i = self.next;
            self.next += 1;
            self.pending = format!(
                "Kovalenko;Olena;F;14/10/1995;{:010};2026-75-{i};15/09/2026;14/03/2027;12 rue Oberkampf;75011;Paris;F-{i};demandeur\n\
                 Kovalenko;Andrii;M;30/06/1993;;;;;;;;F-{i};conjoint\n\
                 Kovalenko;Taras;M;02/04/2015;;;;;;;;F-{i};enfant\n",
                i
            )
            .into_bytes();
            self.at = 0;
        }
        let n = out.len().min(self.pending.len() - self.at);
        out[..n].copy_from_slice(&self.pending[self.at..self.at + n]);
        self.at += n;
        self.pulled.set(self.pulled.get() + n as u64);
        Ok(n)
    }
}

#[test]
fn a_hundred_thousand_rows_stream_through() {
    let started = Instant::now();
    let count = 100_002 / 3;
    let (file, pulled) = Generated::new(count);
    // Read as it comes, in an encoding known beforehand: a file is read
    // first to decide its encoding, which a stream cannot be.
    let rows = BatchReader::in_encoding(file, Encoding::Utf8, BatchLimits::default()).unwrap();
    let mut reader = HouseholdReader::new(rows, now());
    let first = reader.next().unwrap().unwrap();
    assert!(first.household.is_some(), "{first:#?}");
    // The first household is out before the parser has read more than a few
    // buffers: nothing waits for the whole file.
    assert!(pulled.get() < 64 * 1024, "{} bytes read", pulled.get());
    let mut report = Report::new(10);
    report.add(&first);
    for result in reader {
        report.add(&result.unwrap());
    }
    assert!(report.is_clean(), "{report:#?}");
    assert_eq!(report.rows, count as u64 * 3);
    assert_eq!(report.households_accepted, count as u64);
    assert!(pulled.get() > 5_000_000);
    // About a second and a half in a debug build; far more would mean work
    // that grows faster than the file.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}
