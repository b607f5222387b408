//! Bearer tokens and client certificates: what proves who a caller is.

use jiff::Timestamp;
use relais_core::{
    Error,
    org::{Account, AccountId, Organisation, OrganisationId, OrganisationKind, Role, TokenId},
};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, sqlite::SqliteRow};
use uuid::Uuid;

use super::{
    account_ref, departement, fetch_account, instant, micros, named, not_found, optional_instant,
};
use crate::store::{
    CertificateBinding, Credential, CredentialOwner, NewToken, Page, PageRequest, StoreError,
    StoreResult, TokenInfo,
    page::{Cursor, paginate},
};

/// The account and organisation columns a caller's row carries.
const OWNER_COLUMNS: &str = "a.id AS account_id, a.name AS account_name, a.email, a.role, \
     a.created_at AS account_created_at, a.disabled_at, o.id AS organisation_id, \
     o.name AS organisation_name, o.kind, o.departement, o.created_at AS organisation_created_at";

fn owner_from_row(row: &SqliteRow, credential: Credential) -> StoreResult<CredentialOwner> {
    let organisation = Organisation {
        id: OrganisationId::from_uuid(row.try_get("organisation_id")?),
        name: row.try_get("organisation_name")?,
        kind: named(
            row.try_get("kind")?,
            OrganisationKind::from_name,
            "organisation kind",
        )?,
        departement: departement(row.try_get("departement")?)?,
        created_at: instant(row.try_get("organisation_created_at")?)?,
    };
    let account = Account {
        id: AccountId::from_uuid(row.try_get("account_id")?),
        organisation: organisation.as_ref(),
        name: row.try_get("account_name")?,
        email: row.try_get("email")?,
        role: named(row.try_get("role")?, Role::from_name, "role")?,
        created_at: instant(row.try_get("account_created_at")?)?,
        disabled_at: optional_instant(row.try_get("disabled_at")?)?,
    };
    Ok(CredentialOwner {
        credential,
        account,
        organisation,
    })
}

/// The owner of a usable token, in one statement: authentication runs on
/// every call.
pub(super) async fn token_owner(
    conn: &mut SqliteConnection,
    secret_hash: &[u8; 32],
    now: Timestamp,
) -> StoreResult<Option<CredentialOwner>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT t.id AS token_id, t.last_used_at, {OWNER_COLUMNS} FROM tokens t \
         JOIN accounts a ON a.id = t.account_id JOIN organisations o ON o.id = a.organisation_id \
         WHERE t.secret_hash = ? AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?) \
         AND a.disabled_at IS NULL"
    )))
    .bind(&secret_hash[..])
    .bind(micros(now))
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        let credential = Credential::Token {
            id: TokenId::from_uuid(row.try_get("token_id")?),
            last_used_at: optional_instant(row.try_get("last_used_at")?)?,
        };
        owner_from_row(&row, credential)
    })
    .transpose()
}

/// The owner of a bound certificate, if its account is enabled.
pub(super) async fn certificate_owner(
    conn: &mut SqliteConnection,
    fingerprint: &[u8; 32],
) -> StoreResult<Option<CredentialOwner>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {OWNER_COLUMNS} FROM certificate_bindings b \
         JOIN accounts a ON a.id = b.account_id JOIN organisations o ON o.id = a.organisation_id \
         WHERE b.fingerprint = ? AND a.disabled_at IS NULL"
    )))
    .bind(&fingerprint[..])
    .fetch_optional(conn)
    .await?;
    row.map(|row| owner_from_row(&row, Credential::Certificate(*fingerprint)))
        .transpose()
}

pub(super) async fn insert_token(
    conn: &mut SqliteConnection,
    account: AccountId,
    token: &NewToken,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO tokens (id, account_id, secret_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)")
        .bind(token.id.as_uuid())
        .bind(account.as_uuid())
        .bind(&token.secret_hash[..])
        .bind(micros(now))
        .bind(token.expires_at.map(micros))
        .execute(conn)
        .await?;
    Ok(())
}

const TOKEN_SELECT: &str = "SELECT t.id, t.account_id, a.name AS account_name, t.created_at, t.expires_at, \
     t.revoked_at, t.last_used_at, t.replaced_by, a.disabled_at \
     FROM tokens t JOIN accounts a ON a.id = t.account_id";

