//! The commands that move a case along: take, reply, note, request-info,
//! resolve, close, reopen, transfer, withdraw.

use clap::Subcommand;
use relais_client::pb;
use relais_core::case::{Outcome, Usefulness};
use serde::Serialize;

use crate::cli::{
    context::Context,
    error::Failure,
    format::{account_name, org_name},
    input,
    named::{name_of, named, status_label},
    resolve,
};

#[derive(Debug, Subcommand)]
pub(crate) enum ChangeCommand {
    /// Takes the case in charge (agents of the handling fund).
    Take {
        #[arg(value_name = "REF")]
        reference: String,
    },
    /// Sends a message to the other side.
    Reply {
        #[arg(value_name = "REF")]
        reference: String,
        /// The message; `-` reads it from stdin.
        #[arg(short, long)]
        message: String,
    },
    /// Adds an internal note, never shown to the partner (agents).
    Note {
        #[arg(value_name = "REF")]
        reference: String,
        /// The note; `-` reads it from stdin.
        #[arg(short, long)]
        message: String,
    },
    /// Asks the partner for information; the case waits on the partner (agents).
    RequestInfo {
        #[arg(value_name = "REF")]
        reference: String,
        /// What the partner must provide; `-` reads it from stdin.
        #[arg(short, long)]
        message: String,
    },
    /// Gives the outcome and the answer (agents).
    Resolve {
        #[arg(value_name = "REF")]
        reference: String,
        #[arg(long, value_parser = named::<Outcome>())]
        outcome: Outcome,
        /// The answer to the partner; `-` reads it from stdin.
        #[arg(short, long)]
        message: String,
    },
    /// Confirms a resolved case, rating the answer (partners).
    Close {
        #[arg(value_name = "REF")]
        reference: String,
        /// Whether the answer was useful.
        #[arg(long, value_parser = named::<Usefulness>())]
        useful: Usefulness,
    },
    /// Puts a resolved or closed case back in progress.
    Reopen {
        #[arg(value_name = "REF")]
        reference: String,
        /// Why; `-` reads it from stdin.
        #[arg(long)]
        reason: String,
    },
    /// Hands the case to another fund (agents).
    Transfer {
        #[arg(value_name = "REF")]
        reference: String,
        /// The new handling fund (id or name).
        #[arg(long, value_name = "ORG")]
        to: String,
        /// Why; `-` reads it from stdin.
        #[arg(long)]
        reason: String,
    },
    /// Cancels a case that is not resolved yet (partners).
    Withdraw {
        #[arg(value_name = "REF")]
        reference: String,
        /// Why; `-` reads it from stdin.
        #[arg(long)]
        reason: String,
    },
}

/// What the one line of human output says besides the new status.
#[derive(Debug, Clone, Copy)]
enum Said {
    Status,
    Assignee,
    Handler,
    Outcome,
    Message,
    Note,
}

pub(crate) async fn run(ctx: &Context, command: ChangeCommand) -> Result<(), Failure> {
    use pb::MessageVisibility::{Internal, Partner};
    let client = ctx.client().await?;
    match command {
        ChangeCommand::Take { reference } => {
            let response = client.take_case(&reference).await?;
            report(ctx, &response, response.case.as_ref(), Said::Assignee)
        }
        ChangeCommand::Reply { reference, message } => {
            let body = input::text(&message)?;
            let response = client.post_message(&reference, &body, Partner).await?;
            report(ctx, &response, response.case.as_ref(), Said::Message)
        }
        ChangeCommand::Note { reference, message } => {
            let body = input::text(&message)?;
            let response = client.post_message(&reference, &body, Internal).await?;
            report(ctx, &response, response.case.as_ref(), Said::Note)
        }
        ChangeCommand::RequestInfo { reference, message } => {
            let body = input::text(&message)?;
            let response = client.request_information(&reference, &body).await?;
            report(ctx, &response, response.case.as_ref(), Said::Status)
        }
        ChangeCommand::Resolve {
            reference,
            outcome,
            message,
        } => {
            let answer = input::text(&message)?;
            let outcome = pb::ResolutionOutcome::from(outcome);
            let response = client.resolve_case(&reference, outcome, &answer).await?;
            report(ctx, &response, response.case.as_ref(), Said::Outcome)
        }
        ChangeCommand::Close { reference, useful } => {
            let usefulness = pb::Usefulness::from(useful);
            let response = client.close_case(&reference, usefulness).await?;
            report(ctx, &response, response.case.as_ref(), Said::Status)
        }
        ChangeCommand::Reopen { reference, reason } => {
            let reason = input::text(&reason)?;
            let response = client.reopen_case(&reference, &reason).await?;
            report(ctx, &response, response.case.as_ref(), Said::Status)
        }
        ChangeCommand::Transfer {
            reference,
            to,
            reason,
        } => {
            let reason = input::text(&reason)?;
            let to = resolve::organisation_id(&client, &to).await?;
            let response = client.transfer_case(&reference, &to, &reason).await?;
            report(ctx, &response, response.case.as_ref(), Said::Handler)
        }
        ChangeCommand::Withdraw { reference, reason } => {
            let reason = input::text(&reason)?;
            let response = client.withdraw_case(&reference, &reason).await?;
            report(ctx, &response, response.case.as_ref(), Said::Status)
        }
    }
}

/// One line for people, the new status for scripts, the response for programs.
fn report<T: Serialize>(
    ctx: &Context,
    response: &T,
    case: Option<&pb::Case>,
    said: Said,
) -> Result<(), Failure> {
    let case = case.cloned().unwrap_or_default();
    ctx.out
        .response(response, || line(&case, said), || status_label(case.status))
}

fn line(case: &pb::Case, said: Said) -> String {
    let reference = &case.reference;
    let status = status_label(case.status);
    match said {
        Said::Status => format!("{reference} is now {status}"),
        Said::Assignee => match account_name(case.assignee.as_ref()) {
            "" => format!("{reference} is now {status}"),
            name => format!("{reference} is now {status}, assigned to {name}"),
        },
        Said::Handler => format!(
            "{reference} is now {status}, handled by {}",
            org_name(case.handler_organisation.as_ref())
        ),
        Said::Outcome => {
            let outcome = case
                .resolution
                .as_ref()
                .map(|r| name_of::<Outcome>(r.outcome))
                .unwrap_or_default();
            format!("{reference} is now {status} ({outcome})")
        }
        Said::Message => format!("Message sent on {reference}, which is {status}"),
        Said::Note => format!("Internal note added to {reference}, which is {status}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_with_the_reference_and_the_new_status() {
        let case = pb::Case {
            reference: "R-7K3M-9QX2".to_owned(),
            status: pb::CaseStatus::InProgress.into(),
            assignee: Some(pb::AccountRef {
                id: "a".to_owned(),
                name: "Awa Diallo".to_owned(),
            }),
            ..Default::default()
        };
        assert_eq!(
            line(&case, Said::Assignee),
            "R-7K3M-9QX2 is now IN_PROGRESS, assigned to Awa Diallo"
        );
        assert_eq!(
            line(&case, Said::Message),
            "Message sent on R-7K3M-9QX2, which is IN_PROGRESS"
        );
    }
}
