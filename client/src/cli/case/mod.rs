//! `relais case`: submit, follow and answer cases.

mod change;
mod list;
mod show;
mod submit;
mod watch;

use clap::Subcommand;

use super::{context::Context, error::Failure};

#[derive(Debug, Subcommand)]
pub(crate) enum CaseCommand {
    /// Submits a case about one beneficiary (partners).
    Submit(Box<submit::SubmitArgs>),
    /// Lists the cases you may see and the promise each waits for, oldest
    /// first or by due instant.
    List(list::ListArgs),
    /// Shows one case with its conversation and its history.
    Show {
        /// The case's reference (`R-7K3M-9QX2`) or id.
        #[arg(value_name = "REF")]
        reference: String,
    },
    #[command(flatten)]
    Change(change::ChangeCommand),
    /// Prints case events as they happen, until interrupted.
    Watch(watch::WatchArgs),
}

impl CaseCommand {
    /// Whether the command prints a stream rather than one response.
    pub(crate) fn is_stream(&self) -> bool {
        matches!(self, CaseCommand::Watch(_))
    }
}

pub(crate) async fn run(ctx: &Context, command: CaseCommand) -> Result<(), Failure> {
    match command {
        CaseCommand::Submit(args) => submit::run(ctx, *args).await,
        CaseCommand::List(args) => list::run(ctx, args).await,
        CaseCommand::Show { reference } => show::run(ctx, &reference).await,
        CaseCommand::Change(command) => change::run(ctx, command).await,
        CaseCommand::Watch(args) => watch::run(ctx, args).await,
    }
}