fn token_from_row(row: &SqliteRow, now: Timestamp) -> StoreResult<TokenInfo> {
    let expires_at = optional_instant(row.try_get("expires_at")?)?;
    let revoked_at = optional_instant(row.try_get("revoked_at")?)?;
    let disabled: Option<i64> = row.try_get("disabled_at")?;
    Ok(TokenInfo {
        id: TokenId::from_uuid(row.try_get("id")?),
        account: account_ref(row, "account_id", "account_name")?,
        created_at: instant(row.try_get("created_at")?)?,
        expires_at,
        revoked_at,
        last_used_at: optional_instant(row.try_get("last_used_at")?)?,
        replaced_by: row
            .try_get::<Option<Uuid>, _>("replaced_by")?
            .map(TokenId::from_uuid),
        active: revoked_at.is_none() && expires_at.is_none_or(|at| at > now) && disabled.is_none(),
    })
}

pub(super) async fn fetch_token(
    conn: &mut SqliteConnection,
    id: TokenId,
    now: Timestamp,
) -> StoreResult<Option<TokenInfo>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{TOKEN_SELECT} WHERE t.id = ?"
    )))
    .bind(id.as_uuid())
    .fetch_optional(conn)
    .await?;
    row.map(|row| token_from_row(&row, now)).transpose()
}

/// The page-token tag of token listings (newest first).
const TOKENS_ORDER: u8 = 3;

pub(super) async fn list_tokens(
    conn: &mut SqliteConnection,
    account: Option<AccountId>,
    page: &PageRequest,
    now: Timestamp,
) -> StoreResult<Page<TokenInfo>> {
    let limit = page.limit(100);
    let cursor = Cursor::decode(&page.token, TOKENS_ORDER)?;
    let mut query = QueryBuilder::<Sqlite>::new(format!("{TOKEN_SELECT} WHERE 1 = 1"));
    if let Some(account) = account {
        query
            .push(" AND t.account_id = ")
            .push_bind(account.as_uuid());
    }
    if let Some(cursor) = cursor {
        query
            .push(" AND (t.created_at, t.id) < (")
            .push_bind(cursor.key)
            .push(", ")
            .push_bind(cursor.id)
            .push(")");
    }
    query
        .push(" ORDER BY t.created_at DESC, t.id DESC LIMIT ")
        .push_bind(i64::from(limit) + 1);
    let rows = query.build().fetch_all(conn).await?;
    let items = rows
        .iter()
        .map(|row| {
            let token = token_from_row(row, now)?;
            let cursor = Cursor {
                order: TOKENS_ORDER,
                key: micros(token.created_at),
                id: token.id.as_uuid(),
            };
            Ok((cursor, token))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(paginate(items, limit))
}

pub(super) async fn revoke_token(
    conn: &mut SqliteConnection,
    id: TokenId,
    now: Timestamp,
) -> StoreResult<TokenInfo> {
    sqlx::query("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
        .bind(micros(now))
        .bind(id.as_uuid())
        .execute(&mut *conn)
        .await?;
    fetch_token(conn, id, now)
        .await?
        .ok_or_else(|| not_found(format!("token {id}")))
}

pub(super) async fn rotate_token(
    conn: &mut SqliteConnection,
    id: TokenId,
    new: &NewToken,
    old_expires_at: Timestamp,
    now: Timestamp,
) -> StoreResult<(TokenInfo, TokenInfo)> {
    let old = fetch_token(&mut *conn, id, now)
        .await?
        .ok_or_else(|| not_found(format!("token {id}")))?;
    if let Some(replacement) = old.replaced_by {
        return Err(Error::FailedPrecondition(format!(
            "token {id} was already rotated: rotate its replacement {replacement} instead"
        ))
        .into());
    }
    if !old.active {
        return Err(Error::FailedPrecondition(format!(
            "token {id} is revoked or expired: issue a new token instead"
        ))
        .into());
    }
    insert_token(&mut *conn, old.account.id, new, now).await?;
    let until = old
        .expires_at
        .map_or(old_expires_at, |at| at.min(old_expires_at));
    sqlx::query("UPDATE tokens SET expires_at = ?, replaced_by = ? WHERE id = ?")
        .bind(micros(until))
        .bind(new.id.as_uuid())
        .bind(id.as_uuid())
        .execute(&mut *conn)
        .await?;
    let new = fetch_token(&mut *conn, new.id, now)
        .await?
        .ok_or_else(|| StoreError::Corrupt("the new token vanished".to_owned()))?;
    let old = fetch_token(conn, id, now)
        .await?
        .ok_or_else(|| StoreError::Corrupt("the rotated token vanished".to_owned()))?;
    Ok((new, old))
}

pub(super) async fn touch_token(
    conn: &mut SqliteConnection,
    id: TokenId,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query("UPDATE tokens SET last_used_at = ? WHERE id = ?")
        .bind(micros(now))
        .bind(id.as_uuid())
        .execute(conn)
        .await?;
    Ok(())
}

const BINDING_SELECT: &str = "SELECT b.fingerprint, b.account_id, a.name AS account_name, b.created_at \
     FROM certificate_bindings b JOIN accounts a ON a.id = b.account_id";

fn binding_from_row(row: &SqliteRow) -> StoreResult<CertificateBinding> {
    let fingerprint: Vec<u8> = row.try_get("fingerprint")?;
    Ok(CertificateBinding {
        fingerprint: fingerprint.try_into().map_err(|_| {
            StoreError::Corrupt("a certificate fingerprint is not 32 bytes".to_owned())
        })?,
        account: account_ref(row, "account_id", "account_name")?,
        created_at: instant(row.try_get("created_at")?)?,
    })
}

async fn fetch_binding(
    conn: &mut SqliteConnection,
    fingerprint: &[u8; 32],
) -> StoreResult<Option<CertificateBinding>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{BINDING_SELECT} WHERE b.fingerprint = ?"
    )))
    .bind(&fingerprint[..])
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(binding_from_row).transpose()
}

