//! One row checked on its own: the person's values by the rules a submitted
//! case follows (the very same code: [`BeneficiaryDraft::validate`]), and the
//! batch's own values (dates as JJ/MM/AAAA, APS, household) by the batch's rules.

use jiff::{Timestamp, civil::Date};

use super::{
    columns::{Column, Header, normalise},
    date::parse_date,
    issue::{IssueKind, RowIssue},
    reader::RawRow,
};
use crate::{
    case::{AddressDraft, Beneficiary, BeneficiaryDraft, Relationship, ResidenceDraft, Sex},
    ids::{Nir, NirError, NirKind, PostalCode},
    org::named_enum,
    text::{self, Lines, limits},
    validation::{Violations, earliest_date_on_earth, latest_date_on_earth, parse_country_code},
};

/// An APS number is printed on the permit; its format is not published, so
/// only its length is bounded.
const APS_NUMBER: usize = 32;

named_enum!(
    /// A person's place in the household, as the `lien` column says it.
    Lien {
        /// The household's main person, the case's beneficiary.
        Demandeur => "demandeur",
        Conjoint => "conjoint",
        Enfant => "enfant",
        Autre => "autre",
    }
);

impl Lien {
    /// Reads a `lien` value loosely (case and accents ignored, a few synonyms
    /// and English names). An empty value is the caller's business: it means
    /// [`Lien::Demandeur`].
    pub fn parse(text: &str) -> Option<Lien> {
        if let Some(lien) = Lien::from_name(text) {
            return Some(lien);
        }
        match normalise(text).as_str() {
            "demandeur" | "demandeuse" | "titulaire" | "applicant" | "main" => {
                Some(Lien::Demandeur)
            }
            "conjoint" | "conjointe" | "epoux" | "epouse" | "spouse" | "partner" => {
                Some(Lien::Conjoint)
            }
            "enfant" | "fils" | "fille" | "child" => Some(Lien::Enfant),
            "autre" | "other" => Some(Lien::Autre),
            _ => None,
        }
    }

    /// The dependant's relationship; `None` for the demandeur.
    pub const fn relationship(self) -> Option<Relationship> {
        match self {
            Lien::Demandeur => None,
            Lien::Conjoint => Some(Relationship::Spouse),
            Lien::Enfant => Some(Relationship::Child),
            Lien::Autre => Some(Relationship::Other),
        }
    }
}

fn parse_sex(text: &str) -> Option<Sex> {
    match text {
        "F" => return Some(Sex::Female),
        "M" => return Some(Sex::Male),
        _ => {}
    }
    match normalise(text).as_str() {
        // 1 and 2 as in the NIR.
        "f" | "femme" | "feminin" | "female" | "2" => Some(Sex::Female),
        "m" | "h" | "homme" | "masculin" | "male" | "1" => Some(Sex::Male),
        _ => None,
    }
}

/// The temporary-protection permit (APS) as the row gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Aps {
    pub number: Option<String>,
    pub start: Option<Date>,
    pub end: Option<Date>,
}

impl Aps {
    pub fn is_empty(&self) -> bool {
        self.number.is_none() && self.start.is_none() && self.end.is_none()
    }
}

/// A person of a household, from a row without errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub row: u64,
    pub lien: Lien,
    /// Everything a case's beneficiary holds, validated as a beneficiary is.
    pub person: Beneficiary,
    /// ISO 3166-1 alpha-2.
    pub birth_country: Option<String>,
    pub aps: Aps,
    pub entry_date: Option<Date>,
}

/// A row checked on its own; the household it belongs to is judged later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedRow {
    pub row: u64,
    /// The `foyer` value, even when it is not an acceptable one: rows are
    /// grouped by it.
    pub foyer: Option<String>,
    /// `None` when the `lien` value is not understood (an error says so).
    pub lien: Option<Lien>,
    pub errors: Vec<RowIssue>,
    pub warnings: Vec<RowIssue>,
    /// `Some` exactly when there are no errors.
    pub member: Option<Member>,
    /// The `lien` value as written, for household issues.
    pub(crate) lien_cell: String,
}

/// Collects the issues of one row, each naming its column as the file does.
struct RowCheck<'a> {
    raw: &'a RawRow,
    header: &'a Header,
    errors: Vec<RowIssue>,
    warnings: Vec<RowIssue>,
    /// The latest date anywhere on Earth: later ones are in the future.
    today: Date,
}

