//! Mapping between the wire (`relais.v1`) and the domain (`relais-core`),
//! shared by the server and the client so both read requests the same way.

use std::collections::BTreeSet;

use jiff::{
    SignedDuration, Timestamp,
    civil::{Date, Time, Weekday},
};
use relais_core::{
    case::{
        AddressDraft, BeneficiaryDraft, Case, CaseDraft, CaseEvent, Category, ConsentDraft,
        ConsentType, DependantDraft, DomiciliationDraft, EventKind, IdentityMatch, Message,
        MessageKind, Outcome, PossibleDuplicate, PostalAddress, Relationship, Residence,
        ResidenceDraft, Situation, Status, Urgency, Usefulness,
    },
    ids::Departement,
    org::{Account, AccountRef, OrgRef, Organisation, OrganisationId, OrganisationKind, Role},
    sla::{
        Audience, CalendarConfig, Calendars, CaseSla, ClockKind, CountingMode, Escalation,
        OfficeHours, SlaPolicy, SlaState, TargetClock, TargetKind, TargetPolicy,
        calendar::time_zone, report::Grouping,
    },
    validation::{FieldIssue, Violations},
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
same_variants!(Role <-> Role {
    PartnerAgent, PartnerSystem, CaisseAgent, Supervisor, Admin, Auditor
});
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
    Reopened, Transferred, Withdrawn, SlaAtRisk, SlaBreached, SlaEscalated
});
same_variants!(SlaState <-> SlaState { OnTrack, AtRisk, Breached, Met, Paused, Stopped });
same_variants!(TargetKind <-> SlaTarget { FirstResponse, Resolution });
same_variants!(ClockKind <-> SlaClock { WorkingTime, RoundTheClock });
same_variants!(Audience <-> EscalationAudience { Supervisors, Administrators });
same_variants!(Grouping <-> ReportGrouping {
    HandlerOrganisation, PartnerOrganisation, Category, Departement
});
same_variants!(Sex <-> Sex { Female, Male });
same_variants!(IdentityMatch <-> IdentityMatch { Nir, Agdref });

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
        partner_reference: String::new(),
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
        // Counting time left needs the handler's calendar: the server fills it in.
        sla: None,
    };
    if view.beneficiary_data {
        // The partner's own reference is often made of the beneficiary's
        // name (a prefecture's household ids are): beneficiary data.
        out.partner_reference = c.partner_reference.clone().unwrap_or_default();
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

pub fn possible_duplicate(d: &PossibleDuplicate) -> pb::PossibleDuplicate {
    pb::PossibleDuplicate {
        case_id: d.case_id.to_string(),
        case_reference: d.reference.to_string(),
        handler_organisation: Some((&d.handler).into()),
        matched_on: wire::<_, pb::IdentityMatch>(d.matched_on),
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
        actor: e.actor.as_ref().map(Into::into),
        actor_organisation: e.actor_organisation.as_ref().map(Into::into),
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
        sla_target: e
            .sla
            .map(|(target, _)| wire::<_, pb::SlaTarget>(target))
            .unwrap_or_default(),
        escalation_level: e.sla.map_or(0, |(_, level)| i32::from(level)),
    }
}

pub fn duration(d: SignedDuration) -> pbjson_types::Duration {
    pbjson_types::Duration {
        seconds: d.as_secs(),
        nanos: d.subsec_nanos(),
    }
}

/// The duration a wire duration stands for, if it is a valid one.
pub fn from_duration(d: &pbjson_types::Duration) -> Option<SignedDuration> {
    let nanos = i128::from(d.seconds) * 1_000_000_000 + i128::from(d.nanos);
    ((d.seconds >= 0) == (d.nanos >= 0) || d.nanos == 0 || d.seconds == 0)
        .then(|| SignedDuration::from_nanos_i128(nanos))
}

fn target_status(
    clock: &TargetClock,
    now: Timestamp,
    calendars: &Calendars<'_>,
) -> pb::TargetStatus {
    pb::TargetStatus {
        state: wire::<_, pb::SlaState>(clock.state(now)),
        clock: wire::<_, pb::SlaClock>(clock.clock),
        target: Some(duration(clock.target)),
        start_time: Some(timestamp(clock.started_at)),
        due_time: Some(timestamp(clock.due_at())),
        met_time: clock.met_at.map(timestamp),
        met_within_target: clock.met_within_target().unwrap_or(false),
        elapsed: Some(duration(clock.elapsed(now, calendars))),
        remaining: clock.remaining(now, calendars).map(duration),
        escalation_level: i32::from(clock.escalation_level()),
    }
}

/// A case's promises as they stand at `now`, counted in its calendars.
pub fn case_sla(sla: &CaseSla, now: Timestamp, calendars: &Calendars<'_>) -> pb::CaseSla {
    pb::CaseSla {
        first_response: Some(target_status(&sla.first_response, now, calendars)),
        resolution: Some(target_status(&sla.resolution, now, calendars)),
        take_time: sla.taken_at.map(timestamp),
        take_elapsed: sla.take_took.map(duration),
    }
}

fn target_policy(policy: &TargetPolicy) -> pb::TargetPolicy {
    pb::TargetPolicy {
        target: Some(duration(policy.target)),
        clock: wire::<_, pb::SlaClock>(policy.clock),
    }
}

/// A policy as the API shows it, for a category and (when it is one fund's) a fund.
pub fn sla_policy(
    category: Category,
    organisation: Option<OrganisationId>,
    policy: &SlaPolicy,
    built_in: bool,
) -> pb::SlaPolicy {
    pb::SlaPolicy {
        category: wire::<_, pb::Category>(category),
        organisation_id: organisation.map(|id| id.to_string()).unwrap_or_default(),
        first_response: Some(target_policy(&policy.first_response)),
        urgent_first_response: Some(target_policy(&policy.urgent_first_response)),
        resolution: Some(target_policy(&policy.resolution)),
        warning_percent: i32::from(policy.warning_percent),
        escalations: policy
            .escalations
            .iter()
            .map(|e| pb::Escalation {
                percent: i32::from(e.percent),
                audience: wire::<_, pb::EscalationAudience>(e.audience),
            })
            .collect(),
        built_in,
    }
}

/// A policy a client sent, with every bad field reported (as
/// `policy.first_response.target`…).
pub fn sla_policy_from_wire(
    policy: &pb::SlaPolicy,
) -> Result<(Category, Option<OrganisationId>, SlaPolicy), Violations> {
    let mut violations = Violations::default();
    let category = Category::from_wire(policy.category);
    if category.is_none() {
        violations.add(
            "policy.category",
            "required: the category the policy applies to",
        );
    }
    let organisation = match policy.organisation_id.trim() {
        "" => None,
        id => OrganisationId::parse(id)
            .map_err(|reason| violations.add("policy.organisation_id", reason))
            .ok(),
    };
    let mut target = |field: &str, given: Option<&pb::TargetPolicy>| {
        let Some(given) = given else {
            violations.add(format!("policy.{field}"), "required: a target and a clock");
            return None;
        };
        let amount = given.target.as_ref().and_then(from_duration);
        if amount.is_none() {
            violations.add(format!("policy.{field}.target"), "required: a duration");
        }
        let clock = ClockKind::from_wire(given.clock);
        if clock.is_none() {
            violations.add(
                format!("policy.{field}.clock"),
                "required, one of: working_time, round_the_clock",
            );
        }
        Some(TargetPolicy {
            target: amount?,
            clock: clock?,
        })
    };
    let first_response = target("first_response", policy.first_response.as_ref());
    let urgent_first_response = target(
        "urgent_first_response",
        policy.urgent_first_response.as_ref(),
    );
    let resolution = target("resolution", policy.resolution.as_ref());
    let warning_percent = u16::try_from(policy.warning_percent).unwrap_or(0);
    let mut escalations = Vec::new();
    for (i, escalation) in policy.escalations.iter().enumerate() {
        let audience = Audience::from_wire(escalation.audience);
        if audience.is_none() {
            violations.add(
                format!("policy.escalations[{i}].audience"),
                "required, one of: supervisors, administrators",
            );
        }
        escalations.push(Escalation {
            percent: u16::try_from(escalation.percent).unwrap_or(0),
            audience: audience.unwrap_or(Audience::Supervisors),
        });
    }
    let (Some(category), Some(first_response), Some(urgent_first_response), Some(resolution)) =
        (category, first_response, urgent_first_response, resolution)
    else {
        return Err(violations);
    };
    let policy = SlaPolicy {
        first_response,
        urgent_first_response,
        resolution,
        warning_percent,
        escalations,
    };
    if let Err(more) = policy.validate() {
        violations.extend(more);
    }
    violations.into_result((category, organisation, policy))
}

const WEEK: [(Weekday, pb::Weekday); 7] = [
    (Weekday::Monday, pb::Weekday::Monday),
    (Weekday::Tuesday, pb::Weekday::Tuesday),
    (Weekday::Wednesday, pb::Weekday::Wednesday),
    (Weekday::Thursday, pb::Weekday::Thursday),
    (Weekday::Friday, pb::Weekday::Friday),
    (Weekday::Saturday, pb::Weekday::Saturday),
    (Weekday::Sunday, pb::Weekday::Sunday),
];

fn hhmm(time: Time) -> String {
    time.strftime("%H:%M").to_string()
}

/// A fund's calendar as the API shows it.
pub fn calendar(organisation: OrganisationId, config: &CalendarConfig) -> pb::OrganisationCalendar {
    let (mode, office_hours) = match &config.mode {
        CountingMode::WholeDays => (pb::CountingMode::WholeDays, Vec::new()),
        CountingMode::OfficeHours(hours) => (
            pb::CountingMode::OfficeHours,
            WEEK.iter()
                .flat_map(|(day, wire_day)| {
                    hours
                        .windows(*day)
                        .iter()
                        .map(|(start, end)| pb::OfficeWindow {
                            weekday: (*wire_day).into(),
                            start: hhmm(*start),
                            // A window ending at midnight is shown as 24:00.
                            end: if *end == Time::MIN {
                                "24:00".to_owned()
                            } else {
                                hhmm(*end)
                            },
                        })
                })
                .collect(),
        ),
    };
    pb::OrganisationCalendar {
        organisation_id: organisation.to_string(),
        mode: mode.into(),
        office_hours,
        closed_days: config.closed_days.iter().map(ToString::to_string).collect(),
        worked_days: config.worked_days.iter().map(ToString::to_string).collect(),
        time_zone: time_zone(config.departement)
            .iana_name()
            .unwrap_or_default()
            .to_owned(),
    }
}

/// `HH:MM`; `24:00` (only as an end) means midnight at the end of the day.
fn parse_hhmm(text: &str, end: bool) -> Option<Time> {
    let text = text.trim();
    if end && text == "24:00" {
        return Some(Time::MIN);
    }
    let (hours, minutes) = text.split_once(':')?;
    if hours.len() != 2 || minutes.len() != 2 {
        return None;
    }
    Time::new(hours.parse().ok()?, minutes.parse().ok()?, 0, 0).ok()
}

/// The calendar a client sent for a fund of `departement`, with every bad
/// field reported (as `calendar.office_hours[1].end`…).
pub fn calendar_from_wire(
    calendar: &pb::OrganisationCalendar,
    departement: Departement,
) -> Result<CalendarConfig, Violations> {
    let mut violations = Violations::default();
    let mut days = |field: &str, values: &[String]| {
        values
            .iter()
            .enumerate()
            .filter_map(|(i, value)| {
                parse_date(value)
                    .map_err(|reason| violations.add(format!("calendar.{field}[{i}]"), reason))
                    .ok()
            })
            .collect::<BTreeSet<Date>>()
    };
    let closed_days = days("closed_days", &calendar.closed_days);
    let worked_days = days("worked_days", &calendar.worked_days);
    let mode = match pb::CountingMode::try_from(calendar.mode) {
        Ok(pb::CountingMode::Unspecified | pb::CountingMode::WholeDays) => {
            if !calendar.office_hours.is_empty() {
                violations.add(
                    "calendar.office_hours",
                    "office hours only apply to COUNTING_MODE_OFFICE_HOURS",
                );
            }
            Some(CountingMode::WholeDays)
        }
        Ok(pb::CountingMode::OfficeHours) => {
            let mut week: [Vec<(Time, Time)>; 7] = Default::default();
            for (i, window) in calendar.office_hours.iter().enumerate() {
                let day = WEEK
                    .iter()
                    .position(|(_, wire)| i32::from(*wire) == window.weekday);
                if day.is_none() {
                    violations.add(
                        format!("calendar.office_hours[{i}].weekday"),
                        "required: the day of the week",
                    );
                }
                let start = parse_hhmm(&window.start, false);
                if start.is_none() {
                    violations.add(
                        format!("calendar.office_hours[{i}].start"),
                        "expected HH:MM",
                    );
                }
                let end = parse_hhmm(&window.end, true);
                if end.is_none() {
                    violations.add(
                        format!("calendar.office_hours[{i}].end"),
                        "expected HH:MM (24:00 for midnight)",
                    );
                }
                if let (Some(day), Some(start), Some(end)) = (day, start, end) {
                    week[day].push((start, end));
                }
            }
            for day in &mut week {
                day.sort();
            }
            match OfficeHours::new(week) {
                Ok(hours) => Some(CountingMode::OfficeHours(hours)),
                Err(reason) => {
                    violations.add("calendar.office_hours", reason);
                    None
                }
            }
        }
        Err(_) => {
            violations.add("calendar.mode", format!("unknown value {}", calendar.mode));
            None
        }
    };
    let Some(mode) = mode else {
        return Err(violations);
    };
    violations.into_result(CalendarConfig {
        departement,
        mode,
        closed_days,
        worked_days,
    })
}

/// An ISO date, for the fields that hold one.
fn parse_date(text: &str) -> Result<Date, String> {
    relais_core::validation::parse_iso_date(text)
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
