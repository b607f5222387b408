//! `relais.v1.CaseService`.

use std::pin::Pin;

use futures::Stream;
use prost::Message as _;
use relais_core::{
    Error,
    case::{self, Case, CaseDraft, CaseKey, Category, Command, Outcome, Status, Usefulness},
    org::{OrgRef, OrganisationId},
    validation::Violations,
};
use relais_proto::{
    convert::{self, FromWire},
    v1::{self as pb, case_service_server::CaseService},
};
use sha2::{Digest, Sha256};
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response};

use super::{ApiError, Context, Trail, optional, page_size, request_id};
use crate::{
    auth::{
        Principal,
        policy::{self, Action, Relation},
    },
    store::{CaseFilter, CaseOrder, PageRequest, Store, Submission},
};

/// How many stored events a watcher reads back at a time when catching up.
const REPLAY_BATCH: u32 = 500;
/// Events buffered per watcher before the server waits for the client.
const WATCH_BUFFER: usize = 64;

#[derive(Debug, Clone)]
pub struct CaseApi<S> {
    ctx: Context<S>,
}

impl<S: Store> CaseApi<S> {
    pub fn new(ctx: Context<S>) -> Self {
        Self { ctx }
    }

    async fn submit(
        &self,
        trail: &Trail,
        request: Request<pb::SubmitCaseRequest>,
    ) -> Result<pb::SubmitCaseResponse, ApiError> {
        let now = self.ctx.now();
        let principal = self.ctx.authenticate(&request, trail).await?;
        let view = policy::authorize_action(&principal, Action::SubmitCase)?;
        let body = request.into_inner();
        trail.request_id(&body.request_id);
        let mut violations = Violations::default();
        let request_id = request_id(&mut violations, &body.request_id);
        let validated = match CaseDraft::from(&body).validate(now) {
            Ok(validated) => Some(validated),
            Err(more) => {
                violations.extend(more);
                None
            }
        };
        let (Some(request_id), Some(validated)) = (request_id, validated) else {
            return Err(Error::Invalid(violations).into());
        };
        let submission = Submission {
            request_id,
            fingerprint: fingerprint(&body),
            case: validated.value,
            submitter: principal.organisation.clone(),
            submitter_departement: principal.organisation_departement,
            submitted_by: principal.account.clone(),
            now,
        };
        let submitted = self.ctx.store.submit_case(submission).await?;
        trail.case(&submitted.case);
        Ok(pb::SubmitCaseResponse {
            case: Some(self.ctx.output(view).case(&submitted.case).await?),
            warnings: validated.warnings.iter().map(Into::into).collect(),
            replayed: submitted.replayed,
        })
    }

    /// How the caller relates to a case, looking its past handlers up only
    /// when that could matter.
    async fn relation(&self, principal: &Principal, case: &Case) -> Result<Relation, ApiError> {
        let transferred_from = policy::may_have_handled(principal, case)
            && self
                .ctx
                .store
                .transferred_from(case.id, principal.organisation.id)
                .await?;
        Ok(policy::relation(principal, case, transferred_from))
    }

    async fn get(
        &self,
        trail: &Trail,
        request: Request<pb::GetCaseRequest>,
    ) -> Result<pb::GetCaseResponse, ApiError> {
        let principal = self.ctx.authenticate(&request, trail).await?;
        policy::precheck(&principal, Action::GetCase)?;
        trail.named(&request.get_ref().case_ref);
        let key = case_key(&request.get_ref().case_ref)?;
        let case = self
            .ctx
            .store
            .case(&key)
            .await?
            .ok_or_else(|| Error::NotFound(format!("case {key}")))?;
        let relation = self.relation(&principal, &case).await?;
        let view = policy::authorize(&principal, Action::GetCase, &case, relation)?;
        let messages = if view.beneficiary_data {
            trail.case(&case);
            self.ctx.store.messages(case.id).await?
        } else {
            Vec::new()
        };
        let history = self.ctx.store.history(case.id).await?;
        let (case, history) = if relation == Relation::TransferredFrom {
            policy::as_left_by(principal.organisation.id, &case, history)
                .ok_or_else(|| Error::NotFound(format!("case {key}")))?
        } else {
            (case, history)
        };
        let possible_duplicates = if policy::may_see_possible_duplicates(&principal, relation) {
            self.ctx.store.possible_duplicates(case.id).await?
        } else {
            Vec::new()
        };
        Ok(pb::GetCaseResponse {
            case: Some(self.ctx.output(view).case(&case).await?),
            messages: messages
                .iter()
                .filter(|m| policy::may_read_message(&principal, m))
                .map(convert::message)
                .collect(),
            history: history
                .iter()
                .filter(|e| policy::may_read_history(&principal, e))
                .map(|e| convert::event(e, view))
                .collect(),
            possible_duplicates: possible_duplicates
                .iter()
                .map(convert::possible_duplicate)
                .collect(),
        })
    }

