//! The one place that decides what a caller may do and see: every action of
//! the API, for every role, by how the caller's organisation relates to the
//! case concerned.
//!
//! - A partner acts on the cases its organisation submitted.
//! - An agent or supervisor acts on the cases its organisation handles; a
//!   fund that transferred a case away may still look it up, without the
//!   beneficiary's data.
//! - An administrator manages organisations, accounts, credentials, policies
//!   and calendars, and sees cases only with every piece of beneficiary data
//!   withheld.
//! - An auditor reads the audit trail, and nothing else.
//!
//! A case the caller has no relation to is "not found", so that its
//! existence is not disclosed. What a role may never do is refused before
//! any case is looked up, which discloses nothing either.

use relais_core::{
    Error,
    case::{Case, CaseEvent, Command, EventKind, Message},
    org::{OrganisationId, OrganisationKind, Role},
};
use relais_proto::convert::CaseView;

use super::Principal;
use crate::store::CaseScope;

/// Declares the actions with the RPC each is asked with, so that the list of
/// actions, [`Action::ALL`] and [`Action::rpc`] cannot disagree.
macro_rules! actions {
    ($($(#[$doc:meta])* $action:ident => $rpc:literal,)*) => {
        /// Everything a caller can ask the API for: one action per RPC, two
        /// where an RPC does two different things.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action {
            $($(#[$doc])* $action,)*
        }

        impl Action {
            pub const ALL: &[Action] = &[$(Action::$action,)*];

            /// The RPC this action is asked with, as gRPC names it.
            pub const fn rpc(self) -> &'static str {
                match self {
                    $(Action::$action => $rpc,)*
                }
            }
        }
    };
}

actions! {
    SubmitCase => "/relais.v1.CaseService/SubmitCase",
    GetCase => "/relais.v1.CaseService/GetCase",
    ListCases => "/relais.v1.CaseService/ListCases",
    /// A message the other side reads.
    PostMessage => "/relais.v1.CaseService/PostMessage",
    /// An internal note of the handling organisation.
    PostInternalNote => "/relais.v1.CaseService/PostMessage",
    TakeCase => "/relais.v1.CaseService/TakeCase",
    RequestInformation => "/relais.v1.CaseService/RequestInformation",
    ResolveCase => "/relais.v1.CaseService/ResolveCase",
    CloseCase => "/relais.v1.CaseService/CloseCase",
    ReopenCase => "/relais.v1.CaseService/ReopenCase",
    TransferCase => "/relais.v1.CaseService/TransferCase",
    WithdrawCase => "/relais.v1.CaseService/WithdrawCase",
    WatchCases => "/relais.v1.CaseService/WatchCases",
    CreateOrganisation => "/relais.v1.AdminService/CreateOrganisation",
    ListOrganisations => "/relais.v1.AdminService/ListOrganisations",
    CreateAccount => "/relais.v1.AdminService/CreateAccount",
    ListAccounts => "/relais.v1.AdminService/ListAccounts",
    DisableAccount => "/relais.v1.AdminService/DisableAccount",
    IssueToken => "/relais.v1.AdminService/IssueToken",
    ListTokens => "/relais.v1.AdminService/ListTokens",
    RevokeToken => "/relais.v1.AdminService/RevokeToken",
    RotateToken => "/relais.v1.AdminService/RotateToken",
    BindCertificate => "/relais.v1.AdminService/BindCertificate",
    ListCertificates => "/relais.v1.AdminService/ListCertificates",
    UnbindCertificate => "/relais.v1.AdminService/UnbindCertificate",
    WhoAmI => "/relais.v1.AdminService/WhoAmI",
    SetSlaPolicy => "/relais.v1.AdminService/SetSlaPolicy",
    ListSlaPolicies => "/relais.v1.AdminService/ListSlaPolicies",
    SetOrganisationCalendar => "/relais.v1.AdminService/SetOrganisationCalendar",
    GetOrganisationCalendar => "/relais.v1.AdminService/GetOrganisationCalendar",
    GetReport => "/relais.v1.SlaService/GetReport",
    ListAuditEntries => "/relais.v1.AuditService/ListAuditEntries",
    /// Prefectures only: see [`authorize_action`].
    UploadAffiliations => "/relais.v1.BatchService/UploadAffiliations",
    ListBatches => "/relais.v1.BatchService/ListBatches",
    GetBatch => "/relais.v1.BatchService/GetBatch",
}

impl Action {
    /// Whether the action concerns one case, so that the caller's relation
    /// to it matters.
    pub const fn on_a_case(self) -> bool {
        use Action::*;
        matches!(
            self,
            GetCase
                | PostMessage
                | PostInternalNote
                | TakeCase
                | RequestInformation
                | ResolveCase
                | CloseCase
                | ReopenCase
                | TransferCase
                | WithdrawCase
        )
    }

    /// Whether the action changes something (and so is always audited).
    pub const fn changes(self) -> bool {
        use Action::*;
        !matches!(
            self,
            GetCase
                | ListCases
                | WatchCases
                | ListOrganisations
                | ListAccounts
                | ListTokens
                | ListCertificates
                | WhoAmI
                | ListSlaPolicies
                | GetOrganisationCalendar
                | GetReport
                | ListAuditEntries
                | ListBatches
                | GetBatch
        )
    }

    pub fn of(command: &Command) -> Action {
        match command {
            Command::Take => Action::TakeCase,
            Command::PartnerMessage { .. } | Command::AgentReply { .. } => Action::PostMessage,
            Command::InternalNote { .. } => Action::PostInternalNote,
            Command::RequestInformation { .. } => Action::RequestInformation,
            Command::Resolve { .. } => Action::ResolveCase,
            Command::Close { .. } => Action::CloseCase,
            Command::Reopen { .. } => Action::ReopenCase,
            Command::Transfer { .. } => Action::TransferCase,
            Command::Withdraw { .. } => Action::WithdrawCase,
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
    /// The caller's organisation handled the case and transferred it away.
    TransferredFrom,
    None,
}

impl Relation {
    pub const ALL: [Relation; 4] = [
        Relation::Submitter,
        Relation::Handler,
        Relation::TransferredFrom,
        Relation::None,
    ];
}

/// What of a case a caller may receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sight {
    /// Everything, beneficiary data included (the NIR subject to the
    /// organisation's entitlement).
    Full,
    /// The case's course, without any beneficiary data, description, message
    /// or reason.
    Redacted,
}

/// The decision on one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow(Sight),
    /// Answered as if the case did not exist.
    NotFound,
    /// The role may never do this.
    Forbidden(&'static str),
}

const PARTNERS_ONLY: &str = "only partner accounts (partner_agent, partner_system) do this";
const FUNDS_ONLY: &str = "only the handling organisation's agents do this";
const ADMINISTRATORS_ONLY: &str = "reserved to administrators";
const AUDITORS_ONLY: &str = "reserved to auditors";
const NOT_FOR_ADMINISTRATORS: &str =
    "administrators manage organisations and accounts; they do not act on cases";
const AUDITORS_READ_THE_TRAIL: &str = "auditors read the audit trail, and nothing else";
const PREFECTURES_ONLY: &str = "only prefectures' partner accounts send affiliation files";

/// The table: role × action × relation. `relation` is ignored for actions
/// that do not concern one case.
pub fn decide(role: Role, action: Action, relation: Relation) -> Decision {
    use Action::*;
    use Decision::*;
    let on_case = |allowed: &[Relation], sight: Sight| {
        if allowed.contains(&relation) {
            Allow(sight)
        } else {
            NotFound
        }
    };
    match role {
        Role::PartnerAgent | Role::PartnerSystem => match action {
            SubmitCase
            | ListCases
            | WatchCases
            | ListOrganisations
            | WhoAmI
            | ListSlaPolicies
            | GetOrganisationCalendar
            | GetReport
            | UploadAffiliations
            | ListBatches
            | GetBatch => Allow(Sight::Full),
            GetCase | PostMessage | CloseCase | ReopenCase | WithdrawCase => {
                on_case(&[Relation::Submitter], Sight::Full)
            }
            PostInternalNote | TakeCase | RequestInformation | ResolveCase | TransferCase => {
                Forbidden(FUNDS_ONLY)
            }
            ListAuditEntries => Forbidden(AUDITORS_ONLY),
            _ => Forbidden(ADMINISTRATORS_ONLY),
        },
        Role::CaisseAgent | Role::Supervisor => match action {
            ListCases
            | WatchCases
            | ListOrganisations
            | WhoAmI
            | ListSlaPolicies
            | GetOrganisationCalendar
            | GetReport => Allow(Sight::Full),
            GetCase => match relation {
                Relation::Handler => Allow(Sight::Full),
                Relation::TransferredFrom => Allow(Sight::Redacted),
                _ => NotFound,
            },
            PostMessage | PostInternalNote | TakeCase | RequestInformation | ResolveCase
            | ReopenCase | TransferCase => on_case(&[Relation::Handler], Sight::Full),
            SubmitCase | CloseCase | WithdrawCase => Forbidden(PARTNERS_ONLY),
            UploadAffiliations | ListBatches | GetBatch => Forbidden(PREFECTURES_ONLY),
            ListAuditEntries => Forbidden(AUDITORS_ONLY),
            _ => Forbidden(ADMINISTRATORS_ONLY),
        },
        Role::Admin => match action {
            GetCase | ListCases | WatchCases => Allow(Sight::Redacted),
            CreateOrganisation
            | ListOrganisations
            | CreateAccount
            | ListAccounts
            | DisableAccount
            | IssueToken
            | ListTokens
            | RevokeToken
            | RotateToken
            | BindCertificate
            | ListCertificates
            | UnbindCertificate
            | WhoAmI
            | SetSlaPolicy
            | ListSlaPolicies
            | SetOrganisationCalendar
            | GetOrganisationCalendar
            | GetReport => Allow(Sight::Redacted),
            ListAuditEntries => Forbidden(AUDITORS_ONLY),
            SubmitCase | PostMessage | PostInternalNote | TakeCase | RequestInformation
            | ResolveCase | CloseCase | ReopenCase | TransferCase | WithdrawCase
            | UploadAffiliations | ListBatches | GetBatch => Forbidden(NOT_FOR_ADMINISTRATORS),
        },
        Role::Auditor => match action {
            ListAuditEntries | WhoAmI => Allow(Sight::Redacted),
            _ => Forbidden(AUDITORS_READ_THE_TRAIL),
        },
    }
}

/// Refuses, before any case is looked up, what the caller's role may never
/// do; the reason is the same whatever the case, so it discloses nothing.
pub fn precheck(principal: &Principal, action: Action) -> Result<(), Error> {
    let never = Relation::ALL
        .iter()
        .map(|relation| decide(principal.role, action, *relation))
        .find_map(|decision| match decision {
            Decision::Forbidden(reason) => Some(reason),
            _ => None,
        });
    match never {
        Some(reason) => Err(Error::PermissionDenied(reason.to_owned())),
        None => Ok(()),
    }
}

/// How the caller relates to a case; `transferred_from` tells whether the
/// caller's organisation handled it before a transfer.
pub fn relation(principal: &Principal, case: &Case, transferred_from: bool) -> Relation {
    let org = principal.organisation.id;
    if principal.role.is_partner() && case.submitter.id == org {
        Relation::Submitter
    } else if principal.role.is_caisse() && case.handler.id == org {
        Relation::Handler
    } else if principal.role.is_caisse() && transferred_from {
        Relation::TransferredFrom
    } else {
        Relation::None
    }
}

/// Whether the relation to a case could depend on its past handlers (worth
/// looking them up).
pub fn may_have_handled(principal: &Principal, case: &Case) -> bool {
    principal.role.is_caisse() && case.handler.id != principal.organisation.id
}

/// What the caller receives of a case it may see that way.
pub fn view(principal: &Principal, sight: Sight) -> CaseView {
    match sight {
        Sight::Redacted => CaseView::REDACTED,
        Sight::Full => CaseView {
            beneficiary_data: true,
            nir: principal.organisation_kind.may_process_nir(),
        },
    }
}

/// May the caller do `action` to `case`, related to it by `relation`?
/// Returns what it may see of it.
pub fn authorize(
    principal: &Principal,
    action: Action,
    case: &Case,
    relation: Relation,
) -> Result<CaseView, Error> {
    match decide(principal.role, action, relation) {
        Decision::Allow(sight) => Ok(view(principal, sight)),
        Decision::NotFound => Err(Error::NotFound(format!("case {}", case.reference))),
        Decision::Forbidden(reason) => Err(Error::PermissionDenied(reason.to_owned())),
    }
}

/// May the caller do an action that concerns no particular case? Returns
/// what it may see of the cases the action shows.
pub fn authorize_action(principal: &Principal, action: Action) -> Result<CaseView, Error> {
    let batches = matches!(
        action,
        Action::UploadAffiliations | Action::ListBatches | Action::GetBatch
    );
    // The one rule that depends on the kind of organisation, not the role:
    // affiliation files come from prefectures' foreigners' offices.
    if batches && principal.organisation_kind != OrganisationKind::Prefecture {
        return Err(Error::PermissionDenied(PREFECTURES_ONLY.to_owned()));
    }
    match decide(principal.role, action, Relation::None) {
        Decision::Allow(sight) => Ok(view(principal, sight)),
        Decision::NotFound => Err(Error::NotFound("nothing".to_owned())),
        Decision::Forbidden(reason) => Err(Error::PermissionDenied(reason.to_owned())),
    }
}

/// The cases a caller may list or report on.
pub fn list_scope(principal: &Principal) -> CaseScope {
    match principal.role {
        Role::Admin | Role::Auditor => CaseScope::All,
        Role::PartnerAgent | Role::PartnerSystem => {
            CaseScope::SubmittedBy(principal.organisation.id)
        }
        Role::CaisseAgent | Role::Supervisor => CaseScope::HandledBy(principal.organisation.id),
    }
}

/// What a fund that transferred a case away sees of it: the case as it was
/// when the fund let it go, and its history up to that transfer, not what
/// the new fund has done with it since. `None` when the fund never
/// transferred it (it then has no business seeing it at all).
pub fn as_left_by(
    organisation: OrganisationId,
    case: &Case,
    mut history: Vec<CaseEvent>,
) -> Option<(Case, Vec<CaseEvent>)> {
    let departure = history.iter().rposition(|event| {
        event.kind == EventKind::Transferred
            && event
                .from_organisation
                .as_ref()
                .is_some_and(|from| from.id == organisation)
    })?;
    history.truncate(departure + 1);
    let transfer = &history[departure];
    let as_left = Case {
        status: transfer.to_status,
        handler: transfer.to_organisation.clone()?,
        // A transfer leaves the case in the new fund's queue, unassigned,
        // unresolved; its promises from then on are the new fund's business.
        assignee: None,
        resolution: None,
        usefulness: None,
        sla: None,
        updated_at: transfer.at,
        ..case.clone()
    };
    Some((as_left, history))
}

/// Whether the caller is told of the cases another partner filed about
/// what may be the same person: the handling fund's agents only, who can
/// merge or close one; never the partner, who may not learn of the other.
pub fn may_see_possible_duplicates(principal: &Principal, relation: Relation) -> bool {
    principal.role.is_caisse() && relation == Relation::Handler
}

/// Whether a message of a case the caller may read in full is shown to it.
pub fn may_read_message(principal: &Principal, message: &Message) -> bool {
    !(principal.role.is_partner() && message.kind.is_internal())
}

/// Whether an entry of the history of a case the caller may read is shown:
/// partners do not see that internal notes were written.
pub fn may_read_history(principal: &Principal, event: &CaseEvent) -> bool {
    !(principal.role.is_partner() && event.is_internal())
}

/// Whether a watcher receives an event, and what of it. The previous handler
/// of a transferred case sees the transfer itself, nothing after.
pub fn event_view(principal: &Principal, event: &CaseEvent) -> Option<CaseView> {
    let org: OrganisationId = principal.organisation.id;
    let visible = match principal.role {
        Role::Admin => true,
        Role::Auditor => false,
        Role::PartnerAgent | Role::PartnerSystem => event.submitter == org && !event.is_internal(),
        Role::CaisseAgent | Role::Supervisor => {
            event.handler == org
                || event
                    .from_organisation
                    .as_ref()
                    .is_some_and(|from| from.id == org)
        }
    };
    let sight = if principal.role == Role::Admin {
        Sight::Redacted
    } else {
        Sight::Full
    };
    visible.then(|| view(principal, sight))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use prost::Message as _;

    use super::*;

    /// What each role may do, action by action — the policy written out once
    /// more, as a table a reader can check against the brief:
    ///
    /// - `deny`: never (PERMISSION_DENIED, whatever the case);
    /// - `any` / `redacted`: always, with full / redacted sight;
    /// - `submitter`, `handler`: only on a case the organisation submitted /
    ///   handles (NOT_FOUND otherwise);
    /// - `handler+past`: as `handler`, and redacted for the fund that
    ///   transferred the case away.
    const ROLES: [Role; 6] = [
        Role::PartnerAgent,
        Role::PartnerSystem,
        Role::CaisseAgent,
        Role::Supervisor,
        Role::Admin,
        Role::Auditor,
    ];
    #[rustfmt::skip]
    const TABLE: &[(Action, [&str; 6])] = &[
        //                                  partner_agent  partner_system  caisse_agent    supervisor      admin       auditor
        (Action::SubmitCase,               ["any",         "any",          "deny",         "deny",         "deny",     "deny"]),
        (Action::GetCase,                  ["submitter",   "submitter",    "handler+past", "handler+past", "redacted", "deny"]),
        (Action::ListCases,                ["any",         "any",          "any",          "any",          "redacted", "deny"]),
        (Action::PostMessage,              ["submitter",   "submitter",    "handler",      "handler",      "deny",     "deny"]),
        (Action::PostInternalNote,         ["deny",        "deny",         "handler",      "handler",      "deny",     "deny"]),
        (Action::TakeCase,                 ["deny",        "deny",         "handler",      "handler",      "deny",     "deny"]),
        (Action::RequestInformation,       ["deny",        "deny",         "handler",      "handler",      "deny",     "deny"]),
        (Action::ResolveCase,              ["deny",        "deny",         "handler",      "handler",      "deny",     "deny"]),
        (Action::CloseCase,                ["submitter",   "submitter",    "deny",         "deny",         "deny",     "deny"]),
        (Action::ReopenCase,               ["submitter",   "submitter",    "handler",      "handler",      "deny",     "deny"]),
        (Action::TransferCase,             ["deny",        "deny",         "handler",      "handler",      "deny",     "deny"]),
        (Action::WithdrawCase,             ["submitter",   "submitter",    "deny",         "deny",         "deny",     "deny"]),
        (Action::WatchCases,               ["any",         "any",          "any",          "any",          "redacted", "deny"]),
        (Action::CreateOrganisation,       ["deny",        "deny",         "deny",         "deny",         "redacted", "deny"]),
        (Action::ListOrganisations,        ["any",         "any",          "any",          "any",          "redacted", "deny"]),
        (Action::CreateAccount,            ["deny",        "deny",         "deny",         "deny",         "redacted", "deny"]),
        (Action::ListAccounts,             ["deny",        "deny",         "deny",         "deny",         "redacted", "deny"]),
        (Action::DisableAccount,           ["deny",        "deny",         "deny",         "deny",         "redacted", "deny"]),
        (Action::IssueToken,               ["deny",        "deny",         "deny",         "deny",         "redacted", "deny"]),
        (Action::ListTokens,               ["deny",        "deny",         "deny",         "deny",         "redacted", "deny"]),
        (Action::RevokeToken,              ["deny",        "deny",         "deny",         "deny",         "redacted", "deny"]),
        (Action::RotateToken,              ["deny",        "deny",         "deny",         "deny",         "redacted", "deny"]),
        (Action::BindCertificate,          ["deny",        "deny",         "deny",         "deny",         "redacted", "deny"]),
        (Action::ListCertificates,         ["deny",        "deny",         "deny",         "deny",         "redacted", "deny"]),
        (Action::UnbindCertificate,        ["deny",        "deny",         "deny",         "deny",         "redacted", "deny"]),
        (Action::WhoAmI,                   ["any",         "any",          "any",          "any",          "redacted", "redacted"]),
        (Action::SetSlaPolicy,             ["deny",        "deny",         "deny",         "deny",         "redacted", "deny"]),
        (Action::ListSlaPolicies,          ["any",         "any",          "any",          "any",          "redacted", "deny"]),
        (Action::SetOrganisationCalendar,  ["deny",        "deny",         "deny",         "deny",         "redacted", "deny"]),
        (Action::GetOrganisationCalendar,  ["any",         "any",          "any",          "any",          "redacted", "deny"]),
        (Action::GetReport,                ["any",         "any",          "any",          "any",          "redacted", "deny"]),
        (Action::UploadAffiliations,       ["any",         "any",          "deny",         "deny",         "deny",     "deny"]),
        (Action::ListBatches,              ["any",         "any",          "deny",         "deny",         "deny",     "deny"]),
        (Action::GetBatch,                 ["any",         "any",          "deny",         "deny",         "deny",     "deny"]),
        (Action::ListAuditEntries,         ["deny",        "deny",         "deny",         "deny",         "deny",     "redacted"]),
    ];

    fn expected(cell: &str, relation: Relation) -> Decision {
        use Decision::*;
        let only = |wanted: Relation| {
            if relation == wanted {
                Allow(Sight::Full)
            } else {
                NotFound
            }
        };
        match cell {
            "any" => Allow(Sight::Full),
            "redacted" => Allow(Sight::Redacted),
            "submitter" => only(Relation::Submitter),
            "handler" => only(Relation::Handler),
            "handler+past" => match relation {
                Relation::Handler => Allow(Sight::Full),
                Relation::TransferredFrom => Allow(Sight::Redacted),
                _ => NotFound,
            },
            "deny" => Forbidden(""),
            other => panic!("unknown cell {other:?}"),
        }
    }

    /// Every RPC of every `relais.v1` service, as gRPC names them.
    fn rpcs_of_the_api() -> BTreeSet<String> {
        let set = pbjson_types::FileDescriptorSet::decode(relais_proto::FILE_DESCRIPTOR_SET)
            .expect("the API's descriptor set decodes");
        set.file
            .iter()
            .filter(|file| file.package() == "relais.v1")
            .flat_map(|file| {
                file.service.iter().flat_map(move |service| {
                    service.method.iter().map(move |method| {
                        format!("/{}.{}/{}", file.package(), service.name(), method.name())
                    })
                })
            })
            .collect()
    }

    #[test]
    fn every_rpc_of_the_api_has_its_actions_and_every_action_its_rpc() {
        let api = rpcs_of_the_api();
        let covered: BTreeSet<String> = Action::ALL.iter().map(|a| a.rpc().to_owned()).collect();
        let missing: Vec<&String> = api.difference(&covered).collect();
        assert!(missing.is_empty(), "RPCs without a policy: {missing:?}");
        let unknown: Vec<&String> = covered.difference(&api).collect();
        assert!(
            unknown.is_empty(),
            "policy actions naming no RPC: {unknown:?}"
        );
    }

    #[test]
    fn every_action_role_and_relation_is_decided_as_the_table_says() {
        let rows: BTreeSet<String> = TABLE.iter().map(|(a, _)| format!("{a:?}")).collect();
        for &action in Action::ALL {
            assert!(
                rows.contains(&format!("{action:?}")),
                "{action:?} has no row in the table"
            );
        }
        assert_eq!(rows.len(), Action::ALL.len(), "a row per action, once");
        for (action, cells) in TABLE {
            for (role, cell) in ROLES.iter().zip(cells) {
                for relation in Relation::ALL {
                    let got = decide(*role, *action, relation);
                    let want = expected(cell, relation);
                    let same = match (got, want) {
                        (Decision::Forbidden(reason), Decision::Forbidden(_)) => !reason.is_empty(),
                        (got, want) => got == want,
                    };
                    assert!(
                        same,
                        "{action:?} by a {role} ({relation:?}): got {got:?}, the table says {cell}"
                    );
                }
            }
        }
    }

    #[test]
    fn only_actions_on_a_case_depend_on_the_relation() {
        for &action in Action::ALL {
            for role in ROLES {
                let decisions: BTreeSet<String> = Relation::ALL
                    .iter()
                    .map(|relation| format!("{:?}", decide(role, action, *relation)))
                    .collect();
                if !action.on_a_case() {
                    assert_eq!(
                        decisions.len(),
                        1,
                        "{action:?} by a {role} depends on a case"
                    );
                }
            }
        }
    }
}
