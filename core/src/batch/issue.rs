//! What is wrong, or worth a look, on a row, and what becomes of the row.

use std::fmt;

use serde::Serialize;

use crate::{org::named_enum, text::excerpt};

named_enum!(
    /// The class of a row issue: a stable name to count and filter by, whatever
    /// the wording of the reason.
    IssueKind {
        /// A value the row needs is empty.
        Required => "required",
        /// A text too long, on several lines, or without letters where a name is expected.
        TextInvalid => "text_invalid",
        DateInvalid => "date_invalid",
        DateInFuture => "date_in_future",
        /// A birth date before 1900.
        DateTooOld => "date_too_old",
        NirInvalid => "nir_invalid",
        /// The NIR's last two digits do not match the first thirteen.
        NirKey => "nir_key",
        /// Warning: an old provisional number (NNP), retired at the end of 2022.
        NirProvisional => "nir_provisional",
        /// Warning: the NIR disagrees with the sex or the birth date.
        NirMismatch => "nir_mismatch",
        AgdrefInvalid => "agdref_invalid",
        /// Warning: a 9-digit AGDREF number from an old file.
        AgdrefNineDigits => "agdref_nine_digits",
        PostalCodeInvalid => "postal_code_invalid",
        /// A postal code that lies in no département (Monaco, overseas collectivities…).
        DepartementUnknown => "departement_unknown",
        CountryInvalid => "country_invalid",
        LanguageInvalid => "language_invalid",
        PhoneInvalid => "phone_invalid",
        EmailInvalid => "email_invalid",
        SexInvalid => "sex_invalid",
        RelationshipInvalid => "relationship_invalid",
        /// The demandeur has neither an AGDREF number nor a NIR.
        IdentifierRequired => "identifier_required",
        ApsEndBeforeStart => "aps_end_before_start",
        /// Warning: the APS has ended.
        ApsExpired => "aps_expired",
        /// A value under a column without header, or beyond the last one.
        CellWithoutColumn => "cell_without_column",
        /// No demandeur: a conjoint, enfant or autre with nobody to be attached to.
        HouseholdWithoutDemandeur => "household_without_demandeur",
        HouseholdSeveralDemandeurs => "household_several_demandeurs",
        /// The household's rows are not next to each other.
        HouseholdSplit => "household_split",
        HouseholdTooLarge => "household_too_large",
        /// Another row of the household is rejected, so this one is too.
        HouseholdMemberRejected => "household_member_rejected",
        /// The file stopped with an error before the household could be seen whole.
        HouseholdIncomplete => "household_incomplete",
    }
);

/// One issue of a row: the column as the file's header spells it, the value
/// found there, and why it is refused (or remarkable, for a warning).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowIssue {
    pub column: String,
    /// The value as a message quotes it ([`excerpt`]): escaped, and cut when
    /// long. Issues go to terminals, results files and the server's store.
    pub value: String,
    pub reason: String,
    pub kind: IssueKind,
}

impl RowIssue {
    /// An issue about `value` as read from the file.
    pub fn new(
        column: impl Into<String>,
        value: &str,
        reason: impl Into<String>,
        kind: IssueKind,
    ) -> RowIssue {
        RowIssue {
            column: column.into(),
            value: excerpt(value),
            reason: reason.into(),
            kind,
        }
    }
}

impl fmt::Display for RowIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.value.is_empty() {
            write!(f, "{}: {}", self.column, self.reason)
        } else {
            write!(f, "{} \"{}\": {}", self.column, self.value, self.reason)
        }
    }
}

/// How a row ends up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowStatus {
    Accepted,
    AcceptedWithWarnings,
    Rejected,
}

/// The verdict on one row: rejected when it has errors (every one of them is
/// listed), else accepted, with warnings or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowOutcome {
    /// The row number as a spreadsheet shows it: the header is row 1.
    pub row: u64,
    /// The household the row belongs to, when the file names one.
    pub foyer: Option<String>,
    pub errors: Vec<RowIssue>,
    pub warnings: Vec<RowIssue>,
}

impl RowOutcome {
    pub fn status(&self) -> RowStatus {
        if !self.errors.is_empty() {
            RowStatus::Rejected
        } else if !self.warnings.is_empty() {
            RowStatus::AcceptedWithWarnings
        } else {
            RowStatus::Accepted
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_have_stable_snake_case_names() {
        for kind in IssueKind::ALL {
            let json = serde_json::to_string(kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(IssueKind::from_name(kind.as_str()), Some(*kind));
        }
    }

    #[test]
    fn issues_read_naturally() {
        let issue = RowIssue {
            column: "Date de naissance".into(),
            value: "14/10/2095".into(),
            reason: "2095-10-14 is in the future".into(),
            kind: IssueKind::DateInFuture,
        };
        assert_eq!(
            issue.to_string(),
            "Date de naissance \"14/10/2095\": 2095-10-14 is in the future"
        );
        let issue = RowIssue {
            value: String::new(),
            reason: "required".into(),
            kind: IssueKind::Required,
            ..issue
        };
        assert_eq!(issue.to_string(), "Date de naissance: required");
    }

    #[test]
    fn issues_quote_their_values_short_and_visible() {
        let issue = RowIssue::new(
            "nom",
            &format!("\u{1b}[2J{}", "\u{89}PNG".repeat(400)),
            "must contain letters",
            IssueKind::TextInvalid,
        );
        assert!(issue.value.starts_with("\\u{1b}[2J\\u{89}PNG"), "{issue}");
        assert!(issue.value.ends_with("… (1604 characters)"), "{issue}");
        assert!(!issue.to_string().chars().any(char::is_control), "{issue}");
        assert!(issue.to_string().len() < 150, "{issue}");
    }

    #[test]
    fn errors_reject_and_warnings_do_not() {
        let issue = RowIssue {
            column: "nir".into(),
            value: "7951099126111".into(),
            reason: "provisional".into(),
            kind: IssueKind::NirProvisional,
        };
        let mut outcome = RowOutcome {
            row: 2,
            foyer: None,
            errors: vec![],
            warnings: vec![],
        };
        assert_eq!(outcome.status(), RowStatus::Accepted);
        outcome.warnings.push(issue.clone());
        assert_eq!(outcome.status(), RowStatus::AcceptedWithWarnings);
        outcome.errors.push(issue);
        assert_eq!(outcome.status(), RowStatus::Rejected);
    }
}
