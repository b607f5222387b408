//! Mapping between the wire (`relais.v1`) and the domain (`relais-core`),
//! shared by the server and the client so both read requests the same way.

use jiff::Timestamp;
use relais_core::{
    case::{
        AddressDraft, BeneficiaryDraft, Case, CaseDraft, CaseEvent, Category, ConsentDraft,
        ConsentType, DependantDraft, DomiciliationDraft, EventKind, Message, MessageKind, Outcome,
        PostalAddress, Relationship, Residence, ResidenceDraft, Situation, Status, Urgency,
        Usefulness,
    },
    org::{Account, AccountRef, OrgRef, Organisation, OrganisationKind, Role},
    validation::FieldIssue,
};

use crate::v1 as pb;

/// Reads a wire enumeration (an `i32`) as the domain's; `None` when
/// unspecified or unknown, which validation reports as missing.
pub trait FromWire: Sized {
    fn from_wire(value: i32) -> Option<Self>;
}

/// Maps a domain enumeration to a wire one with the same variant names, both ways.
macro_rules! same_variants {
    ($domain:ident <-> $wire:ident { $($variant:ident),+ $(,)? }) => {
        impl From<$domain> for pb::$wire {
            fn from(value: $domain) -> Self {
                match value { $($domain::$variant => pb::$wire::$variant),+ }
            }
        }

        impl FromWire for $domain {
            fn from_wire(value: i32) -> Option<Self> {
                match pb::$wire::try_from(value).ok()? {
                    $(pb::$wire::$variant => Some($domain::$variant),)+
                    pb::$wire::Unspecified => None,
                }
            }
        }
    };
}

same_variants!(OrganisationKind <-> OrganisationKind {
    Cpam, Cgss, Prefecture, FranceServices, Ccas, Association, Mairie, Caf, Other
});
same_variants!(Role <-> Role { PartnerAgent, PartnerSystem, CaisseAgent, Supervisor, Admin });
same_variants!(Status <-> CaseStatus {
    Submitted, InProgress, WaitingOnPartner, Resolved, Closed, Withdrawn
});
same_variants!(Category <-> Category {
    PumaAffiliation, ComplementaireSanteSolidaire, Ame, CarteVitale, DailyAllowances,
    RightsCertificate, Reimbursement, Other
});
same_variants!(Situation <-> Situation { TemporaryProtection, Homeless, Other });
same_variants!(Relationship <-> Relationship { Spouse, Child, Other });
same_variants!(ConsentType <-> ConsentType { Paper, Phone, Sms });
same_variants!(Outcome <-> ResolutionOutcome {
    Answered, RightsOpened, Rejected, Redirected, Duplicate
});
same_variants!(Usefulness <-> Usefulness { Yes, Unsure, No });
same_variants!(MessageKind <-> MessageKind {
    PartnerMessage, AgentReply, InternalNote, InformationRequest, Resolution
});
same_variants!(EventKind <-> CaseEventKind {
    Submitted, Taken, MessagePosted, InformationRequested, PartnerReplied, Resolved, Closed,
    Reopened, Transferred, Withdrawn
});
same_variants!(Sex <-> Sex { Female, Male });

use relais_core::case::Sex;

pub fn timestamp(t: Timestamp) -> pbjson_types::Timestamp {
    pbjson_types::Timestamp {
        seconds: t.as_second(),
        nanos: t.subsec_nanosecond(),
    }
}

/// The instant a wire timestamp stands for, if it is a valid one.
pub fn from_timestamp(t: &pbjson_types::Timestamp) -> Option<Timestamp> {
    Timestamp::new(t.seconds, t.nanos).ok()
}

fn wire<T: Into<W>, W: Into<i32>>(value: T) -> i32 {
    value.into().into()
}

