//! Durable storage. Handlers see only the [`Store`] trait; each backend (the
//! embedded SQLite default, PostgreSQL for scale-out) implements it in its own
//! dialect. A method that returns `Ok` has committed and synced its change.

mod batch;
mod error;
mod page;
mod sqlite;

use std::future::Future;

use jiff::Timestamp;
use relais_core::{
    batch::BatchId,
    case::{
        Actor, Case, CaseEvent, CaseId, CaseKey, Category, Message, NewCase, PossibleDuplicate,
        Status, Transition,
    },
    ids::Departement,
    org::{
        Account, AccountId, AccountRef, NewAccount, NewOrganisation, OrgRef, Organisation,
        OrganisationId, OrganisationKind, TokenId,
    },
    request_id::RequestId,
    sla::{CalendarConfig, SlaPolicy, report::CaseFigures},
};

pub use batch::{Batch, BatchCounts, BatchHousehold, BatchRowResult, BatchRowStatus, NewBatch};
pub use error::{Cause, StoreError, StoreResult};
pub use page::{Page, PageRequest};
pub use sqlite::SqliteStore;

/// A bearer token about to be stored: its identifier, the hash of its
/// secret, and when it stops working.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub id: TokenId,
    pub secret_hash: [u8; 32],
    pub expires_at: Option<Timestamp>,
}

/// A stored token, without its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub id: TokenId,
    pub account: AccountRef,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
    /// For a rotated token: the token that replaced it.
    pub replaced_by: Option<TokenId>,
    /// Usable at the time it was read: not revoked, not expired, account enabled.
    pub active: bool,
}

/// How a caller proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    Token {
        id: TokenId,
        /// When the token was last seen, to record its use at most once a minute.
        last_used_at: Option<Timestamp>,
    },
    /// A client certificate, by the SHA-256 of its SubjectPublicKeyInfo.
    Certificate([u8; 32]),
}

/// Who a valid credential belongs to.
#[derive(Debug, Clone)]
pub struct CredentialOwner {
    pub credential: Credential,
    pub account: Account,
    pub organisation: Organisation,
}

/// A client certificate bound to an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateBinding {
    pub fingerprint: [u8; 32],
    pub account: AccountRef,
    pub created_at: Timestamp,
}

/// One line of the audit trail, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: Timestamp,
    pub account: Option<AccountRef>,
    pub organisation: Option<OrgRef>,
    /// `relais.v1.CaseService/GetCase`.
    pub rpc: String,
    pub case_id: Option<CaseId>,
    pub case_reference: Option<String>,
    pub peer: Option<String>,
    /// `token:ID` or `certificate:FINGERPRINT`.
    pub credential: Option<String>,
    pub request_id: Option<String>,
    /// The gRPC status code's name.
    pub outcome: String,
}

/// Which audit entries to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub case_id: Option<CaseId>,
    pub case_reference: Option<String>,
    pub account: Option<AccountId>,
    pub since: Option<Timestamp>,
}

/// What a submission needs besides the validated case.
#[derive(Debug, Clone)]
pub struct Submission {
    pub request_id: RequestId,
    /// A hash of the request without its request id: a reused request id with
    /// different content is refused rather than silently answered.
    pub fingerprint: [u8; 32],
    pub case: NewCase,
    pub submitter: OrgRef,
    /// Routes the case when neither a fund nor the beneficiary's département is given.
    pub submitter_departement: Option<Departement>,
    pub submitted_by: AccountRef,
    pub now: Timestamp,
}

#[derive(Debug, Clone)]
pub struct Submitted {
    pub case: Case,
    /// The request id had already created this case: nothing new was stored.
    pub replayed: bool,
}

#[derive(Debug, Clone)]
pub struct Updated {
    pub case: Case,
    /// The message the change added, if any.
    pub message: Option<Message>,
    /// The request id had already made this change: nothing new was stored.
    pub replayed: bool,
}

