//! `relais sla`: how well the promises are kept.

mod report;

use clap::Subcommand;

use super::{context::Context, error::Failure};

#[derive(Debug, Subcommand)]
pub(crate) enum SlaCommand {
    /// Counts the promises kept on the cases received in a period, for the
    /// cases you may see.
    Report(report::ReportArgs),
}

pub(crate) async fn run(ctx: &Context, command: SlaCommand) -> Result<(), Failure> {
    match command {
        SlaCommand::Report(args) => report::run(ctx, args).await,
    }
}