impl From<&pb::SubmitCaseRequest> for CaseDraft {
    fn from(request: &pb::SubmitCaseRequest) -> Self {
        CaseDraft {
            category: Category::from_wire(request.category),
            subject: request.subject.clone(),
            description: request.description.clone(),
            urgent: request.urgency == i32::from(pb::Urgency::Urgent),
            urgency_reason: request.urgency_reason.clone(),
            beneficiary: request.beneficiary.as_ref().map(BeneficiaryDraft::from),
            dependants: request
                .dependants
                .iter()
                .map(DependantDraft::from)
                .collect(),
            consent: request.consent.as_ref().map(|consent| ConsentDraft {
                kind: ConsentType::from_wire(consent.r#type),
                date: consent.date.clone(),
            }),
            partner_reference: request.partner_reference.clone(),
            handler_organisation_id: request.handler_organisation_id.clone(),
        }
    }
}

impl From<&pb::Beneficiary> for BeneficiaryDraft {
    fn from(b: &pb::Beneficiary) -> Self {
        BeneficiaryDraft {
            last_name: b.last_name.clone(),
            first_names: b.first_names.clone(),
            birth_date: b.birth_date.clone(),
            sex: Sex::from_wire(b.sex),
            nir: b.nir.clone(),
            agdref_number: b.agdref_number.clone(),
            nationality: b.nationality.clone(),
            situation: Situation::from_wire(b.situation),
            residence: b.residence.as_ref().map(|residence| match residence {
                pb::beneficiary::Residence::PostalAddress(a) => {
                    ResidenceDraft::PostalAddress(a.into())
                }
                pb::beneficiary::Residence::Domiciliation(d) => {
                    ResidenceDraft::Domiciliation(DomiciliationDraft {
                        organisation_name: d.organisation_name.clone(),
                        address: d.address.as_ref().map(AddressDraft::from),
                        start_date: d.start_date.clone(),
                        end_date: d.end_date.clone(),
                    })
                }
            }),
            phone: b.phone.clone(),
            email: b.email.clone(),
            preferred_language: b.preferred_language.clone(),
            departement: b.departement.clone(),
        }
    }
}

impl From<&pb::PostalAddress> for AddressDraft {
    fn from(a: &pb::PostalAddress) -> Self {
        AddressDraft {
            line1: a.line1.clone(),
            line2: a.line2.clone(),
            postal_code: a.postal_code.clone(),
            city: a.city.clone(),
        }
    }
}

impl From<&pb::Dependant> for DependantDraft {
    fn from(d: &pb::Dependant) -> Self {
        DependantDraft {
            last_name: d.last_name.clone(),
            first_names: d.first_names.clone(),
            birth_date: d.birth_date.clone(),
            sex: Sex::from_wire(d.sex),
            relationship: Relationship::from_wire(d.relationship),
            nir: d.nir.clone(),
        }
    }
}

impl From<&FieldIssue> for pb::Warning {
    fn from(issue: &FieldIssue) -> Self {
        pb::Warning {
            field: issue.field.clone(),
            description: issue.reason.clone(),
        }
    }
}

impl From<&OrgRef> for pb::OrganisationRef {
    fn from(r: &OrgRef) -> Self {
        pb::OrganisationRef {
            id: r.id.to_string(),
            name: r.name.clone(),
        }
    }
}

impl From<&AccountRef> for pb::AccountRef {
    fn from(r: &AccountRef) -> Self {
        pb::AccountRef {
            id: r.id.to_string(),
            name: r.name.clone(),
        }
    }
}

impl From<&Organisation> for pb::Organisation {
    fn from(o: &Organisation) -> Self {
        pb::Organisation {
            id: o.id.to_string(),
            name: o.name.clone(),
            kind: wire::<_, pb::OrganisationKind>(o.kind),
            departement: o
                .departement
                .map(|d| d.code().to_owned())
                .unwrap_or_default(),
            create_time: Some(timestamp(o.created_at)),
        }
    }
}

impl From<&Account> for pb::Account {
    fn from(a: &Account) -> Self {
        pb::Account {
            id: a.id.to_string(),
            organisation: Some((&a.organisation).into()),
            name: a.name.clone(),
            email: a.email.clone(),
            role: wire::<_, pb::Role>(a.role),
            disabled: a.disabled_at.is_some(),
            create_time: Some(timestamp(a.created_at)),
            disable_time: a.disabled_at.map(timestamp),
        }
    }
}

/// What a caller may receive of a case. The server's policy decides; the
/// conversion only obeys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseView {
    /// Subject, description, beneficiary, dependants, consent, messages and
    /// reasons: withheld from administrators.
    pub beneficiary_data: bool,
    /// The NIR of the beneficiary and dependants: withheld from partners whose
    /// kind is not entitled to process it.
    pub nir: bool,
}

