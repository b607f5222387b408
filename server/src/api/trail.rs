//! What the audit trail records of one request, noted as the request goes:
//! who called, with which request id, and which cases it changed or read.

use std::{net::SocketAddr, sync::Mutex};

use jiff::Timestamp;
use relais_core::{
    case::{Case, CaseId, CaseKey},
    org::{AccountRef, OrgRef},
};
use tonic::Code;

use crate::{
    auth::{Principal, policy::Action},
    store::AuditEntry,
};

/// What the trail records for a case reference that did not parse.
pub(super) const UNREADABLE_CASE_REF: &str = "(not a case reference)";

#[derive(Debug, Default)]
pub(super) struct Trail {
    notes: Mutex<Notes>,
}

#[derive(Debug, Default)]
struct Notes {
    caller: Option<(AccountRef, OrgRef, String)>,
    request_id: Option<String>,
    /// The case the caller named (kept when no such case is found): its
    /// reference or id once parsed, else [`UNREADABLE_CASE_REF`].
    named: Option<String>,
    /// The cases changed, or read with their beneficiary data.
    cases: Vec<(CaseId, String)>,
}

impl Trail {
    fn notes(&self) -> std::sync::MutexGuard<'_, Notes> {
        self.notes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(super) fn caller(&self, principal: &Principal) {
        self.notes().caller = Some((
            principal.account.clone(),
            principal.organisation.clone(),
            principal.credential_label(),
        ));
    }

    pub(super) fn request_id(&self, request_id: &str) {
        if !request_id.is_empty() {
            self.notes().request_id = Some(request_id.to_owned());
        }
    }

    /// The case the caller named, before it is looked up. What does not
    /// parse as a reference or an id is not kept: callers have been seen to
    /// type a NIR or a name there, which a year-long trail must not hold.
    pub(super) fn named(&self, case_ref: &str) {
        if case_ref.trim().is_empty() {
            return;
        }
        let named = match CaseKey::parse(case_ref) {
            Ok(key) => key.to_string(),
            Err(_) => UNREADABLE_CASE_REF.to_owned(),
        };
        self.notes().named = Some(named);
    }

    /// A case changed, or read with its beneficiary data.
    pub(super) fn case(&self, case: &Case) {
        self.notes()
            .cases
            .push((case.id, case.reference.as_str().to_owned()));
    }

    /// The audit entries of the request, once it ended with `code`: one for
    /// a change, one per case read in full, one for a reading of the trail;
    /// none for what neither changes anything nor shows beneficiary data.
    pub(super) fn entries(
        &self,
        action: Action,
        code: Code,
        peer: Option<SocketAddr>,
        at: Timestamp,
    ) -> Vec<AuditEntry> {
        let notes = self.notes();
        let reads = matches!(action, Action::GetCase | Action::ListCases);
        let audited = action.changes() || action == Action::ListAuditEntries || reads;
        if !audited {
            return Vec::new();
        }
        let entry = |case: Option<&(CaseId, String)>| AuditEntry {
            at,
            account: notes.caller.as_ref().map(|(account, ..)| account.clone()),
            organisation: notes
                .caller
                .as_ref()
                .map(|(_, organisation, _)| organisation.clone()),
            rpc: action.rpc().trim_start_matches('/').to_owned(),
            case_id: case.map(|(id, _)| *id),
            case_reference: case
                .map(|(_, reference)| reference.clone())
                .or_else(|| notes.named.clone()),
            peer: peer.map(|peer| peer.to_string()),
            credential: notes
                .caller
                .as_ref()
                .map(|(.., credential)| credential.clone()),
            request_id: notes.request_id.clone(),
            outcome: relais_proto::code_name(code).to_owned(),
        };
        if reads && code == Code::Ok {
            // Only what was shown in full: a redacted view reads no beneficiary data.
            return notes.cases.iter().map(|case| entry(Some(case))).collect();
        }
        vec![entry(notes.cases.first())]
    }
}
