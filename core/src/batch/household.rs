//! Rows grouped into households, and a household turned into the case draft
//! a `SubmitCase` request would give.
//!
//! The rows of a household must follow each other in the file: then one
//! household at a time is in memory, whatever the file's size. A household
//! id seen again after another household is an error on those rows (the
//! earlier rows stay as judged). Only the ids already seen are remembered, at
//! most one per row.

use std::{
    collections::{HashMap, VecDeque},
    fmt::Write as _,
    io::{Read, Seek},
};

use jiff::Timestamp;

use super::{
    BatchOptions, BatchReader, Encoding, FileError, RawRow,
    columns::{Column, Header},
    issue::{IssueKind, RowIssue, RowOutcome},
    row::{CheckedRow, Lien, Member, check_row},
};
use crate::{
    case::{
        AddressDraft, Beneficiary, BeneficiaryDraft, CaseDraft, Category, Consent, ConsentDraft,
        DependantDraft, DomiciliationDraft, Residence, ResidenceDraft, Situation,
    },
    org::OrganisationId,
    text::{excerpt, limits},
};

/// At most one demandeur and as many dependants as a case holds.
pub const MAX_HOUSEHOLD_ROWS: usize = 1 + limits::DEPENDANTS;

/// What a submission needs beyond the file: the file has no consent columns,
/// since the prefecture collected the person's agreement at its desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubmissionContext {
    pub consent: Consent,
    /// The fund to send to; `None` routes by the household's address.
    pub handler: Option<OrganisationId>,
}

/// A household whose rows are all accepted: exactly one demandeur, and the
/// others as dependants, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Household {
    foyer: Option<String>,
    main: Member,
    dependants: Vec<Member>,
}

impl Household {
    /// `None` when the members do not include exactly one demandeur.
    fn new(foyer: Option<String>, members: Vec<Member>) -> Option<Household> {
        let (mut mains, dependants): (Vec<Member>, Vec<Member>) =
            members.into_iter().partition(|m| m.lien == Lien::Demandeur);
        let main = mains.pop()?;
        mains.is_empty().then_some(Household {
            foyer,
            main,
            dependants,
        })
    }

    /// The `foyer` value; `None` for a row without one.
    pub fn foyer(&self) -> Option<&str> {
        self.foyer.as_deref()
    }

    pub fn main(&self) -> &Member {
        &self.main
    }

    pub fn dependants(&self) -> &[Member] {
        &self.dependants
    }

    /// Every member, in file order.
    pub fn members(&self) -> impl Iterator<Item = &Member> {
        let mut members: Vec<&Member> = std::iter::once(&self.main)
            .chain(&self.dependants)
            .collect();
        members.sort_by_key(|m| m.row);
        members.into_iter()
    }

    /// Temporary protection when the demandeur has an APS, else other.
    pub fn situation(&self) -> Situation {
        if self.main.aps.is_empty() {
            Situation::Other
        } else {
            Situation::TemporaryProtection
        }
    }

    fn label(&self) -> String {
        label(self.foyer.as_deref(), self.main.row)
    }

    pub fn subject(&self) -> String {
        match &self.foyer {
            Some(foyer) => format!("PUMa affiliation, household {foyer} (prefecture file)"),
            None => "PUMa affiliation (prefecture file)".to_owned(),
        }
    }

    /// The case's description: where the household comes from, then one line
    /// per member, in file order, with what a case has no field for, labelled
    /// with the columns' French names:
    /// `Row 2, demandeur KOVALENKO Olena: aps_numero 1234; aps_debut 2026-03-01.`
    /// The demandeur's line holds the birth country, APS and entry date; a
    /// dependant's also the AGDREF number, nationality, address and contact
    /// details, which a dependant has no field for. Dates are `YYYY-MM-DD`.
    pub fn description(&self) -> String {
        let first = self.members().map(|m| m.row).min().unwrap_or(self.main.row);
        let last = self.members().map(|m| m.row).max().unwrap_or(self.main.row);
        let mut text = match &self.foyer {
            Some(foyer) if first == last => {
                format!(
                    "PUMa affiliation from a prefecture batch file: household {foyer}, row {first}."
                )
            }
            Some(foyer) => format!(
                "PUMa affiliation from a prefecture batch file: household {foyer}, rows {first} to {last}."
            ),
            None => format!("PUMa affiliation from a prefecture batch file: row {first}."),
        };
        for member in self.members() {
            let mut details: Vec<String> = Vec::new();
            let mut add = |column: Column, value: Option<String>| {
                if let Some(value) = value {
                    details.push(format!("{column} {value}"));
                }
            };
            let p = &member.person;
            if member.lien != Lien::Demandeur {
                add(
                    Column::NumeroAgdref,
                    p.agdref.as_ref().map(ToString::to_string),
                );
                add(Column::Nationalite, p.nationality.clone());
            }
            add(Column::PaysNaissance, member.birth_country.clone());
            add(Column::ApsNumero, member.aps.number.clone());
            add(Column::ApsDebut, member.aps.start.map(|d| d.to_string()));
            add(Column::ApsFin, member.aps.end.map(|d| d.to_string()));
            add(Column::DateEntree, member.entry_date.map(|d| d.to_string()));
            if member.lien != Lien::Demandeur {
                if let Some(residence) = &p.residence {
                    let address = residence.address();
                    add(Column::Adresse, Some(address.line1.clone()));
                    add(Column::CodePostal, Some(address.postal_code.to_string()));
                    add(Column::Commune, Some(address.city.clone()));
                }
                add(Column::Telephone, p.phone.clone());
                add(Column::Email, p.email.clone());
                add(Column::Langue, p.preferred_language.clone());
            }
            let details = if details.is_empty() {
                "no further details".to_owned()
            } else {
                details.join("; ")
            };
            let _ = write!(
                text,
                "\nRow {}, {} {} {}: {details}.",
                member.row, member.lien, p.last_name, p.first_names
            );
        }
        text
    }