    async fn list(
        &self,
        trail: &Trail,
        request: Request<pb::ListCasesRequest>,
    ) -> Result<pb::ListCasesResponse, ApiError> {
        let principal = self.ctx.authenticate(&request, trail).await?;
        let view = policy::authorize_action(&principal, Action::ListCases)?;
        let body = request.into_inner();
        let mut violations = Violations::default();
        let statuses = wire_list::<Status>(&mut violations, "statuses", &body.statuses);
        let categories = wire_list::<Category>(&mut violations, "categories", &body.categories);
        let handler = optional(
            &mut violations,
            "handler_organisation_id",
            &body.handler_organisation_id,
            OrganisationId::parse,
        );
        let size = page_size(&mut violations, body.page_size);
        let due_before = match &body.due_before {
            None => None,
            Some(at) => convert::from_timestamp(at)
                .ok_or(())
                .map_err(|()| violations.add("due_before", "not a valid instant"))
                .ok(),
        };
        let order = match pb::CaseOrder::try_from(body.order) {
            Ok(pb::CaseOrder::OldestFirst) => CaseOrder::OldestFirst,
            Ok(pb::CaseOrder::DueFirst) => CaseOrder::DueFirst,
            Ok(pb::CaseOrder::Unspecified) if body.due_before.is_some() => CaseOrder::DueFirst,
            Ok(pb::CaseOrder::Unspecified) => CaseOrder::OldestFirst,
            Err(_) => {
                violations.add("order", format!("unknown value {}", body.order));
                CaseOrder::OldestFirst
            }
        };
        if !violations.is_empty() {
            return Err(Error::Invalid(violations).into());
        }
        let filter = CaseFilter {
            scope: policy::list_scope(&principal),
            statuses,
            categories,
            handler,
            submitter: body
                .submitted_by_my_organisation
                .then_some(principal.organisation.id),
            assignee: body.assigned_to_me.then_some(principal.account.id),
            escalated: body.escalated,
            due_before,
            order,
        };
        let page = PageRequest {
            size,
            token: body.page_token,
        };
        let page = self.ctx.store.list_cases(&filter, &page).await?;
        if view.beneficiary_data {
            for case in &page.items {
                trail.case(case);
            }
        }
        let cases = self.ctx.output(view).cases(&page.items).await?;
        Ok(pb::ListCasesResponse {
            cases,
            next_page_token: page.next_token,
        })
    }

    /// Authenticates the caller of a change request, and notes what it names.
    async fn caller<M: ChangeRequest>(
        &self,
        trail: &Trail,
        request: Request<M>,
    ) -> Result<(Principal, M), ApiError> {
        let principal = self.ctx.authenticate(&request, trail).await?;
        let body = request.into_inner();
        trail.request_id(body.request_id());
        trail.named(body.case_ref());
        Ok((principal, body))
    }

    /// Applies one lifecycle command on behalf of the caller, once: the
    /// request id, the case reference and the command's input are all
    /// checked before anything is read.
    async fn change(
        &self,
        trail: &Trail,
        principal: &Principal,
        request: &impl ChangeRequest,
        command: Result<Command, Error>,
    ) -> Result<Changed, ApiError> {
        let now = self.ctx.now();
        if let Ok(command) = &command {
            policy::precheck(principal, Action::of(command))?;
        }
        let mut violations = Violations::default();
        let request_id = self::request_id(&mut violations, request.request_id());
        let key = CaseKey::parse(request.case_ref())
            .map_err(|reason| violations.add("case_ref", reason))
            .ok();
        let command = match command {
            Ok(command) => Some(command),
            Err(Error::Invalid(more)) => {
                violations.extend(more);
                None
            }
            Err(other) => return Err(other.into()),
        };
        let (Some(request_id), Some(key), Some(command)) = (request_id, key, command) else {
            return Err(Error::Invalid(violations).into());
        };
        let actor = principal.actor();
        let action = Action::of(&command);
        // The caller's view is decided on the case as it was: after a
        // transfer, the agent who made it is no longer the handler. Changes
        // are only ever allowed to the submitter or the handler, so the past
        // handlers need no looking up here.
        let mut view = None;
        let updated = self
            .ctx
            .store
            .update_case(&key, &request_id, &actor, now, |case| {
                let relation = policy::relation(principal, case, false);
                view = Some(policy::authorize(principal, action, case, relation)?);
                case::apply(case, &actor, command, now)
            })
            .await?;
        let view = match view {
            Some(view) => view,
            None => {
                let relation = self.relation(principal, &updated.case).await?;
                policy::authorize(principal, Action::GetCase, &updated.case, relation)?
            }
        };
        trail.case(&updated.case);
        Ok(Changed {
            case: Some(self.ctx.output(view).case(&updated.case).await?),
            message: updated.message.as_ref().map(convert::message),
        })
    }

