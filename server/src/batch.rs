//! What becomes of a judged household of an affiliation file: the case to
//! submit for it, under a request id of its own, as the store keeps it.
//! Shared by `BatchService` and the benchmark that stores households
//! without the network in between.

use jiff::{Timestamp, tz::TimeZone};
use relais_core::{
    batch::{BatchId, HouseholdResult, IssueKind, RowIssue, SubmissionContext},
    case::{Consent, ConsentType, NewCase},
    ids::Departement,
    org::{AccountRef, OrgRef},
    request_id::RequestId,
};
use sha2::{Digest, Sha256};

use crate::store::{BatchHousehold, Submission};

/// Rows stored per transaction at most. An upload holds two chunks at most
/// (one being stored while the next is read), about 7 MiB per 1,000 rows,
/// and results come back chunk by chunk. Larger chunks save little: 8,000
/// rows write 10 % fewer bytes than 2,000, for 45 MiB more memory.
pub const CHUNK_ROWS: usize = 2_000;

/// Who sends a batch, and when: what every household's submission shares.
#[derive(Debug, Clone)]
pub struct HouseholdSubmitter {
    pub batch: BatchId,
    pub organisation: OrgRef,
    pub organisation_departement: Option<Departement>,
    pub account: AccountRef,
    pub now: Timestamp,
    consent: Consent,
}

impl HouseholdSubmitter {
    pub fn new(
        batch: BatchId,
        organisation: OrgRef,
        organisation_departement: Option<Departement>,
        account: AccountRef,
        now: Timestamp,
    ) -> Self {
        // The file has no consent column: the desk collects the person's
        // signed consent on paper when it registers them, the day it sends.
        let paris = TimeZone::get("Europe/Paris").unwrap_or(TimeZone::UTC);
        let consent = Consent {
            kind: ConsentType::Paper,
            date: now.to_zoned(paris).date(),
        };
        Self {
            batch,
            organisation,
            organisation_departement,
            account,
            now,
            consent,
        }
    }

    /// The household as the store keeps it: its rows, and its case when
    /// every row is accepted.
    pub fn household(&self, result: HouseholdResult) -> BatchHousehold {
        let mut household = BatchHousehold {
            rows: result.rows,
            submission: None,
            nir: None,
            agdref: None,
        };
        let Some(accepted) = result.household else {
            return household;
        };
        let main = &accepted.main().person;
        household.nir = main.nir.clone();
        household.agdref = main.agdref.clone();
        let context = SubmissionContext {
            consent: self.consent,
            handler: None,
        };
        match accepted.to_draft(&context).validate(self.now) {
            Ok(validated) => {
                household.submission = Some(self.submission(&household, validated.value))
            }
            Err(violations) => {
                // The rows were judged as a case would be; should the two
                // ever disagree, the household is refused with the reasons.
                for row in &mut household.rows {
                    row.errors.extend(violations.iter().map(|issue| RowIssue {
                        column: issue.field.clone(),
                        value: String::new(),
                        reason: issue.reason.clone(),
                        kind: IssueKind::HouseholdMemberRejected,
                    }));
                }
            }
        }
        household
    }

    fn submission(&self, household: &BatchHousehold, case: NewCase) -> Submission {
        let first = household.rows.first().map_or(0, |row| row.row);
        let last = household.rows.last().map_or(0, |row| row.row);
        // One request id per household and batch: a household stored by a
        // send that was cut off is found again, not stored twice.
        let request_id = format!("batch-{}-row-{first}", self.batch);
        let fingerprint = Sha256::digest(format!("{}:{first}-{last}", self.batch)).into();
        Submission {
            request_id: RequestId::parse(&request_id).unwrap_or_else(|_| {
                unreachable!("a batch id and a row number make a valid request id")
            }),
            fingerprint,
            case,
            submitter: self.organisation.clone(),
            submitter_departement: self.organisation_departement,
            submitted_by: self.account.clone(),
            now: self.now,
        }
    }
}
