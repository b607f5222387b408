//! `relais.v1.AdminService`: organisations, accounts and their tokens.

use jiff::SignedDuration;
use relais_core::{
    Error,
    ids::Departement,
    org::{
        AccountId, NewAccount, NewOrganisation, OrganisationId, OrganisationKind, Role, TokenId,
    },
    sla::CalendarConfig,
    validation::Violations,
};
use relais_proto::{
    convert::{self, FromWire},
    v1::{self as pb, admin_service_server::AdminService},
};
use tonic::{Request, Response, Status};

use super::{ApiError, Context, Trail, optional, page_size, request_id};
use crate::{
    auth::{
        hex,
        policy::{self, Action},
        token,
    },
    store::{CertificateBinding, OrganisationFilter, PageRequest, Store, TokenInfo},
    tls::CertificateFingerprint,
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
        trail: &Trail,
        request: Request<pb::CreateOrganisationRequest>,
    ) -> Result<pb::CreateOrganisationResponse, ApiError> {
        let principal = self.ctx.authenticate(&request, trail).await?;
        policy::authorize_action(&principal, Action::CreateOrganisation)?;
        let body = request.into_inner();
        trail.request_id(&body.request_id);
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
        trail: &Trail,
        request: Request<pb::ListOrganisationsRequest>,
    ) -> Result<pb::ListOrganisationsResponse, ApiError> {
        let principal = self.ctx.authenticate(&request, trail).await?;
        policy::authorize_action(&principal, Action::ListOrganisations)?;
        let body = request.into_inner();
        let mut violations = Violations::default();
        let kind = match body.kind {
            0 => None,
            value => OrganisationKind::from_wire(value)
                .ok_or(())
                .map_err(|()| violations.add("kind", format!("unknown value {value}")))
                .ok(),
        };
        let departement = optional(
            &mut violations,
            "departement",
            &body.departement,
            Departement::parse,
        );
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
        trail: &Trail,
        request: Request<pb::CreateAccountRequest>,
    ) -> Result<pb::CreateAccountResponse, ApiError> {
        let principal = self.ctx.authenticate(&request, trail).await?;
        policy::authorize_action(&principal, Action::CreateAccount)?;
        let body = request.into_inner();
        trail.request_id(&body.request_id);
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
        let now = self.ctx.now();
        let (secret, record) = token::generate(Some(now + self.ctx.tokens.validity(new.role)));
        let (account, created) = self
            .ctx
            .store
            .create_account(&request_id, &new, &record, now)
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
        trail: &Trail,
        request: Request<pb::ListAccountsRequest>,
    ) -> Result<pb::ListAccountsResponse, ApiError> {
        let principal = self.ctx.authenticate(&request, trail).await?;
        policy::authorize_action(&principal, Action::ListAccounts)?;
        let body = request.into_inner();
        let mut violations = Violations::default();
        let organisation = optional(
            &mut violations,
            "organisation_id",
            &body.organisation_id,
            OrganisationId::parse,
        );
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
        trail: &Trail,
        request: Request<pb::DisableAccountRequest>,
    ) -> Result<pb::DisableAccountResponse, ApiError> {
        let principal = self.ctx.authenticate(&request, trail).await?;
        policy::authorize_action(&principal, Action::DisableAccount)?;
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
        trail: &Trail,
        request: Request<pb::IssueTokenRequest>,
    ) -> Result<pb::IssueTokenResponse, ApiError> {
        let principal = self.ctx.authenticate(&request, trail).await?;
        policy::authorize_action(&principal, Action::IssueToken)?;
        let body = request.into_inner();
        let id = account_id(&body.account_id)?;
        let now = self.ctx.now();
        let account = self
            .ctx
            .store
            .account(id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("account {id}")))?;
        let validity = match body.validity.as_ref() {
            None => self.ctx.tokens.validity(account.role),
            Some(validity) => token_validity(validity)?,
        };
        let (secret, record) = token::generate(Some(now + validity));
        let info = self.ctx.store.add_token(id, &record, now).await?;
        Ok(pb::IssueTokenResponse {
            token: secret.expose().to_owned(),
            token_id: record.id.to_string(),
            info: Some(token_info(&info)),
        })
    }

    async fn list_tokens(
        &self,
        trail: &Trail,
        request: Request<pb::ListTokensRequest>,
    ) -> Result<pb::ListTokensResponse, ApiError> {
        let principal = self.ctx.authenticate(&request, trail).await?;
        policy::authorize_action(&principal, Action::ListTokens)?;
        let body = request.into_inner();
        let mut violations = Violations::default();
        let account = optional(
            &mut violations,
            "account_id",
            &body.account_id,
            AccountId::parse,
        );
        let size = page_size(&mut violations, body.page_size);
        if !violations.is_empty() {
            return Err(Error::Invalid(violations).into());
        }
        let page = PageRequest {
            size,
            token: body.page_token,
        };
        let page = self
            .ctx
            .store
            .list_tokens(account, &page, self.ctx.now())
            .await?;
        Ok(pb::ListTokensResponse {
            tokens: page.items.iter().map(token_info).collect(),
            next_page_token: page.next_token,
        })
    }

    async fn revoke_token(
        &self,
        trail: &Trail,
        request: Request<pb::RevokeTokenRequest>,
    ) -> Result<pb::RevokeTokenResponse, ApiError> {
        let principal = self.ctx.authenticate(&request, trail).await?;
        policy::authorize_action(&principal, Action::RevokeToken)?;
        let id = token_id(&request.get_ref().token_id)?;
        let info = self.ctx.store.revoke_token(id, self.ctx.now()).await?;
        Ok(pb::RevokeTokenResponse {
            token: Some(token_info(&info)),
        })
    }

    async fn rotate_token(
        &self,
        trail: &Trail,
        request: Request<pb::RotateTokenRequest>,
    ) -> Result<pb::RotateTokenResponse, ApiError> {
        let principal = self.ctx.authenticate(&request, trail).await?;
        policy::authorize_action(&principal, Action::RotateToken)?;
        let body = request.into_inner();
        let id = token_id(&body.token_id)?;
        let grace = match body.grace_period.as_ref() {
            None => self.ctx.tokens.rotation_grace,
            Some(grace) => convert::from_duration(grace)
                .filter(|grace| *grace >= SignedDuration::ZERO && *grace <= MAX_GRACE)
                .ok_or_else(|| {
                    Error::invalid_field("grace_period", "must be between zero and 30 days")
                })?,
        };
        let now = self.ctx.now();
        let current = self
            .ctx
            .store
            .token(id, now)
            .await?
            .ok_or_else(|| Error::NotFound(format!("token {id}")))?;
        let account = self
            .ctx
            .store
            .account(current.account.id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("account {}", current.account.id)))?;
        // The new token lasts as long as a new one would for the account.
        let validity = self.ctx.tokens.validity(account.role);
        let (secret, record) = token::generate(Some(now + validity));
        let (new, old) = self
            .ctx
            .store
            .rotate_token(id, &record, now + grace, now)
            .await?;
        Ok(pb::RotateTokenResponse {
            token: secret.expose().to_owned(),
            info: Some(token_info(&new)),
            previous: Some(token_info(&old)),
        })
    }

    async fn bind_certificate(
        &self,
        trail: &Trail,
        request: Request<pb::BindCertificateRequest>,
    ) -> Result<pb::BindCertificateResponse, ApiError> {
        let principal = self.ctx.authenticate(&request, trail).await?;
        policy::authorize_action(&principal, Action::BindCertificate)?;
        let body = request.into_inner();
        let mut violations = Violations::default();
        let account = AccountId::parse(&body.account_id)
            .map_err(|reason| violations.add("account_id", reason))
            .ok();
        let fingerprint = CertificateFingerprint::parse(&body.fingerprint)
            .map_err(|e| violations.add("fingerprint", e.to_string()))
            .ok();
        let (Some(account), Some(fingerprint)) = (account, fingerprint) else {
            return Err(Error::Invalid(violations).into());
        };
        let binding = self
            .ctx
            .store
            .bind_certificate(account, fingerprint.as_bytes(), self.ctx.now())
            .await?;
        Ok(pb::BindCertificateResponse {
            binding: Some(certificate_binding(&binding)),
        })
    }

    async fn list_certificates(
        &self,
        trail: &Trail,
        request: Request<pb::ListCertificatesRequest>,
    ) -> Result<pb::ListCertificatesResponse, ApiError> {
        let principal = self.ctx.authenticate(&request, trail).await?;
        policy::authorize_action(&principal, Action::ListCertificates)?;
        let account = match request.get_ref().account_id.trim() {
            "" => None,
            id => Some(account_id(id)?),
        };
        let bindings = self.ctx.store.list_certificates(account).await?;
        Ok(pb::ListCertificatesResponse {
            bindings: bindings.iter().map(certificate_binding).collect(),
        })
    }

    async fn unbind_certificate(
        &self,
        trail: &Trail,
        request: Request<pb::UnbindCertificateRequest>,
    ) -> Result<pb::UnbindCertificateResponse, ApiError> {
        let principal = self.ctx.authenticate(&request, trail).await?;
        policy::authorize_action(&principal, Action::UnbindCertificate)?;
        let fingerprint = CertificateFingerprint::parse(&request.get_ref().fingerprint)
            .map_err(|e| Error::invalid_field("fingerprint", e.to_string()))?;
        let binding = self
            .ctx
            .store
            .unbind_certificate(fingerprint.as_bytes())
            .await?;
        Ok(pb::UnbindCertificateResponse {
            binding: Some(certificate_binding(&binding)),
        })
    }

    async fn who_am_i(
        &self,
        trail: &Trail,
        request: Request<pb::WhoAmIRequest>,
    ) -> Result<pb::WhoAmIResponse, ApiError> {
        let principal = self.ctx.authenticate(&request, trail).await?;
        policy::authorize_action(&principal, Action::WhoAmI)?;
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
        trail: &Trail,
        request: Request<pb::SetSlaPolicyRequest>,
    ) -> Result<pb::SetSlaPolicyResponse, ApiError> {
        let principal = self.ctx.authenticate(&request, trail).await?;
        policy::authorize_action(&principal, Action::SetSlaPolicy)?;
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
        trail: &Trail,
        request: Request<pb::ListSlaPoliciesRequest>,
    ) -> Result<pb::ListSlaPoliciesResponse, ApiError> {
        let principal = self.ctx.authenticate(&request, trail).await?;
        policy::authorize_action(&principal, Action::ListSlaPolicies)?;
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
        trail: &Trail,
        request: Request<pb::SetOrganisationCalendarRequest>,
    ) -> Result<pb::SetOrganisationCalendarResponse, ApiError> {
        let principal = self.ctx.authenticate(&request, trail).await?;
        policy::authorize_action(&principal, Action::SetOrganisationCalendar)?;
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
        trail: &Trail,
        request: Request<pb::GetOrganisationCalendarRequest>,
    ) -> Result<pb::GetOrganisationCalendarResponse, ApiError> {
        let principal = self.ctx.authenticate(&request, trail).await?;
        policy::authorize_action(&principal, Action::GetOrganisationCalendar)?;
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

/// The longest a token may be issued for, and a rotated token kept.
const MAX_VALIDITY: SignedDuration = SignedDuration::from_hours(2 * 366 * 24);
const MAX_GRACE: SignedDuration = SignedDuration::from_hours(30 * 24);

fn token_validity(validity: &pbjson_types::Duration) -> Result<SignedDuration, Error> {
    convert::from_duration(validity)
        .filter(|validity| *validity > SignedDuration::ZERO && *validity <= MAX_VALIDITY)
        .ok_or_else(|| {
            Error::invalid_field("validity", "must be more than zero and at most two years")
        })
}

fn token_id(text: &str) -> Result<TokenId, Error> {
    TokenId::parse(text).map_err(|reason| Error::invalid_field("token_id", reason))
}

fn token_info(token: &TokenInfo) -> pb::Token {
    pb::Token {
        id: token.id.to_string(),
        account: Some((&token.account).into()),
        create_time: Some(convert::timestamp(token.created_at)),
        expire_time: token.expires_at.map(convert::timestamp),
        revoke_time: token.revoked_at.map(convert::timestamp),
        last_use_time: token.last_used_at.map(convert::timestamp),
        replaced_by: token
            .replaced_by
            .map(|id| id.to_string())
            .unwrap_or_default(),
        active: token.active,
    }
}

fn certificate_binding(binding: &CertificateBinding) -> pb::CertificateBinding {
    pb::CertificateBinding {
        fingerprint: hex(&binding.fingerprint),
        account: Some((&binding.account).into()),
        create_time: Some(convert::timestamp(binding.created_at)),
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
        self.ctx
            .respond(
                Action::CreateOrganisation,
                request.remote_addr(),
                async |trail| AdminApi::create_organisation(self, trail, request).await,
            )
            .await
    }

    async fn list_organisations(
        &self,
        request: Request<pb::ListOrganisationsRequest>,
    ) -> Result<Response<pb::ListOrganisationsResponse>, Status> {
        self.ctx
            .respond(
                Action::ListOrganisations,
                request.remote_addr(),
                async |trail| AdminApi::list_organisations(self, trail, request).await,
            )
            .await
    }

    async fn create_account(
        &self,
        request: Request<pb::CreateAccountRequest>,
    ) -> Result<Response<pb::CreateAccountResponse>, Status> {
        self.ctx
            .respond(
                Action::CreateAccount,
                request.remote_addr(),
                async |trail| AdminApi::create_account(self, trail, request).await,
            )
            .await
    }

    async fn list_accounts(
        &self,
        request: Request<pb::ListAccountsRequest>,
    ) -> Result<Response<pb::ListAccountsResponse>, Status> {
        self.ctx
            .respond(Action::ListAccounts, request.remote_addr(), async |trail| {
                AdminApi::list_accounts(self, trail, request).await
            })
            .await
    }

    async fn disable_account(
        &self,
        request: Request<pb::DisableAccountRequest>,
    ) -> Result<Response<pb::DisableAccountResponse>, Status> {
        self.ctx
            .respond(
                Action::DisableAccount,
                request.remote_addr(),
                async |trail| AdminApi::disable_account(self, trail, request).await,
            )
            .await
    }

    async fn issue_token(
        &self,
        request: Request<pb::IssueTokenRequest>,
    ) -> Result<Response<pb::IssueTokenResponse>, Status> {
        self.ctx
            .respond(Action::IssueToken, request.remote_addr(), async |trail| {
                AdminApi::issue_token(self, trail, request).await
            })
            .await
    }

    async fn list_tokens(
        &self,
        request: Request<pb::ListTokensRequest>,
    ) -> Result<Response<pb::ListTokensResponse>, Status> {
        self.ctx
            .respond(Action::ListTokens, request.remote_addr(), async |trail| {
                AdminApi::list_tokens(self, trail, request).await
            })
            .await
    }

    async fn revoke_token(
        &self,
        request: Request<pb::RevokeTokenRequest>,
    ) -> Result<Response<pb::RevokeTokenResponse>, Status> {
        self.ctx
            .respond(Action::RevokeToken, request.remote_addr(), async |trail| {
                AdminApi::revoke_token(self, trail, request).await
            })
            .await
    }

    async fn rotate_token(
        &self,
        request: Request<pb::RotateTokenRequest>,
    ) -> Result<Response<pb::RotateTokenResponse>, Status> {
        self.ctx
            .respond(Action::RotateToken, request.remote_addr(), async |trail| {
                AdminApi::rotate_token(self, trail, request).await
            })
            .await
    }

    async fn bind_certificate(
        &self,
        request: Request<pb::BindCertificateRequest>,
    ) -> Result<Response<pb::BindCertificateResponse>, Status> {
        self.ctx
            .respond(
                Action::BindCertificate,
                request.remote_addr(),
                async |trail| AdminApi::bind_certificate(self, trail, request).await,
            )
            .await
    }

    async fn list_certificates(
        &self,
        request: Request<pb::ListCertificatesRequest>,
    ) -> Result<Response<pb::ListCertificatesResponse>, Status> {
        self.ctx
            .respond(
                Action::ListCertificates,
                request.remote_addr(),
                async |trail| AdminApi::list_certificates(self, trail, request).await,
            )
            .await
    }

    async fn unbind_certificate(
        &self,
        request: Request<pb::UnbindCertificateRequest>,
    ) -> Result<Response<pb::UnbindCertificateResponse>, Status> {
        self.ctx
            .respond(
                Action::UnbindCertificate,
                request.remote_addr(),
                async |trail| AdminApi::unbind_certificate(self, trail, request).await,
            )
            .await
    }

    async fn who_am_i(
        &self,
        request: Request<pb::WhoAmIRequest>,
    ) -> Result<Response<pb::WhoAmIResponse>, Status> {
        self.ctx
            .respond(Action::WhoAmI, request.remote_addr(), async |trail| {
                AdminApi::who_am_i(self, trail, request).await
            })
            .await
    }

    async fn set_sla_policy(
        &self,
        request: Request<pb::SetSlaPolicyRequest>,
    ) -> Result<Response<pb::SetSlaPolicyResponse>, Status> {
        self.ctx
            .respond(Action::SetSlaPolicy, request.remote_addr(), async |trail| {
                AdminApi::set_sla_policy(self, trail, request).await
            })
            .await
    }

    async fn list_sla_policies(
        &self,
        request: Request<pb::ListSlaPoliciesRequest>,
    ) -> Result<Response<pb::ListSlaPoliciesResponse>, Status> {
        self.ctx
            .respond(
                Action::ListSlaPolicies,
                request.remote_addr(),
                async |trail| AdminApi::list_sla_policies(self, trail, request).await,
            )
            .await
    }

    async fn set_organisation_calendar(
        &self,
        request: Request<pb::SetOrganisationCalendarRequest>,
    ) -> Result<Response<pb::SetOrganisationCalendarResponse>, Status> {
        self.ctx
            .respond(
                Action::SetOrganisationCalendar,
                request.remote_addr(),
                async |trail| AdminApi::set_organisation_calendar(self, trail, request).await,
            )
            .await
    }

    async fn get_organisation_calendar(
        &self,
        request: Request<pb::GetOrganisationCalendarRequest>,
    ) -> Result<Response<pb::GetOrganisationCalendarResponse>, Status> {
        self.ctx
            .respond(
                Action::GetOrganisationCalendar,
                request.remote_addr(),
                async |trail| AdminApi::get_organisation_calendar(self, trail, request).await,
            )
            .await
    }
}
