//! Who is calling (credentials → [`Principal`]), what they may do
//! ([`policy`]), and how much ([`limits`]).

pub mod limits;
pub mod policy;
pub mod token;

use std::{net::SocketAddr, sync::Arc, time::Duration};

use jiff::{SignedDuration, Timestamp};
use relais_core::{
    case::Actor,
    ids::Departement,
    org::{AccountRef, OrgRef, OrganisationKind, Role},
};
use tonic::Request;

use self::limits::Limits;
use crate::{
    config::TokensConfig,
    store::{Credential, CredentialOwner, CredentialStore, StoreError},
    tls::ClientCertificates,
};

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    pub account: AccountRef,
    pub organisation: OrgRef,
    pub organisation_kind: OrganisationKind,
    pub organisation_departement: Option<Departement>,
    pub role: Role,
    pub credential: Credential,
}

impl Principal {
    pub fn actor(&self) -> Actor {
        Actor {
            account: self.account.clone(),
            organisation: self.organisation.clone(),
        }
    }

    /// How the caller authenticated, for the audit trail: `token:ID` or
    /// `certificate:FINGERPRINT` (never the secret).
    pub fn credential_label(&self) -> String {
        match self.credential {
            Credential::Token { id, .. } => format!("token:{id}"),
            Credential::Certificate(fingerprint) => format!("certificate:{}", hex(&fingerprint)),
        }
    }
}

pub fn hex(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(bytes)
}

impl From<CredentialOwner> for Principal {
    fn from(owner: CredentialOwner) -> Self {
        Principal {
            account: AccountRef {
                id: owner.account.id,
                name: owner.account.name,
            },
            organisation: owner.organisation.as_ref(),
            organisation_kind: owner.organisation.kind,
            organisation_departement: owner.organisation.departement,
            role: owner.account.role,
            credential: owner.credential,
        }
    }
}

/// Why a caller could not be identified, or is held back. The messages
/// never echo the credentials.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("no credentials: send `authorization: Bearer <token>`, or a client certificate")]
    Missing,
    #[error("malformed authorization header: expected `Bearer <token>`")]
    Malformed,
    #[error("invalid, revoked or expired token, or disabled account")]
    Rejected,
    /// The client certificate is not acceptable; the reason says why.
    #[error("{0}")]
    Certificate(String),
    #[error(
        "this client certificate is not bound to any enabled account: an administrator binds it"
    )]
    Unbound,
    #[error(
        "the bearer token and the client certificate belong to different accounts: send the \
         credentials of one account"
    )]
    TwoAccounts,
    #[error("too many requests from this account: retry later")]
    TooManyRequests { retry_after: Duration },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Token lifetimes and the rotation grace period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenSettings {
    /// How long a token lasts for a person's account.
    pub person_validity: SignedDuration,
    /// How long a token lasts for a partner system's account.
    pub system_validity: SignedDuration,
    /// How long a rotated token keeps working by default.
    pub rotation_grace: SignedDuration,
}

impl Default for TokenSettings {
    fn default() -> Self {
        TokenSettings::from(&TokensConfig::default())
    }
}

impl From<&TokensConfig> for TokenSettings {
    fn from(config: &TokensConfig) -> Self {
        let days = |n: u32| SignedDuration::from_hours(i64::from(n) * 24);
        TokenSettings {
            person_validity: days(config.person_validity_days),
            system_validity: days(config.system_validity_days),
            rotation_grace: SignedDuration::from_hours(i64::from(config.rotation_grace_hours)),
        }
    }
}

impl TokenSettings {
    pub fn validity(&self, role: Role) -> SignedDuration {
        if role.is_person() {
            self.person_validity
        } else {
            self.system_validity
        }
    }
}

/// A token's use is recorded at most this often.
const TOUCH_INTERVAL: SignedDuration = SignedDuration::from_secs(60);

/// Identifies callers from their bearer token, client certificate, or both.
#[derive(Debug, Clone)]
pub struct Authenticator<S> {
    pub store: S,
    /// Present when the server accepts client certificates.
    pub certificates: Option<Arc<ClientCertificates>>,
    pub limits: Arc<Limits>,
}

