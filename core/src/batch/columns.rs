//! The columns of a batch file and how the header row names them.
//!
//! Desk agents type headers by hand, so a header is matched loosely: case,
//! accents, spaces, dashes, apostrophes and little words (`de`, `du`, `d'`…)
//! do not matter: `Prénoms`, `date de naissance`, `DATE_NAISSANCE` and
//! `Date d'entrée` are all recognised, as are English names (`birth_date`).

use std::fmt;

use serde::Serialize;

use crate::{org::named_enum, text::excerpt};

named_enum!(
    /// A column of a batch file, named as in French headers.
    Column {
        Nom => "nom",
        Prenoms => "prenoms",
        Sexe => "sexe",
        DateNaissance => "date_naissance",
        PaysNaissance => "pays_naissance",
        Nationalite => "nationalite",
        NumeroAgdref => "numero_agdref",
        ApsNumero => "aps_numero",
        ApsDebut => "aps_debut",
        ApsFin => "aps_fin",
        DateEntree => "date_entree",
        Adresse => "adresse",
        CodePostal => "code_postal",
        Commune => "commune",
        Telephone => "telephone",
        Email => "email",
        Langue => "langue",
        Nir => "nir",
        Foyer => "foyer",
        Lien => "lien",
    }
);

/// Columns every file must have.
const REQUIRED: &[Column] = &[
    Column::Nom,
    Column::Prenoms,
    Column::DateNaissance,
    Column::Adresse,
    Column::CodePostal,
    Column::Commune,
];

/// A file must have at least one of these: the demandeur is identified by one.
const IDENTIFIERS: &[Column] = &[Column::NumeroAgdref, Column::Nir];

impl Column {
    pub const COUNT: usize = Column::ALL.len();

    /// Its position in [`Column::ALL`].
    pub(crate) const fn index(self) -> usize {
        self as usize
    }

    /// Whether every file must have this column (`lien` is required only
    /// with `foyer`; `numero_agdref` or `nir` is required).
    pub fn is_required(self) -> bool {
        REQUIRED.contains(&self)
    }

    /// Other accepted names, normalised (see the module's documentation); the
    /// English ones first.
    pub const fn aliases(self) -> &'static [&'static str] {
        match self {
            Column::Nom => &[
                "last_name",
                "lastname",
                "surname",
                "family_name",
                "nom_famille",
            ],
            Column::Prenoms => &[
                "first_names",
                "first_name",
                "firstname",
                "given_names",
                "prenom",
            ],
            Column::Sexe => &["sex", "gender"],
            Column::DateNaissance => &["birth_date", "birthdate", "date_birth", "dob"],
            Column::PaysNaissance => &["birth_country", "country_birth"],
            Column::Nationalite => &["nationality"],
            Column::NumeroAgdref => &[
                "agdref_number",
                "agdref",
                "n_agdref",
                "no_agdref",
                "num_agdref",
            ],
            Column::ApsNumero => &["aps_number", "aps", "numero_aps", "n_aps", "no_aps"],
            Column::ApsDebut => &["aps_start", "aps_start_date", "debut_aps", "date_debut_aps"],
            Column::ApsFin => &["aps_end", "aps_end_date", "fin_aps", "date_fin_aps"],
            Column::DateEntree => &["entry_date", "date_entry", "arrival_date", "date_arrivee"],
            Column::Adresse => &["address", "adresse_hebergement"],
            Column::CodePostal => &["postal_code", "postcode", "zip_code", "cp"],
            Column::Commune => &["city", "town", "ville"],
            Column::Telephone => &["phone", "phone_number", "tel"],
            Column::Email => &["e_mail", "mail", "courriel"],
            Column::Langue => &["language", "preferred_language", "langue_preferee"],
            Column::Nir => &["nir_nia", "nia", "numero_securite_sociale"],
            Column::Foyer => &[
                "household",
                "household_id",
                "id_foyer",
                "foyer_id",
                "numero_foyer",
            ],
            Column::Lien => &["relationship", "relation", "lien_parente"],
        }
    }

    /// The column a header names, if any.
    pub fn from_header(header: &str) -> Option<Column> {
        let key = normalise(header);
        Column::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == key || c.aliases().contains(&key.as_str()))
    }
}

/// Words that carry no meaning in a header: `date de naissance` is
/// `date_naissance`, `date of birth` is `date_birth`.
const LITTLE_WORDS: &[&str] = &["de", "du", "des", "d", "la", "le", "l", "of", "the"];

