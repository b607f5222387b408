//! The case lifecycle as an explicit state machine:
//!
//! ```text
//! SUBMITTED --take--> IN_PROGRESS --request information--> WAITING_ON_PARTNER
//!                     IN_PROGRESS <--partner's message---- WAITING_ON_PARTNER
//!                     IN_PROGRESS --resolve--> RESOLVED --close--> CLOSED
//!           RESOLVED, CLOSED --reopen--> IN_PROGRESS
//! SUBMITTED, IN_PROGRESS, WAITING_ON_PARTNER --withdraw--> WITHDRAWN
//! SUBMITTED, IN_PROGRESS, WAITING_ON_PARTNER --transfer--> SUBMITTED (at the new fund)
//! ```
//!
//! Messages do not change the status, except a partner's message on a case
//! waiting on the partner. Who may issue which command is the server's policy;
//! this module decides what the case's state allows.

use jiff::Timestamp;

use super::{
    Case, EventKind, Message, MessageId, MessageKind, NewEvent, Outcome, Resolution, Status,
    Usefulness,
};
use crate::{
    error::Error,
    org::{AccountRef, OrgRef},
    text::{self, Lines, limits},
    validation::Violations,
};

/// Who issues a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub account: AccountRef,
    pub organisation: OrgRef,
}

/// A change requested on a case, with its validated input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Take,
    PartnerMessage { body: String },
    AgentReply { body: String },
    InternalNote { body: String },
    RequestInformation { body: String },
    Resolve { outcome: Outcome, answer: String },
    Close { usefulness: Usefulness },
    Reopen { reason: String },
    Transfer { to: OrgRef, reason: String },
    Withdraw { reason: String },
}

impl Command {
    /// A message posted by a partner (`from_partner`) or an agent, either
    /// visible to the other side or (agents only) an internal note.
    pub fn message(from_partner: bool, internal: bool, body: &str) -> Result<Command, Error> {
        if from_partner && internal {
            return Err(Error::PermissionDenied(
                "internal notes are for the handling organisation; partners post partner-visible messages".to_owned(),
            ));
        }
        let body = required_text("body", body, limits::MESSAGE, Lines::Multi)?;
        Ok(match (from_partner, internal) {
            (true, _) => Command::PartnerMessage { body },
            (false, false) => Command::AgentReply { body },
            (false, true) => Command::InternalNote { body },
        })
    }

    pub fn request_information(body: &str) -> Result<Command, Error> {
        let body = required_text("body", body, limits::MESSAGE, Lines::Multi)?;
        Ok(Command::RequestInformation { body })
    }

    pub fn resolve(outcome: Option<Outcome>, answer: &str) -> Result<Command, Error> {
        let mut violations = Violations::default();
        if outcome.is_none() {
            violations.add(
                "outcome",
                one_of("required", Outcome::ALL.iter().map(|o| o.as_str())),
            );
        }
        let answer = text::required(
            &mut violations,
            "answer",
            answer,
            limits::MESSAGE,
            Lines::Multi,
        );
        match (outcome, answer) {
            (Some(outcome), Some(answer)) => Ok(Command::Resolve { outcome, answer }),
            _ => Err(Error::Invalid(violations)),
        }
    }

    pub fn close(usefulness: Option<Usefulness>) -> Result<Command, Error> {
        let usefulness = usefulness.ok_or_else(|| {
            Error::invalid_field(
                "usefulness",
                one_of(
                    "required: was the answer useful?",
                    Usefulness::ALL.iter().map(|u| u.as_str()),
                ),
            )
        })?;
        Ok(Command::Close { usefulness })
    }

    pub fn reopen(reason: &str) -> Result<Command, Error> {
        let reason = required_text("reason", reason, limits::REASON, Lines::Multi)?;
        Ok(Command::Reopen { reason })
    }

    pub fn withdraw(reason: &str) -> Result<Command, Error> {
        let reason = required_text("reason", reason, limits::REASON, Lines::Multi)?;
        Ok(Command::Withdraw { reason })
    }