impl CaseView {
    pub const FULL: CaseView = CaseView {
        beneficiary_data: true,
        nir: true,
    };
    pub const REDACTED: CaseView = CaseView {
        beneficiary_data: false,
        nir: false,
    };
}

pub fn case(c: &Case, view: CaseView) -> pb::Case {
    let (urgency, urgency_reason) = match &c.urgency {
        Urgency::Normal => (pb::Urgency::Normal, String::new()),
        Urgency::Urgent { reason } => (pb::Urgency::Urgent, reason.clone()),
    };
    let mut out = pb::Case {
        id: c.id.to_string(),
        reference: c.reference.to_string(),
        status: wire::<_, pb::CaseStatus>(c.status),
        category: wire::<_, pb::Category>(c.category),
        subject: String::new(),
        description: String::new(),
        urgency: urgency.into(),
        urgency_reason: String::new(),
        beneficiary: None,
        dependants: Vec::new(),
        consent: None,
        partner_reference: c.partner_reference.clone().unwrap_or_default(),
        submitter_organisation: Some((&c.submitter).into()),
        submitted_by: Some((&c.submitted_by).into()),
        handler_organisation: Some((&c.handler).into()),
        assignee: c.assignee.as_ref().map(Into::into),
        departement: c
            .departement
            .map(|d| d.code().to_owned())
            .unwrap_or_default(),
        create_time: Some(timestamp(c.created_at)),
        update_time: Some(timestamp(c.updated_at)),
        resolution: c.resolution.map(|r| pb::Resolution {
            outcome: wire::<_, pb::ResolutionOutcome>(r.outcome),
            resolve_time: Some(timestamp(r.at)),
        }),
        usefulness: c
            .usefulness
            .map(wire::<_, pb::Usefulness>)
            .unwrap_or_default(),
        redacted: !view.beneficiary_data,
    };
    if view.beneficiary_data {
        out.subject = c.subject.clone();
        out.description = c.description.clone();
        out.urgency_reason = urgency_reason;
        out.beneficiary = Some(beneficiary(&c.beneficiary, view));
        out.dependants = c.dependants.iter().map(|d| dependant(d, view)).collect();
        out.consent = Some(pb::Consent {
            r#type: wire::<_, pb::ConsentType>(c.consent.kind),
            date: c.consent.date.to_string(),
        });
    }
    out
}

fn nir_for(nir: Option<&relais_core::ids::Nir>, view: CaseView) -> String {
    match nir {
        Some(nir) if view.nir => nir.to_string(),
        _ => String::new(),
    }
}

fn address(a: &PostalAddress) -> pb::PostalAddress {
    pb::PostalAddress {
        line1: a.line1.clone(),
        line2: a.line2.clone().unwrap_or_default(),
        postal_code: a.postal_code.to_string(),
        city: a.city.clone(),
    }
}

