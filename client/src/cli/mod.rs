//! The `relais` command line: global options, then one module per command family.

mod admin;
mod case;
mod context;
mod error;
mod format;
mod input;
mod named;
mod output;
mod promise;
mod resolve;
mod sla;
mod value;
mod whoami;

use std::{fmt, process::ExitCode};

use clap::{Args, Parser, Subcommand};

use self::{context::Context, output::Output};

/// Exchange cases between partners and health-insurance funds.
#[derive(Debug, Parser)]
#[command(name = "relais", version)]
pub(crate) struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct Global {
    /// The Relais server.
    #[arg(
        long,
        env = "RELAIS_URL",
        default_value = "http://127.0.0.1:50051",
        global = true
    )]
    url: String,
    /// Your bearer token (`rls_…`).
    #[arg(long, env = "RELAIS_TOKEN", hide_env_values = true, global = true)]
    token: Option<Token>,
    /// Print the server's response as JSON (errors too, on stdout).
    #[arg(long, global = true)]
    json: bool,
    /// Print only the essential value (an id, a reference, a token).
    #[arg(short, long, global = true, conflicts_with = "json")]
    quiet: bool,
}

/// A bearer token, kept out of `Debug` so it cannot leak into a log or a panic message.
#[derive(Clone)]
pub(crate) struct Token(String);

impl From<String> for Token {
    fn from(value: String) -> Self {
        Token(value)
    }
}

impl Token {
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(…)")
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Organisations, accounts, tokens, promises and calendars (administrators).
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// The account the token belongs to.
    Whoami,
    /// Submit, follow and answer cases.
    #[command(subcommand)]
    Case(case::CaseCommand),
    /// How well the promises are kept.
    #[command(subcommand)]
    Sla(sla::SlaCommand),
}

pub(crate) async fn run(cli: Cli) -> ExitCode {
    let Cli { global, command } = cli;
    let streaming = matches!(&command, Command::Case(c) if c.is_stream());
    let out = Output::new(global.json, global.quiet, streaming);
    // An empty RELAIS_TOKEN is an unset one, not a token made of nothing.
    let token = global.token.filter(|t| !t.expose().trim().is_empty());
    let ctx = Context::new(global.url, token, out);
    let result = match command {
        Command::Admin(command) => admin::run(&ctx, command).await,
        Command::Whoami => whoami::run(&ctx).await,
        Command::Case(command) => case::run(&ctx, command).await,
        Command::Sla(command) => sla::run(&ctx, command).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            ctx.report(failure);
            ExitCode::FAILURE
        }
    }
}