    /// `to` is the new fund as the caller resolved it, or why it could not be.
    pub fn transfer(to: Result<OrgRef, Error>, reason: &str) -> Result<Command, Error> {
        let (to, mut violations) = match to {
            Ok(to) => (Some(to), Violations::default()),
            Err(Error::Invalid(violations)) => (None, violations),
            Err(other) => return Err(other),
        };
        let reason = text::required(
            &mut violations,
            "reason",
            reason,
            limits::REASON,
            Lines::Multi,
        );
        match (to, reason) {
            (Some(to), Some(reason)) => Ok(Command::Transfer { to, reason }),
            _ => Err(Error::Invalid(violations)),
        }
    }

    /// What users call this command, for error messages.
    pub fn verb(&self) -> &'static str {
        match self {
            Command::Take => "take in charge",
            Command::PartnerMessage { .. } => "post a message on",
            Command::AgentReply { .. } => "reply to",
            Command::InternalNote { .. } => "add a note to",
            Command::RequestInformation { .. } => "request information on",
            Command::Resolve { .. } => "resolve",
            Command::Close { .. } => "close",
            Command::Reopen { .. } => "reopen",
            Command::Transfer { .. } => "transfer",
            Command::Withdraw { .. } => "withdraw",
        }
    }

    /// The statuses this command applies to, and the status it leads to from each.
    fn target(&self, from: Status) -> Option<Status> {
        use Status::*;
        match (self, from) {
            (Command::Take, Submitted) => Some(InProgress),
            (Command::PartnerMessage { .. }, Submitted | InProgress) => Some(from),
            (Command::PartnerMessage { .. }, WaitingOnPartner) => Some(InProgress),
            (Command::AgentReply { .. }, InProgress | WaitingOnPartner) => Some(from),
            (Command::InternalNote { .. }, _) => Some(from),
            (Command::RequestInformation { .. }, InProgress) => Some(WaitingOnPartner),
            (Command::Resolve { .. }, InProgress) => Some(Resolved),
            (Command::Close { .. }, Resolved) => Some(Closed),
            (Command::Reopen { .. }, Resolved | Closed) => Some(InProgress),
            (
                Command::Transfer { .. } | Command::Withdraw { .. },
                Submitted | InProgress | WaitingOnPartner,
            ) => Some(match self {
                Command::Transfer { .. } => Submitted,
                _ => Withdrawn,
            }),
            _ => None,
        }
    }
}

fn required_text(field: &str, value: &str, max: usize, lines: Lines) -> Result<String, Error> {
    let mut violations = Violations::default();
    text::required(&mut violations, field, value, max, lines).ok_or(Error::Invalid(violations))
}

fn one_of<'a>(lead: &str, names: impl Iterator<Item = &'a str>) -> String {
    format!("{lead}, one of: {}", names.collect::<Vec<_>>().join(", "))
}

/// What a command changes on a case; the store persists it atomically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub status: Status,
    pub assignee: Option<AccountRef>,
    pub handler: OrgRef,
    pub resolution: Option<Resolution>,
    pub usefulness: Option<Usefulness>,
    /// A message to add to the conversation.
    pub message: Option<Message>,
    pub event: NewEvent,
}

impl Transition {
    /// The case as it is once the transition is applied.
    pub fn applied_to(&self, case: &Case, now: Timestamp) -> Case {
        Case {
            status: self.status,
            assignee: self.assignee.clone(),
            handler: self.handler.clone(),
            resolution: self.resolution,
            usefulness: self.usefulness,
            updated_at: now,
            ..case.clone()
        }
    }
}

