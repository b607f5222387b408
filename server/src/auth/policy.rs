//! The one place that decides what a caller may do and see.
//!
//! A partner acts on the cases its organisation submitted; an agent or
//! supervisor on the cases its organisation handles; an administrator manages
//! organisations and accounts and may look at cases only with every piece of
//! beneficiary data withheld. A case the caller has no relation to is "not
//! found", so that its existence is not disclosed.

use relais_core::{
    Error,
    case::{Case, CaseEvent, Command, Message},
    org::Role,
};
use relais_proto::convert::CaseView;

use super::Principal;
use crate::store::CaseScope;

/// What a caller does with a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseAction {
    Read,
    PartnerMessage,
    AgentReply,
    InternalNote,
    Take,
    RequestInformation,
    Resolve,
    Close,
    Reopen,
    Transfer,
    Withdraw,
}

impl CaseAction {
    pub fn of(command: &Command) -> CaseAction {
        match command {
            Command::Take => CaseAction::Take,
            Command::PartnerMessage { .. } => CaseAction::PartnerMessage,
            Command::AgentReply { .. } => CaseAction::AgentReply,
            Command::InternalNote { .. } => CaseAction::InternalNote,
            Command::RequestInformation { .. } => CaseAction::RequestInformation,
            Command::Resolve { .. } => CaseAction::Resolve,
            Command::Close { .. } => CaseAction::Close,
            Command::Reopen { .. } => CaseAction::Reopen,
            Command::Transfer { .. } => CaseAction::Transfer,
            Command::Withdraw { .. } => CaseAction::Withdraw,
        }
    }
}

/// How the caller's organisation relates to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    /// The caller's organisation submitted the case.
    Submitter,
    /// The caller's organisation handles the case.
    Handler,
    Unrelated,
}

pub fn relation(principal: &Principal, case: &Case) -> Relation {
    let org = principal.organisation.id;
    if principal.role.is_partner() && case.submitter.id == org {
        Relation::Submitter
    } else if principal.role.is_caisse() && case.handler.id == org {
        Relation::Handler
    } else {
        Relation::Unrelated
    }
}

/// The decision for one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Answered as if the case did not exist.
    NotFound,
    Forbidden(&'static str),
}

/// The rule table: role × action × relation.
pub fn decide(role: Role, action: CaseAction, relation: Relation) -> Decision {
    use CaseAction::*;
    match (role, relation) {
        (Role::Admin, _) => match action {
            Read => Decision::Allow,
            _ => Decision::Forbidden(
                "administrators manage organisations and accounts; they do not act on cases",
            ),
        },
        (Role::PartnerAgent | Role::PartnerSystem, Relation::Submitter) => match action {
            Read | PartnerMessage | Close | Reopen | Withdraw => Decision::Allow,
            InternalNote => Decision::Forbidden("internal notes are for the handling organisation"),
            AgentReply | Take | RequestInformation | Resolve | Transfer => {
                Decision::Forbidden("only the handling organisation's agents may do this")
            }
        },
        (Role::CaisseAgent | Role::Supervisor, Relation::Handler) => match action {
            Read | AgentReply | InternalNote | Take | RequestInformation | Resolve | Reopen
            | Transfer => Decision::Allow,
            PartnerMessage | Close | Withdraw => {
                Decision::Forbidden("only the partner that submitted the case may do this")
            }
        },
        _ => Decision::NotFound,
    }
}

/// What of a case this caller may receive.
pub fn view(principal: &Principal) -> CaseView {
    match principal.role {
        Role::Admin => CaseView::REDACTED,
        _ => CaseView {
            beneficiary_data: true,
            nir: principal.organisation_kind.may_process_nir(),
        },
    }
}

/// May the caller do `action` to `case`? Returns what it may see of it.
pub fn authorize(
    principal: &Principal,
    action: CaseAction,
    case: &Case,
) -> Result<CaseView, Error> {
    match decide(principal.role, action, relation(principal, case)) {
        Decision::Allow => Ok(view(principal)),
        Decision::NotFound => Err(Error::NotFound(format!("case {}", case.reference))),
        Decision::Forbidden(reason) => Err(Error::PermissionDenied(reason.to_owned())),
    }
}