impl RowCheck<'_> {
    fn issue(&self, column: Column, kind: IssueKind, reason: impl Into<String>) -> RowIssue {
        RowIssue::new(self.header.name(column), self.raw.get(column), reason, kind)
    }

    fn error(&mut self, column: Column, kind: IssueKind, reason: impl Into<String>) {
        let issue = self.issue(column, kind, reason);
        self.errors.push(issue);
    }

    fn warn(&mut self, column: Column, kind: IssueKind, reason: impl Into<String>) {
        let issue = self.issue(column, kind, reason);
        self.warnings.push(issue);
    }

    fn has_error(&self, column: Column) -> bool {
        let name = self.header.name(column);
        self.errors.iter().any(|issue| issue.column == name)
    }

    fn text(&mut self, column: Column, max: usize) -> Option<String> {
        let mut violations = Violations::default();
        let value = text::optional(
            &mut violations,
            column.as_str(),
            self.raw.get(column),
            max,
            Lines::Single,
        );
        for violation in violations {
            self.error(column, IssueKind::TextInvalid, violation.reason);
        }
        value
    }

    /// An optional date, in either accepted form.
    fn date(&mut self, column: Column) -> Option<Date> {
        match self.raw.get(column) {
            "" => None,
            value => parse_date(value)
                .map_err(|reason| self.error(column, IssueKind::DateInvalid, reason))
                .ok(),
        }
    }

    /// An optional date that cannot be later than today.
    fn past_date(&mut self, column: Column) -> Option<Date> {
        let date = self.date(column)?;
        if date > self.today {
            self.error(
                column,
                IssueKind::DateInFuture,
                format!("{date} is in the future"),
            );
            return None;
        }
        Some(date)
    }
}

/// Where each beneficiary field of a case comes from in a row.
fn column_of(field: &str) -> Option<Column> {
    Some(match field.strip_prefix("beneficiary.")? {
        "last_name" => Column::Nom,
        "first_names" => Column::Prenoms,
        "birth_date" => Column::DateNaissance,
        "nir" => Column::Nir,
        "agdref_number" => Column::NumeroAgdref,
        "nationality" => Column::Nationalite,
        "postal_address.line1" => Column::Adresse,
        "postal_address.postal_code" => Column::CodePostal,
        "postal_address.city" => Column::Commune,
        "phone" => Column::Telephone,
        "email" => Column::Email,
        "preferred_language" => Column::Langue,
        _ => return None,
    })
}

/// The class of an issue the case rules found, from its column and value.
fn kind_of(column: Column, value: &str, warning: bool, today: Date) -> IssueKind {
    let empty_or = |otherwise| {
        if value.is_empty() {
            IssueKind::Required
        } else {
            otherwise
        }
    };
    match column {
        Column::Nom | Column::Prenoms | Column::Adresse | Column::Commune => {
            empty_or(IssueKind::TextInvalid)
        }
        // The row's own check found the date readable; the case's rules
        // refuse it for being in the future or before 1900.
        Column::DateNaissance => match parse_date(value) {
            Ok(date) if date > today => IssueKind::DateInFuture,
            Ok(_) => IssueKind::DateTooOld,
            Err(_) => empty_or(IssueKind::DateInvalid),
        },
        Column::Nir if warning => match Nir::parse(value) {
            Ok(nir) if nir.kind() == NirKind::ProvisionalNnp => IssueKind::NirProvisional,
            _ => IssueKind::NirMismatch,
        },
        Column::Nir => match Nir::parse(value) {
            Err(NirError::KeyMismatch) => IssueKind::NirKey,
            _ => IssueKind::NirInvalid,
        },
        Column::NumeroAgdref if warning => IssueKind::AgdrefNineDigits,
        Column::NumeroAgdref => IssueKind::AgdrefInvalid,
        // Well formed, the code is refused for lying in no département.
        Column::CodePostal => match PostalCode::parse(value) {
            Ok(_) => IssueKind::DepartementUnknown,
            Err(_) => empty_or(IssueKind::PostalCodeInvalid),
        },
        Column::Nationalite | Column::PaysNaissance => IssueKind::CountryInvalid,
        Column::Langue => IssueKind::LanguageInvalid,
        Column::Telephone => IssueKind::PhoneInvalid,
        Column::Email => IssueKind::EmailInvalid,
        _ => IssueKind::TextInvalid,
    }
}