    /// The draft a `SubmitCase` request with this household would give: the
    /// server validates and submits it like any other. A `puma_affiliation`
    /// case, the demandeur as beneficiary, the others as dependants, the
    /// `foyer` as the partner's reference.
    pub fn to_draft(&self, context: &SubmissionContext) -> CaseDraft {
        CaseDraft {
            category: Some(Category::PumaAffiliation),
            subject: self.subject(),
            description: self.description(),
            urgent: false,
            urgency_reason: String::new(),
            beneficiary: Some(beneficiary_draft(&self.main.person, self.situation())),
            dependants: self
                .dependants
                .iter()
                .map(|m| DependantDraft {
                    last_name: m.person.last_name.clone(),
                    first_names: m.person.first_names.clone(),
                    birth_date: m.person.birth_date.to_string(),
                    sex: m.person.sex,
                    relationship: m.lien.relationship(),
                    nir: m
                        .person
                        .nir
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                })
                .collect(),
            consent: Some(ConsentDraft {
                kind: Some(context.consent.kind),
                date: context.consent.date.to_string(),
            }),
            partner_reference: self.foyer.clone().unwrap_or_default(),
            handler_organisation_id: context.handler.map(|id| id.to_string()).unwrap_or_default(),
        }
    }
}

fn address_draft(address: &crate::case::PostalAddress) -> AddressDraft {
    AddressDraft {
        line1: address.line1.clone(),
        line2: address.line2.clone().unwrap_or_default(),
        postal_code: address.postal_code.to_string(),
        city: address.city.clone(),
    }
}

/// A validated beneficiary back in draft form: it validates to itself.
fn beneficiary_draft(person: &Beneficiary, situation: Situation) -> BeneficiaryDraft {
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    BeneficiaryDraft {
        last_name: person.last_name.clone(),
        first_names: person.first_names.clone(),
        birth_date: person.birth_date.to_string(),
        sex: person.sex,
        nir: person
            .nir
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        agdref_number: person
            .agdref
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        nationality: text(&person.nationality),
        situation: Some(situation),
        residence: person.residence.as_ref().map(|residence| match residence {
            Residence::PostalAddress(address) => {
                ResidenceDraft::PostalAddress(address_draft(address))
            }
            Residence::Domiciliation(d) => ResidenceDraft::Domiciliation(DomiciliationDraft {
                organisation_name: d.organisation_name.clone(),
                address: Some(address_draft(&d.address)),
                start_date: d.start_date.to_string(),
                end_date: d.end_date.to_string(),
            }),
        }),
        phone: text(&person.phone),
        email: text(&person.email),
        preferred_language: text(&person.preferred_language),
        departement: person
            .departement
            .map(|d| d.code().to_owned())
            .unwrap_or_default(),
    }
}

/// The rows of one household (or of one stretch of a household too large or
/// split) and their verdicts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdResult {
    pub foyer: Option<String>,
    /// One outcome per row, in file order.
    pub rows: Vec<RowOutcome>,
    /// `Some` when every row is accepted: ready to submit. A household is
    /// all or nothing.
    pub household: Option<Household>,
}

