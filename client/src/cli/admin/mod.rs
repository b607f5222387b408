//! `relais admin`: organisations, accounts and tokens.

mod account;
mod org;
mod token;

use clap::Subcommand;

use super::{context::Context, error::Failure};

#[derive(Debug, Subcommand)]
pub(crate) enum AdminCommand {
    /// Funds and partners.
    #[command(subcommand)]
    Org(org::OrgCommand),
    /// The people and systems that call the service.
    #[command(subcommand)]
    Account(account::AccountCommand),
    /// Bearer tokens of accounts.
    #[command(subcommand)]
    Token(token::TokenCommand),
}

pub(crate) async fn run(ctx: &Context, command: AdminCommand) -> Result<(), Failure> {
    match command {
        AdminCommand::Org(command) => org::run(ctx, command).await,
        AdminCommand::Account(command) => account::run(ctx, command).await,
        AdminCommand::Token(command) => token::run(ctx, command).await,
    }
}