/// Decides what `command` does to `case` in its current state, or why it
/// cannot: an illegal transition is [`Error::FailedPrecondition`] naming the
/// current status.
pub fn apply(
    case: &Case,
    actor: &Actor,
    command: Command,
    now: Timestamp,
) -> Result<Transition, Error> {
    let from = case.status;
    let Some(to) = command.target(from) else {
        return Err(illegal(case, &command));
    };
    if let Command::Transfer { to: target, .. } = &command
        && target.id == case.handler.id
    {
        return Err(Error::invalid_field(
            "handler_organisation_id",
            format!("the case is already handled by {}", target.name),
        ));
    }

    let mut transition = Transition {
        status: to,
        assignee: case.assignee.clone(),
        handler: case.handler.clone(),
        resolution: case.resolution,
        usefulness: case.usefulness,
        message: None,
        event: NewEvent {
            kind: EventKind::MessagePosted,
            from_status: Some(from),
            to_status: to,
            reason: None,
            from_organisation: None,
            to_organisation: None,
            message: None,
        },
    };
    let message = |kind: MessageKind, body: String| Message {
        id: MessageId::generate(),
        case_id: case.id,
        kind,
        author: actor.account.clone(),
        author_organisation: actor.organisation.clone(),
        body,
        created_at: now,
    };

    let (kind, new_message) = match command {
        Command::Take => {
            transition.assignee = Some(actor.account.clone());
            (EventKind::Taken, None)
        }
        Command::PartnerMessage { body } => {
            let kind = if from == Status::WaitingOnPartner {
                EventKind::PartnerReplied
            } else {
                EventKind::MessagePosted
            };
            (kind, Some(message(MessageKind::PartnerMessage, body)))
        }
        Command::AgentReply { body } => (
            EventKind::MessagePosted,
            Some(message(MessageKind::AgentReply, body)),
        ),
        Command::InternalNote { body } => (
            EventKind::MessagePosted,
            Some(message(MessageKind::InternalNote, body)),
        ),
        Command::RequestInformation { body } => (
            EventKind::InformationRequested,
            Some(message(MessageKind::InformationRequest, body)),
        ),
        Command::Resolve { outcome, answer } => {
            transition.resolution = Some(Resolution { outcome, at: now });
            (
                EventKind::Resolved,
                Some(message(MessageKind::Resolution, answer)),
            )
        }
        Command::Close { usefulness } => {
            transition.usefulness = Some(usefulness);
            (EventKind::Closed, None)
        }
        Command::Reopen { reason } => {
            // The earlier resolution and rating stay in the history; the case is open again.
            transition.resolution = None;
            transition.usefulness = None;
            transition.event.reason = Some(reason);
            (EventKind::Reopened, None)
        }
        Command::Transfer { to: target, reason } => {
            // The new fund takes the case from its own queue.
            transition.assignee = None;
            transition.event.from_organisation = Some(case.handler.clone());
            transition.event.to_organisation = Some(target.clone());
            transition.handler = target;
            transition.event.reason = Some(reason);
            (EventKind::Transferred, None)
        }
        Command::Withdraw { reason } => {
            transition.event.reason = Some(reason);
            (EventKind::Withdrawn, None)
        }
    };
    transition.event.kind = kind;
    transition.event.message = new_message.as_ref().map(|m| (m.id, m.kind));
    transition.message = new_message;
    Ok(transition)
}

fn illegal(case: &Case, command: &Command) -> Error {
    let status = case.status.label();
    let reference = &case.reference;
    let detail = match (command, case.status) {
        (Command::Take, Status::InProgress | Status::WaitingOnPartner) => match &case.assignee {
            Some(agent) => format!("it was already taken in charge by {}", agent.name),
            None => "it was already taken in charge".to_owned(),
        },
        (Command::AgentReply { .. }, Status::Submitted) => {
            "take it in charge before answering".to_owned()
        }
        (Command::RequestInformation { .. }, Status::Submitted) => {
            "take it in charge before requesting information".to_owned()
        }
        (Command::RequestInformation { .. }, Status::WaitingOnPartner) => {
            "the partner already owes information; post a reply to add to the request".to_owned()
        }
        (Command::Resolve { .. }, Status::WaitingOnPartner) => {
            "it waits on the partner; post a reply or wait for the partner before resolving"
                .to_owned()
        }
        _ => {
            let allowed: Vec<String> = Status::ALL
                .iter()
                .filter(|s| command.target(**s).is_some())
                .map(|s| s.label())
                .collect();
            format!("only a case that is {} can be", allowed.join(" or "))
                + " "
                + past_participle(command)
        }
    };
    Error::FailedPrecondition(format!(
        "case {reference} is {status}: cannot {} it; {detail}",
        command.verb()
    ))
}