fn beneficiary(b: &relais_core::case::Beneficiary, view: CaseView) -> pb::Beneficiary {
    pb::Beneficiary {
        last_name: b.last_name.clone(),
        first_names: b.first_names.clone(),
        birth_date: b.birth_date.to_string(),
        sex: b.sex.map(wire::<_, pb::Sex>).unwrap_or_default(),
        nir: nir_for(b.nir.as_ref(), view),
        agdref_number: b
            .agdref
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        nationality: b.nationality.clone().unwrap_or_default(),
        situation: wire::<_, pb::Situation>(b.situation),
        residence: b.residence.as_ref().map(|residence| match residence {
            Residence::PostalAddress(a) => pb::beneficiary::Residence::PostalAddress(address(a)),
            Residence::Domiciliation(d) => {
                pb::beneficiary::Residence::Domiciliation(pb::Domiciliation {
                    organisation_name: d.organisation_name.clone(),
                    address: Some(address(&d.address)),
                    start_date: d.start_date.to_string(),
                    end_date: d.end_date.to_string(),
                })
            }
        }),
        phone: b.phone.clone().unwrap_or_default(),
        email: b.email.clone().unwrap_or_default(),
        preferred_language: b.preferred_language.clone().unwrap_or_default(),
        departement: b
            .departement
            .map(|d| d.code().to_owned())
            .unwrap_or_default(),
    }
}

fn dependant(d: &relais_core::case::Dependant, view: CaseView) -> pb::Dependant {
    pb::Dependant {
        last_name: d.last_name.clone(),
        first_names: d.first_names.clone(),
        birth_date: d.birth_date.to_string(),
        sex: d.sex.map(wire::<_, pb::Sex>).unwrap_or_default(),
        relationship: wire::<_, pb::Relationship>(d.relationship),
        nir: nir_for(d.nir.as_ref(), view),
    }
}

pub fn message(m: &Message) -> pb::Message {
    pb::Message {
        id: m.id.to_string(),
        kind: wire::<_, pb::MessageKind>(m.kind),
        author: Some((&m.author).into()),
        author_organisation: Some((&m.author_organisation).into()),
        body: m.body.clone(),
        create_time: Some(timestamp(m.created_at)),
    }
}

pub fn event(e: &CaseEvent, view: CaseView) -> pb::CaseEvent {
    let (message_id, message_kind) = match e.message {
        Some((id, kind)) => (id.to_string(), wire::<_, pb::MessageKind>(kind)),
        None => (String::new(), 0),
    };
    pb::CaseEvent {
        sequence: e.sequence,
        case_id: e.case_id.to_string(),
        case_reference: e.case_reference.to_string(),
        kind: wire::<_, pb::CaseEventKind>(e.kind),
        time: Some(timestamp(e.at)),
        actor: Some((&e.actor).into()),
        actor_organisation: Some((&e.actor_organisation).into()),
        from_status: e
            .from_status
            .map(wire::<_, pb::CaseStatus>)
            .unwrap_or_default(),
        to_status: wire::<_, pb::CaseStatus>(e.to_status),
        reason: match (&e.reason, view.beneficiary_data) {
            (Some(reason), true) => reason.clone(),
            _ => String::new(),
        },
        from_organisation: e.from_organisation.as_ref().map(Into::into),
        to_organisation: e.to_organisation.as_ref().map(Into::into),
        message_id,
        message_kind,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_enums_round_trip_and_unspecified_is_none() {
        for status in Status::ALL {
            let wire: pb::CaseStatus = (*status).into();
            assert_eq!(Status::from_wire(wire.into()), Some(*status));
        }
        for kind in EventKind::ALL {
            let wire: pb::CaseEventKind = (*kind).into();
            assert_eq!(EventKind::from_wire(wire.into()), Some(*kind));
        }
        assert_eq!(Status::from_wire(0), None);
        assert_eq!(Status::from_wire(99), None);
        assert_eq!(
            Category::from_wire(pb::Category::Ame.into()),
            Some(Category::Ame)
        );
    }

    #[test]
    fn timestamps_round_trip() {
        let t: Timestamp = "2026-11-22T10:15:30.123456789Z".parse().unwrap();
        assert_eq!(from_timestamp(&timestamp(t)), Some(t));
    }
}
