//! `relais admin token`.

use clap::Subcommand;

use crate::cli::{context::Context, error::Failure};

#[derive(Debug, Subcommand)]
pub(crate) enum TokenCommand {
    /// Issues a new token for an account; its earlier tokens stay valid.
    Issue {
        /// The account's id.
        #[arg(value_name = "ACCOUNT_ID")]
        account_id: String,
    },
}

pub(crate) async fn run(ctx: &Context, command: TokenCommand) -> Result<(), Failure> {
    match command {
        TokenCommand::Issue { account_id } => {
            let client = ctx.client().await?;
            let issued = client
                .issue_token(relais_client::pb::IssueTokenRequest {
                    account_id: account_id.clone(),
                    validity: None,
                })
                .await?;
            ctx.out.response(
                &issued,
                || {
                    format!(
                        "New token (id {}) for account {account_id}, shown only this once:\n{}",
                        issued.token_id,
                        export_line(&issued.token)
                    )
                },
                || issued.token.clone(),
            )
        }
    }
}

/// The line to paste in a shell to act as the account.
pub(super) fn export_line(token: &str) -> String {
    format!("  export RELAIS_TOKEN={token}")
}