impl<S: CredentialStore> Authenticator<S> {
    pub async fn authenticate<T>(
        &self,
        request: &Request<T>,
        now: Timestamp,
    ) -> Result<Principal, AuthError> {
        // The credentials are looked at even from an address that keeps
        // failing: refusing it beforehand would refuse the valid ones of
        // everyone else behind it. Only failures wait, and then get the
        // answer they would have had at once.
        let principal = match self.identify(request, now).await {
            Ok(principal) => principal,
            Err(error @ AuthError::Store(_)) => return Err(error),
            Err(error) => {
                if let Some(peer) = request.remote_addr() {
                    let delay = self.limits.failed(peer.ip());
                    if !delay.is_zero() {
                        tokio::time::sleep(delay).await;
                    }
                }
                return Err(error);
            }
        };
        self.limits
            .admit(principal.account.id)
            .map_err(|retry_after| AuthError::TooManyRequests { retry_after })?;
        if let Credential::Token { id, last_used_at } = principal.credential
            && last_used_at.is_none_or(|at| now.duration_since(at) >= TOUCH_INTERVAL)
        {
            // Recorded beside the request, not in its way.
            let store = self.store.clone();
            tokio::spawn(async move {
                if let Err(error) = store.touch_token(id, now).await {
                    tracing::warn!(%error, "could not record a token's use");
                }
            });
        }
        Ok(principal)
    }

    /// The caller, from every credential the request carries: a bearer
    /// token, a client certificate, or both. Each one presented must hold,
    /// and both must name the same account: a failing credential is a
    /// failure even beside a good one, and two accounts in one request would
    /// leave who acts to the order of these checks.
    async fn identify<T>(
        &self,
        request: &Request<T>,
        now: Timestamp,
    ) -> Result<Principal, AuthError> {
        let by_token = self.token_owner(request, now).await?;
        let by_certificate = self.certificate_owner(request, now).await?;
        match (by_token, by_certificate) {
            (Some(token), Some(certificate)) if token.account.id != certificate.account.id => {
                Err(AuthError::TwoAccounts)
            }
            // The token's principal, so that the audit trail names the token.
            (Some(principal), _) | (None, Some(principal)) => Ok(principal),
            (None, None) => Err(AuthError::Missing),
        }
    }

    /// Who the bearer token stands for; `None` without one.
    async fn token_owner<T>(
        &self,
        request: &Request<T>,
        now: Timestamp,
    ) -> Result<Option<Principal>, AuthError> {
        let Some(header) = request.metadata().get("authorization") else {
            return Ok(None);
        };
        let header = header.to_str().map_err(|_| AuthError::Malformed)?;
        let (scheme, secret) = header.trim().split_once(' ').ok_or(AuthError::Malformed)?;
        if !scheme.eq_ignore_ascii_case("bearer") || secret.trim().is_empty() {
            return Err(AuthError::Malformed);
        }
        let owner = self
            .store
            .token_owner(&token::hash(secret.trim()), now)
            .await?
            .ok_or(AuthError::Rejected)?;
        Ok(Some(owner.into()))
    }

    /// Who the client certificate stands for; `None` without one, or when
    /// the server has no client CA (it then asks for none).
    async fn certificate_owner<T>(
        &self,
        request: &Request<T>,
        now: Timestamp,
    ) -> Result<Option<Principal>, AuthError> {
        let chain = request.peer_certs().filter(|chain| !chain.is_empty());
        let (Some(chain), Some(certificates)) = (chain, &self.certificates) else {
            return Ok(None);
        };
        let fingerprint = certificates
            .check(&chain, now)
            .map_err(|problem| AuthError::Certificate(problem.to_string()))?;
        let owner = self
            .store
            .certificate_owner(fingerprint.as_bytes())
            .await?
            .ok_or(AuthError::Unbound)?;
        Ok(Some(owner.into()))
    }
}

/// The caller's address, for the audit trail.
pub fn peer_label(peer: Option<SocketAddr>) -> Option<String> {
    peer.map(|peer| peer.to_string())
}
