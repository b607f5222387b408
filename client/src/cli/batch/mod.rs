//! `relais batch`: prefecture affiliation files, one household per case.

mod validate;

use clap::Subcommand;

use super::{context::Context, error::Failure, output::Output};

#[derive(Debug, Subcommand)]
pub(crate) enum BatchCommand {
    /// Checks an affiliation file as the server would, without sending it:
    /// works offline, with no server, URL or token.
    Validate(validate::ValidateArgs),
}

impl BatchCommand {
    /// Whether the command needs no server: it then runs before the
    /// connection's settings are read, so that a broken profile or a missing
    /// certificate cannot stop it.
    pub(crate) fn is_offline(&self) -> bool {
        matches!(self, BatchCommand::Validate(_))
    }
}

/// Runs a command for which [`BatchCommand::is_offline`] holds.
pub(crate) fn run_offline(out: &Output, command: BatchCommand) -> Result<(), Failure> {
    match command {
        BatchCommand::Validate(args) => validate::run(out, &args),
    }
}

pub(crate) async fn run(ctx: &Context, command: BatchCommand) -> Result<(), Failure> {
    match command {
        offline @ BatchCommand::Validate(_) => run_offline(&ctx.out, offline),
    }
}