/// Which cases a caller may list at all; the policy decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseScope {
    SubmittedBy(OrganisationId),
    HandledBy(OrganisationId),
    All,
}

#[derive(Debug, Clone)]
pub struct CaseFilter {
    pub scope: CaseScope,
    pub statuses: Vec<Status>,
    pub categories: Vec<Category>,
    pub handler: Option<OrganisationId>,
    pub submitter: Option<OrganisationId>,
    pub assignee: Option<AccountId>,
    /// Only cases whose pending promise was escalated.
    pub escalated: bool,
    /// Only cases whose pending promise is due before this instant.
    pub due_before: Option<Timestamp>,
    pub order: CaseOrder,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseOrder {
    OldestFirst,
    /// By the due instant of the pending promise; the others last.
    DueFirst,
}

/// The policy in force for one category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyEntry {
    pub category: Category,
    /// The fund it belongs to; `None` for a default policy.
    pub organisation: Option<OrganisationId>,
    pub policy: SlaPolicy,
    /// No policy was set: the built-in one applies.
    pub built_in: bool,
}

/// Which cases a report counts: received in [from, to), within a scope.
#[derive(Debug, Clone)]
pub struct ReportQuery {
    pub scope: CaseScope,
    pub from: Timestamp,
    pub to: Timestamp,
    pub grouping: relais_core::sla::report::Grouping,
}

#[derive(Debug, Clone, Default)]
pub struct OrganisationFilter {
    pub kind: Option<OrganisationKind>,
    pub departement: Option<Departement>,
}

/// The first administrator, created on an empty database.
#[derive(Debug, Clone)]
pub struct BootstrapAdmin {
    pub organisation_name: String,
    pub name: String,
    pub email: String,
    pub token: NewToken,
}