fn past_participle(command: &Command) -> &'static str {
    match command {
        Command::Take => "taken in charge",
        Command::PartnerMessage { .. } | Command::AgentReply { .. } => "written to",
        Command::InternalNote { .. } => "annotated",
        Command::RequestInformation { .. } => "the subject of an information request",
        Command::Resolve { .. } => "resolved",
        Command::Close { .. } => "closed",
        Command::Reopen { .. } => "reopened",
        Command::Transfer { .. } => "transferred",
        Command::Withdraw { .. } => "withdrawn",
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use proptest::prelude::*;

    use super::*;
    use crate::{
        case::{Beneficiary, CaseId, Category, Consent, ConsentType, Situation, Urgency},
        ids::CaseRef,
        org::{AccountId, OrganisationId},
    };

    fn org(name: &str) -> OrgRef {
        OrgRef {
            id: OrganisationId::generate(),
            name: name.to_owned(),
        }
    }

    fn account(name: &str) -> AccountRef {
        AccountRef {
            id: AccountId::generate(),
            name: name.to_owned(),
        }
    }

    fn case(status: Status) -> Case {
        let now: Timestamp = "2026-03-02T09:00:00Z".parse().unwrap();
        Case {
            id: CaseId::generate(),
            reference: CaseRef::generate(),
            status,
            category: Category::CarteVitale,
            subject: "Carte Vitale perdue".into(),
            description: "Demande de renouvellement".into(),
            urgency: Urgency::Normal,
            beneficiary: Beneficiary {
                last_name: "Kovalenko".into(),
                first_names: "Olena".into(),
                birth_date: date(1987, 4, 12),
                sex: None,
                nir: None,
                agdref: None,
                nationality: None,
                situation: Situation::Other,
                residence: None,
                phone: None,
                email: None,
                preferred_language: None,
                departement: None,
            },
            dependants: vec![],
            consent: Consent {
                kind: ConsentType::Paper,
                date: date(2026, 3, 1),
            },
            partner_reference: None,
            submitter: org("France Services Belleville"),
            submitted_by: account("Inès"),
            handler: org("CPAM de Paris"),
            assignee: (status != Status::Submitted).then(|| account("Awa")),
            departement: None,
            created_at: now,
            updated_at: now,
            resolution: None,
            usefulness: None,
            sla: None,
        }
    }

    fn actor() -> Actor {
        Actor {
            account: account("Awa"),
            organisation: org("CPAM de Paris"),
        }
    }

    fn every_command() -> Vec<Command> {
        vec![
            Command::Take,
            Command::PartnerMessage {
                body: "voici".into(),
            },
            Command::AgentReply {
                body: "bonjour".into(),
            },
            Command::InternalNote {
                body: "note".into(),
            },
            Command::RequestInformation {
                body: "pièce".into(),
            },
            Command::Resolve {
                outcome: Outcome::Answered,
                answer: "fait".into(),
            },
            Command::Close {
                usefulness: Usefulness::Yes,
            },
            Command::Reopen {
                reason: "pas reçu".into(),
            },
            Command::Transfer {
                to: org("CPAM de Seine-Saint-Denis"),
                reason: "domicile".into(),
            },
            Command::Withdraw {
                reason: "doublon".into(),
            },
        ]
    }

    /// The lifecycle, written out once more as a table: (command, from) -> to.
    fn expected(command: &Command, from: Status) -> Option<Status> {
        use Status::*;
        let table: &[(&str, Status, Status)] = &[
            ("take", Submitted, InProgress),
            ("partner", Submitted, Submitted),
            ("partner", InProgress, InProgress),
            ("partner", WaitingOnPartner, InProgress),
            ("reply", InProgress, InProgress),
            ("reply", WaitingOnPartner, WaitingOnPartner),
            ("note", Submitted, Submitted),
            ("note", InProgress, InProgress),
            ("note", WaitingOnPartner, WaitingOnPartner),
            ("note", Resolved, Resolved),
            ("note", Closed, Closed),
            ("note", Withdrawn, Withdrawn),
            ("request", InProgress, WaitingOnPartner),
            ("resolve", InProgress, Resolved),
            ("close", Resolved, Closed),
            ("reopen", Resolved, InProgress),
            ("reopen", Closed, InProgress),
            ("transfer", Submitted, Submitted),
            ("transfer", InProgress, Submitted),
            ("transfer", WaitingOnPartner, Submitted),
            ("withdraw", Submitted, Withdrawn),
            ("withdraw", InProgress, Withdrawn),
            ("withdraw", WaitingOnPartner, Withdrawn),
        ];
        let name = match command {
            Command::Take => "take",
            Command::PartnerMessage { .. } => "partner",
            Command::AgentReply { .. } => "reply",
            Command::InternalNote { .. } => "note",
            Command::RequestInformation { .. } => "request",
            Command::Resolve { .. } => "resolve",
            Command::Close { .. } => "close",
            Command::Reopen { .. } => "reopen",
            Command::Transfer { .. } => "transfer",
            Command::Withdraw { .. } => "withdraw",
        };
        table
            .iter()
            .find(|(n, f, _)| *n == name && *f == from)
            .map(|(_, _, to)| *to)
    }

    #[test]
    fn every_transition_follows_the_table_and_every_other_is_refused() {
        let now: Timestamp = "2026-03-03T10:00:00Z".parse().unwrap();
        for from in Status::ALL {
            for command in every_command() {
                let case = case(*from);
                let result = apply(&case, &actor(), command.clone(), now);
                match (expected(&command, *from), result) {
                    (Some(to), Ok(transition)) => {
                        assert_eq!(transition.status, to, "{command:?} from {from}");
                        assert_eq!(transition.event.from_status, Some(*from));
                        assert_eq!(transition.event.to_status, to);
                    }
                    (None, Err(Error::FailedPrecondition(message))) => {
                        assert!(
                            message.contains(&from.label()),
                            "{command:?} from {from}: message does not name the status: {message}"
                        );
                        assert!(message.contains(case.reference.as_str()), "{message}");
                    }
                    (expected, got) => {
                        panic!("{command:?} from {from}: expected {expected:?}, got {got:?}")
                    }
                }
            }
        }
    }

    #[test]
    fn taking_assigns_the_agent_and_a_second_take_names_the_first_agent() {
        let now = Timestamp::now();
        let submitted = case(Status::Submitted);
        let awa = actor();
        let transition = apply(&submitted, &awa, Command::Take, now).unwrap();
        assert_eq!(transition.assignee, Some(awa.account.clone()));
        assert_eq!(transition.event.kind, EventKind::Taken);
        let taken = transition.applied_to(&submitted, now);
        let err = apply(&taken, &actor(), Command::Take, now).unwrap_err();
        assert!(
            matches!(&err, Error::FailedPrecondition(m) if m.contains("IN_PROGRESS") && m.contains("Awa")),
            "{err}"
        );
    }

    #[test]
    fn a_partner_reply_ends_the_wait() {
        let now = Timestamp::now();
        let waiting = case(Status::WaitingOnPartner);
        let t = apply(
            &waiting,
            &actor(),
            Command::PartnerMessage {
                body: "ci-joint".into(),
            },
            now,
        )
        .unwrap();
        assert_eq!(
            (t.status, t.event.kind),
            (Status::InProgress, EventKind::PartnerReplied)
        );
        let message = t.message.unwrap();
        assert_eq!(
            (message.kind, message.body.as_str()),
            (MessageKind::PartnerMessage, "ci-joint")
        );
        assert_eq!(
            t.event.message,
            Some((message.id, MessageKind::PartnerMessage))
        );
    }

    #[test]
    fn a_transfer_changes_the_fund_and_returns_the_case_to_its_queue() {
        let now = Timestamp::now();
        let in_progress = case(Status::InProgress);
        let target = org("CPAM de Seine-Saint-Denis");
        let t = apply(
            &in_progress,
            &actor(),
            Command::Transfer {
                to: target.clone(),
                reason: "domicile en 93".into(),
            },
            now,
        )
        .unwrap();
        assert_eq!(t.handler, target);
        assert_eq!(t.assignee, None);
        assert_eq!(t.event.from_organisation, Some(in_progress.handler.clone()));
        assert_eq!(t.event.to_organisation, Some(target));
        assert_eq!(t.event.reason.as_deref(), Some("domicile en 93"));

        let same = Command::Transfer {
            to: in_progress.handler.clone(),
            reason: "x".into(),
        };
        let err = apply(&in_progress, &actor(), same, now).unwrap_err();
        assert!(matches!(err, Error::Invalid(v) if v.has("handler_organisation_id")));
    }

    #[test]
    fn resolving_records_the_outcome_and_reopening_clears_it() {
        let now = Timestamp::now();
        let in_progress = case(Status::InProgress);
        let t = apply(
            &in_progress,
            &actor(),
            Command::Resolve {
                outcome: Outcome::RightsOpened,
                answer: "ouverts".into(),
            },
            now,
        )
        .unwrap();
        assert_eq!(
            t.resolution,
            Some(Resolution {
                outcome: Outcome::RightsOpened,
                at: now
            })
        );
        assert_eq!(
            t.message.as_ref().map(|m| m.kind),
            Some(MessageKind::Resolution)
        );
        let resolved = t.applied_to(&in_progress, now);
        let closed = apply(
            &resolved,
            &actor(),
            Command::Close {
                usefulness: Usefulness::Unsure,
            },
            now,
        )
        .unwrap()
        .applied_to(&resolved, now);
        assert_eq!(closed.usefulness, Some(Usefulness::Unsure));
        let reopened = apply(
            &closed,
            &actor(),
            Command::Reopen {
                reason: "toujours rien".into(),
            },
            now,
        )
        .unwrap();
        assert_eq!(
            (reopened.status, reopened.resolution, reopened.usefulness),
            (Status::InProgress, None, None)
        );
        assert_eq!(
            reopened.assignee, closed.assignee,
            "the agent who answered keeps the case"
        );
    }

    #[test]
    fn command_input_is_validated() {
        assert!(matches!(
            Command::message(true, true, "x"),
            Err(Error::PermissionDenied(_))
        ));
        assert!(
            matches!(Command::message(false, false, "  "), Err(Error::Invalid(v)) if v.has("body"))
        );
        assert!(matches!(
            Command::message(false, true, "ok"),
            Ok(Command::InternalNote { .. })
        ));
        let err = Command::resolve(None, "").unwrap_err();
        assert!(matches!(err, Error::Invalid(v) if v.has("outcome") && v.has("answer")));
        assert!(matches!(Command::close(None), Err(Error::Invalid(v)) if v.has("usefulness")));
        assert!(matches!(Command::reopen(""), Err(Error::Invalid(v)) if v.has("reason")));
        assert!(
            matches!(Command::withdraw(&"x".repeat(2001)), Err(Error::Invalid(v)) if v.has("reason"))
        );
    }

    proptest! {
        /// Whatever sequence of commands is attempted, the case only ever
        /// moves along the table, and a refused command changes nothing.
        #[test]
        fn random_command_sequences_stay_on_the_table(choices in proptest::collection::vec(0usize..10, 1..40)) {
            let now = Timestamp::now();
            let commands = every_command();
            let mut current = case(Status::Submitted);
            for choice in choices {
                let command = commands[choice].clone();
                let before = current.clone();
                match apply(&current, &actor(), command.clone(), now) {
                    Ok(t) => {
                        prop_assert_eq!(Some(t.status), expected(&command, before.status));
                        current = t.applied_to(&before, now);
                        if matches!(current.status, Status::InProgress | Status::WaitingOnPartner | Status::Resolved) {
                            prop_assert!(current.assignee.is_some(), "{:?} without an assignee", current.status);
                        }
                        prop_assert_eq!(current.resolution.is_some(), matches!(current.status, Status::Resolved | Status::Closed));
                    }
                    Err(Error::Invalid(v)) => {
                        // Transferring twice to the same fund: the second names the current one.
                        let same_fund = matches!(&command, Command::Transfer { to, .. } if to.id == before.handler.id);
                        prop_assert!(same_fund, "unexpected violation for {:?}", command);
                        prop_assert!(v.has("handler_organisation_id"));
                    }
                    Err(_) => prop_assert_eq!(expected(&command, before.status), None),
                }
            }
        }
    }
}
