//! A summary of a whole file, for an offline check: counts, issues by kind,
//! and the first issues with their rows. Data only; showing it is the
//! caller's business.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

use super::{
    Encoding, FileError,
    household::HouseholdResult,
    issue::{RowIssue, RowStatus},
};

/// An issue and the row it is on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListedIssue {
    pub row: u64,
    #[serde(flatten)]
    pub issue: RowIssue,
}

/// What a file holds and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The encoding the file was read in; `None` if the header could not be read.
    pub encoding: Option<Encoding>,
    pub separator: Option<char>,
    /// Rows with at least one value, the header not counted.
    pub rows: u64,
    pub accepted: u64,
    pub accepted_with_warnings: u64,
    pub rejected: u64,
    pub households: u64,
    pub households_accepted: u64,
    pub households_rejected: u64,
    /// How many errors of each [`IssueKind`](super::IssueKind), by its name.
    pub errors_by_kind: BTreeMap<&'static str, u64>,
    pub warnings_by_kind: BTreeMap<&'static str, u64>,
    /// The first errors, in file order.
    pub first_errors: Vec<ListedIssue>,
    pub first_warnings: Vec<ListedIssue>,
    /// What stopped the reading, if anything did: rows after it were not read.
    #[serde(serialize_with = "as_message")]
    pub file_error: Option<FileError>,
    /// How many issues of each severity are listed at most.
    #[serde(skip)]
    pub max_listed: usize,
}

fn as_message<S: Serializer>(error: &Option<FileError>, serializer: S) -> Result<S::Ok, S::Error> {
    match error {
        Some(error) => serializer.serialize_some(&error.to_string()),
        None => serializer.serialize_none(),
    }
}

impl Report {
    /// An empty report that lists at most `max_listed` errors and as many warnings.
    pub fn new(max_listed: usize) -> Report {
        Report {
            encoding: None,
            separator: None,
            rows: 0,
            accepted: 0,
            accepted_with_warnings: 0,
            rejected: 0,
            households: 0,
            households_accepted: 0,
            households_rejected: 0,
            errors_by_kind: BTreeMap::new(),
            warnings_by_kind: BTreeMap::new(),
            first_errors: Vec::new(),
            first_warnings: Vec::new(),
            file_error: None,
            max_listed,
        }
    }

    /// Counts a household and its rows.
    pub fn add(&mut self, result: &HouseholdResult) {
        self.households += 1;
        if result.household.is_some() {
            self.households_accepted += 1;
        } else {
            self.households_rejected += 1;
        }
        for outcome in &result.rows {
            self.rows += 1;
            match outcome.status() {
                RowStatus::Accepted => self.accepted += 1,
                RowStatus::AcceptedWithWarnings => self.accepted_with_warnings += 1,
                RowStatus::Rejected => self.rejected += 1,
            }
            for (issues, by_kind, listed) in [
                (
                    &outcome.errors,
                    &mut self.errors_by_kind,
                    &mut self.first_errors,
                ),
                (
                    &outcome.warnings,
                    &mut self.warnings_by_kind,
                    &mut self.first_warnings,
                ),
            ] {
                for issue in issues {
                    *by_kind.entry(issue.kind.as_str()).or_default() += 1;
                    if listed.len() < self.max_listed {
                        listed.push(ListedIssue {
                            row: outcome.row,
                            issue: issue.clone(),
                        });
                    }
                }
            }
        }
    }

    /// Every row read is accepted and the whole file was read.
    pub fn is_clean(&self) -> bool {
        self.file_error.is_none() && self.rejected == 0
    }
}