/// Groups checked rows into households, pushed one at a time: the state
/// [`HouseholdReader`] keeps between rows, for callers that receive rows
/// rather than read a file (the server, which gets them over a stream).
///
/// Rows are checked with [`check_row`] against the header given, then
/// grouped as a file's are: consecutive rows of the same `foyer` make a
/// household, a row without `foyer` is a household of one. Holds at most one
/// household, plus the household ids already seen (to catch split
/// households).
///
/// Pushing the rows of a file, then calling [`HouseholdGrouper::finish`],
/// gives exactly what [`HouseholdReader`] yields for it. A caller whose rows
/// come without a file (already split into cells by column) uses
/// [`Header::canonical`] and [`RawRow::new`]: the verdicts are those of a
/// file having every column, an empty cell standing for an absent value. It
/// should skip rows whose cells are all empty ([`RawRow::is_blank`]), as a
/// file's reader does, and push rows in increasing row numbers.
#[derive(Debug)]
pub struct HouseholdGrouper {
    header: Header,
    now: Timestamp,
    /// The rows of the household being read, all of the same `foyer`: a row
    /// without one, or one past [`MAX_HOUSEHOLD_ROWS`], settles its
    /// household at once.
    group: Vec<CheckedRow>,
    /// The first and last rows of each household id met so far.
    seen: HashMap<String, (u64, u64)>,
    /// A household id whose rows go past [`MAX_HOUSEHOLD_ROWS`]: its
    /// following rows are rejected as they come.
    oversized: Option<String>,
}

/// A problem of a whole household, given to each of its rows.
struct HouseholdIssue {
    column: Column,
    kind: IssueKind,
    reason: String,
}