/// Lowercase ASCII words joined by `_`, accents removed, little words dropped.
pub(crate) fn normalise(header: &str) -> String {
    let mut flat = String::with_capacity(header.len());
    for c in header.trim().trim_start_matches('\u{feff}').chars() {
        for lower in c.to_lowercase() {
            match lower {
                'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => flat.push('a'),
                'ç' => flat.push('c'),
                'è' | 'é' | 'ê' | 'ë' => flat.push('e'),
                'ì' | 'í' | 'î' | 'ï' => flat.push('i'),
                'ñ' => flat.push('n'),
                'ò' | 'ó' | 'ô' | 'ö' | 'õ' => flat.push('o'),
                'ù' | 'ú' | 'û' | 'ü' => flat.push('u'),
                'ý' | 'ÿ' => flat.push('y'),
                'œ' => flat.push_str("oe"),
                'æ' => flat.push_str("ae"),
                c if c.is_ascii_alphanumeric() => flat.push(c),
                _ => flat.push(' '),
            }
        }
    }
    flat.split(' ')
        .filter(|word| !word.is_empty() && !LITTLE_WORDS.contains(word))
        .collect::<Vec<_>>()
        .join("_")
}

/// The spreadsheet's name for a 1-based column position: A, B… Z, AA…
pub(crate) fn letters(position: usize) -> String {
    let mut n = position;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII letters")
}

/// A cell's column as messages name it: `column B`, or `column B (Prénoms)`
/// with the header (already quoted short) when it has one.
pub(crate) fn cell_label(position: usize, header: Option<&str>) -> String {
    match header {
        Some(header) if !header.is_empty() => format!("column {} ({header})", letters(position)),
        _ => format!("column {}", letters(position)),
    }
}

/// How many unknown columns, or headers of one column, a message lists: a
/// header row of a file that is not an affiliation file can have hundreds,
/// and the missing columns listed after them say more.
pub(crate) const LISTED_HEADERS: usize = 8;

/// Why a header row cannot be used. Headers are quoted as messages quote
/// input ([`excerpt`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum ColumnProblem {
    /// A header that names no known column. `position` is 1-based.
    Unknown {
        header: String,
        position: usize,
    },
    Missing {
        column: Column,
    },
    /// None of these columns is present; one is needed.
    MissingOneOf {
        columns: Vec<Column>,
    },
    /// A column that is needed because another one is present.
    MissingWith {
        column: Column,
        with: Column,
    },
    /// Several headers name the same column.
    Duplicate {
        column: Column,
        headers: Vec<String>,
    },
}

impl fmt::Display for ColumnProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnProblem::Unknown { header, position } => write!(
                f,
                "unknown column \"{header}\" (column {})",
                letters(*position)
            ),
            ColumnProblem::Missing { column } => write!(f, "missing required column {column}"),
            ColumnProblem::MissingOneOf { columns } => {
                let names: Vec<&str> = columns.iter().map(|c| c.as_str()).collect();
                write!(f, "missing column: one of {} is required", names.join(", "))
            }
            ColumnProblem::MissingWith { column, with } => {
                write!(f, "missing column {column}, required with column {with}")
            }
            ColumnProblem::Duplicate { column, headers } => {
                let mut quoted: Vec<String> = headers
                    .iter()
                    .take(LISTED_HEADERS)
                    .map(|h| format!("\"{h}\""))
                    .collect();
                if headers.len() > LISTED_HEADERS {
                    quoted.push(format!("{} more", headers.len() - LISTED_HEADERS));
                }
                write!(f, "columns {} all mean {column}", quoted.join(", "))
            }
        }
    }
}

/// The columns of a file, as its header row names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The column of each position of the file; `None` for a position whose
    /// header is empty.
    positions: Vec<Option<Column>>,
    /// The header as written in the file, by [`Column::index`].
    names: Vec<Option<String>>,
}

