//! `relais.v1.AdminService`: organisations, accounts and their tokens.

use relais_core::{
    Error,
    ids::Departement,
    org::{AccountId, NewAccount, NewOrganisation, OrganisationId, OrganisationKind, Role},
    sla::CalendarConfig,
    validation::Violations,
};
use relais_proto::{
    convert::{self, FromWire},
    v1::{self as pb, admin_service_server::AdminService},
};
use tonic::{Request, Response, Status};

use super::{ApiError, Context, page_size, request_id, respond};
use crate::{
    auth::{policy, token},
    store::{OrganisationFilter, PageRequest, Store},
};

#[derive(Debug, Clone)]
pub struct AdminApi<S> {
    ctx: Context<S>,
}

impl<S: Store> AdminApi<S> {
    pub fn new(ctx: Context<S>) -> Self {
        Self { ctx }
    }

    async fn create_organisation(
        &self,
        request: Request<pb::CreateOrganisationRequest>,
    ) -> Result<pb::CreateOrganisationResponse, ApiError> {
        let principal = self.ctx.authenticate(&request).await?;
        policy::may_administer(&principal)?;
        let body = request.into_inner();
        let mut violations = Violations::default();
        let request_id = request_id(&mut violations, &body.request_id);
        let new = NewOrganisation::validate(
            &body.name,
            OrganisationKind::from_wire(body.kind),
            &body.departement,
        )
        .map_err(|more| violations.extend(more))
        .ok();
        let (Some(request_id), Some(new)) = (request_id, new) else {
            return Err(Error::Invalid(violations).into());
        };
        let organisation = self
            .ctx
            .store
            .create_organisation(&request_id, &new, self.ctx.now())
            .await?;
        Ok(pb::CreateOrganisationResponse {
            organisation: Some((&organisation).into()),
        })
    }

    async fn list_organisations(
        &self,
        request: Request<pb::ListOrganisationsRequest>,
    ) -> Result<pb::ListOrganisationsResponse, ApiError> {
        // Open to every account: agents need the funds' identifiers to transfer cases.
        self.ctx.authenticate(&request).await?;
        let body = request.into_inner();
        let mut violations = Violations::default();
        let kind = match body.kind {
            0 => None,
            value => OrganisationKind::from_wire(value)
                .ok_or(())
                .map_err(|()| violations.add("kind", format!("unknown value {value}")))
                .ok(),
        };
        let departement = match body.departement.trim() {
            "" => None,
            code => Departement::parse(code)
                .map_err(|e| violations.add("departement", e.to_string()))
                .ok(),
        };
        let size = page_size(&mut violations, body.page_size);
        if !violations.is_empty() {
            return Err(Error::Invalid(violations).into());
        }
        let filter = OrganisationFilter { kind, departement };
        let page = PageRequest {
            size,
            token: body.page_token,
        };
        let page = self.ctx.store.list_organisations(&filter, &page).await?;
        Ok(pb::ListOrganisationsResponse {
            organisations: page.items.iter().map(Into::into).collect(),
            next_page_token: page.next_token,
        })
    }

    async fn create_account(
        &self,
        request: Request<pb::CreateAccountRequest>,
    ) -> Result<pb::CreateAccountResponse, ApiError> {
        let principal = self.ctx.authenticate(&request).await?;
        policy::may_administer(&principal)?;
        let body = request.into_inner();
        let mut violations = Violations::default();
        let request_id = request_id(&mut violations, &body.request_id);
        let new = NewAccount::validate(
            &body.organisation_id,
            &body.name,
            &body.email,
            Role::from_wire(body.role),
        )
        .map_err(|more| violations.extend(more))
        .ok();
        let (Some(request_id), Some(new)) = (request_id, new) else {
            return Err(Error::Invalid(violations).into());
        };
        let (secret, record) = token::generate();
        let (account, created) = self
            .ctx
            .store
            .create_account(&request_id, &new, &record, self.ctx.now())
            .await?;
        Ok(pb::CreateAccountResponse {
            account: Some((&account).into()),
            token: if created {
                secret.expose().to_owned()
            } else {
                String::new()
            },
        })
    }

    async fn list_accounts(
        &self,
        request: Request<pb::ListAccountsRequest>,
    ) -> Result<pb::ListAccountsResponse, ApiError> {
        let principal = self.ctx.authenticate(&request).await?;
        policy::may_administer(&principal)?;
        let body = request.into_inner();
        let mut violations = Violations::default();
        let organisation = match body.organisation_id.trim() {
            "" => None,
            id => OrganisationId::parse(id)
                .map_err(|reason| violations.add("organisation_id", reason))
                .ok(),
        };
        let size = page_size(&mut violations, body.page_size);
        if !violations.is_empty() {
            return Err(Error::Invalid(violations).into());
        }
        let page = PageRequest {
            size,
            token: body.page_token,
        };
        let page = self.ctx.store.list_accounts(organisation, &page).await?;
        Ok(pb::ListAccountsResponse {
            accounts: page.items.iter().map(Into::into).collect(),
            next_page_token: page.next_token,
        })
    }