impl HouseholdGrouper {
    /// Checks rows named by `header` at instant `now`.
    pub fn new(header: Header, now: Timestamp) -> HouseholdGrouper {
        HouseholdGrouper {
            header,
            now,
            group: Vec::new(),
            seen: HashMap::new(),
            oversized: None,
        }
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Checks `row` and returns the households it completes (zero or more),
    /// in file order: the household before it when `row` starts another one,
    /// and `row`'s own when it has no `foyer` or takes its household past
    /// [`MAX_HOUSEHOLD_ROWS`] (the rest of an oversized household comes in
    /// the following results, rejected likewise).
    pub fn push(&mut self, row: RawRow) -> Vec<HouseholdResult> {
        let checked = check_row(&row, &self.header, self.now);
        let mut done = Vec::new();
        let continues = checked.foyer.is_some()
            && self
                .group
                .first()
                .is_some_and(|first| first.foyer == checked.foyer);
        if !continues && !self.group.is_empty() {
            let group = std::mem::take(&mut self.group);
            done.push(self.settle(group, false));
        }
        self.group.push(checked);
        // One row past the limit is enough to reject the household: holding
        // the rest would let one household take unbounded memory.
        if self.group[0].foyer.is_none() || self.group.len() > MAX_HOUSEHOLD_ROWS {
            let group = std::mem::take(&mut self.group);
            done.push(self.settle(group, false));
        }
        done
    }

    /// The end of the rows: the household being read, if any. `incomplete`
    /// means the input stopped with an error, so that household may be cut
    /// short: its rows are all rejected (`household_incomplete`), as
    /// [`HouseholdReader`] does after a [`FileError`].
    pub fn finish(&mut self, incomplete: bool) -> Vec<HouseholdResult> {
        if self.group.is_empty() {
            return Vec::new();
        }
        let group = std::mem::take(&mut self.group);
        vec![self.settle(group, incomplete)]
    }

    /// Judges a group of rows with the same `foyer` (or a single row without).
    fn settle(&mut self, mut group: Vec<CheckedRow>, incomplete: bool) -> HouseholdResult {
        let foyer = group[0].foyer.clone();
        let first = group[0].row;
        let last = group[group.len() - 1].row;
        let label = label(foyer.as_deref(), first);
        let mut issues: Vec<HouseholdIssue> = Vec::new();
        if incomplete {
            issues.push(HouseholdIssue {
                column: Column::Foyer,
                kind: IssueKind::HouseholdIncomplete,
                reason: format!(
                    "{label} is not submitted: the file stopped with an error before its end"
                ),
            });
        }
        if let Some(foyer) = &foyer {
            let continued = self.oversized.as_ref() == Some(foyer);
            if !continued {
                match self.seen.get(foyer) {
                    Some(&(from, to)) => issues.push(HouseholdIssue {
                        column: Column::Foyer,
                        kind: IssueKind::HouseholdSplit,
                        reason: format!(
                            "{label} already appeared at {}: the rows of a household must follow each other",
                            span(from, to)
                        ),
                    }),
                    None => {
                        self.seen.insert(foyer.clone(), (first, last));
                    }
                }
            }
            if continued || group.len() > MAX_HOUSEHOLD_ROWS {
                issues.push(HouseholdIssue {
                    column: Column::Foyer,
                    kind: IssueKind::HouseholdTooLarge,
                    reason: format!(
                        "{label} has more than {MAX_HOUSEHOLD_ROWS} rows: a case holds one demandeur and at most {} dependants",
                        limits::DEPENDANTS
                    ),
                });
            }
            self.oversized = (group.len() > MAX_HOUSEHOLD_ROWS).then(|| foyer.clone());
        } else {
            self.oversized = None;
        }
        // Counted only when every `lien` is understood: a row whose is not
        // may be the missing demandeur, and already has its own error. Not
        // counted either in a split or oversized stretch, which would add a
        // confusing second reason.
        if issues.is_empty() && group.iter().all(|r| r.lien.is_some()) {
            let demandeurs: Vec<u64> = group
                .iter()
                .filter(|r| r.lien == Some(Lien::Demandeur))
                .map(|r| r.row)
                .collect();
            match demandeurs.len() {
                0 => {
                    let reason = if foyer.is_none() {
                        format!(
                            "{label} has no demandeur: a row without foyer is a household of one, so it must be its demandeur (lien demandeur or empty)"
                        )
                    } else {
                        format!(
                            "{label} has no demandeur (lien demandeur): its members cannot be attached to anyone"
                        )
                    };
                    issues.push(HouseholdIssue {
                        column: Column::Lien,
                        kind: IssueKind::HouseholdWithoutDemandeur,
                        reason,
                    });
                }
                1 => {}
                _ => {
                    let rows: Vec<String> = demandeurs.iter().map(u64::to_string).collect();
                    issues.push(HouseholdIssue {
                        column: Column::Lien,
                        kind: IssueKind::HouseholdSeveralDemandeurs,
                        reason: format!(
                            "{label} has several demandeurs, rows {} (an empty lien counts as demandeur): it must have exactly one",
                            rows.join(", ")
                        ),
                    });
                }
            }
        }
        let rejected_rows: Vec<String> = group
            .iter()
            .filter(|r| !r.errors.is_empty())
            .map(|r| r.row.to_string())
            .collect();
        if issues.is_empty() && !rejected_rows.is_empty() {
            let (noun, verb) = if rejected_rows.len() == 1 {
                ("row", "has")
            } else {
                ("rows", "have")
            };
            let reason = format!(
                "{label} is rejected as a whole: {noun} {} {verb} errors",
                rejected_rows.join(", ")
            );
            // Only the rows without errors of their own need this reason.
            let mut result = self.outcomes(group, &[], None);
            for row in &mut result.rows {
                if row.errors.is_empty() {
                    row.errors.push(RowIssue::new(
                        self.header().name(Column::Foyer),
                        row.foyer.as_deref().unwrap_or_default(),
                        reason.clone(),
                        IssueKind::HouseholdMemberRejected,
                    ));
                }
            }
            return result;
        }
        if !issues.is_empty() {
            return self.outcomes(group, &issues, None);
        }
        let members: Vec<Member> = group.iter_mut().filter_map(|r| r.member.take()).collect();
        let Some(household) = Household::new(foyer, members) else {
            unreachable!("one demandeur and no errors were checked above")
        };
        let length = household.description().chars().count();
        if length > limits::DESCRIPTION {
            let issue = HouseholdIssue {
                column: Column::Foyer,
                kind: IssueKind::HouseholdTooLarge,
                reason: format!(
                    "{} has more details than a case holds ({length} characters of description, at most {}): split it",
                    household.label(),
                    limits::DESCRIPTION
                ),
            };
            return self.outcomes(group, &[issue], None);
        }
        self.outcomes(group, &[], Some(household))
    }

    fn outcomes(
        &self,
        group: Vec<CheckedRow>,
        issues: &[HouseholdIssue],
        household: Option<Household>,
    ) -> HouseholdResult {
        let header = self.header();
        let foyer = group[0].foyer.clone();
        let rows = group
            .into_iter()
            .map(|row| {
                let mut errors = row.errors;
                for issue in issues {
                    let value = match issue.column {
                        Column::Lien => row.lien_cell.as_str(),
                        _ => row.foyer.as_deref().unwrap_or_default(),
                    };
                    errors.push(RowIssue::new(
                        header.name(issue.column),
                        value,
                        issue.reason.clone(),
                        issue.kind,
                    ));
                }
                RowOutcome {
                    row: row.row,
                    foyer: row.foyer,
                    errors,
                    warnings: row.warnings,
                }
            })
            .collect();
        HouseholdResult {
            foyer,
            rows,
            household,
        }
    }
}

/// How reasons name a household: by its `foyer`, quoted short since a
/// rejected row's may be anything, or by its first row.
fn label(foyer: Option<&str>, first: u64) -> String {
    match foyer {
        Some(foyer) => format!("household {}", excerpt(foyer)),
        None => format!("the household of row {first}"),
    }
}

fn span(from: u64, to: u64) -> String {
    if from == to {
        format!("row {from}")
    } else {
        format!("rows {from} to {to}")
    }
}

/// Checks rows and groups consecutive rows of the same `foyer` into
/// households, yielding each household with the outcome of every one of its
/// rows. A row without `foyer` is a household of one. Holds one household at
/// a time. After a file error, the household being read is reported with its
/// rows rejected (it may be incomplete), then the error, then nothing.
///
/// A [`BatchReader`] feeding a [`HouseholdGrouper`].
#[derive(Debug)]
pub struct HouseholdReader<R: Read> {
    rows: BatchReader<R>,
    grouper: HouseholdGrouper,
    /// Households completed but not yet yielded, then the error that stopped
    /// the file, if one did.
    ready: VecDeque<Result<HouseholdResult, FileError>>,
    finished: bool,
}

impl<R: Read + Seek> HouseholdReader<R> {
    /// Decides the file's encoding and reads its header (see
    /// [`BatchReader::new`]), and gets ready to check rows at `now`.
    pub fn open(
        source: R,
        options: &BatchOptions,
        now: Timestamp,
    ) -> Result<HouseholdReader<R>, FileError> {
        Ok(HouseholdReader::new(
            BatchReader::new(source, options)?,
            now,
        ))
    }
}

impl<R: Read> HouseholdReader<R> {
    /// Checks rows at instant `now`.
    pub fn new(rows: BatchReader<R>, now: Timestamp) -> HouseholdReader<R> {
        let grouper = HouseholdGrouper::new(rows.header().clone(), now);
        HouseholdReader {
            rows,
            grouper,
            ready: VecDeque::new(),
            finished: false,
        }
    }

