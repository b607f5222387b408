//! `relais.v1.AuditService`: the audit trail, for auditors.

use relais_core::{Error, case::CaseKey, org::AccountId, validation::Violations};
use relais_proto::{
    convert,
    v1::{self as pb, audit_service_server::AuditService},
};
use tonic::{Request, Response, Status};

use super::{ApiError, Context, Trail, optional, page_size};
use crate::{
    auth::policy::{self, Action},
    store::{AuditEntry, AuditFilter, PageRequest, Store},
};

#[derive(Debug, Clone)]
pub struct AuditApi<S> {
    ctx: Context<S>,
}

impl<S: Store> AuditApi<S> {
    pub fn new(ctx: Context<S>) -> Self {
        Self { ctx }
    }

    async fn list(
        &self,
        trail: &Trail,
        request: Request<pb::ListAuditEntriesRequest>,
    ) -> Result<pb::ListAuditEntriesResponse, ApiError> {
        let principal = self.ctx.authenticate(&request, trail).await?;
        policy::authorize_action(&principal, Action::ListAuditEntries)?;
        let body = request.into_inner();
        let mut violations = Violations::default();
        let mut filter = AuditFilter::default();
        match body.case_ref.trim() {
            "" => {}
            text => match CaseKey::parse(text) {
                Ok(CaseKey::Id(id)) => filter.case_id = Some(id),
                Ok(CaseKey::Reference(reference)) => {
                    // Entries of a case found carry its id; entries of a
                    // failed attempt carry the reference as it was named.
                    if let Some(case) = self
                        .ctx
                        .store
                        .case(&CaseKey::Reference(reference.clone()))
                        .await?
                    {
                        filter.case_id = Some(case.id);
                    }
                    filter.case_reference = Some(reference.as_str().to_owned());
                }
                Err(reason) => violations.add("case_ref", reason),
            },
        }
        filter.account = optional(
            &mut violations,
            "account_id",
            &body.account_id,
            AccountId::parse,
        );
        if let Some(since) = &body.since {
            match convert::from_timestamp(since) {
                Some(since) => filter.since = Some(since),
                None => violations.add("since", "not a valid instant"),
            }
        }
        let size = page_size(&mut violations, body.page_size);
        if !violations.is_empty() {
            return Err(Error::Invalid(violations).into());
        }
        // What was recorded until now is in the answer.
        self.ctx.audit.flush().await;
        let page = PageRequest {
            size,
            token: body.page_token,
        };
        let page = self.ctx.store.list_audit(&filter, &page).await?;
        Ok(pb::ListAuditEntriesResponse {
            entries: page.items.iter().map(entry).collect(),
            next_page_token: page.next_token,
        })
    }
}

fn entry(entry: &AuditEntry) -> pb::AuditEntry {
    pb::AuditEntry {
        time: Some(convert::timestamp(entry.at)),
        account: entry.account.as_ref().map(Into::into),
        organisation: entry.organisation.as_ref().map(Into::into),
        rpc: entry.rpc.clone(),
        case_id: entry.case_id.map(|id| id.to_string()).unwrap_or_default(),
        case_reference: entry.case_reference.clone().unwrap_or_default(),
        peer: entry.peer.clone().unwrap_or_default(),
        credential: entry.credential.clone().unwrap_or_default(),
        request_id: entry.request_id.clone().unwrap_or_default(),
        outcome: entry.outcome.clone(),
    }
}

#[tonic::async_trait]
impl<S: Store> AuditService for AuditApi<S> {
    async fn list_audit_entries(
        &self,
        request: Request<pb::ListAuditEntriesRequest>,
    ) -> Result<Response<pb::ListAuditEntriesResponse>, Status> {
        self.ctx
            .respond(
                Action::ListAuditEntries,
                request.remote_addr(),
                async |trail| self.list(trail, request).await,
            )
            .await
    }
}