/// Tokens and client certificates, and whom they identify.
pub trait CredentialStore: Clone + Send + Sync + 'static {
    fn add_token(
        &self,
        account: AccountId,
        token: &NewToken,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<TokenInfo>> + Send;

    /// The owner of a token, if the token is known, not revoked nor expired,
    /// and its account is enabled.
    fn token_owner(
        &self,
        secret_hash: &[u8; 32],
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Option<CredentialOwner>>> + Send;

    /// The owner of a bound client certificate, if its account is enabled.
    fn certificate_owner(
        &self,
        fingerprint: &[u8; 32],
    ) -> impl Future<Output = StoreResult<Option<CredentialOwner>>> + Send;

    fn token(
        &self,
        id: TokenId,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Option<TokenInfo>>> + Send;

    /// Tokens newest first, of one account or of all.
    fn list_tokens(
        &self,
        account: Option<AccountId>,
        page: &PageRequest,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Page<TokenInfo>>> + Send;

    /// Revokes a token; revoking twice keeps the first instant.
    fn revoke_token(
        &self,
        id: TokenId,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<TokenInfo>> + Send;

    /// Stores `new` for the account of token `id`, which then stops working
    /// at `old_expires_at` (or earlier if it expired earlier anyway).
    /// Returns the new token and the old one.
    fn rotate_token(
        &self,
        id: TokenId,
        new: &NewToken,
        old_expires_at: Timestamp,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<(TokenInfo, TokenInfo)>> + Send;

    /// Records that a token was used.
    fn touch_token(
        &self,
        id: TokenId,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    fn bind_certificate(
        &self,
        account: AccountId,
        fingerprint: &[u8; 32],
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<CertificateBinding>> + Send;

    fn list_certificates(
        &self,
        account: Option<AccountId>,
    ) -> impl Future<Output = StoreResult<Vec<CertificateBinding>>> + Send;

    fn unbind_certificate(
        &self,
        fingerprint: &[u8; 32],
    ) -> impl Future<Output = StoreResult<CertificateBinding>> + Send;
}

/// Organisations and their accounts.
pub trait OrganisationStore: Clone + Send + Sync + 'static {
    /// Creates the first administrator if no administrator exists; `None` when one does.
    fn bootstrap_admin(
        &self,
        admin: &BootstrapAdmin,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Option<Account>>> + Send;

    /// Idempotent on `request_id`: a retry returns the organisation first created.
    fn create_organisation(
        &self,
        request_id: &RequestId,
        new: &NewOrganisation,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Organisation>> + Send;

    fn organisation(
        &self,
        id: OrganisationId,
    ) -> impl Future<Output = StoreResult<Option<Organisation>>> + Send;

    fn list_organisations(
        &self,
        filter: &OrganisationFilter,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<Organisation>>> + Send;

    /// Creates the account with its first token. Idempotent on `request_id`:
    /// a retry returns the account first created and `false`, storing no token.
    fn create_account(
        &self,
        request_id: &RequestId,
        new: &NewAccount,
        token: &NewToken,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<(Account, bool)>> + Send;

    fn account(&self, id: AccountId) -> impl Future<Output = StoreResult<Option<Account>>> + Send;

    fn list_accounts(
        &self,
        organisation: Option<OrganisationId>,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<Account>>> + Send;

    /// Disables the account (its tokens stop working); disabling twice keeps the first instant.
    fn disable_account(
        &self,
        id: AccountId,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Account>> + Send;
}

/// Cases: their submission, changes, conversation and history, and the events watchers follow.
pub trait CaseStore: Clone + Send + Sync + 'static {
    /// Routes and stores a new case with its first event. Idempotent on the
    /// submitting organisation's `request_id`.
    fn submit_case(
        &self,
        submission: Submission,
    ) -> impl Future<Output = StoreResult<Submitted>> + Send;

    fn case(&self, key: &CaseKey) -> impl Future<Output = StoreResult<Option<Case>>> + Send;

    /// Applies a change atomically: `decide` sees the case as it is inside the
    /// transaction and either refuses (nothing changes) or returns the
    /// transition to store with its event and message. A `request_id` that
    /// already changed this case returns the case as it is, unchanged.
    fn update_case<F>(
        &self,
        key: &CaseKey,
        request_id: &RequestId,
        actor: &Actor,
        now: Timestamp,
        decide: F,
    ) -> impl Future<Output = StoreResult<Updated>> + Send
    where
        F: FnOnce(&Case) -> Result<Transition, relais_core::Error> + Send;

    fn list_cases(
        &self,
        filter: &CaseFilter,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<Case>>> + Send;

    /// A case's messages, oldest first.
    fn messages(&self, case: CaseId) -> impl Future<Output = StoreResult<Vec<Message>>> + Send;

    /// A case's events, oldest first.
    fn history(&self, case: CaseId) -> impl Future<Output = StoreResult<Vec<CaseEvent>>> + Send;

    /// The cases filed by other partners that may be about the same person
    /// as this one, oldest first.
    fn possible_duplicates(
        &self,
        case: CaseId,
    ) -> impl Future<Output = StoreResult<Vec<PossibleDuplicate>>> + Send;

    /// Whether the organisation handled the case and transferred it away.
    fn transferred_from(
        &self,
        case: CaseId,
        organisation: OrganisationId,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// Up to `limit` events recorded after `sequence`, across cases, in order.
    fn events_after(
        &self,
        sequence: u64,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<CaseEvent>>> + Send;

    /// The sequence number of the last recorded event (0 when none).
    fn last_event_sequence(&self) -> impl Future<Output = StoreResult<u64>> + Send;
}

/// Prefecture affiliation files and the results of their rows.
pub trait BatchStore: Clone + Send + Sync + 'static {
    /// The organisation's batch of this request id, to resume it; a new one
    /// for a new request id, even when the same file was sent before (so
    /// that a file whose rows were rejected can be judged again). A request
    /// id reused for another file is `ALREADY_EXISTS`.
    fn open_batch(&self, batch: &NewBatch) -> impl Future<Output = StoreResult<Batch>> + Send;

    /// Stores households of a batch in one transaction and gives every row's
    /// result: a household already stored (by an earlier send) comes back as
    /// stored; one about a person the sending organisation already filed is
    /// a duplicate of that case; the others become cases, or are rejected
    /// when they cannot be routed. A person another organisation filed is
    /// not a duplicate (the sender may not learn of it): the new case is
    /// linked to the other as a possible duplicate, both ways.
    fn store_batch_households(
        &self,
        batch: BatchId,
        households: Vec<BatchHousehold>,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Vec<BatchRowResult>>> + Send;

    /// An organisation's batches, newest first.
    fn list_batches(
        &self,
        organisation: OrganisationId,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<Batch>>> + Send;

    /// A batch of the organisation, by id or request id.
    fn batch(
        &self,
        organisation: OrganisationId,
        key: &str,
    ) -> impl Future<Output = StoreResult<Option<Batch>>> + Send;

    /// A batch's row results in row order, after row `after`.
    fn batch_rows(
        &self,
        batch: BatchId,
        after: u64,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<BatchRowResult>>> + Send;
}

/// Service levels: policies, funds' calendars, the sweep that raises thresholds, and the figures of reports.
pub trait SlaStore: Clone + Send + Sync + 'static {
    /// The policies in force for every category: the defaults, or for one fund.
    fn sla_policies(
        &self,
        organisation: Option<OrganisationId>,
    ) -> impl Future<Output = StoreResult<Vec<PolicyEntry>>> + Send;

    /// Sets a category's default policy, or one fund's (which must be a fund).
    fn set_sla_policy(
        &self,
        organisation: Option<OrganisationId>,
        category: Category,
        policy: &SlaPolicy,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<PolicyEntry>> + Send;

    /// How a fund counts working time; `None` when there is no such fund.
    fn calendar_config(
        &self,
        organisation: OrganisationId,
    ) -> impl Future<Output = StoreResult<Option<CalendarConfig>>> + Send;

    /// Sets how a fund counts working time (its département comes from the fund).
    fn set_calendar_config(
        &self,
        organisation: OrganisationId,
        config: &CalendarConfig,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<CalendarConfig>> + Send;

    /// Raises, once each, the SLA thresholds passed at `now` on up to `limit`
    /// cases, recording them as events. Returns how many cases were looked at:
    /// fewer than `limit` means none is left.
    fn sweep_sla(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> impl Future<Output = StoreResult<usize>> + Send;

    /// The stored SLA figures of the cases a report counts, grouped as asked.
    fn report_figures(
        &self,
        query: &ReportQuery,
    ) -> impl Future<Output = StoreResult<Vec<CaseFigures>>> + Send;
}

/// The audit trail.
pub trait AuditStore: Clone + Send + Sync + 'static {
    /// Appends entries to the audit trail, in one transaction.
    fn append_audit(&self, entries: &[AuditEntry]) -> impl Future<Output = StoreResult<()>> + Send;

    /// Audit entries, newest first.
    fn list_audit(
        &self,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<AuditEntry>>> + Send;

    /// Deletes the audit entries older than `before`; returns how many.
    fn purge_audit(&self, before: Timestamp) -> impl Future<Output = StoreResult<u64>> + Send;
}

/// All of the store: what the API serves from. Each part of the server
/// that needs less asks for less (the authenticator a [`CredentialStore`],
/// the sweeper a [`SlaStore`]…).
pub trait Store:
    CredentialStore + OrganisationStore + CaseStore + BatchStore + SlaStore + AuditStore
{
}

impl<T> Store for T where
    T: CredentialStore + OrganisationStore + CaseStore + BatchStore + SlaStore + AuditStore
{
}

/// Every role trait, for code that holds a concrete store and calls any of
/// it (tests, benchmarks): `use relais_server::store::prelude::*;`.
pub mod prelude {
    pub use super::{
        AuditStore as _, BatchStore as _, CaseStore as _, CredentialStore as _,
        OrganisationStore as _, SlaStore as _,
    };
}