    /// The fund a case is transferred to, or why it cannot be.
    async fn transfer_target(&self, id: &str) -> Result<Result<OrgRef, Error>, ApiError> {
        let field = "handler_organisation_id";
        let id = match OrganisationId::parse(id) {
            Ok(id) => id,
            Err(reason) => return Ok(Err(Error::invalid_field(field, reason))),
        };
        Ok(match self.ctx.store.organisation(id).await? {
            None => Err(Error::invalid_field(field, "no such organisation")),
            Some(org) => org
                .as_handler()
                .map_err(|reason| Error::invalid_field(field, reason)),
        })
    }

    /// Streams the events the caller may see, from `after_sequence` or from now.
    ///
    /// The response's `relais-start-sequence` header says where the stream
    /// starts, so that a client that loses it before any event can resume
    /// from there.
    async fn watch(
        &self,
        trail: &Trail,
        request: Request<pb::WatchCasesRequest>,
    ) -> Result<Response<WatchStream>, ApiError> {
        let principal = self.ctx.authenticate(&request, trail).await?;
        policy::authorize_action(&principal, Action::WatchCases)?;
        let body = request.into_inner();
        let only = match body.case_ref.trim() {
            "" => None,
            text => {
                let key = case_key(text)?;
                let case = self
                    .ctx
                    .store
                    .case(&key)
                    .await?
                    .ok_or_else(|| Error::NotFound(format!("case {key}")))?;
                let relation = self.relation(&principal, &case).await?;
                policy::authorize(&principal, Action::GetCase, &case, relation)?;
                Some(case.id)
            }
        };
        // Subscribe before reading the backlog, so nothing falls in between.
        let live = self.ctx.events.subscribe();
        let start = match body.after_sequence {
            Some(sequence) => sequence,
            None => self.ctx.store.last_event_sequence().await?,
        };
        let (sender, receiver) = mpsc::channel(WATCH_BUFFER);
        let watcher = Watcher {
            store: self.ctx.store.clone(),
            principal,
            only,
            cursor: start,
            sender,
        };
        tokio::spawn(watcher.run(live, self.ctx.shutdown.clone()));
        let stream: WatchStream = Box::pin(ReceiverStream::new(receiver));
        let mut response = Response::new(stream);
        response
            .metadata_mut()
            .insert(relais_proto::WATCH_START_SEQUENCE_HEADER, start.into());
        Ok(response)
    }
}

type WatchStream =
    Pin<Box<dyn Stream<Item = Result<pb::WatchCasesResponse, tonic::Status>> + Send>>;

/// One watch stream: replays stored events after its cursor, then forwards
/// live ones, re-reading the store whenever it fell behind the bus.
struct Watcher<S> {
    store: S,
    principal: Principal,
    only: Option<case::CaseId>,
    cursor: u64,
    sender: mpsc::Sender<Result<pb::WatchCasesResponse, tonic::Status>>,
}

impl<S: Store> Watcher<S> {
    async fn run(
        mut self,
        mut live: broadcast::Receiver<std::sync::Arc<case::CaseEvent>>,
        shutdown: tokio_util::sync::CancellationToken,
    ) {
        if self.catch_up().await.is_err() {
            return;
        }
        loop {
            let received = tokio::select! {
                () = shutdown.cancelled() => return,
                () = self.sender.closed() => return,
                received = live.recv() => received,
            };
            let outcome = match received {
                Ok(event) if event.sequence <= self.cursor => Ok(()),
                // The bus delivers every event in order; a gap means events
                // were committed before we subscribed: the store has them.
                Ok(event) if event.sequence > self.cursor + 1 => self.catch_up().await,
                Ok(event) => self.forward(&event).await,
                Err(broadcast::error::RecvError::Lagged(_)) => self.catch_up().await,
                Err(broadcast::error::RecvError::Closed) => return,
            };
            if outcome.is_err() {
                return;
            }
        }
    }

