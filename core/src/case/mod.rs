//! Cases: what a partner sends about one beneficiary, and what happens to it.

mod draft;
mod event;
mod lifecycle;

use std::fmt;

use jiff::{Timestamp, civil::Date};
use serde::{Deserialize, Serialize};

pub use draft::{
    AddressDraft, BeneficiaryDraft, CaseDraft, ConsentDraft, DependantDraft, DomiciliationDraft,
    ResidenceDraft,
};
pub use event::{CaseEvent, EventKind, NewEvent};
pub use lifecycle::{Actor, Command, Transition, apply};

use crate::{
    ids::{Agdref, CaseRef, Departement, Nir, PostalCode},
    org::{AccountRef, OrgRef, OrganisationId, named_enum, uuid_id},
    sla::CaseSla,
};

uuid_id!(
    /// A case's identifier (the reference is the human-friendly one).
    CaseId
);
uuid_id!(
    /// A message's identifier.
    MessageId
);

/// How a caller names a case: its identifier or its reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseKey {
    Id(CaseId),
    Reference(CaseRef),
}

impl CaseKey {
    /// A UUID, or a reference such as `R-7K3M-9QX2` (case and dashes optional).
    pub fn parse(text: &str) -> Result<CaseKey, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("required: the case's reference (R-XXXX-XXXX) or identifier".to_owned());
        }
        if let Ok(id) = CaseId::parse(text) {
            return Ok(CaseKey::Id(id));
        }
        CaseRef::parse(text)
            .map(CaseKey::Reference)
            .map_err(|e| e.to_string())
    }
}

impl fmt::Display for CaseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaseKey::Id(id) => id.fmt(f),
            CaseKey::Reference(reference) => reference.fmt(f),
        }
    }
}

named_enum!(
    /// Where a case stands. See [`apply`] for the transitions.
    Status {
        Submitted => "submitted",
        InProgress => "in_progress",
        WaitingOnPartner => "waiting_on_partner",
        Resolved => "resolved",
        Closed => "closed",
        Withdrawn => "withdrawn",
    }
);

impl Status {
    /// Upper-case name used in messages shown to users (`IN_PROGRESS`).
    pub fn label(self) -> String {
        self.as_str().to_ascii_uppercase()
    }

    /// Neither resolved, closed nor withdrawn: the fund still owes an answer.
    pub const fn is_open(self) -> bool {
        matches!(
            self,
            Status::Submitted | Status::InProgress | Status::WaitingOnPartner
        )
    }
}

named_enum!(
    Category {
        PumaAffiliation => "puma_affiliation",
        ComplementaireSanteSolidaire => "complementaire_sante_solidaire",
        Ame => "ame",
        CarteVitale => "carte_vitale",
        DailyAllowances => "daily_allowances",
        RightsCertificate => "rights_certificate",
        Reimbursement => "reimbursement",
        Other => "other",
    }
);

named_enum!(Sex { Female => "female", Male => "male" });

named_enum!(
    Situation {
        TemporaryProtection => "temporary_protection",
        Homeless => "homeless",
        Other => "other",
    }
);

named_enum!(Relationship { Spouse => "spouse", Child => "child", Other => "other" });

named_enum!(ConsentType { Paper => "paper", Phone => "phone", Sms => "sms" });

named_enum!(
    Outcome {
        Answered => "answered",
        RightsOpened => "rights_opened",
        Rejected => "rejected",
        Redirected => "redirected",
        Duplicate => "duplicate",
    }
);

named_enum!(Usefulness { Yes => "yes", Unsure => "unsure", No => "no" });

named_enum!(
    MessageKind {
        PartnerMessage => "partner_message",
        AgentReply => "agent_reply",
        InternalNote => "internal_note",
        InformationRequest => "information_request",
        Resolution => "resolution",
    }
);

