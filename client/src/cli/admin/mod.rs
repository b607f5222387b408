//! `relais admin`: organisations, accounts and their credentials, and the
//! promises funds make.

mod account;
mod calendar;
mod cert;
mod org;
mod sla_policy;
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
    /// Client certificates that stand for accounts.
    #[command(subcommand)]
    Cert(cert::CertCommand),
    /// What funds promise on each category of cases.
    #[command(subcommand)]
    SlaPolicy(sla_policy::SlaPolicyCommand),
    /// How a fund counts working time.
    #[command(subcommand)]
    Calendar(calendar::CalendarCommand),
}

pub(crate) async fn run(ctx: &Context, command: AdminCommand) -> Result<(), Failure> {
    match command {
        AdminCommand::Org(command) => org::run(ctx, command).await,
        AdminCommand::Account(command) => account::run(ctx, command).await,
        AdminCommand::Token(command) => token::run(ctx, command).await,
        AdminCommand::Cert(command) => cert::run(ctx, command).await,
        AdminCommand::SlaPolicy(command) => sla_policy::run(ctx, command).await,
        AdminCommand::Calendar(command) => calendar::run(ctx, command).await,
    }
}