    pub fn header(&self) -> &Header {
        self.rows.header()
    }

    pub fn separator(&self) -> char {
        self.rows.separator()
    }

    pub fn encoding(&self) -> Encoding {
        self.rows.encoding()
    }
}

impl<R: Read> Iterator for HouseholdReader<R> {
    type Item = Result<HouseholdResult, FileError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Some(item);
            }
            if self.finished {
                return None;
            }
            match self.rows.next() {
                Some(Ok(row)) => self
                    .ready
                    .extend(self.grouper.push(row).into_iter().map(Ok)),
                Some(Err(error)) => {
                    self.finished = true;
                    self.ready
                        .extend(self.grouper.finish(true).into_iter().map(Ok));
                    self.ready.push_back(Err(error));
                }
                None => {
                    self.finished = true;
                    self.ready
                        .extend(self.grouper.finish(false).into_iter().map(Ok));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        batch::RowStatus,
        case::{ConsentType, Relationship},
    };

    fn now() -> Timestamp {
        "2026-11-22T10:00:00Z".parse().unwrap()
    }

    const HEADER: &str = "nom;prenoms;date_naissance;numero_agdref;aps_numero;adresse;code_postal;commune;foyer;lien";
    const ADDRESS: &str = "12 rue Oberkampf;75011;Paris";

    fn demandeur(name: &str, foyer: &str) -> String {
        format!("{name};Olena;14/10/1995;0123456789;2026-75-1;{ADDRESS};{foyer};demandeur")
    }

    fn dependant(name: &str, foyer: &str, lien: &str) -> String {
        format!("{name};Taras;02/04/2015;;;;;;{foyer};{lien}")
    }

    fn read(lines: &[String]) -> Vec<Result<HouseholdResult, FileError>> {
        let text = format!("{HEADER}\n{}\n", lines.join("\n"));
        HouseholdReader::open(std::io::Cursor::new(text), &BatchOptions::default(), now())
            .unwrap()
            .collect()
    }

    fn results(lines: &[String]) -> Vec<HouseholdResult> {
        read(lines).into_iter().map(Result::unwrap).collect()
    }

    /// (row, status, kinds of its errors) of every row.
    fn verdicts(results: &[HouseholdResult]) -> Vec<(u64, RowStatus, Vec<IssueKind>)> {
        results
            .iter()
            .flat_map(|r| &r.rows)
            .map(|o| (o.row, o.status(), o.errors.iter().map(|e| e.kind).collect()))
            .collect()
    }

    fn context() -> SubmissionContext {
        SubmissionContext {
            consent: Consent {
                kind: ConsentType::Paper,
                date: jiff::civil::date(2026, 11, 20),
            },
            handler: None,
        }
    }

    #[test]
    fn consecutive_rows_of_a_foyer_make_one_household() {
        let results = results(&[
            demandeur("Kovalenko", "F1"),
            dependant("Kovalenko", "F1", "conjoint"),
            dependant("Kovalenko", "F1", "enfant"),
            demandeur("Melnyk", ""),
            dependant("Bondarenko", "F2", "enfant"),
            demandeur("Bondarenko", "F2"),
        ]);
        assert_eq!(results.len(), 3);
        assert!(
            verdicts(&results)
                .iter()
                .all(|(_, s, _)| *s == RowStatus::Accepted)
        );
        let rows: Vec<Vec<u64>> = results
            .iter()
            .map(|r| r.rows.iter().map(|o| o.row).collect())
            .collect();
        assert_eq!(rows, [vec![2, 3, 4], vec![5], vec![6, 7]]);

        let first = results[0].household.as_ref().unwrap();
        assert_eq!(first.foyer(), Some("F1"));
        assert_eq!(first.main().row, 2);
        let relationships: Vec<Option<Relationship>> = first
            .dependants()
            .iter()
            .map(|m| m.lien.relationship())
            .collect();
        assert_eq!(
            relationships,
            [Some(Relationship::Spouse), Some(Relationship::Child)]
        );
        let single = results[1].household.as_ref().unwrap();
        assert_eq!((single.foyer(), single.dependants().len()), (None, 0));
        // The demandeur need not come first.
        let third = results[2].household.as_ref().unwrap();
        assert_eq!(third.main().row, 7);
        assert_eq!(third.members().map(|m| m.row).collect::<Vec<_>>(), [6, 7]);
    }

    #[test]
    fn a_household_becomes_a_case_draft_that_validates() {
        let results = results(&[
            demandeur("Kovalenko", "F1"),
            dependant("Kovalenko", "F1", "conjoint"),
            dependant("Kovalenko", "F1", "enfant"),
        ]);
        let household = results[0].household.as_ref().unwrap();
        let draft = household.to_draft(&context());
        assert_eq!(draft.category, Some(Category::PumaAffiliation));
        assert_eq!(draft.partner_reference, "F1");
        assert_eq!(
            draft.subject,
            "PUMa affiliation, household F1 (prefecture file)"
        );
        assert_eq!(
            draft.description,
            "PUMa affiliation from a prefecture batch file: household F1, rows 2 to 4.\n\
             Row 2, demandeur Kovalenko Olena: aps_numero 2026-75-1.\n\
             Row 3, conjoint Kovalenko Taras: no further details.\n\
             Row 4, enfant Kovalenko Taras: no further details."
        );
        let case = draft.validate(now()).unwrap();
        assert_eq!(case.warnings, []);
        let case = case.value;
        assert_eq!(case.beneficiary.last_name, "Kovalenko");
        assert_eq!(case.beneficiary.situation, Situation::TemporaryProtection);
        assert_eq!(
            case.beneficiary.agdref.as_ref().unwrap().as_str(),
            "0123456789"
        );
        assert_eq!(case.beneficiary_departement().unwrap().code(), "75");
        assert_eq!(case.dependants.len(), 2);
        assert_eq!(case.dependants[1].relationship, Relationship::Child);
        assert_eq!(case.consent, context().consent);
        assert_eq!(case.handler, None);

        let handler = OrganisationId::generate();
        let draft = household.to_draft(&SubmissionContext {
            handler: Some(handler),
            ..context()
        });
        assert_eq!(draft.validate(now()).unwrap().value.handler, Some(handler));
    }

    #[test]
    fn a_validated_person_goes_back_to_a_draft_of_itself() {
        let text = "nom;prenoms;sexe;date_naissance;nationalite;numero_agdref;adresse;code_postal;\
            commune;telephone;email;langue;nir\n\
            Kovalenko;Olena;F;14/10/1995;ua;01 2345 6789;12 rue Oberkampf;75011;Paris;\
            +380 44 123 4567;Olena@Example.ORG;UK;7951099126111\n";
        let mut results: Vec<HouseholdResult> =
            HouseholdReader::open(std::io::Cursor::new(text), &BatchOptions::default(), now())
                .unwrap()
                .map(Result::unwrap)
                .collect();
        let household = results.pop().unwrap().household.unwrap();
        let person = &household.main().person;
        let draft = beneficiary_draft(person, Situation::Other);
        let again = draft.validate(now()).unwrap();
        assert_eq!(&again.value, person);
        assert_eq!(again.value.nir.unwrap().as_str(), "7951099126111");
    }

    #[test]
    fn a_child_without_a_demandeur_rejects_the_household() {
        let results = results(&[
            dependant("Kovalenko", "F1", "enfant"),
            dependant("Kovalenko", "F1", "conjoint"),
            dependant("Melnyk", "", "enfant"),
        ]);
        assert_eq!(
            verdicts(&results),
            [
                (
                    2,
                    RowStatus::Rejected,
                    vec![IssueKind::HouseholdWithoutDemandeur]
                ),
                (
                    3,
                    RowStatus::Rejected,
                    vec![IssueKind::HouseholdWithoutDemandeur]
                ),
                (
                    4,
                    RowStatus::Rejected,
                    vec![IssueKind::HouseholdWithoutDemandeur]
                ),
            ]
        );
        assert!(results.iter().all(|r| r.household.is_none()));
        let issue = &results[0].rows[0].errors[0];
        assert_eq!(
            (issue.column.as_str(), issue.value.as_str()),
            ("lien", "enfant")
        );
        assert!(
            issue.reason.starts_with("household F1 has no demandeur"),
            "{issue}"
        );
        let issue = &results[1].rows[0].errors[0];
        assert!(
            issue
                .reason
                .contains("the household of row 4 has no demandeur: a row without foyer"),
            "{issue}"
        );
    }

    #[test]
    fn a_household_has_exactly_one_demandeur() {
        let results = results(&[
            demandeur("Kovalenko", "F1"),
            demandeur("Kovalenko", "F1").replace(";demandeur", ";"),
        ]);
        assert_eq!(
            verdicts(&results),
            [
                (
                    2,
                    RowStatus::Rejected,
                    vec![IssueKind::HouseholdSeveralDemandeurs]
                ),
                (
                    3,
                    RowStatus::Rejected,
                    vec![IssueKind::HouseholdSeveralDemandeurs]
                ),
            ]
        );
        assert!(results[0].rows[1].errors[0].reason.contains("rows 2, 3"));
    }

    #[test]
    fn a_household_is_all_or_nothing() {
        let results = results(&[
            demandeur("Kovalenko", "F1"),
            "Kovalenko;Taras;02/04/2095;;;;;;F1;enfant".to_owned(),
            dependant("Kovalenko", "F1", "enfant"),
            demandeur("Melnyk", "F2"),
        ]);
        assert_eq!(
            verdicts(&results),
            [
                (
                    2,
                    RowStatus::Rejected,
                    vec![IssueKind::HouseholdMemberRejected]
                ),
                (3, RowStatus::Rejected, vec![IssueKind::DateInFuture]),
                (
                    4,
                    RowStatus::Rejected,
                    vec![IssueKind::HouseholdMemberRejected]
                ),
                (5, RowStatus::Accepted, vec![]),
            ]
        );
        let issue = &results[0].rows[0].errors[0];
        assert_eq!(
            issue.reason,
            "household F1 is rejected as a whole: row 3 has errors"
        );
        assert_eq!(
            (issue.column.as_str(), issue.value.as_str()),
            ("foyer", "F1")
        );
        assert!(results[0].household.is_none() && results[1].household.is_some());
    }

    #[test]
    fn a_household_split_in_the_file_is_rejected_where_it_reappears() {
        let results = results(&[
            demandeur("Kovalenko", "F1"),
            dependant("Kovalenko", "F1", "enfant"),
            demandeur("Melnyk", "F2"),
            dependant("Kovalenko", "F1", "enfant"),
            demandeur("Shevchenko", ""),
        ]);
        assert_eq!(
            verdicts(&results),
            [
                (2, RowStatus::Accepted, vec![]),
                (3, RowStatus::Accepted, vec![]),
                (4, RowStatus::Accepted, vec![]),
                (5, RowStatus::Rejected, vec![IssueKind::HouseholdSplit]),
                (6, RowStatus::Accepted, vec![]),
            ]
        );
        assert_eq!(
            results[2].rows[0].errors[0].reason,
            "household F1 already appeared at rows 2 to 3: the rows of a household must follow each other"
        );
    }

    #[test]
    fn a_household_larger_than_a_case_is_rejected_without_being_held_whole() {
        let mut lines = vec![demandeur("Kovalenko", "F1")];
        lines.extend((0..MAX_HOUSEHOLD_ROWS + 5).map(|_| dependant("Kovalenko", "F1", "enfant")));
        lines.push(demandeur("Melnyk", "F2"));
        let results = results(&lines);
        let sizes: Vec<usize> = results.iter().map(|r| r.rows.len()).collect();
        assert_eq!(sizes, [MAX_HOUSEHOLD_ROWS + 1, 5, 1]);
        let verdicts = verdicts(&results);
        assert!(
            verdicts[..MAX_HOUSEHOLD_ROWS + 6]
                .iter()
                .all(|(_, _, kinds)| kinds == &[IssueKind::HouseholdTooLarge])
        );
        assert_eq!(verdicts.last().unwrap().1, RowStatus::Accepted);

        let mut lines = vec![demandeur("Kovalenko", "F1")];
        lines.extend((1..MAX_HOUSEHOLD_ROWS).map(|_| dependant("Kovalenko", "F1", "enfant")));
        let results = self::results(&lines);
        assert_eq!(results.len(), 1);
        assert!(results[0].household.is_some(), "{:?}", results[0].rows[0]);
        let draft = results[0].household.as_ref().unwrap().to_draft(&context());
        assert!(draft.validate(now()).is_ok());
    }

    /// Pushes the rows of `lines` one by one, noting after which row each
    /// household came out.
    fn pushed(lines: &[String], incomplete: bool) -> Vec<(Option<u64>, HouseholdResult)> {
        let text = format!("{HEADER}\n{}\n", lines.join("\n"));
        let reader =
            BatchReader::new(std::io::Cursor::new(text), &BatchOptions::default()).unwrap();
        let mut grouper = HouseholdGrouper::new(reader.header().clone(), now());
        let mut out = Vec::new();
        for row in reader {
            let row = row.unwrap();
            let number = row.row();
            out.extend(grouper.push(row).into_iter().map(|r| (Some(number), r)));
        }
        out.extend(grouper.finish(incomplete).into_iter().map(|r| (None, r)));
        assert!(
            grouper.finish(false).is_empty(),
            "finish empties the grouper"
        );
        out
    }

    #[test]
    fn a_grouper_gives_each_household_as_soon_as_it_is_complete() {
        let lines = [
            demandeur("Kovalenko", "F1"),
            dependant("Kovalenko", "F1", "enfant"),
            demandeur("Melnyk", ""),
            demandeur("Bondarenko", "F2"),
            dependant("Kovalenko", "F1", "enfant"),
        ];
        let out = pushed(&lines, false);
        let when: Vec<(Option<u64>, Vec<u64>)> = out
            .iter()
            .map(|(after, r)| (*after, r.rows.iter().map(|o| o.row).collect()))
            .collect();
        // Melnyk's row ends F1's household and is one by itself.
        assert_eq!(
            when,
            [
                (Some(4), vec![2, 3]),
                (Some(4), vec![4]),
                (Some(6), vec![5]),
                (None, vec![6]),
            ]
        );
        let from_grouper: Vec<HouseholdResult> = out.into_iter().map(|(_, r)| r).collect();
        assert_eq!(from_grouper, results(&lines));
        assert_eq!(
            from_grouper[3].rows[0].errors[0].kind,
            IssueKind::HouseholdSplit
        );
    }

    #[test]
    fn a_grouper_finished_after_an_error_rejects_the_household_being_read() {
        let out = pushed(
            &[
                demandeur("Kovalenko", "F1"),
                dependant("Kovalenko", "F1", "enfant"),
            ],
            true,
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].0, None);
        assert!(out[0].1.household.is_none());
        assert!(
            out[0]
                .1
                .rows
                .iter()
                .all(|r| r.errors[0].kind == IssueKind::HouseholdIncomplete)
        );
    }

