//! `relais admin account`.

use clap::{Args, Subcommand};
use relais_client::{collect_pages, pb};
use relais_core::org::Role;

use super::token::export_line;
use crate::cli::{
    context::Context,
    error::Failure,
    format::org_name,
    input,
    named::{name_of, named},
    output::{Listing, Mode, table},
    resolve,
};

#[derive(Debug, Subcommand)]
pub(crate) enum AccountCommand {
    /// Creates an account and its first token.
    Create(CreateArgs),
    /// Lists accounts.
    List {
        /// Only this organisation's accounts (id or name).
        #[arg(long, value_name = "ORG")]
        org: Option<String>,
    },
    /// Disables an account: its tokens stop working at once.
    Disable {
        #[arg(value_name = "ACCOUNT_ID")]
        account_id: String,
    },
}

#[derive(Debug, Args)]
pub(crate) struct CreateArgs {
    /// The organisation (id or name).
    #[arg(long, value_name = "ORG")]
    org: String,
    #[arg(long)]
    name: String,
    /// Unique among accounts.
    #[arg(long)]
    email: String,
    #[arg(long, value_parser = named::<Role>())]
    role: Role,
    /// Makes a retry safe: the same id returns the first account (without a token).
    #[arg(long, value_parser = input::request_id)]
    request_id: Option<String>,
}

pub(crate) async fn run(ctx: &Context, command: AccountCommand) -> Result<(), Failure> {
    match command {
        AccountCommand::Create(args) => create(ctx, args).await,
        AccountCommand::List { org } => list(ctx, org.as_deref()).await,
        AccountCommand::Disable { account_id } => disable(ctx, &account_id).await,
    }
}

async fn create(ctx: &Context, args: CreateArgs) -> Result<(), Failure> {
    let client = ctx.client().await?;
    let organisation_id = resolve::organisation_id(&client, &args.org).await?;
    let created = client
        .create_account(pb::CreateAccountRequest {
            request_id: args.request_id.unwrap_or_default(),
            organisation_id,
            name: args.name,
            email: args.email,
            role: pb::Role::from(args.role).into(),
        })
        .await?;
    let account = created.account.clone().unwrap_or_default();
    let already_existed = created.token.is_empty();
    if already_existed && ctx.out.mode() == Mode::Quiet {
        ctx.out.note(&retry_note(&account.id));
    }
    ctx.out.response(
        &created,
        || {
            let summary = format!(
                "{} <{}> ({}, {}): {}",
                account.name,
                account.email,
                name_of::<Role>(account.role),
                org_name(account.organisation.as_ref()),
                account.id
            );
            if already_existed {
                format!(
                    "Already created: account {summary}\n{}",
                    retry_note(&account.id)
                )
            } else {
                format!(
                    "Created account {summary}\nIts token, shown only this once:\n{}",
                    export_line(&created.token)
                )
            }
        },
        || created.token.clone(),
    )
}

/// A retried creation cannot show the token again: only its hash is stored.
fn retry_note(account_id: &str) -> String {
    format!(
        "This request had already been made, and a token is shown only once: \
         `relais admin token issue {account_id}` gives a new one."
    )
}

async fn list(ctx: &Context, org: Option<&str>) -> Result<(), Failure> {
    let client = ctx.client().await?;
    let mut request = pb::ListAccountsRequest::default();
    if let Some(org) = org {
        request.organisation_id = resolve::organisation_id(&client, org).await?;
    }
    let accounts = collect_pages(request, usize::MAX, |request| async {
        let page = client.list_accounts(request).await?;
        Ok((page.accounts, page.next_page_token))
    })
    .await?;
    ctx.out.response(
        &Listing {
            key: "accounts",
            items: &accounts,
        },
        || human(&accounts),
        || accounts.iter().map(|a| format!("{}\n", a.id)).collect(),
    )
}

fn human(accounts: &[pb::Account]) -> String {
    if accounts.is_empty() {
        return "No accounts.".to_owned();
    }
    let rows = accounts
        .iter()
        .map(|a| {
            [
                a.id.clone(),
                a.name.clone(),
                a.email.clone(),
                name_of::<Role>(a.role).to_owned(),
                org_name(a.organisation.as_ref()).to_owned(),
                if a.disabled { "yes" } else { "" }.to_owned(),
            ]
        })
        .collect();
    table(
        ["id", "name", "e-mail", "role", "organisation", "disabled"],
        rows,
    )
}

async fn disable(ctx: &Context, account_id: &str) -> Result<(), Failure> {
    let client = ctx.client().await?;
    let response = client.disable_account(account_id).await?;
    let account = response.account.clone().unwrap_or_default();
    ctx.out.response(
        &response,
        || format!("Disabled account {} ({})", account.name, account.id),
        || account.id.clone(),
    )
}
