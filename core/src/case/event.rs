//! A case's history: one event per change, also what watchers receive.

use jiff::Timestamp;

use super::{CaseId, MessageId, MessageKind, Status};
use crate::{
    ids::CaseRef,
    org::{AccountRef, OrgRef, OrganisationId, named_enum},
    sla::policy::TargetKind,
};

named_enum!(
    EventKind {
        Submitted => "submitted",
        Taken => "taken",
        MessagePosted => "message_posted",
        InformationRequested => "information_requested",
        PartnerReplied => "partner_replied",
        Resolved => "resolved",
        Closed => "closed",
        Reopened => "reopened",
        Transferred => "transferred",
        Withdrawn => "withdrawn",
        SlaAtRisk => "sla.at_risk",
        SlaBreached => "sla.breached",
        SlaEscalated => "sla.escalated",
    }
);

/// What a change records; the store stamps it with a sequence number, the
/// actor and the time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub kind: EventKind,
    /// `None` for the submission, which has no previous status.
    pub from_status: Option<Status>,
    pub to_status: Status,
    pub reason: Option<String>,
    pub from_organisation: Option<OrgRef>,
    pub to_organisation: Option<OrgRef>,
    pub message: Option<(MessageId, MessageKind)>,
}

/// A recorded event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseEvent {
    /// Increases with every event the service records, across cases.
    pub sequence: u64,
    pub case_id: CaseId,
    pub case_reference: CaseRef,
    pub at: Timestamp,
    /// `None` for what the service raises itself (SLA events).
    pub actor: Option<AccountRef>,
    pub actor_organisation: Option<OrgRef>,
    pub kind: EventKind,
    pub from_status: Option<Status>,
    pub to_status: Status,
    pub reason: Option<String>,
    pub from_organisation: Option<OrgRef>,
    pub to_organisation: Option<OrgRef>,
    pub message: Option<(MessageId, MessageKind)>,
    /// For SLA events: the promise, and the escalation level (0 otherwise).
    pub sla: Option<(TargetKind, u8)>,
    /// The partner organisation that submitted the case.
    pub submitter: OrganisationId,
    /// The handling organisation once the event happened.
    pub handler: OrganisationId,
}

impl CaseEvent {
    /// An event about an internal note: for the handling organisation only.
    pub fn is_internal(&self) -> bool {
        self.message.is_some_and(|(_, kind)| kind.is_internal())
    }
}