pub(super) async fn bind_certificate(
    conn: &mut SqliteConnection,
    account: AccountId,
    fingerprint: &[u8; 32],
    now: Timestamp,
) -> StoreResult<CertificateBinding> {
    if fetch_account(&mut *conn, account).await?.is_none() {
        return Err(Error::invalid_field("account_id", "no such account").into());
    }
    if let Some(existing) = fetch_binding(&mut *conn, fingerprint).await? {
        if existing.account.id == account {
            return Ok(existing);
        }
        return Err(Error::AlreadyExists(format!(
            "this certificate is already bound to the account {} ({})",
            existing.account.name, existing.account.id
        ))
        .into());
    }
    sqlx::query(
        "INSERT INTO certificate_bindings (fingerprint, account_id, created_at) VALUES (?, ?, ?)",
    )
    .bind(&fingerprint[..])
    .bind(account.as_uuid())
    .bind(micros(now))
    .execute(&mut *conn)
    .await?;
    fetch_binding(conn, fingerprint)
        .await?
        .ok_or_else(|| StoreError::Corrupt("a binding vanished".to_owned()))
}

pub(super) async fn list_certificates(
    conn: &mut SqliteConnection,
    account: Option<AccountId>,
) -> StoreResult<Vec<CertificateBinding>> {
    let mut query = QueryBuilder::<Sqlite>::new(format!("{BINDING_SELECT} WHERE 1 = 1"));
    if let Some(account) = account {
        query
            .push(" AND b.account_id = ")
            .push_bind(account.as_uuid());
    }
    query.push(" ORDER BY b.created_at, b.fingerprint");
    let rows = query.build().fetch_all(conn).await?;
    rows.iter().map(binding_from_row).collect()
}

pub(super) async fn unbind_certificate(
    conn: &mut SqliteConnection,
    fingerprint: &[u8; 32],
) -> StoreResult<CertificateBinding> {
    let binding = fetch_binding(&mut *conn, fingerprint)
        .await?
        .ok_or_else(|| not_found("certificate binding"))?;
    sqlx::query("DELETE FROM certificate_bindings WHERE fingerprint = ?")
        .bind(&fingerprint[..])
        .execute(conn)
        .await?;
    Ok(binding)
}