impl MessageKind {
    /// Internal notes are for the handling organisation only.
    pub const fn is_internal(self) -> bool {
        matches!(self, MessageKind::InternalNote)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Urgency {
    Normal,
    Urgent { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostalAddress {
    pub line1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    pub postal_code: PostalCode,
    pub city: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Domiciliation {
    pub organisation_name: String,
    pub address: PostalAddress,
    pub start_date: Date,
    pub end_date: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Residence {
    PostalAddress(PostalAddress),
    Domiciliation(Domiciliation),
}

impl Residence {
    pub fn address(&self) -> &PostalAddress {
        match self {
            Residence::PostalAddress(address) => address,
            Residence::Domiciliation(domiciliation) => &domiciliation.address,
        }
    }
}

/// The person a case is about. Stored as one document: it is read and wiped whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Beneficiary {
    pub last_name: String,
    pub first_names: String,
    pub birth_date: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nir: Option<Nir>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agdref: Option<Agdref>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
    pub situation: Situation,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub residence: Option<Residence>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_language: Option<String>,
    /// The département the partner stated, which wins over the postal code's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub departement: Option<Departement>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dependant {
    pub last_name: String,
    pub first_names: String,
    pub birth_date: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    pub relationship: Relationship,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nir: Option<Nir>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Consent {
    pub kind: ConsentType,
    pub date: Date,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolution {
    pub outcome: Outcome,
    pub at: Timestamp,
}

/// A validated submission, before it is routed and stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCase {
    pub category: Category,
    pub subject: String,
    pub description: String,
    pub urgency: Urgency,
    pub beneficiary: Beneficiary,
    pub dependants: Vec<Dependant>,
    pub consent: Consent,
    pub partner_reference: Option<String>,
    /// The fund the partner chose, if any.
    pub handler: Option<OrganisationId>,
}

impl NewCase {
    /// The beneficiary's département: the one stated, else the one of the
    /// address's postal code.
    pub fn beneficiary_departement(&self) -> Option<Departement> {
        let beneficiary = &self.beneficiary;
        beneficiary.departement.or_else(|| {
            beneficiary
                .residence
                .as_ref()
                .and_then(|residence| residence.address().postal_code.departement())
        })
    }

    /// The département a case is routed by when the partner names no fund:
    /// the beneficiary's, else the partner's own (a counter usually sends to
    /// its local fund).
    pub fn routing_departement(&self, partner: Option<Departement>) -> Option<Departement> {
        self.beneficiary_departement().or(partner)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub id: CaseId,
    pub reference: CaseRef,
    pub status: Status,
    pub category: Category,
    pub subject: String,
    pub description: String,
    pub urgency: Urgency,
    pub beneficiary: Beneficiary,
    pub dependants: Vec<Dependant>,
    pub consent: Consent,
    pub partner_reference: Option<String>,
    pub submitter: OrgRef,
    pub submitted_by: AccountRef,
    pub handler: OrgRef,
    pub assignee: Option<AccountRef>,
    /// The département the case was routed by.
    pub departement: Option<Departement>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub resolution: Option<Resolution>,
    pub usefulness: Option<Usefulness>,
    /// The case's promises; `None` only for cases stored before service
    /// levels existed.
    pub sla: Option<CaseSla>,
}

named_enum!(
    /// The identifier two cases about what may be one person share.
    IdentityMatch {
        Nir => "nir",
        Agdref => "agdref",
    }
);

/// Another case that may be about the same person, filed by a partner that
/// may not know of it: only the agents of the funds handling the two cases
/// see the link, to merge or close one of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PossibleDuplicate {
    pub case_id: CaseId,
    pub reference: CaseRef,
    pub handler: OrgRef,
    pub matched_on: IdentityMatch,
}

/// A message of a case's conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: MessageId,
    pub case_id: CaseId,
    pub kind: MessageKind,
    pub author: AccountRef,
    pub author_organisation: OrgRef,
    pub body: String,
    pub created_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_are_named_by_id_or_reference() {
        let id = CaseId::generate();
        assert_eq!(CaseKey::parse(&id.to_string()), Ok(CaseKey::Id(id)));
        let reference = CaseRef::generate();
        let lower = reference.as_str().to_lowercase();
        assert_eq!(CaseKey::parse(&lower), Ok(CaseKey::Reference(reference)));
        assert!(CaseKey::parse("").unwrap_err().contains("required"));
        assert!(CaseKey::parse("hello").is_err());
    }

    #[test]
    fn only_the_first_three_statuses_are_open() {
        let open: Vec<Status> = Status::ALL
            .iter()
            .copied()
            .filter(|s| s.is_open())
            .collect();
        assert_eq!(
            open,
            [
                Status::Submitted,
                Status::InProgress,
                Status::WaitingOnPartner
            ]
        );
        assert_eq!(Status::WaitingOnPartner.label(), "WAITING_ON_PARTNER");
    }
}