    /// Sends every stored event after the cursor. `Err` ends the stream.
    async fn catch_up(&mut self) -> Result<(), ()> {
        loop {
            let batch = match self.store.events_after(self.cursor, REPLAY_BATCH).await {
                Ok(batch) => batch,
                Err(error) => {
                    let status = tonic::Status::from(ApiError::from(error));
                    let _ = self.sender.send(Err(status)).await;
                    return Err(());
                }
            };
            let full = batch.len() == REPLAY_BATCH as usize;
            for event in &batch {
                self.forward(event).await?;
            }
            if !full {
                return Ok(());
            }
        }
    }

    async fn forward(&mut self, event: &case::CaseEvent) -> Result<(), ()> {
        self.cursor = event.sequence;
        if self.only.is_some_and(|id| id != event.case_id) {
            return Ok(());
        }
        let Some(view) = policy::event_view(&self.principal, event) else {
            return Ok(());
        };
        let message = pb::WatchCasesResponse {
            event: Some(convert::event(event, view)),
        };
        self.sender.send(Ok(message)).await.map_err(|_| ())
    }
}

/// A request that changes one case.
trait ChangeRequest {
    fn request_id(&self) -> &str;
    fn case_ref(&self) -> &str;
}

macro_rules! change_requests {
    ($($request:ty),+ $(,)?) => {
        $(impl ChangeRequest for $request {
            fn request_id(&self) -> &str {
                &self.request_id
            }
            fn case_ref(&self) -> &str {
                &self.case_ref
            }
        })+
    };
}

change_requests!(
    pb::PostMessageRequest,
    pb::TakeCaseRequest,
    pb::RequestInformationRequest,
    pb::ResolveCaseRequest,
    pb::CloseCaseRequest,
    pb::ReopenCaseRequest,
    pb::TransferCaseRequest,
    pb::WithdrawCaseRequest,
);

/// A change made (or replayed), as the caller may see it.
struct Changed {
    case: Option<pb::Case>,
    message: Option<pb::Message>,
}

fn case_key(text: &str) -> Result<CaseKey, Error> {
    CaseKey::parse(text).map_err(|reason| Error::invalid_field("case_ref", reason))
}

/// A hash of the request as sent, without its request id.
fn fingerprint(request: &pb::SubmitCaseRequest) -> [u8; 32] {
    let mut content = request.clone();
    content.request_id.clear();
    Sha256::digest(content.encode_to_vec()).into()
}

fn wire_list<T: FromWire>(violations: &mut Violations, field: &str, values: &[i32]) -> Vec<T> {
    values
        .iter()
        .enumerate()
        .filter_map(|(i, value)| {
            let parsed = T::from_wire(*value);
            if parsed.is_none() {
                violations.add(format!("{field}[{i}]"), format!("unknown value {value}"));
            }
            parsed
        })
        .collect()
}

#[tonic::async_trait]
impl<S: Store> CaseService for CaseApi<S> {
    async fn submit_case(
        &self,
        request: Request<pb::SubmitCaseRequest>,
    ) -> Result<Response<pb::SubmitCaseResponse>, tonic::Status> {
        self.ctx
            .respond(Action::SubmitCase, request.remote_addr(), async |trail| {
                self.submit(trail, request).await
            })
            .await
    }

    async fn get_case(
        &self,
        request: Request<pb::GetCaseRequest>,
    ) -> Result<Response<pb::GetCaseResponse>, tonic::Status> {
        self.ctx
            .respond(Action::GetCase, request.remote_addr(), async |trail| {
                self.get(trail, request).await
            })
            .await
    }

    async fn list_cases(
        &self,
        request: Request<pb::ListCasesRequest>,
    ) -> Result<Response<pb::ListCasesResponse>, tonic::Status> {
        self.ctx
            .respond(Action::ListCases, request.remote_addr(), async |trail| {
                self.list(trail, request).await
            })
            .await
    }

    async fn post_message(
        &self,
        request: Request<pb::PostMessageRequest>,
    ) -> Result<Response<pb::PostMessageResponse>, tonic::Status> {
        self.ctx
            .respond(Action::PostMessage, request.remote_addr(), async |trail| {
                let (principal, body) = self.caller(trail, request).await?;
                let internal = body.visibility == i32::from(pb::MessageVisibility::Internal);
                let command = Command::message(principal.role.is_partner(), internal, &body.body);
                let changed = self.change(trail, &principal, &body, command).await?;
                Ok(pb::PostMessageResponse {
                    case: changed.case,
                    message: changed.message,
                })
            })
            .await
    }

