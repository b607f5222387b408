//! What the store keeps of prefecture affiliation files: a batch per file,
//! and the result of each of its rows.

use jiff::Timestamp;
use relais_core::{
    batch::{BatchId, RowIssue, RowOutcome},
    ids::{Agdref, CaseRef, Nir},
    org::{AccountRef, OrgRef},
};

use super::Submission;

/// A file about to be received.
#[derive(Debug, Clone)]
pub struct NewBatch {
    pub id: BatchId,
    pub organisation: OrgRef,
    pub uploaded_by: AccountRef,
    pub request_id: String,
    pub file_name: String,
    pub sha256: [u8; 32],
    pub declared_rows: u64,
    pub now: Timestamp,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchCounts {
    pub rows: u64,
    pub accepted: u64,
    pub with_warnings: u64,
    pub duplicates: u64,
    pub rejected: u64,
    /// Cases created: one per accepted household.
    pub cases: u64,
}

#[derive(Debug, Clone)]
pub struct Batch {
    pub id: BatchId,
    pub organisation: OrgRef,
    pub uploaded_by: AccountRef,
    pub request_id: String,
    pub file_name: String,
    pub sha256: [u8; 32],
    pub declared_rows: u64,
    pub counts: BatchCounts,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// How a row ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BatchRowStatus {
    Accepted,
    AcceptedWithWarnings,
    /// The person is already known: the case given is the existing one.
    Duplicate,
    Rejected,
}

impl BatchRowStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            BatchRowStatus::Accepted => "accepted",
            BatchRowStatus::AcceptedWithWarnings => "accepted_with_warnings",
            BatchRowStatus::Duplicate => "duplicate",
            BatchRowStatus::Rejected => "rejected",
        }
    }

    pub fn from_name(name: &str) -> Option<BatchRowStatus> {
        [
            BatchRowStatus::Accepted,
            BatchRowStatus::AcceptedWithWarnings,
            BatchRowStatus::Duplicate,
            BatchRowStatus::Rejected,
        ]
        .into_iter()
        .find(|status| status.as_str() == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRowResult {
    pub row: u64,
    pub status: BatchRowStatus,
    pub case_reference: Option<CaseRef>,
    pub errors: Vec<RowIssue>,
    pub warnings: Vec<RowIssue>,
    /// Stored by an earlier send of the same file.
    pub replayed: bool,
}

/// One household of a file, judged: its rows' outcomes and, when every row
/// is accepted, the case to submit for it.
#[derive(Debug, Clone)]
pub struct BatchHousehold {
    pub rows: Vec<RowOutcome>,
    pub submission: Option<Submission>,
    /// Who the household is about, to find a person already known.
    pub nir: Option<Nir>,
    pub agdref: Option<Agdref>,
}