impl Header {
    /// Maps a header row; every problem is reported at once.
    pub fn parse<S: AsRef<str>>(cells: &[S]) -> Result<Header, Vec<ColumnProblem>> {
        let mut positions = Vec::with_capacity(cells.len());
        let mut names: Vec<Option<String>> = vec![None; Column::COUNT];
        let mut seen: Vec<Vec<String>> = vec![Vec::new(); Column::COUNT];
        let mut problems = Vec::new();
        for (i, cell) in cells.iter().enumerate() {
            let header = cell.as_ref().trim().trim_start_matches('\u{feff}').trim();
            if header.is_empty() {
                // Spreadsheets export trailing empty columns; a value under
                // one is reported on its row.
                positions.push(None);
                continue;
            }
            // Names go into messages: a header that matches loosely
            // (`Nom` followed by control characters) is still quoted short.
            let shown = excerpt(header);
            match Column::from_header(header) {
                Some(column) => {
                    positions.push(Some(column));
                    names[column.index()].get_or_insert_with(|| shown.clone());
                    seen[column.index()].push(shown);
                }
                None => {
                    positions.push(None);
                    problems.push(ColumnProblem::Unknown {
                        header: shown,
                        position: i + 1,
                    });
                }
            }
        }
        for column in Column::ALL.iter().copied() {
            let headers = &seen[column.index()];
            if headers.len() > 1 {
                problems.push(ColumnProblem::Duplicate {
                    column,
                    headers: headers.clone(),
                });
            }
        }
        let has = |c: Column| names[c.index()].is_some();
        for &column in REQUIRED {
            if !has(column) {
                problems.push(ColumnProblem::Missing { column });
            }
        }
        if !IDENTIFIERS.iter().copied().any(has) {
            problems.push(ColumnProblem::MissingOneOf {
                columns: IDENTIFIERS.to_vec(),
            });
        }
        // Without `lien`, every row of a household would be its demandeur.
        if has(Column::Foyer) && !has(Column::Lien) {
            problems.push(ColumnProblem::MissingWith {
                column: Column::Lien,
                with: Column::Foyer,
            });
        }
        if problems.is_empty() {
            Ok(Header { positions, names })
        } else {
            Err(problems)
        }
    }

    /// Every column, named by its French name ([`Column::as_str`]), in the
    /// order of [`Column::ALL`]: the header of rows that come already split
    /// by column (see [`RawRow::new`](super::RawRow::new)), as a server
    /// receives them. Rows checked against it get the verdicts a file with
    /// every column would give them, an empty cell being an absent value;
    /// messages name columns by their French names.
    pub fn canonical() -> Header {
        Header {
            positions: Column::ALL.iter().copied().map(Some).collect(),
            names: Column::ALL
                .iter()
                .map(|c| Some(c.as_str().to_owned()))
                .collect(),
        }
    }

    pub fn has(&self, column: Column) -> bool {
        self.names[column.index()].is_some()
    }

    /// The column's header as the file spells it, or its French name when the
    /// file has no such column.
    pub fn name(&self, column: Column) -> &str {
        self.names[column.index()]
            .as_deref()
            .unwrap_or(column.as_str())
    }

    /// The column at a 0-based position of the file, if it has a header.
    pub fn column_at(&self, position: usize) -> Option<Column> {
        self.positions.get(position).copied().flatten()
    }

