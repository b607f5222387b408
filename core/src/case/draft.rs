//! A case as a partner typed it (API request, CLI flags, JSON file or batch
//! row), and its validation into a [`NewCase`]: every bad field is reported
//! at once, by its API path, with the reason.

use jiff::{Timestamp, ToSpan, civil::Date};

use super::{
    Beneficiary, Category, Consent, ConsentType, Dependant, Domiciliation, NewCase, PostalAddress,
    Relationship, Residence, Sex, Situation, Urgency,
};
use crate::{
    ids::{Agdref, Departement, Nir, NirKind, PostalCode},
    org::OrganisationId,
    text::{self, Lines, limits},
    validation::{
        FieldIssue, Validated, Violations, earliest_date_on_earth, latest_date_on_earth,
        parse_country_code, parse_iso_date, parse_language_code,
    },
};

/// Unvalidated case input. Enumerations are `None` when missing or unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseDraft {
    pub category: Option<Category>,
    pub subject: String,
    pub description: String,
    pub urgent: bool,
    pub urgency_reason: String,
    pub beneficiary: Option<BeneficiaryDraft>,
    pub dependants: Vec<DependantDraft>,
    pub consent: Option<ConsentDraft>,
    pub partner_reference: String,
    pub handler_organisation_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BeneficiaryDraft {
    pub last_name: String,
    pub first_names: String,
    pub birth_date: String,
    pub sex: Option<Sex>,
    pub nir: String,
    pub agdref_number: String,
    pub nationality: String,
    pub situation: Option<Situation>,
    pub residence: Option<ResidenceDraft>,
    pub phone: String,
    pub email: String,
    pub preferred_language: String,
    pub departement: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResidenceDraft {
    PostalAddress(AddressDraft),
    Domiciliation(DomiciliationDraft),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressDraft {
    pub line1: String,
    pub line2: String,
    pub postal_code: String,
    pub city: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomiciliationDraft {
    pub organisation_name: String,
    pub address: Option<AddressDraft>,
    pub start_date: String,
    pub end_date: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DependantDraft {
    pub last_name: String,
    pub first_names: String,
    pub birth_date: String,
    pub sex: Option<Sex>,
    pub relationship: Option<Relationship>,
    pub nir: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsentDraft {
    pub kind: Option<ConsentType>,
    pub date: String,
}

/// The oldest birth date accepted: older is a typing mistake.
const OLDEST_BIRTH_DATE: Date = jiff::civil::date(1900, 1, 1);

/// Collects violations and warnings while checking one draft.
struct Checker {
    violations: Violations,
    warnings: Vec<FieldIssue>,
    /// The latest date anywhere: later dates are in the future.
    today: Date,
    /// The earliest date anywhere: earlier dates are over everywhere.
    earliest_today: Date,
}

impl Checker {
    fn new(now: Timestamp) -> Self {
        Checker {
            violations: Violations::default(),
            warnings: Vec::new(),
            today: latest_date_on_earth(now),
            earliest_today: earliest_date_on_earth(now),
        }
    }

    fn warn(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.warnings.push(FieldIssue {
            field: field.into(),
            reason: reason.into(),
        });
    }

    fn reject(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.violations.add(field, reason);
    }

    fn required_date(&mut self, field: &str, value: &str) -> Option<Date> {
        if value.trim().is_empty() {
            self.reject(field, "required (YYYY-MM-DD)");
            return None;
        }
        match parse_iso_date(value) {
            Ok(date) => Some(date),
            Err(reason) => {
                self.reject(field, reason);
                None
            }
        }
    }

    fn past_date(&mut self, field: &str, value: &str) -> Option<Date> {
        let date = self.required_date(field, value)?;
        if date > self.today {
            self.reject(field, format!("{date} is in the future"));
            return None;
        }
        Some(date)
    }

    fn birth_date(&mut self, field: &str, value: &str) -> Option<Date> {
        let date = self.past_date(field, value)?;
        if date < OLDEST_BIRTH_DATE {
            self.reject(field, format!("{date} is before {OLDEST_BIRTH_DATE}"));
            return None;
        }
        Some(date)
    }

    fn nir(&mut self, field: &str, value: &str) -> Option<Nir> {
        if value.trim().is_empty() {
            return None;
        }
        match Nir::parse(value) {
            Ok(nir) => {
                if nir.kind() == NirKind::ProvisionalNnp {
                    self.warn(
                        field,
                        "provisional number (NNP) retired at the end of 2022: check the person's current NIR",
                    );
                }
                Some(nir)
            }
            Err(e) => {
                self.reject(field, e.to_string());
                None
            }
        }
    }

    fn optional_text(&mut self, field: &str, value: &str, max: usize) -> Option<String> {
        text::optional(&mut self.violations, field, value, max, Lines::Single)
    }

    fn name(&mut self, field: &str, value: &str, max: usize) -> Option<String> {
        text::name(&mut self.violations, field, value, max)
    }

    fn address(&mut self, prefix: &str, draft: &AddressDraft) -> Option<PostalAddress> {
        let line1 = text::required(
            &mut self.violations,
            &format!("{prefix}.line1"),
            &draft.line1,
            limits::ADDRESS_LINE,
            Lines::Single,
        );
        let line2 = self.optional_text(
            &format!("{prefix}.line2"),
            &draft.line2,
            limits::ADDRESS_LINE,
        );
        let postal_code = if draft.postal_code.trim().is_empty() {
            self.reject(format!("{prefix}.postal_code"), "required (5 digits)");
            None
        } else {
            // Cases are routed by the address's département: a postal code
            // in none (Monaco, the overseas collectivities) cannot be served.
            match PostalCode::parse(&draft.postal_code)
                .and_then(|code| code.served_departement().map(|_| code))
            {
                Ok(code) => Some(code),
                Err(e) => {
                    self.reject(format!("{prefix}.postal_code"), e.to_string());
                    None
                }
            }
        };
        let city = text::required(
            &mut self.violations,
            &format!("{prefix}.city"),
            &draft.city,
            limits::CITY,
            Lines::Single,
        );
        Some(PostalAddress {
            line1: line1?,
            line2,
            postal_code: postal_code?,
            city: city?,
        })
    }

    fn domiciliation(&mut self, prefix: &str, draft: &DomiciliationDraft) -> Option<Domiciliation> {
        let organisation_name = text::required(
            &mut self.violations,
            &format!("{prefix}.organisation_name"),
            &draft.organisation_name,
            limits::ORGANISATION_NAME,
            Lines::Single,
        );
        let address = match &draft.address {
            Some(address) => self.address(&format!("{prefix}.address"), address),
            None => {
                self.reject(
                    format!("{prefix}.address"),
                    "required: the domiciliation address",
                );
                None
            }
        };
        let start_field = format!("{prefix}.start_date");
        let end_field = format!("{prefix}.end_date");
        let start = self.past_date(&start_field, &draft.start_date);
        let end = self.required_date(&end_field, &draft.end_date);
        if let (Some(start), Some(end)) = (start, end) {
            if end <= start {
                self.reject(
                    &end_field,
                    format!("{end} is not after the start date {start}"),
                );
                return None;
            }
            // An attestation is valid one year: end = start + 1 year - 1 day.
            // From 29 February, both 27 and 28 February of the next year are read as valid ends.
            let longest = [
                start
                    .checked_add(1.year())
                    .and_then(|d| d.checked_sub(1.day())),
                start
                    .checked_sub(1.day())
                    .and_then(|d| d.checked_add(1.year())),
            ]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(Date::MAX);
            if end > longest {
                self.warn(
                    &end_field,
                    format!("an attestation is valid one year: it would end on {longest}"),
                );
            }
            if end < self.earliest_today {
                self.warn(
                    &end_field,
                    format!("the domiciliation ended on {end}: it needs renewing"),
                );
            }
        }
        Some(Domiciliation {
            organisation_name: organisation_name?,
            address: address?,
            start_date: start?,
            end_date: end?,
        })
    }

    fn beneficiary(&mut self, draft: &BeneficiaryDraft) -> Option<Beneficiary> {
        const P: &str = "beneficiary";
        let last_name = self.name("beneficiary.last_name", &draft.last_name, limits::LAST_NAME);
        let first_names = self.name(
            "beneficiary.first_names",
            &draft.first_names,
            limits::FIRST_NAMES,
        );
        let birth_date = self.birth_date("beneficiary.birth_date", &draft.birth_date);
        let nir = self.nir("beneficiary.nir", &draft.nir);
        if let (Some(nir), Some(birth_date)) = (&nir, birth_date) {
            self.check_nir_matches(nir, birth_date, draft.sex);
        }
        let agdref = match draft.agdref_number.trim() {
            "" => None,
            value => match Agdref::parse(value) {
                Ok(agdref) => {
                    if agdref.is_legacy_nine_digits() {
                        self.warn(
                            "beneficiary.agdref_number",
                            "9-digit AGDREF number from an old file: to be checked by hand",
                        );
                    }
                    Some(agdref)
                }
                Err(e) => {
                    self.reject("beneficiary.agdref_number", e.to_string());
                    None
                }
            },
        };
        let nationality = match draft.nationality.trim() {
            "" => None,
            code => parse_country_code(code)
                .map_err(|reason| self.reject("beneficiary.nationality", reason))
                .ok(),
        };
        let residence = match &draft.residence {
            None => None,
            Some(ResidenceDraft::PostalAddress(address)) => self
                .address("beneficiary.postal_address", address)
                .map(Residence::PostalAddress),
            Some(ResidenceDraft::Domiciliation(domiciliation)) => self
                .domiciliation("beneficiary.domiciliation", domiciliation)
                .map(Residence::Domiciliation),
        };
        let phone = match draft.phone.trim() {
            "" => None,
            value => text::parse_phone(value)
                .map_err(|reason| self.reject("beneficiary.phone", reason))
                .ok(),
        };
        let email = match draft.email.trim() {
            "" => None,
            value => text::parse_email(value)
                .map_err(|reason| self.reject("beneficiary.email", reason))
                .ok(),
        };
        let preferred_language = match draft.preferred_language.trim() {
            "" => None,
            code => parse_language_code(code)
                .map_err(|reason| self.reject("beneficiary.preferred_language", reason))
                .ok(),
        };
        let departement = match draft.departement.trim() {
            "" => None,
            code => Departement::parse(code)
                .map_err(|e| self.reject("beneficiary.departement", e.to_string()))
                .ok(),
        };
        if let (Some(stated), Some(residence)) = (departement, &residence) {
            let postal_code = &residence.address().postal_code;
            if let Some(from_postal_code) = postal_code.departement()
                && from_postal_code != stated
            {
                // Some postal codes straddle départements: the partner knows better.
                self.warn(
                    format!("{P}.departement"),
                    format!(
                        "postal code {postal_code} is in département {from_postal_code}; the stated département {stated} is used"
                    ),
                );
            }
        }
        Some(Beneficiary {
            last_name: last_name?,
            first_names: first_names?,
            birth_date: birth_date?,
            sex: draft.sex,
            nir,
            agdref,
            nationality,
            situation: draft.situation.unwrap_or(Situation::Other),
            residence,
            phone,
            email,
            preferred_language,
            departement,
        })
    }

    /// A NIR that disagrees with the stated sex or birth date is more often a
    /// typing mistake in one of them than a real discrepancy: warn, do not refuse.
    fn check_nir_matches(&mut self, nir: &Nir, birth_date: Date, sex: Option<Sex>) {
        if nir.kind() != NirKind::Standard {
            return;
        }
        let nir_sex = match nir.sex_digit() {
            1 => Some(Sex::Male),
            2 => Some(Sex::Female),
            _ => None,
        };
        if let (Some(nir_sex), Some(sex)) = (nir_sex, sex)
            && nir_sex != sex
        {
            self.warn(
                "beneficiary.nir",
                format!("the NIR is a {nir_sex}'s, the beneficiary's sex is {sex}"),
            );
        }
        let year_matches = i16::from(nir.birth_year_two_digits()) == birth_date.year() % 100;
        let month_matches = nir
            .birth_month()
            .is_none_or(|month| i8::try_from(month).is_ok_and(|m| m == birth_date.month()));
        if !year_matches || !month_matches {
            self.warn(
                "beneficiary.nir",
                format!(
                    "the NIR's year and month of birth do not match the birth date {birth_date}"
                ),
            );
        }
    }

    fn dependant(&mut self, index: usize, draft: &DependantDraft) -> Option<Dependant> {
        let p = format!("dependants[{index}]");
        let last_name = self.name(
            &format!("{p}.last_name"),
            &draft.last_name,
            limits::LAST_NAME,
        );
        let first_names = self.name(
            &format!("{p}.first_names"),
            &draft.first_names,
            limits::FIRST_NAMES,
        );
        let birth_date = self.birth_date(&format!("{p}.birth_date"), &draft.birth_date);
        if draft.relationship.is_none() {
            self.reject(
                format!("{p}.relationship"),
                "required, one of: spouse, child, other",
            );
        }
        let nir = self.nir(&format!("{p}.nir"), &draft.nir);
        Some(Dependant {
            last_name: last_name?,
            first_names: first_names?,
            birth_date: birth_date?,
            sex: draft.sex,
            relationship: draft.relationship?,
            nir,
        })
    }

    fn consent(&mut self, draft: Option<&ConsentDraft>) -> Option<Consent> {
        let Some(draft) = draft else {
            self.reject(
                "consent",
                "required: how (paper, phone or sms) and when the beneficiary agreed that the partner acts for them",
            );
            return None;
        };
        if draft.kind.is_none() {
            self.reject("consent.type", "required, one of: paper, phone, sms");
        }
        let date = self.past_date("consent.date", &draft.date);
        Some(Consent {
            kind: draft.kind?,
            date: date?,
        })
    }
}

impl BeneficiaryDraft {
    /// Validates the beneficiary alone at instant `now`, with the rules, reasons
    /// and field paths (`beneficiary.nir`…) it has inside a whole case, so that
    /// a batch row is judged exactly as a submitted case would be.
    pub fn validate(&self, now: Timestamp) -> Result<Validated<Beneficiary>, Violations> {
        let mut c = Checker::new(now);
        let beneficiary = c.beneficiary(self);
        let Checker {
            violations,
            warnings,
            ..
        } = c;
        match beneficiary {
            Some(value) if violations.is_empty() => Ok(Validated { value, warnings }),
            _ => Err(violations),
        }
    }
}

impl CaseDraft {
    /// Validates the whole draft at instant `now`: either a [`NewCase`] with
    /// its warnings, or every violation found.
    pub fn validate(&self, now: Timestamp) -> Result<Validated<NewCase>, Violations> {
        let mut c = Checker::new(now);
        if self.category.is_none() {
            let names: Vec<&str> = Category::ALL.iter().map(|k| k.as_str()).collect();
            c.reject(
                "category",
                format!("required, one of: {}", names.join(", ")),
            );
        }
        let subject = text::required(
            &mut c.violations,
            "subject",
            &self.subject,
            limits::SUBJECT,
            Lines::Single,
        );
        let description = text::required(
            &mut c.violations,
            "description",
            &self.description,
            limits::DESCRIPTION,
            Lines::Multi,
        );
        let urgency = if self.urgent {
            text::required(
                &mut c.violations,
                "urgency_reason",
                &self.urgency_reason,
                limits::URGENCY_REASON,
                Lines::Multi,
            )
            .map(|reason| Urgency::Urgent { reason })
        } else {
            Some(Urgency::Normal)
        };
        let beneficiary = match &self.beneficiary {
            Some(draft) => c.beneficiary(draft),
            None => {
                c.reject("beneficiary", "required: the person the case is about");
                None
            }
        };
        if self.dependants.len() > limits::DEPENDANTS {
            c.reject(
                "dependants",
                format!(
                    "at most {} dependants, got {}",
                    limits::DEPENDANTS,
                    self.dependants.len()
                ),
            );
        }
        let dependants: Vec<Option<Dependant>> = self
            .dependants
            .iter()
            .enumerate()
            .map(|(i, d)| c.dependant(i, d))
            .collect();
        let consent = c.consent(self.consent.as_ref());
        let partner_reference = c.optional_text(
            "partner_reference",
            &self.partner_reference,
            limits::PARTNER_REFERENCE,
        );
        let handler = match self.handler_organisation_id.trim() {
            "" => None,
            id => OrganisationId::parse(id)
                .map_err(|reason| c.reject("handler_organisation_id", reason))
                .ok(),
        };

        let Checker {
            violations,
            warnings,
            ..
        } = c;
        if !violations.is_empty() {
            return Err(violations);
        }
        let missing = || Violations::default();
        Ok(Validated {
            value: NewCase {
                category: self.category.ok_or_else(missing)?,
                subject: subject.ok_or_else(missing)?,
                description: description.ok_or_else(missing)?,
                urgency: urgency.ok_or_else(missing)?,
                beneficiary: beneficiary.ok_or_else(missing)?,
                dependants: dependants
                    .into_iter()
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(missing)?,
                consent: consent.ok_or_else(missing)?,
                partner_reference,
                handler,
            },
            warnings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Residence, Urgency};
    use proptest::prelude::*;

    /// Sunday 22 November 2026, 11:00 in Paris; already 23 November at UTC+14.
    fn now() -> Timestamp {
        "2026-11-22T10:00:00Z".parse().unwrap()
    }

    const HANDLER: &str = "0192f5d3-5b7e-7c1a-9a4e-3c2b1a0f9e8d";

    fn address_in_paris() -> AddressDraft {
        AddressDraft {
            line1: " 12 rue Oberkampf ".into(),
            line2: "Bâtiment B".into(),
            postal_code: " 75011 ".into(),
            city: "Paris".into(),
        }
    }

    /// Every field filled in, and valid at [`now`] without warnings.
    fn valid_draft() -> CaseDraft {
        CaseDraft {
            category: Some(Category::PumaAffiliation),
            subject: "  Affiliation PUMa  ".into(),
            description: "Arrivée d'Ukraine en mars 2026.\nTraitement en cours.".into(),
            urgent: true,
            urgency_reason: "Insuline à renouveler avant la fin du mois".into(),
            beneficiary: Some(BeneficiaryDraft {
                last_name: "Kovalenko".into(),
                first_names: "Olena Petrivna".into(),
                birth_date: "1995-10-14".into(),
                sex: Some(Sex::Female),
                nir: "2 95 10 99 126 111 93".into(),
                agdref_number: "01 2345 6789".into(),
                nationality: "ua".into(),
                situation: Some(Situation::TemporaryProtection),
                residence: Some(ResidenceDraft::PostalAddress(address_in_paris())),
                phone: "06 12 34 56 78".into(),
                email: "Olena.K@Example.FR".into(),
                preferred_language: "UK".into(),
                departement: "75".into(),
            }),
            dependants: vec![
                DependantDraft {
                    last_name: "Kovalenko".into(),
                    first_names: "Taras".into(),
                    birth_date: "2015-04-02".into(),
                    sex: Some(Sex::Male),
                    relationship: Some(Relationship::Child),
                    nir: String::new(),
                },
                DependantDraft {
                    last_name: "Kovalenko".into(),
                    first_names: "Andrii".into(),
                    birth_date: "1993-06-30".into(),
                    sex: Some(Sex::Male),
                    relationship: Some(Relationship::Spouse),
                    nir: "1930699155012".into(),
                },
            ],
            consent: Some(ConsentDraft {
                kind: Some(ConsentType::Sms),
                date: "2026-11-20".into(),
            }),
            partner_reference: "FS-BELLEVILLE-2026-0042".into(),
            handler_organisation_id: HANDLER.into(),
        }
    }

    /// A valid domiciliation of exactly one year, still running at [`now`].
    fn domiciliation() -> DomiciliationDraft {
        DomiciliationDraft {
            organisation_name: "CCAS de Paris".into(),
            address: Some(AddressDraft {
                line1: "5 boulevard Diderot".into(),
                line2: String::new(),
                postal_code: "75012".into(),
                city: "Paris".into(),
            }),
            start_date: "2026-03-01".into(),
            end_date: "2027-02-28".into(),
        }
    }

    fn beneficiary(draft: &mut CaseDraft) -> &mut BeneficiaryDraft {
        draft.beneficiary.as_mut().unwrap()
    }

    fn postal_address(draft: &mut CaseDraft) -> &mut AddressDraft {
        match &mut beneficiary(draft).residence {
            Some(ResidenceDraft::PostalAddress(address)) => address,
            other => panic!("expected a postal address, got {other:?}"),
        }
    }

    fn domiciled(draft: &mut CaseDraft) -> &mut DomiciliationDraft {
        let b = beneficiary(draft);
        b.residence = Some(ResidenceDraft::Domiciliation(domiciliation()));
        match &mut b.residence {
            Some(ResidenceDraft::Domiciliation(d)) => d,
            _ => unreachable!(),
        }
    }

    fn fields(issues: &[FieldIssue]) -> Vec<&str> {
        issues.iter().map(|i| i.field.as_str()).collect()
    }

    fn violations(draft: &CaseDraft) -> Vec<FieldIssue> {
        match draft.validate(now()) {
            Ok(validated) => panic!("accepted: {:?}", validated.value),
            Err(v) => v.into_iter().collect(),
        }
    }

    /// The draft is rejected for `field` alone, with a reason containing `needle`.
    #[track_caller]
    fn assert_rejected(draft: &CaseDraft, field: &str, needle: &str) {
        let issues = violations(draft);
        assert_eq!(fields(&issues), [field], "{issues:?}");
        assert!(issues[0].reason.contains(needle), "{:?}", issues[0]);
    }

    /// The draft is accepted with exactly one warning, on `field`, whose reason
    /// contains every needle.
    #[track_caller]
    fn assert_warned(draft: &CaseDraft, field: &str, needles: &[&str]) -> NewCase {
        let validated = draft.validate(now()).unwrap();
        let warnings = &validated.warnings;
        assert_eq!(fields(warnings), [field], "{warnings:?}");
        for needle in needles {
            assert!(warnings[0].reason.contains(needle), "{:?}", warnings[0]);
        }
        validated.value
    }

    #[test]
    fn a_complete_draft_is_accepted_and_normalised() {
        let Validated { value, warnings } = valid_draft().validate(now()).unwrap();
        assert_eq!(warnings, []);
        assert_eq!(value.category, Category::PumaAffiliation);
        assert_eq!(value.subject, "Affiliation PUMa");
        assert_eq!(
            value.description,
            "Arrivée d'Ukraine en mars 2026.\nTraitement en cours."
        );
        assert_eq!(
            value.urgency,
            Urgency::Urgent {
                reason: "Insuline à renouveler avant la fin du mois".into()
            }
        );
        let b = &value.beneficiary;
        assert_eq!(b.last_name, "Kovalenko");
        assert_eq!(b.first_names, "Olena Petrivna");
        assert_eq!(b.birth_date, jiff::civil::date(1995, 10, 14));
        assert_eq!(b.sex, Some(Sex::Female));
        assert_eq!(b.nir.as_ref().unwrap().as_str(), "295109912611193");
        assert_eq!(b.agdref.as_ref().unwrap().as_str(), "0123456789");
        assert_eq!(b.nationality.as_deref(), Some("UA"));
        assert_eq!(b.situation, Situation::TemporaryProtection);
        assert_eq!(b.phone.as_deref(), Some("0612345678"));
        assert_eq!(b.email.as_deref(), Some("Olena.K@example.fr"));
        assert_eq!(b.preferred_language.as_deref(), Some("uk"));
        assert_eq!(b.departement.map(|d| d.code()), Some("75"));
        let Some(Residence::PostalAddress(address)) = &b.residence else {
            panic!("expected a postal address: {:?}", b.residence);
        };
        assert_eq!(address.line1, "12 rue Oberkampf");
        assert_eq!(address.line2.as_deref(), Some("Bâtiment B"));
        assert_eq!(address.postal_code.as_str(), "75011");
        assert_eq!(address.city, "Paris");

        assert_eq!(value.dependants.len(), 2);
        let [child, spouse] = &value.dependants[..] else {
            unreachable!()
        };
        assert_eq!(child.first_names, "Taras");
        assert_eq!(child.birth_date, jiff::civil::date(2015, 4, 2));
        assert_eq!(child.relationship, Relationship::Child);
        assert_eq!(child.nir, None);
        assert_eq!(spouse.relationship, Relationship::Spouse);
        let key = Nir::compute_key("1930699155012").unwrap();
        assert_eq!(
            spouse.nir.as_ref().unwrap().as_str(),
            format!("1930699155012{key:02}"),
            "a 13-character NIR gets its key"
        );

        assert_eq!(
            value.consent,
            Consent {
                kind: ConsentType::Sms,
                date: jiff::civil::date(2026, 11, 20)
            }
        );
        assert_eq!(
            value.partner_reference.as_deref(),
            Some("FS-BELLEVILLE-2026-0042")
        );
        assert_eq!(value.handler.unwrap().to_string(), HANDLER);
        assert_eq!(value.beneficiary_departement().unwrap().code(), "75");
    }

    #[test]
    fn without_a_stated_departement_the_postal_code_decides() {
        let mut draft = valid_draft();
        beneficiary(&mut draft).departement.clear();
        let Validated { value, warnings } = draft.validate(now()).unwrap();
        assert_eq!(warnings, []);
        assert_eq!(value.beneficiary.departement, None);
        assert_eq!(value.beneficiary_departement().unwrap().code(), "75");
    }

    #[test]
    fn optional_fields_may_be_left_out() {
        let mut draft = valid_draft();
        draft.urgent = false;
        draft.dependants.clear();
        draft.partner_reference.clear();
        draft.handler_organisation_id = "  ".into();
        *beneficiary(&mut draft) = BeneficiaryDraft {
            last_name: "Kovalenko".into(),
            first_names: "Olena".into(),
            birth_date: "1995-10-14".into(),
            ..BeneficiaryDraft::default()
        };
        let Validated { value, warnings } = draft.validate(now()).unwrap();
        assert_eq!(warnings, []);
        assert_eq!(value.urgency, Urgency::Normal, "the reason is ignored");
        assert_eq!(value.beneficiary.situation, Situation::Other);
        assert_eq!(value.beneficiary.nir, None);
        assert_eq!(value.beneficiary.residence, None);
        assert_eq!(value.beneficiary_departement(), None);
        assert_eq!((value.partner_reference, value.handler), (None, None));
    }

    #[test]
    fn an_empty_draft_reports_every_missing_part() {
        let issues = violations(&CaseDraft::default());
        let found = fields(&issues);
        for field in [
            "category",
            "subject",
            "description",
            "beneficiary",
            "consent",
        ] {
            assert!(found.contains(&field), "{field} missing from {found:?}");
        }
        assert!(!found.contains(&"urgency_reason"), "{found:?}");
        let category = issues.iter().find(|i| i.field == "category").unwrap();
        assert!(
            category.reason.contains("puma_affiliation") && category.reason.contains("other"),
            "{category:?}"
        );
    }

    #[test]
    fn several_bad_fields_are_all_reported_at_once() {
        let mut draft = valid_draft();
        draft.category = None;
        draft.subject = "x".repeat(151);
        beneficiary(&mut draft).nir = "295109912611199".into();
        beneficiary(&mut draft).email = "olena@".into();
        postal_address(&mut draft).postal_code = "7501".into();
        draft.dependants[1].birth_date = "2027-01-01".into();
        draft.consent.as_mut().unwrap().kind = None;
        draft.handler_organisation_id = "CPAM 75".into();
        let issues = violations(&draft);
        assert_eq!(
            fields(&issues),
            [
                "category",
                "subject",
                "beneficiary.nir",
                "beneficiary.postal_address.postal_code",
                "beneficiary.email",
                "dependants[1].birth_date",
                "consent.type",
                "handler_organisation_id",
            ]
        );
    }

    #[test]
    fn category_is_required() {
        let mut draft = valid_draft();
        draft.category = None;
        assert_rejected(&draft, "category", "required");
    }

    #[test]
    fn subject_is_one_line_of_at_most_150_characters() {
        let mut draft = valid_draft();
        draft.subject = "é".repeat(150);
        assert!(draft.validate(now()).is_ok(), "150 characters are fine");
        draft.subject = "é".repeat(151);
        assert_rejected(&draft, "subject", "at most 150 characters");
        draft.subject = "Carte Vitale\nperdue".into();
        assert_rejected(&draft, "subject", "single line");
        draft.subject = " \t ".into();
        assert_rejected(&draft, "subject", "required");
    }

    #[test]
    fn description_is_at_most_10000_characters() {
        let mut draft = valid_draft();
        draft.description = "x".repeat(10_000);
        assert!(draft.validate(now()).is_ok());
        draft.description = "x".repeat(10_001);
        assert_rejected(&draft, "description", "at most 10000 characters");
    }

    #[test]
    fn an_urgent_case_needs_a_reason() {
        let mut draft = valid_draft();
        draft.urgency_reason = "   ".into();
        assert_rejected(&draft, "urgency_reason", "required");
        draft.urgency_reason = "x".repeat(501);
        assert_rejected(&draft, "urgency_reason", "at most 500");
        draft.urgent = false;
        assert!(draft.validate(now()).is_ok());
    }

    #[test]
    fn beneficiary_names_are_required_and_have_letters() {
        let mut draft = valid_draft();
        beneficiary(&mut draft).last_name = "  ".into();
        assert_rejected(&draft, "beneficiary.last_name", "required");
        let mut draft = valid_draft();
        beneficiary(&mut draft).first_names = "1234 -".into();
        assert_rejected(&draft, "beneficiary.first_names", "letters");
        let mut draft = valid_draft();
        beneficiary(&mut draft).last_name = "x".repeat(101);
        assert_rejected(&draft, "beneficiary.last_name", "at most 100");
    }

    #[test]
    fn beneficiary_is_required() {
        let mut draft = valid_draft();
        draft.beneficiary = None;
        assert_rejected(&draft, "beneficiary", "required");
    }

    #[test]
    fn birth_date_must_be_a_past_iso_date_from_1900() {
        let field = "beneficiary.birth_date";
        for (input, needle) in [
            ("", "required"),
            ("14/10/1995", "YYYY-MM-DD"),
            ("1995-10-1", "YYYY-MM-DD"),
            ("1995-02-30", "not a calendar date"),
            ("2026-11-24", "2026-11-24 is in the future"),
            ("1899-12-31", "before 1900-01-01"),
        ] {
            let mut draft = valid_draft();
            beneficiary(&mut draft).birth_date = input.into();
            assert_rejected(&draft, field, needle);
        }
        let mut draft = valid_draft();
        let b = beneficiary(&mut draft);
        b.birth_date = "1900-01-01".into();
        b.nir.clear();
        assert!(draft.validate(now()).is_ok(), "1900-01-01 is the oldest");
    }

    #[test]
    fn not_in_the_future_means_not_after_the_date_at_utc_plus_14() {
        // At 10:00 UTC it is already midnight, 23 November, at UTC+14.
        let mut draft = valid_draft();
        beneficiary(&mut draft).nir.clear();
        beneficiary(&mut draft).birth_date = "2026-11-23".into();
        let accepted = draft.validate(now()).unwrap();
        assert_eq!(
            accepted.value.beneficiary.birth_date,
            jiff::civil::date(2026, 11, 23)
        );
        beneficiary(&mut draft).birth_date = "2026-11-24".into();
        assert_rejected(&draft, "beneficiary.birth_date", "in the future");

        // A minute earlier, 23 November has not begun anywhere.
        let earlier: Timestamp = "2026-11-22T09:59:00Z".parse().unwrap();
        beneficiary(&mut draft).birth_date = "2026-11-23".into();
        let v = draft.validate(earlier).unwrap_err();
        assert!(v.has("beneficiary.birth_date"), "{v}");
        beneficiary(&mut draft).birth_date = "2026-11-22".into();
        assert!(draft.validate(earlier).is_ok());

        // The same rule holds for the consent date.
        let mut draft = valid_draft();
        draft.consent.as_mut().unwrap().date = "2026-11-23".into();
        assert!(draft.validate(now()).is_ok());
    }

    #[test]
    fn nir_must_be_well_formed_with_the_right_key() {
        let field = "beneficiary.nir";
        for (input, needle) in [
            ("295109912611199", "key"),
            ("29510991261", "found 11"),
            ("2951099126111930", "found 16"),
            ("395109912611193", "first digit"),
        ] {
            let mut draft = valid_draft();
            beneficiary(&mut draft).nir = input.into();
            assert_rejected(&draft, field, needle);
        }
    }

    #[test]
    fn agdref_has_only_digits() {
        let mut draft = valid_draft();
        beneficiary(&mut draft).agdref_number = "01234A6789".into();
        assert_rejected(&draft, "beneficiary.agdref_number", "not a digit");
        beneficiary(&mut draft).agdref_number = "12345678".into();
        assert_rejected(&draft, "beneficiary.agdref_number", "found 8");
    }

    #[test]
    fn nationality_and_language_are_two_letter_codes() {
        let mut draft = valid_draft();
        beneficiary(&mut draft).nationality = "UKR".into();
        assert_rejected(&draft, "beneficiary.nationality", "alpha-2");
        let mut draft = valid_draft();
        beneficiary(&mut draft).preferred_language = "ukr".into();
        assert_rejected(&draft, "beneficiary.preferred_language", "ISO 639-1");
        beneficiary(&mut draft).preferred_language = "u1".into();
        assert_rejected(&draft, "beneficiary.preferred_language", "ISO 639-1");
    }

    #[test]
    fn nationality_and_language_must_be_codes_that_exist() {
        for code in ["XX", "xx", "ZZ", "UK"] {
            let mut draft = valid_draft();
            beneficiary(&mut draft).nationality = code.into();
            assert_rejected(&draft, "beneficiary.nationality", "ISO 3166-1");
        }
        for code in ["xx", "qq", "zz"] {
            let mut draft = valid_draft();
            beneficiary(&mut draft).preferred_language = code.into();
            assert_rejected(&draft, "beneficiary.preferred_language", "ISO 639-1");
        }
        for (nationality, language) in [("ua", "RU"), ("SY", "ar"), ("AF", "ps"), ("fr", "fr")] {
            let mut draft = valid_draft();
            beneficiary(&mut draft).nationality = nationality.into();
            beneficiary(&mut draft).preferred_language = language.into();
            let case = draft
                .validate(now())
                .expect("real codes are accepted")
                .value;
            let b = case.beneficiary;
            assert_eq!(b.nationality, Some(nationality.to_ascii_uppercase()));
            assert_eq!(b.preferred_language, Some(language.to_ascii_lowercase()));
        }
    }

    #[test]
    fn a_postal_code_in_no_departement_is_refused_wherever_it_is_given() {
        for code in [
            "98000", "97133", "97150", "99999", "00000", "20700", "97500",
        ] {
            let mut draft = valid_draft();
            postal_address(&mut draft).postal_code = code.into();
            assert_rejected(
                &draft,
                "beneficiary.postal_address.postal_code",
                "in no département",
            );
            let mut draft = valid_draft();
            domiciled(&mut draft).address.as_mut().unwrap().postal_code = code.into();
            assert_rejected(
                &draft,
                "beneficiary.domiciliation.address.postal_code",
                "in no département",
            );
        }
    }

    #[test]
    fn a_beneficiary_alone_is_judged_as_inside_a_case() {
        let draft = valid_draft();
        let alone = draft.beneficiary.as_ref().unwrap().validate(now()).unwrap();
        let whole = draft.validate(now()).unwrap();
        assert_eq!(alone.value, whole.value.beneficiary);

        let mut draft = valid_draft();
        beneficiary(&mut draft).nir = "295109912611199".into();
        beneficiary(&mut draft).agdref_number = "123456789".into();
        let alone = draft
            .beneficiary
            .as_ref()
            .unwrap()
            .validate(now())
            .unwrap_err();
        assert_eq!(alone, draft.validate(now()).unwrap_err());
        assert!(alone.has("beneficiary.nir"));

        let mut draft = valid_draft();
        beneficiary(&mut draft).agdref_number = "123456789".into();
        let alone = draft.beneficiary.as_ref().unwrap().validate(now()).unwrap();
        assert_eq!(alone.warnings, draft.validate(now()).unwrap().warnings);
        assert_eq!(fields(&alone.warnings), ["beneficiary.agdref_number"]);
    }

    #[test]
    fn phone_and_email_are_checked() {
        let mut draft = valid_draft();
        beneficiary(&mut draft).phone = "06 12 34".into();
        assert_rejected(&draft, "beneficiary.phone", "10 digits");
        let mut draft = valid_draft();
        beneficiary(&mut draft).email = "olena@example".into();
        assert_rejected(&draft, "beneficiary.email", "e-mail address");
    }

    #[test]
    fn departement_must_be_a_current_one() {
        let mut draft = valid_draft();
        beneficiary(&mut draft).departement = "20".into();
        assert_rejected(&draft, "beneficiary.departement", "2A or 2B");
        beneficiary(&mut draft).departement = "96".into();
        assert_rejected(&draft, "beneficiary.departement", "unknown département");
        beneficiary(&mut draft).departement = "2a".into();
        let value = draft.validate(now()).unwrap().value;
        assert_eq!(value.beneficiary_departement().unwrap().code(), "2A");
    }

    #[test]
    fn postal_address_needs_line1_city_and_a_postal_code() {
        let mut draft = valid_draft();
        postal_address(&mut draft).line1.clear();
        assert_rejected(&draft, "beneficiary.postal_address.line1", "required");
        let mut draft = valid_draft();
        postal_address(&mut draft).city = " ".into();
        assert_rejected(&draft, "beneficiary.postal_address.city", "required");
        let field = "beneficiary.postal_address.postal_code";
        for (input, needle) in [("", "required"), ("7501", "5 digits"), ("75O11", "digits")] {
            let mut draft = valid_draft();
            postal_address(&mut draft).postal_code = input.into();
            assert_rejected(&draft, field, needle);
        }
    }

    #[test]
    fn a_domiciliation_of_one_year_is_accepted() {
        let mut draft = valid_draft();
        domiciled(&mut draft);
        beneficiary(&mut draft).departement.clear();
        let Validated { value, warnings } = draft.validate(now()).unwrap();
        assert_eq!(warnings, []);
        let Some(Residence::Domiciliation(d)) = &value.beneficiary.residence else {
            panic!("{:?}", value.beneficiary.residence);
        };
        assert_eq!(d.organisation_name, "CCAS de Paris");
        assert_eq!(d.start_date, jiff::civil::date(2026, 3, 1));
        assert_eq!(d.end_date, jiff::civil::date(2027, 2, 28));
        assert_eq!(value.beneficiary_departement().unwrap().code(), "75");
    }

    #[test]
    fn a_domiciliation_ends_after_it_starts_and_has_an_address() {
        let field = "beneficiary.domiciliation.end_date";
        for end in ["2026-02-01", "2026-03-01"] {
            let mut draft = valid_draft();
            domiciled(&mut draft).end_date = end.into();
            assert_rejected(&draft, field, "not after the start date 2026-03-01");
        }
        let mut draft = valid_draft();
        domiciled(&mut draft).address = None;
        assert_rejected(&draft, "beneficiary.domiciliation.address", "required");
        let mut draft = valid_draft();
        domiciled(&mut draft).address.as_mut().unwrap().city.clear();
        assert_rejected(&draft, "beneficiary.domiciliation.address.city", "required");
        let mut draft = valid_draft();
        domiciled(&mut draft).organisation_name.clear();
        assert_rejected(
            &draft,
            "beneficiary.domiciliation.organisation_name",
            "required",
        );
        let mut draft = valid_draft();
        domiciled(&mut draft).start_date = "2026-12-01".into();
        assert_rejected(&draft, "beneficiary.domiciliation.start_date", "future");
    }

    #[test]
    fn dependants_are_reported_by_index() {
        let mut draft = valid_draft();
        draft.dependants[0].relationship = None;
        draft.dependants[1].birth_date = "2026-12-25".into();
        let issues = violations(&draft);
        assert_eq!(
            fields(&issues),
            ["dependants[0].relationship", "dependants[1].birth_date"]
        );
        assert!(issues[0].reason.contains("spouse, child, other"));
        assert!(issues[1].reason.contains("2026-12-25 is in the future"));

        let mut draft = valid_draft();
        draft.dependants[1].nir = "295109912611199".into();
        assert_rejected(&draft, "dependants[1].nir", "key");
    }

    #[test]
    fn at_most_20_dependants() {
        let mut draft = valid_draft();
        let child = draft.dependants[0].clone();
        draft.dependants = vec![child; 20];
        assert!(draft.validate(now()).is_ok());
        draft.dependants.push(draft.dependants[0].clone());
        assert_rejected(&draft, "dependants", "at most 20 dependants, got 21");
    }

    #[test]
    fn consent_needs_a_type_and_a_past_date() {
        let mut draft = valid_draft();
        draft.consent = None;
        assert_rejected(&draft, "consent", "required");
        let mut draft = valid_draft();
        draft.consent.as_mut().unwrap().kind = None;
        assert_rejected(&draft, "consent.type", "paper, phone, sms");
        let mut draft = valid_draft();
        draft.consent.as_mut().unwrap().date = "2026-11-24".into();
        assert_rejected(&draft, "consent.date", "in the future");
        draft.consent.as_mut().unwrap().date.clear();
        assert_rejected(&draft, "consent.date", "required");
    }

    #[test]
    fn partner_reference_and_handler_are_checked() {
        let mut draft = valid_draft();
        draft.partner_reference = "R".repeat(64);
        assert!(draft.validate(now()).is_ok());
        draft.partner_reference = "R".repeat(65);
        assert_rejected(&draft, "partner_reference", "at most 64");
        let mut draft = valid_draft();
        draft.handler_organisation_id = "cpam-75".into();
        assert_rejected(&draft, "handler_organisation_id", "UUID");
    }

    #[test]
    fn nine_digit_agdref_is_accepted_with_a_warning() {
        let mut draft = valid_draft();
        beneficiary(&mut draft).agdref_number = "123456789".into();
        let value = assert_warned(&draft, "beneficiary.agdref_number", &["9-digit"]);
        assert_eq!(value.beneficiary.agdref.unwrap().as_str(), "123456789");
    }

    #[test]
    fn provisional_nnp_is_accepted_with_a_warning() {
        for nnp in ["7951099126111", "8 95 10 99 126 111"] {
            let mut draft = valid_draft();
            beneficiary(&mut draft).nir = nnp.into();
            let value = assert_warned(&draft, "beneficiary.nir", &["NNP"]);
            let nir = value.beneficiary.nir.unwrap();
            assert_eq!(nir.kind(), NirKind::ProvisionalNnp);
            assert_eq!(nir.as_str().len(), 13, "no key is invented");
        }
    }

    #[test]
    fn nir_disagreeing_with_sex_is_a_warning() {
        let mut draft = valid_draft();
        beneficiary(&mut draft).sex = Some(Sex::Male);
        assert_warned(&draft, "beneficiary.nir", &["female", "male"]);
        beneficiary(&mut draft).sex = None;
        assert_eq!(draft.validate(now()).unwrap().warnings, []);
    }

    #[test]
    fn nir_disagreeing_with_birth_date_is_a_warning() {
        // Month off, year off, year off by a multiple of ten (same last digit).
        for birth_date in ["1995-11-14", "1996-10-14", "2005-10-14"] {
            let mut draft = valid_draft();
            beneficiary(&mut draft).birth_date = birth_date.into();
            assert_warned(&draft, "beneficiary.nir", &["year and month", birth_date]);
        }
        // An unknown month (20 to 99) only has its year checked.
        let first13 = "2954299126111";
        let key = Nir::compute_key(first13).unwrap();
        let mut draft = valid_draft();
        beneficiary(&mut draft).nir = format!("{first13}{key:02}");
        beneficiary(&mut draft).birth_date = "1995-03-08".into();
        assert_eq!(draft.validate(now()).unwrap().warnings, []);
        beneficiary(&mut draft).birth_date = "1994-03-08".into();
        assert_warned(&draft, "beneficiary.nir", &["1994-03-08"]);
    }

    #[test]
    fn stated_departement_wins_over_the_postal_code_with_a_warning() {
        let mut draft = valid_draft();
        beneficiary(&mut draft).departement = "93".into();
        let value = assert_warned(
            &draft,
            "beneficiary.departement",
            &["75011", "département 75", "93 is used"],
        );
        assert_eq!(value.beneficiary_departement().unwrap().code(), "93");
    }

    #[test]
    fn a_domiciliation_longer_than_a_year_is_a_warning() {
        let mut draft = valid_draft();
        domiciled(&mut draft).end_date = "2027-03-01".into();
        let value = assert_warned(
            &draft,
            "beneficiary.domiciliation.end_date",
            &["one year", "2027-02-28"],
        );
        let Some(Residence::Domiciliation(d)) = value.beneficiary.residence else {
            unreachable!()
        };
        assert_eq!(d.end_date, jiff::civil::date(2027, 3, 1));
    }

    #[test]
    fn an_expired_domiciliation_is_a_warning() {
        let mut draft = valid_draft();
        let d = domiciled(&mut draft);
        d.start_date = "2025-09-01".into();
        d.end_date = "2026-08-31".into();
        assert_warned(
            &draft,
            "beneficiary.domiciliation.end_date",
            &["ended on 2026-08-31", "renewing"],
        );
    }

    #[test]
    fn a_domiciliation_is_not_reported_ended_on_its_last_day() {
        // At 10:00 UTC it is already 23 November in the Pacific, still 22 in France.
        let mut draft = valid_draft();
        let d = domiciled(&mut draft);
        d.start_date = "2025-11-23".into();
        d.end_date = "2026-11-22".into();
        let validated = draft.validate(now()).unwrap();
        assert_eq!(validated.warnings, []);
    }

    #[test]
    fn a_domiciliation_from_29_february_may_end_on_28_february() {
        let mut draft = valid_draft();
        let d = domiciled(&mut draft);
        d.start_date = "2024-02-29".into();
        d.end_date = "2025-02-28".into();
        // Only the expiry warning: the length is right.
        assert_warned(
            &draft,
            "beneficiary.domiciliation.end_date",
            &["ended on 2025-02-28"],
        );
    }

    /// The paths that blanking [`blank`] can empty, one required field each.
    const REQUIRED: &[&str] = &[
        "category",
        "subject",
        "description",
        "urgency_reason",
        "beneficiary",
        "beneficiary.last_name",
        "beneficiary.first_names",
        "beneficiary.birth_date",
        "beneficiary.postal_address.line1",
        "beneficiary.postal_address.postal_code",
        "beneficiary.postal_address.city",
        "dependants[0].last_name",
        "dependants[0].first_names",
        "dependants[0].birth_date",
        "dependants[0].relationship",
        "consent",
        "consent.type",
        "consent.date",
    ];

    fn blank(draft: &mut CaseDraft, field: &str) {
        match field {
            "category" => draft.category = None,
            "subject" => draft.subject.clear(),
            "description" => draft.description = " \n\t ".into(),
            "urgency_reason" => draft.urgency_reason.clear(),
            "beneficiary" => draft.beneficiary = None,
            "beneficiary.last_name" => beneficiary(draft).last_name.clear(),
            "beneficiary.first_names" => beneficiary(draft).first_names = "  ".into(),
            "beneficiary.birth_date" => beneficiary(draft).birth_date.clear(),
            "beneficiary.postal_address.line1" => postal_address(draft).line1.clear(),
            "beneficiary.postal_address.postal_code" => postal_address(draft).postal_code.clear(),
            "beneficiary.postal_address.city" => postal_address(draft).city.clear(),
            "dependants[0].last_name" => draft.dependants[0].last_name.clear(),
            "dependants[0].first_names" => draft.dependants[0].first_names.clear(),
            "dependants[0].birth_date" => draft.dependants[0].birth_date.clear(),
            "dependants[0].relationship" => draft.dependants[0].relationship = None,
            "consent" => draft.consent = None,
            "consent.type" => draft.consent.as_mut().unwrap().kind = None,
            "consent.date" => draft.consent.as_mut().unwrap().date.clear(),
            other => panic!("no way to blank {other}"),
        }
    }

    fn name() -> impl Strategy<Value = String> {
        prop_oneof![
            " ?[A-Z][a-zéèçïë]{1,20}(-[A-Z][a-z]{1,12})? ?",
            "[А-ЯІЇЄ][а-яіїє']{1,20}( [А-ЯІЇЄ][а-яіїє]{1,12})?",
            "[A-Z]'[A-Z][a-z]{1,10}",
        ]
    }

    fn birth_date() -> impl Strategy<Value = Date> {
        let latest = latest_date_on_earth(now());
        let days = OLDEST_BIRTH_DATE.until(latest).unwrap().get_days();
        (0..=days).prop_map(|n| OLDEST_BIRTH_DATE.checked_add(n.days()).unwrap())
    }

    /// What a NIR needs besides the sex and birth date: place, commune and
    /// order, an unknown month (20 to 99) or not, and whether to space it.
    fn nir_parts() -> impl Strategy<Value = Option<(&'static str, u16, u16, Option<u8>, bool)>> {
        proptest::option::of((
            prop_oneof![Just("75"), Just("2A"), Just("2B"), Just("97"), Just("99")],
            0..=999u16,
            1..=999u16,
            proptest::option::of(20..=99u8),
            any::<bool>(),
        ))
    }

    fn sex() -> impl Strategy<Value = Option<Sex>> {
        proptest::option::of(prop_oneof![Just(Sex::Female), Just(Sex::Male)])
    }

    proptest! {
        #[test]
        fn generated_valid_drafts_are_accepted_and_blanking_a_required_field_is_reported(
            last_name in name(),
            first_names in name(),
            born in birth_date(),
            sex in sex(),
            unknown_sex_digit in 1..=2u8,
            nir_parts in nir_parts(),
            dependant_born in birth_date(),
            required in 0..REQUIRED.len(),
        ) {
            let nir = nir_parts.map(|(place, commune, order, unknown_month, spaced)| {
                let sex_digit = match sex {
                    Some(Sex::Male) => 1,
                    Some(Sex::Female) => 2,
                    None => unknown_sex_digit,
                };
                let year = born.year() % 100;
                let month = unknown_month.map_or(born.month() as u8, |m| m);
                let first13 = format!("{sex_digit}{year:02}{month:02}{place}{commune:03}{order:03}");
                let key = Nir::compute_key(&first13).unwrap();
                let nir = format!("{first13}{key:02}");
                let typed = if spaced {
                    format!("{} {} {} {} {} {} {}",
                        &nir[..1], &nir[1..3], &nir[3..5], &nir[5..7], &nir[7..10], &nir[10..13], &nir[13..])
                } else {
                    nir.clone()
                };
                (nir, typed)
            });

            let mut draft = valid_draft();
            let b = beneficiary(&mut draft);
            b.last_name = last_name.clone();
            b.first_names = first_names.clone();
            b.birth_date = born.to_string();
            b.sex = sex;
            b.nir = nir.as_ref().map_or(String::new(), |(_, typed)| typed.clone());
            draft.dependants[0].birth_date = dependant_born.to_string();

            let Validated { value, warnings } = draft.validate(now()).unwrap();
            prop_assert_eq!(warnings, []);
            let b = &value.beneficiary;
            prop_assert_eq!(b.last_name.as_str(), last_name.trim());
            prop_assert_eq!(b.first_names.as_str(), first_names.trim());
            prop_assert_eq!(b.birth_date, born);
            prop_assert_eq!(b.sex, sex);
            prop_assert_eq!(
                b.nir.as_ref().map(Nir::as_str),
                nir.as_ref().map(|(nir, _)| nir.as_str())
            );
            prop_assert_eq!(value.dependants[0].birth_date, dependant_born);

            let field = REQUIRED[required];
            blank(&mut draft, field);
            let violations = draft.validate(now()).unwrap_err();
            let reported: Vec<&str> = violations.iter().map(|i| i.field.as_str()).collect();
            prop_assert_eq!(reported, [field]);
        }
    }
}
