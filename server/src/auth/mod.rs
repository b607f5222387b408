//! Who is calling (credentials → [`Principal`]) and what they may do ([`policy`]).

pub mod policy;
pub mod token;

use jiff::Timestamp;
use relais_core::{
    case::Actor,
    ids::Departement,
    org::{AccountRef, OrgRef, OrganisationKind, Role, TokenId},
};
use tonic::metadata::MetadataMap;

use crate::store::{Store, StoreError, TokenOwner};

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    pub account: AccountRef,
    pub organisation: OrgRef,
    pub organisation_kind: OrganisationKind,
    pub organisation_departement: Option<Departement>,
    pub role: Role,
    pub token_id: TokenId,
}

impl Principal {
    pub fn actor(&self) -> Actor {
        Actor {
            account: self.account.clone(),
            organisation: self.organisation.clone(),
        }
    }
}

impl From<TokenOwner> for Principal {
    fn from(owner: TokenOwner) -> Self {
        Principal {
            account: AccountRef {
                id: owner.account.id,
                name: owner.account.name,
            },
            organisation: owner.organisation.as_ref(),
            organisation_kind: owner.organisation.kind,
            organisation_departement: owner.organisation.departement,
            role: owner.account.role,
            token_id: owner.token_id,
        }
    }
}

/// Why a caller could not be identified. The messages never echo the credentials.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("no credentials: send `authorization: Bearer <token>`")]
    Missing,
    #[error("malformed authorization header: expected `Bearer <token>`")]
    Malformed,
    #[error("invalid, revoked or expired token, or disabled account")]
    Rejected,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Identifies the caller of a request from its bearer token.
pub async fn authenticate<S: Store>(
    store: &S,
    metadata: &MetadataMap,
    now: Timestamp,
) -> Result<Principal, AuthError> {
    let header = metadata.get("authorization").ok_or(AuthError::Missing)?;
    let header = header.to_str().map_err(|_| AuthError::Malformed)?;
    let (scheme, secret) = header.trim().split_once(' ').ok_or(AuthError::Malformed)?;
    if !scheme.eq_ignore_ascii_case("bearer") || secret.trim().is_empty() {
        return Err(AuthError::Malformed);
    }
    let owner = store
        .token_owner(&token::hash(secret.trim()), now)
        .await?
        .ok_or(AuthError::Rejected)?;
    Ok(owner.into())
}