    async fn disable_account(
        &self,
        request: Request<pb::DisableAccountRequest>,
    ) -> Result<pb::DisableAccountResponse, ApiError> {
        let principal = self.ctx.authenticate(&request).await?;
        policy::may_administer(&principal)?;
        let id = account_id(&request.get_ref().account_id)?;
        if id == principal.account.id {
            return Err(Error::FailedPrecondition(
                "you cannot disable your own account: ask another administrator".to_owned(),
            )
            .into());
        }
        let account = self.ctx.store.disable_account(id, self.ctx.now()).await?;
        Ok(pb::DisableAccountResponse {
            account: Some((&account).into()),
        })
    }

    async fn issue_token(
        &self,
        request: Request<pb::IssueTokenRequest>,
    ) -> Result<pb::IssueTokenResponse, ApiError> {
        let principal = self.ctx.authenticate(&request).await?;
        policy::may_administer(&principal)?;
        let id = account_id(&request.get_ref().account_id)?;
        let (secret, record) = token::generate();
        self.ctx
            .store
            .add_token(id, &record, self.ctx.now())
            .await?;
        Ok(pb::IssueTokenResponse {
            token: secret.expose().to_owned(),
            token_id: record.id.to_string(),
        })
    }

    async fn who_am_i(
        &self,
        request: Request<pb::WhoAmIRequest>,
    ) -> Result<pb::WhoAmIResponse, ApiError> {
        let principal = self.ctx.authenticate(&request).await?;
        let account = self.ctx.store.account(principal.account.id).await?;
        let organisation = self
            .ctx
            .store
            .organisation(principal.organisation.id)
            .await?;
        Ok(pb::WhoAmIResponse {
            account: account.as_ref().map(Into::into),
            organisation: organisation.as_ref().map(Into::into),
        })
    }
}

impl<S: Store> AdminApi<S> {
    async fn set_sla_policy(
        &self,
        request: Request<pb::SetSlaPolicyRequest>,
    ) -> Result<pb::SetSlaPolicyResponse, ApiError> {
        let principal = self.ctx.authenticate(&request).await?;
        policy::may_administer(&principal)?;
        let wire = request
            .into_inner()
            .policy
            .ok_or_else(|| Error::invalid_field("policy", "required"))?;
        let (category, organisation, sla_policy) =
            convert::sla_policy_from_wire(&wire).map_err(Error::Invalid)?;
        let entry = self
            .ctx
            .store
            .set_sla_policy(organisation, category, &sla_policy, self.ctx.now())
            .await?;
        Ok(pb::SetSlaPolicyResponse {
            policy: Some(convert::sla_policy(
                entry.category,
                entry.organisation,
                &entry.policy,
                entry.built_in,
            )),
        })
    }

    async fn list_sla_policies(
        &self,
        request: Request<pb::ListSlaPoliciesRequest>,
    ) -> Result<pb::ListSlaPoliciesResponse, ApiError> {
        // Every account may read the promises its cases run against.
        self.ctx.authenticate(&request).await?;
        let organisation = optional_organisation(&request.get_ref().organisation_id)?;
        let entries = self.ctx.store.sla_policies(organisation).await?;
        Ok(pb::ListSlaPoliciesResponse {
            policies: entries
                .iter()
                .map(|e| convert::sla_policy(e.category, e.organisation, &e.policy, e.built_in))
                .collect(),
        })
    }

    async fn set_organisation_calendar(
        &self,
        request: Request<pb::SetOrganisationCalendarRequest>,
    ) -> Result<pb::SetOrganisationCalendarResponse, ApiError> {
        let principal = self.ctx.authenticate(&request).await?;
        policy::may_administer(&principal)?;
        let wire = request
            .into_inner()
            .calendar
            .ok_or_else(|| Error::invalid_field("calendar", "required"))?;
        let organisation = OrganisationId::parse(&wire.organisation_id)
            .map_err(|reason| Error::invalid_field("calendar.organisation_id", reason))?;
        let current = self
            .fund_calendar(organisation, "calendar.organisation_id")
            .await?;
        let config =
            convert::calendar_from_wire(&wire, current.departement).map_err(Error::Invalid)?;
        let stored = self
            .ctx
            .store
            .set_calendar_config(organisation, &config, self.ctx.now())
            .await?;
        Ok(pb::SetOrganisationCalendarResponse {
            calendar: Some(convert::calendar(organisation, &stored)),
        })
    }