pub fn may_submit(principal: &Principal) -> Result<(), Error> {
    if principal.role.is_partner() {
        Ok(())
    } else {
        Err(Error::PermissionDenied(
            "only partner accounts (partner_agent, partner_system) submit cases".to_owned(),
        ))
    }
}

pub fn may_administer(principal: &Principal) -> Result<(), Error> {
    if principal.role == Role::Admin {
        Ok(())
    } else {
        Err(Error::PermissionDenied(
            "reserved to administrators".to_owned(),
        ))
    }
}

/// The cases a caller may list.
pub fn list_scope(principal: &Principal) -> CaseScope {
    match principal.role {
        Role::Admin => CaseScope::All,
        Role::PartnerAgent | Role::PartnerSystem => {
            CaseScope::SubmittedBy(principal.organisation.id)
        }
        Role::CaisseAgent | Role::Supervisor => CaseScope::HandledBy(principal.organisation.id),
    }
}

/// Whether a message of a case the caller may read is shown to it.
pub fn may_read_message(principal: &Principal, message: &Message) -> bool {
    match principal.role {
        Role::Admin => false,
        Role::PartnerAgent | Role::PartnerSystem => !message.kind.is_internal(),
        Role::CaisseAgent | Role::Supervisor => true,
    }
}

/// Whether an entry of the history of a case the caller may read is shown:
/// partners do not see that internal notes were written.
pub fn may_read_history(principal: &Principal, event: &CaseEvent) -> bool {
    !(principal.role.is_partner() && event.is_internal())
}

/// Whether a watcher receives an event, and what of it. The previous handler
/// of a transferred case sees the transfer itself, nothing after.
pub fn event_view(principal: &Principal, event: &CaseEvent) -> Option<CaseView> {
    let org = principal.organisation.id;
    let visible = match principal.role {
        Role::Admin => true,
        Role::PartnerAgent | Role::PartnerSystem => event.submitter == org && !event.is_internal(),
        Role::CaisseAgent | Role::Supervisor => {
            event.handler == org
                || event
                    .from_organisation
                    .as_ref()
                    .is_some_and(|from| from.id == org)
        }
    };
    visible.then(|| view(principal))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unrelated_callers_are_told_not_found_for_every_action() {
        let actions = [
            CaseAction::Read,
            CaseAction::PartnerMessage,
            CaseAction::Take,
            CaseAction::Resolve,
            CaseAction::Withdraw,
        ];
        for role in [
            Role::PartnerAgent,
            Role::PartnerSystem,
            Role::CaisseAgent,
            Role::Supervisor,
        ] {
            for action in actions {
                assert_eq!(
                    decide(role, action, Relation::Unrelated),
                    Decision::NotFound,
                    "{role} {action:?}"
                );
            }
        }
    }

    #[test]
    fn each_side_does_its_own_part() {
        assert_eq!(
            decide(Role::PartnerAgent, CaseAction::Close, Relation::Submitter),
            Decision::Allow
        );
        assert!(matches!(
            decide(Role::PartnerAgent, CaseAction::Take, Relation::Submitter),
            Decision::Forbidden(_)
        ));
        assert_eq!(
            decide(Role::CaisseAgent, CaseAction::Take, Relation::Handler),
            Decision::Allow
        );
        assert!(matches!(
            decide(Role::Supervisor, CaseAction::Withdraw, Relation::Handler),
            Decision::Forbidden(_)
        ));
        assert_eq!(
            decide(Role::Admin, CaseAction::Read, Relation::Unrelated),
            Decision::Allow
        );
        assert!(matches!(
            decide(Role::Admin, CaseAction::Take, Relation::Unrelated),
            Decision::Forbidden(_)
        ));
    }
}
