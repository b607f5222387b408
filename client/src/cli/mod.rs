//! The `relais` command line: global options, then one module per command family.

mod admin;
mod audit;
mod batch;
mod bench;
mod case;
mod connection;
mod context;
mod error;
mod format;
mod input;
mod named;
mod output;
mod profile;
mod promise;
mod resolve;
mod sla;
mod value;
mod whoami;

use std::{fmt, process::ExitCode};

use clap::{Args, Parser, Subcommand};

use self::{connection::Connection, context::Context, output::Output};

/// Exchange cases between partners and health-insurance funds.
///
/// The server and the credentials come from flags, else from environment
/// variables, else from a profile of the configuration file (RELAIS_CONFIG,
/// by default ~/.config/relais/config.toml):
///
///     default_profile = "paris"
///     [profiles.paris]
///     url = "https://relais.cpam-paris.example:50051"
///     ca_cert = "ca.pem"            # relative to the file; ~/ is your home
///     client_cert = "paris.pem"     # optional, with client_key
///     client_key = "paris.key"
///     token_file = "paris.token"    # optional; chmod 600
#[derive(Debug, Parser)]
#[command(name = "relais", version, verbatim_doc_comment)]
pub(crate) struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct Global {
    // After each command's own flags in its help, which they would otherwise interleave.
    /// Print the server's response as JSON (errors too, on stdout).
    #[arg(long, global = true, display_order = 900)]
    json: bool,
    /// Print only the essential value (an id, a reference, a token).
    #[arg(
        short,
        long,
        global = true,
        conflicts_with = "json",
        display_order = 901
    )]
    quiet: bool,
    // Last: its help heading applies to the flags that follow it.
    #[command(flatten)]
    transport: connection::Transport,
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
    /// Organisations, accounts, tokens, certificates, promises and calendars
    /// (administrators).
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// The account the token (or the client certificate) belongs to.
    Whoami,
    /// Submit, follow and answer cases.
    #[command(subcommand)]
    Case(case::CaseCommand),
    /// How well the promises are kept.
    #[command(subcommand)]
    Sla(sla::SlaCommand),
    /// Who read or changed what, when and from where (auditors).
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Prefecture affiliation files: one case per household.
    #[command(subcommand)]
    Batch(batch::BatchCommand),
    /// Load a server and measure it: throughput, latency percentiles and
    /// errors. Seeds what it needs with an administrator's token.
    ///
    /// Every scenario but health first creates organisations, accounts and
    /// cases of its own through the API, their names suffixed with a new
    /// tag each run, so that runs can repeat on one server. The server
    /// limits each account's rate (limits.requests_per_second and
    /// limits.burst): to find its ceiling, raise them, for instance with
    /// RELAIS__LIMITS__REQUESTS_PER_SECOND=1000000 and
    /// RELAIS__LIMITS__BURST=1000000 in the server's environment.
    Bench(bench::BenchArgs),
}

impl Cli {
    /// Whether the command generates load, for which one thread would
    /// measure the client rather than the server.
    pub(crate) fn generates_load(&self) -> bool {
        matches!(self.command, Command::Bench(_))
    }
}

pub(crate) async fn run(cli: Cli) -> ExitCode {
    let Cli { global, command } = cli;
    let streaming = matches!(&command, Command::Case(c) if c.is_stream());
    let out = Output::new(global.json, global.quiet, streaming);
    let command = match command {
        // Resolving the connection reads the profile, the token file and the
        // certificates: a command that needs no server must not fail on them.
        Command::Batch(batch) => match batch::run_offline(&out, batch) {
            Ok(Ok(())) => return ExitCode::SUCCESS,
            Ok(Err(failure)) => {
                out.failure(&failure);
                return ExitCode::FAILURE;
            }
            Err(online) => Command::Batch(online),
        },
        command => command,
    };
    let connection = match Connection::resolve(global.transport) {
        Ok(connection) => connection,
        Err(failure) => {
            out.failure(&failure);
            return ExitCode::FAILURE;
        }
    };
    let ctx = Context::new(connection, out);
    let result = match command {
        Command::Admin(command) => admin::run(&ctx, command).await,
        Command::Whoami => whoami::run(&ctx).await,
        Command::Case(command) => case::run(&ctx, command).await,
        Command::Sla(command) => sla::run(&ctx, command).await,
        Command::Audit(command) => audit::run(&ctx, command).await,
        Command::Batch(command) => batch::run(&ctx, command).await,
        Command::Bench(args) => bench::run(&ctx, args).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            ctx.report(failure);
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