    /// How many positions the header row has.
    pub fn width(&self) -> usize {
        self.positions.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &[&str] = &[
        "nom",
        "prenoms",
        "date_naissance",
        "numero_agdref",
        "adresse",
        "code_postal",
        "commune",
    ];

    #[test]
    fn headers_are_matched_loosely() {
        for (header, column) in [
            ("Prénoms", Column::Prenoms),
            ("PRÉNOMS", Column::Prenoms),
            ("date de naissance", Column::DateNaissance),
            ("DATE_NAISSANCE", Column::DateNaissance),
            ("Date-Naissance", Column::DateNaissance),
            ("Date of birth", Column::DateNaissance),
            ("Date d'entrée", Column::DateEntree),
            ("Date d’entrée", Column::DateEntree),
            ("N° AGDREF", Column::NumeroAgdref),
            ("Numéro AGDREF", Column::NumeroAgdref),
            ("Pays de naissance", Column::PaysNaissance),
            ("Nationalité", Column::Nationalite),
            ("Code postal", Column::CodePostal),
            ("Téléphone", Column::Telephone),
            ("E-mail", Column::Email),
            ("Lien de parenté", Column::Lien),
            ("  foyer ", Column::Foyer),
            // Names docs/batch-format.md promises.
            ("nom de famille", Column::Nom),
            ("Prénom", Column::Prenoms),
            ("Date début APS", Column::ApsDebut),
            ("Date fin APS", Column::ApsFin),
            ("Numéro APS", Column::ApsNumero),
            ("Date d'arrivée", Column::DateEntree),
            ("CP", Column::CodePostal),
            ("Ville", Column::Commune),
            ("Tél.", Column::Telephone),
            ("Courriel", Column::Email),
            ("Langue préférée", Column::Langue),
            ("NIA", Column::Nir),
            ("Numéro de sécurité sociale", Column::Nir),
            ("Id foyer", Column::Foyer),
            ("\u{feff}nom", Column::Nom),
        ] {
            assert_eq!(Column::from_header(header), Some(column), "{header}");
        }
        assert_eq!(Column::from_header("commentaire"), None);
        assert_eq!(Column::from_header(""), None);
    }

    #[test]
    fn english_aliases_are_accepted() {
        let english = [
            "last_name",
            "first_names",
            "sex",
            "birth_date",
            "birth_country",
            "nationality",
            "agdref_number",
            "aps_number",
            "aps_start",
            "aps_end",
            "entry_date",
            "address",
            "postal_code",
            "city",
            "phone",
            "email",
            "language",
            "nir",
            "household",
            "relationship",
        ];
        let columns: Vec<Column> = english
            .iter()
            .map(|h| Column::from_header(h).unwrap_or_else(|| panic!("{h}")))
            .collect();
        assert_eq!(
            columns,
            Column::ALL,
            "one English name per column, in order"
        );
    }

    #[test]
    fn no_name_means_two_columns() {
        let mut all: Vec<&str> = Vec::new();
        for column in Column::ALL {
            assert_eq!(normalise(column.as_str()), column.as_str());
            all.push(column.as_str());
            for alias in column.aliases() {
                assert_eq!(&normalise(alias), alias, "aliases are stored normalised");
                all.push(alias);
            }
        }
        let count = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), count);
    }

    #[test]
    fn a_minimal_header_is_accepted_and_names_are_kept_as_written() {
        let header = Header::parse(&[
            "Nom",
            "Prénoms",
            "Date de naissance",
            "N° AGDREF",
            "Adresse",
            "CP",
            "Ville",
            "",
        ])
        .unwrap();
        assert_eq!(header.name(Column::Prenoms), "Prénoms");
        assert_eq!(header.name(Column::CodePostal), "CP");
        assert_eq!(header.name(Column::Nir), "nir");
        assert!(header.has(Column::NumeroAgdref) && !header.has(Column::Nir));
        assert_eq!(header.column_at(2), Some(Column::DateNaissance));
        assert_eq!(header.column_at(7), None);
        assert_eq!(header.width(), 8);
        let mut with_nir_only: Vec<&str> = MINIMAL.to_vec();
        with_nir_only[3] = "nir";
        assert!(Header::parse(&with_nir_only).is_ok());
    }

    #[test]
    fn the_canonical_header_is_a_file_header_naming_every_column() {
        let names: Vec<&str> = Column::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(Header::canonical(), Header::parse(&names).unwrap());
        assert!(Column::ALL.iter().all(|&c| Header::canonical().has(c)));
    }

    #[test]
    fn every_problem_of_a_header_is_reported() {
        let problems = Header::parse(&[
            "Nom",
            "Last name",
            "Prénom",
            "Commentaire",
            "adresse",
            "foyer",
        ])
        .unwrap_err();
        assert_eq!(
            problems,
            [
                ColumnProblem::Unknown {
                    header: "Commentaire".into(),
                    position: 4
                },
                ColumnProblem::Duplicate {
                    column: Column::Nom,
                    headers: vec!["Nom".into(), "Last name".into()]
                },
                ColumnProblem::Missing {
                    column: Column::DateNaissance
                },
                ColumnProblem::Missing {
                    column: Column::CodePostal
                },
                ColumnProblem::Missing {
                    column: Column::Commune
                },
                ColumnProblem::MissingOneOf {
                    columns: vec![Column::NumeroAgdref, Column::Nir]
                },
                ColumnProblem::MissingWith {
                    column: Column::Lien,
                    with: Column::Foyer
                },
            ]
        );
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "unknown column \"Commentaire\" (column D)",
                "columns \"Nom\", \"Last name\" all mean nom",
                "missing required column date_naissance",
                "missing required column code_postal",
                "missing required column commune",
                "missing column: one of numero_agdref, nir is required",
                "missing column lien, required with column foyer",
            ]
        );
    }

    #[test]
    fn spreadsheet_column_letters() {
        assert_eq!(letters(1), "A");
        assert_eq!(letters(26), "Z");
        assert_eq!(letters(27), "AA");
        assert_eq!(letters(52), "AZ");
        assert_eq!(letters(703), "AAA");
    }
}