/// Checks one row at instant `now`: every error and warning at once.
pub fn check_row(raw: &RawRow, header: &Header, now: Timestamp) -> CheckedRow {
    let mut c = RowCheck {
        raw,
        header,
        errors: Vec::new(),
        warnings: Vec::new(),
        today: latest_date_on_earth(now),
    };
    let get = |column| raw.get(column);

    let foyer = match get(Column::Foyer) {
        "" => None,
        value => Some(value.to_owned()),
    };
    // The foyer becomes the case's partner reference.
    c.text(Column::Foyer, limits::PARTNER_REFERENCE);

    let lien = match get(Column::Lien) {
        // A household of one needs no `lien`.
        "" => Some(Lien::Demandeur),
        value => {
            let lien = Lien::parse(value);
            if lien.is_none() {
                c.error(
                    Column::Lien,
                    IssueKind::RelationshipInvalid,
                    "expected demandeur, conjoint, enfant or autre",
                );
            }
            lien
        }
    };
    let sex = match get(Column::Sexe) {
        "" => None,
        value => {
            let sex = parse_sex(value);
            if sex.is_none() {
                c.error(
                    Column::Sexe,
                    IssueKind::SexInvalid,
                    "expected F or M (femme or homme)",
                );
            }
            sex
        }
    };
    let birth_date = if get(Column::DateNaissance).is_empty() {
        c.error(Column::DateNaissance, IssueKind::Required, "required");
        None
    } else {
        c.date(Column::DateNaissance)
    };
    let birth_country = match get(Column::PaysNaissance) {
        "" => None,
        value => parse_country_code(value)
            .map_err(|reason| c.error(Column::PaysNaissance, IssueKind::CountryInvalid, reason))
            .ok(),
    };
    let entry_date = c.past_date(Column::DateEntree);
    let aps = Aps {
        number: c.text(Column::ApsNumero, APS_NUMBER),
        start: c.past_date(Column::ApsDebut),
        end: c.date(Column::ApsFin),
    };
    if let (Some(start), Some(end)) = (aps.start, aps.end) {
        if end <= start {
            c.error(
                Column::ApsFin,
                IssueKind::ApsEndBeforeStart,
                format!("{end} is not after the APS start {start}"),
            );
        } else if end < earliest_date_on_earth(now) {
            c.warn(
                Column::ApsFin,
                IssueKind::ApsExpired,
                format!("the APS ended on {end}: check that it was renewed"),
            );
        }
    }

    let address = [Column::Adresse, Column::CodePostal, Column::Commune];
    let has_address = address.iter().any(|&column| !get(column).is_empty());
    if lien == Some(Lien::Demandeur) {
        if !has_address {
            for column in address {
                c.error(
                    column,
                    IssueKind::Required,
                    "required for the demandeur: the household's address (or the host's)",
                );
            }
        }
        if get(Column::NumeroAgdref).is_empty() && get(Column::Nir).is_empty() {
            let column = if header.has(Column::NumeroAgdref) {
                Column::NumeroAgdref
            } else {
                Column::Nir
            };
            c.error(
                column,
                IssueKind::IdentifierRequired,
                "required for the demandeur: the AGDREF number or the NIR",
            );
        }
    }

    let draft = BeneficiaryDraft {
        last_name: get(Column::Nom).to_owned(),
        first_names: get(Column::Prenoms).to_owned(),
        birth_date: birth_date.map(|d| d.to_string()).unwrap_or_default(),
        sex,
        nir: get(Column::Nir).to_owned(),
        agdref_number: get(Column::NumeroAgdref).to_owned(),
        nationality: get(Column::Nationalite).to_owned(),
        situation: None,
        residence: has_address.then(|| {
            ResidenceDraft::PostalAddress(AddressDraft {
                line1: get(Column::Adresse).to_owned(),
                line2: String::new(),
                postal_code: get(Column::CodePostal).to_owned(),
                city: get(Column::Commune).to_owned(),
            })
        }),
        phone: get(Column::Telephone).to_owned(),
        email: get(Column::Email).to_owned(),
        preferred_language: get(Column::Langue).to_owned(),
        departement: String::new(),
    };
    let (person, case_errors, case_warnings) = match draft.validate(now) {
        Ok(validated) => (Some(validated.value), Vec::new(), validated.warnings),
        Err(violations) => (None, violations.into_iter().collect(), Vec::new()),
    };
    for (issues, warning) in [(case_errors, false), (case_warnings, true)] {
        for issue in issues {
            let Some(column) = column_of(&issue.field) else {
                // Every field a row fills has a column; keep anything else
                // visible rather than lose it.
                c.errors.push(RowIssue::new(
                    issue.field,
                    "",
                    issue.reason,
                    IssueKind::TextInvalid,
                ));
                continue;
            };
            // The row's own check has already said what is wrong there.
            if c.has_error(column) {
                continue;
            }
            let kind = kind_of(column, get(column), warning, c.today);
            if warning {
                c.warn(column, kind, issue.reason);
            } else {
                c.error(column, kind, issue.reason);
            }
        }
    }

    for stray in raw.stray() {
        c.errors.push(RowIssue::new(
            stray.column_label(),
            &stray.value,
            "a value under no column: the header row has no name there",
            IssueKind::CellWithoutColumn,
        ));
    }

    let member = match person {
        Some(person) if c.errors.is_empty() => Some(Member {
            row: raw.row(),
            lien: lien.expect("no error, so the lien was understood"),
            person,
            birth_country,
            aps,
            entry_date,
        }),
        _ => None,
    };
    CheckedRow {
        row: raw.row(),
        foyer,
        lien,
        errors: c.errors,
        warnings: c.warnings,
        member,
        lien_cell: get(Column::Lien).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::{BatchOptions, BatchReader};

    /// Sunday 22 November 2026, 11:00 in Paris; already 23 November at UTC+14.
    fn now() -> Timestamp {
        "2026-11-22T10:00:00Z".parse().unwrap()
    }

    const HEADER: &str = "Nom;Prénoms;Sexe;Date de naissance;pays_naissance;Nationalité;N° AGDREF;\
        aps_numero;aps_debut;aps_fin;date_entree;Adresse;Code postal;Commune;telephone;email;\
        langue;NIR;foyer;lien";

    /// A demandeur valid at [`now`] without warnings, by column.
    fn valid() -> Vec<(Column, &'static str)> {
        vec![
            (Column::Nom, "Kovalenko"),
            (Column::Prenoms, "Olena Petrivna"),
            (Column::Sexe, "F"),
            (Column::DateNaissance, "14/10/1995"),
            (Column::PaysNaissance, "ua"),
            (Column::Nationalite, "UA"),
            (Column::NumeroAgdref, "01 2345 6789"),
            (Column::ApsNumero, "2026-75-004512"),
            (Column::ApsDebut, "15/09/2026"),
            (Column::ApsFin, "2027-03-14"),
            (Column::DateEntree, "02/09/2026"),
            (Column::Adresse, "12 rue Oberkampf"),
            (Column::CodePostal, "75011"),
            (Column::Commune, "Paris"),
            (Column::Telephone, "06 12 34 56 78"),
            (Column::Email, "olena@example.org"),
            (Column::Langue, "uk"),
            (Column::Nir, "2 95 10 99 126 111 93"),
            (Column::Foyer, "F-1"),
            (Column::Lien, "demandeur"),
        ]
    }

    fn line(values: &[(Column, &str)]) -> String {
        Column::ALL
            .iter()
            .map(|column| {
                values
                    .iter()
                    .find(|(c, _)| c == column)
                    .map_or("", |(_, v)| *v)
            })
            .collect::<Vec<_>>()
            .join(";")
    }

    fn with<'a>(changes: &[(Column, &'a str)]) -> Vec<(Column, &'a str)> {
        let mut values = valid();
        for (column, value) in changes {
            values.retain(|(c, _)| c != column);
            values.push((*column, value));
        }
        values
    }

    fn check_line(line: &str) -> CheckedRow {
        let text = format!("{HEADER}\n{line}\n");
        let mut reader =
            BatchReader::new(std::io::Cursor::new(text), &BatchOptions::default()).unwrap();
        let raw = reader.next().unwrap().unwrap();
        check_row(&raw, reader.header(), now())
    }

    fn check(changes: &[(Column, &str)]) -> CheckedRow {
        check_line(&line(&with(changes)))
    }

    /// The row is rejected for one issue, of this kind, on this column as
    /// the header spells it, with a reason containing `needle`.
    #[track_caller]
    fn assert_error(changes: &[(Column, &str)], kind: IssueKind, column: &str, needle: &str) {
        let row = check(changes);
        assert!(row.member.is_none());
        assert_eq!(row.errors.len(), 1, "{:#?}", row.errors);
        let issue = &row.errors[0];
        assert_eq!(
            (issue.kind, issue.column.as_str()),
            (kind, column),
            "{issue:?}"
        );
        assert!(issue.reason.contains(needle), "{issue:?}");
    }

    #[track_caller]
    fn assert_warning(changes: &[(Column, &str)], kind: IssueKind, column: &str, needle: &str) {
        let row = check(changes);
        assert_eq!(row.errors, [], "{:#?}", row.errors);
        assert!(row.member.is_some());
        assert_eq!(row.warnings.len(), 1, "{:#?}", row.warnings);
        let issue = &row.warnings[0];
        assert_eq!(
            (issue.kind, issue.column.as_str()),
            (kind, column),
            "{issue:?}"
        );
        assert!(issue.reason.contains(needle), "{issue:?}");
    }

    #[test]
    fn a_complete_row_is_a_member() {
        let row = check(&[]);
        assert_eq!(
            (row.errors.as_slice(), row.warnings.as_slice()),
            (&[][..], &[][..])
        );
        assert_eq!(row.row, 2);
        assert_eq!(row.foyer.as_deref(), Some("F-1"));
        let member = row.member.unwrap();
        assert_eq!(member.lien, Lien::Demandeur);
        let p = &member.person;
        assert_eq!(p.last_name, "Kovalenko");
        assert_eq!(p.birth_date, jiff::civil::date(1995, 10, 14));
        assert_eq!(p.sex, Some(Sex::Female));
        assert_eq!(p.nir.as_ref().unwrap().as_str(), "295109912611193");
        assert_eq!(p.agdref.as_ref().unwrap().as_str(), "0123456789");
        assert_eq!(p.phone.as_deref(), Some("0612345678"));
        let address = p.residence.as_ref().unwrap().address();
        assert_eq!(address.postal_code.departement().unwrap().code(), "75");
        assert_eq!(member.birth_country.as_deref(), Some("UA"));
        assert_eq!(
            member.aps,
            Aps {
                number: Some("2026-75-004512".into()),
                start: Some(jiff::civil::date(2026, 9, 15)),
                end: Some(jiff::civil::date(2027, 3, 14)),
            }
        );
        assert_eq!(member.entry_date, Some(jiff::civil::date(2026, 9, 2)));
    }

    #[test]
    fn a_bad_nir_key_is_an_error() {
        assert_error(
            &[(Column::Nir, "295109912611199")],
            IssueKind::NirKey,
            "NIR",
            "key",
        );
        let row = check(&[(Column::Nir, "295109912611199")]);
        assert_eq!(row.errors[0].value, "295109912611199");
        assert_error(
            &[(Column::Nir, "395109912611193")],
            IssueKind::NirInvalid,
            "NIR",
            "first digit",
        );
    }

    #[test]
    fn an_old_provisional_nir_and_a_mismatching_nir_are_warnings() {
        assert_warning(
            &[(Column::Nir, "7951099126111")],
            IssueKind::NirProvisional,
            "NIR",
            "NNP",
        );
        assert_warning(
            &[(Column::Sexe, "homme")],
            IssueKind::NirMismatch,
            "NIR",
            "female",
        );
    }

    #[test]
    fn a_nine_digit_agdref_is_a_warning_and_eight_an_error() {
        assert_warning(
            &[(Column::NumeroAgdref, "123456789")],
            IssueKind::AgdrefNineDigits,
            "N° AGDREF",
            "9-digit",
        );
        assert_error(
            &[(Column::NumeroAgdref, "12345678")],
            IssueKind::AgdrefInvalid,
            "N° AGDREF",
            "10 digits",
        );
    }

    #[test]
    fn birth_dates_are_read_in_both_forms_and_checked() {
        assert!(
            check(&[(Column::DateNaissance, "1995-10-14")])
                .member
                .is_some()
        );
        assert_error(
            &[(Column::DateNaissance, "14/10/2095")],
            IssueKind::DateInFuture,
            "Date de naissance",
            "2095-10-14 is in the future",
        );
        // Already 23 November somewhere on Earth: not in the future.
        assert!(
            check(&[(Column::DateNaissance, "23/11/2026")])
                .member
                .is_some()
        );
        assert_error(
            &[(Column::DateNaissance, "24/11/2026")],
            IssueKind::DateInFuture,
            "Date de naissance",
            "future",
        );
        assert_error(
            &[(Column::DateNaissance, "01/01/1899")],
            IssueKind::DateTooOld,
            "Date de naissance",
            "before 1900",
        );
        assert_error(
            &[(Column::DateNaissance, "31/02/1995")],
            IssueKind::DateInvalid,
            "Date de naissance",
            "not a calendar date",
        );
        assert_error(
            &[(Column::DateNaissance, "14/10/95")],
            IssueKind::DateInvalid,
            "Date de naissance",
            "JJ/MM/AAAA",
        );
        assert_error(
            &[(Column::DateNaissance, "")],
            IssueKind::Required,
            "Date de naissance",
            "required",
        );
    }

    #[test]
    fn a_postal_code_must_lie_in_a_departement() {
        assert_error(
            &[(Column::CodePostal, "98000")],
            IssueKind::DepartementUnknown,
            "Code postal",
            "postal code 98000 is in no département",
        );
        assert_error(
            &[(Column::CodePostal, "97133")],
            IssueKind::DepartementUnknown,
            "Code postal",
            "97133",
        );
        assert_error(
            &[(Column::CodePostal, "7501")],
            IssueKind::PostalCodeInvalid,
            "Code postal",
            "5 digits",
        );
        let row = check(&[(Column::CodePostal, "20167")]);
        let address = row.member.unwrap().person.residence.unwrap();
        assert_eq!(
            address.address().postal_code.departement().unwrap().code(),
            "2A"
        );
    }

    #[test]
    fn the_aps_ends_after_it_starts() {
        for end in ["15/09/2026", "2026-09-01"] {
            assert_error(
                &[(Column::ApsFin, end)],
                IssueKind::ApsEndBeforeStart,
                "aps_fin",
                "is not after the APS start 2026-09-15",
            );
        }
        assert_warning(
            &[
                (Column::ApsDebut, "01/03/2026"),
                (Column::ApsFin, "31/08/2026"),
            ],
            IssueKind::ApsExpired,
            "aps_fin",
            "ended on 2026-08-31",
        );
        assert_error(
            &[(Column::ApsDebut, "01/12/2026")],
            IssueKind::DateInFuture,
            "aps_debut",
            "future",
        );
        assert_error(
            &[(Column::DateEntree, "2027-01-01")],
            IssueKind::DateInFuture,
            "date_entree",
            "future",
        );
        // Either end alone is fine.
        assert!(check(&[(Column::ApsDebut, "")]).member.is_some());
    }

    #[test]
    fn the_demandeur_needs_an_address_and_an_identifier_but_a_dependant_does_not() {
        let no_address = [
            (Column::Adresse, ""),
            (Column::CodePostal, ""),
            (Column::Commune, ""),
        ];
        let row = check(&no_address);
        let columns: Vec<&str> = row.errors.iter().map(|e| e.column.as_str()).collect();
        assert_eq!(columns, ["Adresse", "Code postal", "Commune"]);
        assert!(row.errors.iter().all(|e| e.kind == IssueKind::Required));
        let no_identifier = [(Column::NumeroAgdref, ""), (Column::Nir, "")];
        assert_error(
            &no_identifier,
            IssueKind::IdentifierRequired,
            "N° AGDREF",
            "AGDREF number or the NIR",
        );
        // A part of an address needs the rest, for anyone.
        assert_error(
            &[(Column::Commune, "")],
            IssueKind::Required,
            "Commune",
            "required",
        );

        let mut child: Vec<(Column, &str)> = no_address.to_vec();
        child.extend(no_identifier);
        child.push((Column::Lien, "Enfant"));
        let row = check(&child);
        assert_eq!(row.errors, []);
        assert_eq!(row.member.unwrap().lien, Lien::Enfant);
    }

    #[test]
    fn lien_and_sex_are_read_loosely() {
        for (text, lien) in [
            ("", Lien::Demandeur),
            ("DEMANDEUR", Lien::Demandeur),
            ("Conjointe", Lien::Conjoint),
            ("épouse", Lien::Conjoint),
            ("fille", Lien::Enfant),
            ("child", Lien::Enfant),
            ("Autre", Lien::Autre),
        ] {
            let mut changes = vec![(Column::Lien, text)];
            if lien != Lien::Demandeur {
                changes.push((Column::Nir, ""));
            }
            let row = check(&changes);
            assert_eq!(row.lien, Some(lien), "{text}");
        }
        assert_error(
            &[(Column::Lien, "cousin")],
            IssueKind::RelationshipInvalid,
            "lien",
            "demandeur, conjoint, enfant or autre",
        );
        for (text, sex) in [
            ("f", Sex::Female),
            ("Femme", Sex::Female),
            ("2", Sex::Female),
        ] {
            assert_eq!(
                check(&[(Column::Sexe, text)]).member.unwrap().person.sex,
                Some(sex)
            );
        }
        for text in ["H", "masculin", "M", "1"] {
            let row = check(&[(Column::Sexe, text), (Column::Nir, "")]);
            assert_eq!(row.member.unwrap().person.sex, Some(Sex::Male), "{text}");
        }
        assert_error(
            &[(Column::Sexe, "X")],
            IssueKind::SexInvalid,
            "Sexe",
            "F or M",
        );
    }

    #[test]
    fn contact_and_country_values_follow_the_case_rules() {
        assert_error(
            &[(Column::Telephone, "0612")],
            IssueKind::PhoneInvalid,
            "telephone",
            "10 digits",
        );
        assert_error(
            &[(Column::Email, "olena@")],
            IssueKind::EmailInvalid,
            "email",
            "e-mail",
        );
        assert_error(
            &[(Column::Langue, "ukr")],
            IssueKind::LanguageInvalid,
            "langue",
            "ISO 639-1",
        );
        assert_error(
            &[(Column::Nationalite, "UKR")],
            IssueKind::CountryInvalid,
            "Nationalité",
            "alpha-2",
        );
        assert_error(
            &[(Column::PaysNaissance, "Ukraine")],
            IssueKind::CountryInvalid,
            "pays_naissance",
            "alpha-2",
        );
        assert_error(
            &[(Column::Nom, "1234")],
            IssueKind::TextInvalid,
            "Nom",
            "letters",
        );
        assert_error(
            &[(Column::Prenoms, "")],
            IssueKind::Required,
            "Prénoms",
            "required",
        );
        let long = "F".repeat(65);
        assert_error(
            &[(Column::Foyer, &long)],
            IssueKind::TextInvalid,
            "foyer",
            "at most 64",
        );
        let long = "A".repeat(33);
        assert_error(
            &[(Column::ApsNumero, &long)],
            IssueKind::TextInvalid,
            "aps_numero",
            "at most 32",
        );
    }

    #[test]
    fn every_error_of_a_row_is_listed_with_its_value() {
        let row = check(&[
            (Column::Nir, "295109912611199"),
            (Column::DateNaissance, "14/10/2095"),
            (Column::CodePostal, "98000"),
            (Column::ApsFin, "01/09/2026"),
        ]);
        let found: Vec<(&str, &str, IssueKind)> = row
            .errors
            .iter()
            .map(|e| (e.column.as_str(), e.value.as_str(), e.kind))
            .collect();
        assert_eq!(
            found,
            [
                ("aps_fin", "01/09/2026", IssueKind::ApsEndBeforeStart),
                ("Date de naissance", "14/10/2095", IssueKind::DateInFuture),
                ("NIR", "295109912611199", IssueKind::NirKey),
                ("Code postal", "98000", IssueKind::DepartementUnknown),
            ]
        );
    }

    #[test]
    fn a_value_under_no_column_is_an_error() {
        let row = check_line(&format!("{};surprise", line(&valid())));
        assert_eq!(row.errors.len(), 1);
        let issue = &row.errors[0];
        assert_eq!(
            (issue.column.as_str(), issue.value.as_str(), issue.kind),
            ("column U", "surprise", IssueKind::CellWithoutColumn)
        );
    }
}