    async fn get_organisation_calendar(
        &self,
        request: Request<pb::GetOrganisationCalendarRequest>,
    ) -> Result<pb::GetOrganisationCalendarResponse, ApiError> {
        self.ctx.authenticate(&request).await?;
        let organisation = OrganisationId::parse(&request.get_ref().organisation_id)
            .map_err(|reason| Error::invalid_field("organisation_id", reason))?;
        let config = self.fund_calendar(organisation, "organisation_id").await?;
        Ok(pb::GetOrganisationCalendarResponse {
            calendar: Some(convert::calendar(organisation, &config)),
        })
    }

    /// A fund's calendar; only funds have one.
    async fn fund_calendar(
        &self,
        organisation: OrganisationId,
        field: &str,
    ) -> Result<CalendarConfig, ApiError> {
        self.ctx
            .store
            .calendar_config(organisation)
            .await?
            .ok_or_else(|| {
                Error::invalid_field(field, "no such fund: only a CPAM or CGSS has a calendar")
                    .into()
            })
    }
}

fn optional_organisation(text: &str) -> Result<Option<OrganisationId>, Error> {
    match text.trim() {
        "" => Ok(None),
        id => OrganisationId::parse(id)
            .map(Some)
            .map_err(|reason| Error::invalid_field("organisation_id", reason)),
    }
}

fn account_id(text: &str) -> Result<AccountId, Error> {
    AccountId::parse(text).map_err(|reason| Error::invalid_field("account_id", reason))
}

#[tonic::async_trait]
impl<S: Store> AdminService for AdminApi<S> {
    async fn create_organisation(
        &self,
        request: Request<pb::CreateOrganisationRequest>,
    ) -> Result<Response<pb::CreateOrganisationResponse>, Status> {
        respond(
            "CreateOrganisation",
            AdminApi::create_organisation(self, request),
        )
        .await
    }

    async fn list_organisations(
        &self,
        request: Request<pb::ListOrganisationsRequest>,
    ) -> Result<Response<pb::ListOrganisationsResponse>, Status> {
        respond(
            "ListOrganisations",
            AdminApi::list_organisations(self, request),
        )
        .await
    }

    async fn create_account(
        &self,
        request: Request<pb::CreateAccountRequest>,
    ) -> Result<Response<pb::CreateAccountResponse>, Status> {
        respond("CreateAccount", AdminApi::create_account(self, request)).await
    }

    async fn list_accounts(
        &self,
        request: Request<pb::ListAccountsRequest>,
    ) -> Result<Response<pb::ListAccountsResponse>, Status> {
        respond("ListAccounts", AdminApi::list_accounts(self, request)).await
    }

    async fn disable_account(
        &self,
        request: Request<pb::DisableAccountRequest>,
    ) -> Result<Response<pb::DisableAccountResponse>, Status> {
        respond("DisableAccount", AdminApi::disable_account(self, request)).await
    }

    async fn issue_token(
        &self,
        request: Request<pb::IssueTokenRequest>,
    ) -> Result<Response<pb::IssueTokenResponse>, Status> {
        respond("IssueToken", AdminApi::issue_token(self, request)).await
    }

    async fn who_am_i(
        &self,
        request: Request<pb::WhoAmIRequest>,
    ) -> Result<Response<pb::WhoAmIResponse>, Status> {
        respond("WhoAmI", AdminApi::who_am_i(self, request)).await
    }

    async fn set_sla_policy(
        &self,
        request: Request<pb::SetSlaPolicyRequest>,
    ) -> Result<Response<pb::SetSlaPolicyResponse>, Status> {
        respond("SetSlaPolicy", AdminApi::set_sla_policy(self, request)).await
    }

    async fn list_sla_policies(
        &self,
        request: Request<pb::ListSlaPoliciesRequest>,
    ) -> Result<Response<pb::ListSlaPoliciesResponse>, Status> {
        respond(
            "ListSlaPolicies",
            AdminApi::list_sla_policies(self, request),
        )
        .await
    }

    async fn set_organisation_calendar(
        &self,
        request: Request<pb::SetOrganisationCalendarRequest>,
    ) -> Result<Response<pb::SetOrganisationCalendarResponse>, Status> {
        respond(
            "SetOrganisationCalendar",
            AdminApi::set_organisation_calendar(self, request),
        )
        .await
    }

    async fn get_organisation_calendar(
        &self,
        request: Request<pb::GetOrganisationCalendarRequest>,
    ) -> Result<Response<pb::GetOrganisationCalendarResponse>, Status> {
        respond(
            "GetOrganisationCalendar",
            AdminApi::get_organisation_calendar(self, request),
        )
        .await
    }
}