    #[test]
    fn a_grouper_settles_an_oversized_household_one_row_past_the_limit() {
        let mut lines = vec![demandeur("Kovalenko", "F1")];
        lines.extend((0..MAX_HOUSEHOLD_ROWS + 2).map(|_| dependant("Kovalenko", "F1", "enfant")));
        let out = pushed(&lines, false);
        let first_row = 2;
        let sizes: Vec<(Option<u64>, usize)> = out
            .iter()
            .map(|(after, r)| (*after, r.rows.len()))
            .collect();
        assert_eq!(
            sizes,
            [
                (
                    Some(first_row + MAX_HOUSEHOLD_ROWS as u64),
                    MAX_HOUSEHOLD_ROWS + 1
                ),
                (None, 2),
            ]
        );
        let from_grouper: Vec<HouseholdResult> = out.into_iter().map(|(_, r)| r).collect();
        assert_eq!(from_grouper, results(&lines));
    }

    #[test]
    fn a_file_error_inside_a_household_rejects_it_then_stops() {
        let options = BatchOptions {
            limits: crate::batch::BatchLimits {
                max_rows: 3,
                ..Default::default()
            },
            ..BatchOptions::default()
        };
        let text = format!(
            "{HEADER}\n{}\n{}\n{}\n{}\n",
            demandeur("Melnyk", ""),
            demandeur("Kovalenko", "F1"),
            dependant("Kovalenko", "F1", "enfant"),
            dependant("Kovalenko", "F1", "enfant"),
        );
        let mut households =
            HouseholdReader::open(std::io::Cursor::new(text), &options, now()).unwrap();
        assert!(households.next().unwrap().unwrap().household.is_some());
        let cut = households.next().unwrap().unwrap();
        assert!(cut.household.is_none());
        assert!(
            cut.rows
                .iter()
                .all(|r| r.errors[0].kind == IssueKind::HouseholdIncomplete)
        );
        assert_eq!(
            households.next().unwrap().unwrap_err(),
            FileError::TooManyRows { max: 3 }
        );
        assert!(households.next().is_none());
    }
}
