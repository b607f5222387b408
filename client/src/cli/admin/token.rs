//! `relais admin token`.

use clap::Subcommand;
use jiff::SignedDuration;
use relais_client::{collect_pages, pb};
use relais_proto::convert::duration;

use crate::cli::{
    context::Context,
    error::Failure,
    format::local_time,
    output::{Listing, table},
    value,
};

#[derive(Debug, Subcommand)]
pub(crate) enum TokenCommand {
    /// Issues a new token for an account; its earlier tokens stay valid.
    Issue {
        /// The account's id.
        #[arg(value_name = "ACCOUNT_ID")]
        account_id: String,
        /// How long the token lasts (`30d`, `12h`, `1h30m`; a day is 24 hours)
        /// [default: the server's, 90 days for a person].
        #[arg(long, value_name = "DURATION", value_parser = value::span)]
        validity: Option<SignedDuration>,
    },
    /// Lists tokens, without their secrets.
    List {
        /// Only this account's tokens.
        #[arg(long, value_name = "ACCOUNT_ID")]
        account: Option<String>,
    },
    /// Revokes a token: every server refuses it at once.
    Revoke {
        #[arg(value_name = "TOKEN_ID")]
        token_id: String,
    },
    /// Replaces a token with a new one; the old one keeps working for a
    /// grace period, for the systems that use it to switch.
    Rotate {
        #[arg(value_name = "TOKEN_ID")]
        token_id: String,
        /// How long the old token keeps working (`0s`: not at all)
        /// [default: the server's, 24 hours].
        #[arg(long, value_name = "DURATION", value_parser = value::span)]
        grace: Option<SignedDuration>,
    },
}

pub(crate) async fn run(ctx: &Context, command: TokenCommand) -> Result<(), Failure> {
    match command {
        TokenCommand::Issue {
            account_id,
            validity,
        } => issue(ctx, account_id, validity).await,
        TokenCommand::List { account } => list(ctx, account).await,
        TokenCommand::Revoke { token_id } => revoke(ctx, token_id).await,
        TokenCommand::Rotate { token_id, grace } => rotate(ctx, token_id, grace).await,
    }
}

async fn issue(
    ctx: &Context,
    account_id: String,
    validity: Option<SignedDuration>,
) -> Result<(), Failure> {
    let client = ctx.client().await?;
    let issued = client
        .issue_token(pb::IssueTokenRequest {
            account_id: account_id.clone(),
            validity: validity.map(duration),
        })
        .await?;
    ctx.out.response(
        &issued,
        || {
            let name = issued.info.as_ref().map_or("", account);
            let whose = if name.is_empty() || name == account_id {
                account_id.clone()
            } else {
                format!("{name} ({account_id})")
            };
            format!(
                "New token (id {}) for account {whose}, {}, shown only this once:\n{}",
                issued.token_id,
                lasting(issued.info.as_ref()),
                export_line(&issued.token)
            )
        },
        || issued.token.clone(),
    )
}

async fn list(ctx: &Context, account: Option<String>) -> Result<(), Failure> {
    let client = ctx.client().await?;
    let request = pb::ListTokensRequest {
        account_id: account.unwrap_or_default(),
        ..Default::default()
    };
    let tokens = collect_pages(request, usize::MAX, |request| async {
        let page = client.list_tokens(request).await?;
        Ok((page.tokens, page.next_page_token))
    })
    .await?;
    ctx.out.response(
        &Listing {
            key: "tokens",
            items: &tokens,
        },
        || human(&tokens),
        || tokens.iter().map(|t| format!("{}\n", t.id)).collect(),
    )
}

fn human(tokens: &[pb::Token]) -> String {
    if tokens.is_empty() {
        return "No tokens.".to_owned();
    }
    let rows = tokens
        .iter()
        .map(|t| {
            [
                t.id.clone(),
                account(t).to_owned(),
                local_time(t.create_time.as_ref()),
                expires(t),
                local_time(t.last_use_time.as_ref()),
                local_time(t.revoke_time.as_ref()),
                t.replaced_by.clone(),
                if t.active { "yes" } else { "no" }.to_owned(),
            ]
        })
        .collect();
    table(
        [
            "id",
            "account",
            "created",
            "expires",
            "last used",
            "revoked",
            "replaced by",
            "active",
        ],
        rows,
    )
}

async fn revoke(ctx: &Context, token_id: String) -> Result<(), Failure> {
    let client = ctx.client().await?;
    let response = client.revoke_token(&token_id).await?;
    let token = response.token.clone().unwrap_or_default();
    ctx.out.response(
        &response,
        || format!("Revoked token {} of account {}", token.id, account(&token)),
        || token.id.clone(),
    )
}

async fn rotate(
    ctx: &Context,
    token_id: String,
    grace: Option<SignedDuration>,
) -> Result<(), Failure> {
    let client = ctx.client().await?;
    let rotated = client
        .rotate_token(pb::RotateTokenRequest {
            token_id,
            grace_period: grace.map(duration),
        })
        .await?;
    let new = rotated.info.clone().unwrap_or_default();
    let old = rotated.previous.clone().unwrap_or_default();
    ctx.out.response(
        &rotated,
        || {
            let old_one = if old.active {
                format!(
                    "The old token (id {}) keeps working until {}.",
                    old.id,
                    expires(&old)
                )
            } else {
                format!("The old token (id {}) no longer works.", old.id)
            };
            format!(
                "New token (id {}) for account {}, {}, shown only this once:\n{}\n{old_one}",
                new.id,
                account(&new),
                lasting(Some(&new)),
                export_line(&rotated.token)
            )
        },
        || rotated.token.clone(),
    )
}

/// The line to paste in a shell to act as the account.
pub(super) fn export_line(token: &str) -> String {
    format!("  export RELAIS_TOKEN={token}")
}

/// `valid until 2026-04-12 10:15`, or `valid until revoked`.
fn lasting(info: Option<&pb::Token>) -> String {
    match info.and_then(|t| t.expire_time.as_ref()) {
        Some(time) => format!("valid until {}", local_time(Some(time))),
        None => "valid until revoked".to_owned(),
    }
}

fn expires(token: &pb::Token) -> String {
    match &token.expire_time {
        Some(time) => local_time(Some(time)),
        None => "never".to_owned(),
    }
}

/// The account's name, or its id from a server that did not give the name.
fn account(token: &pb::Token) -> &str {
    match &token.account {
        Some(account) if !account.name.is_empty() => &account.name,
        Some(account) => &account.id,
        None => "",
    }
}