    async fn take_case(
        &self,
        request: Request<pb::TakeCaseRequest>,
    ) -> Result<Response<pb::TakeCaseResponse>, tonic::Status> {
        self.ctx
            .respond(Action::TakeCase, request.remote_addr(), async |trail| {
                let (principal, body) = self.caller(trail, request).await?;
                let changed = self
                    .change(trail, &principal, &body, Ok(Command::Take))
                    .await?;
                Ok(pb::TakeCaseResponse { case: changed.case })
            })
            .await
    }

    async fn request_information(
        &self,
        request: Request<pb::RequestInformationRequest>,
    ) -> Result<Response<pb::RequestInformationResponse>, tonic::Status> {
        self.ctx
            .respond(
                Action::RequestInformation,
                request.remote_addr(),
                async |trail| {
                    let (principal, body) = self.caller(trail, request).await?;
                    let command = Command::request_information(&body.body);
                    let changed = self.change(trail, &principal, &body, command).await?;
                    Ok(pb::RequestInformationResponse {
                        case: changed.case,
                        message: changed.message,
                    })
                },
            )
            .await
    }

    async fn resolve_case(
        &self,
        request: Request<pb::ResolveCaseRequest>,
    ) -> Result<Response<pb::ResolveCaseResponse>, tonic::Status> {
        self.ctx
            .respond(Action::ResolveCase, request.remote_addr(), async |trail| {
                let (principal, body) = self.caller(trail, request).await?;
                let command = Command::resolve(Outcome::from_wire(body.outcome), &body.answer);
                let changed = self.change(trail, &principal, &body, command).await?;
                Ok(pb::ResolveCaseResponse { case: changed.case })
            })
            .await
    }

    async fn close_case(
        &self,
        request: Request<pb::CloseCaseRequest>,
    ) -> Result<Response<pb::CloseCaseResponse>, tonic::Status> {
        self.ctx
            .respond(Action::CloseCase, request.remote_addr(), async |trail| {
                let (principal, body) = self.caller(trail, request).await?;
                let command = Command::close(Usefulness::from_wire(body.usefulness));
                let changed = self.change(trail, &principal, &body, command).await?;
                Ok(pb::CloseCaseResponse { case: changed.case })
            })
            .await
    }

    async fn reopen_case(
        &self,
        request: Request<pb::ReopenCaseRequest>,
    ) -> Result<Response<pb::ReopenCaseResponse>, tonic::Status> {
        self.ctx
            .respond(Action::ReopenCase, request.remote_addr(), async |trail| {
                let (principal, body) = self.caller(trail, request).await?;
                let command = Command::reopen(&body.reason);
                let changed = self.change(trail, &principal, &body, command).await?;
                Ok(pb::ReopenCaseResponse { case: changed.case })
            })
            .await
    }

    async fn transfer_case(
        &self,
        request: Request<pb::TransferCaseRequest>,
    ) -> Result<Response<pb::TransferCaseResponse>, tonic::Status> {
        self.ctx
            .respond(Action::TransferCase, request.remote_addr(), async |trail| {
                let (principal, body) = self.caller(trail, request).await?;
                let target = self.transfer_target(&body.handler_organisation_id).await?;
                let command = Command::transfer(target, &body.reason);
                let changed = self.change(trail, &principal, &body, command).await?;
                Ok(pb::TransferCaseResponse { case: changed.case })
            })
            .await
    }

    async fn withdraw_case(
        &self,
        request: Request<pb::WithdrawCaseRequest>,
    ) -> Result<Response<pb::WithdrawCaseResponse>, tonic::Status> {
        self.ctx
            .respond(Action::WithdrawCase, request.remote_addr(), async |trail| {
                let (principal, body) = self.caller(trail, request).await?;
                let command = Command::withdraw(&body.reason);
                let changed = self.change(trail, &principal, &body, command).await?;
                Ok(pb::WithdrawCaseResponse { case: changed.case })
            })
            .await
    }

    type WatchCasesStream = WatchStream;

    async fn watch_cases(
        &self,
        request: Request<pb::WatchCasesRequest>,
    ) -> Result<Response<Self::WatchCasesStream>, tonic::Status> {
        self.ctx
            .respond(Action::WatchCases, request.remote_addr(), async |trail| {
                self.watch(trail, request).await
            })
            .await
            .map(Response::into_inner)
    }
}
