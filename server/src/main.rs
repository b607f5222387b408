//! `relais-server`: serve the Relais API, or create the first administrator.

use std::{io::Write, net::SocketAddr, path::PathBuf, process::ExitCode};

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use relais_server::{
    Bootstrapped,
    config::{Config, DatabaseUrl, Overrides},
};
use tokio::net::TcpListener;

/// Relais: partners' cases to the health-insurance funds, answered on time.
#[derive(Debug, Parser)]
#[command(name = "relais-server", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// TOML configuration file (its values yield to RELAIS__* variables and flags).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Database URL [default: sqlite://relais.db].
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
    /// Address of the gRPC API [default: 127.0.0.1:50051].
    #[arg(long, global = true, value_name = "ADDR")]
    listen: Option<SocketAddr>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API (the default). On an empty database, first creates an
    /// administrator and prints its token once.
    Serve,
    /// Create the first administrator without serving, and print its token.
    /// Does nothing if an administrator exists.
    Bootstrap {
        /// Print a JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("relais-server: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("relais-server: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let overrides = Overrides {
        listen: cli.listen,
        database_url: cli.database_url.map(DatabaseUrl::new),
    };
    let config =
        Config::load(cli.config.as_deref(), &overrides).context("invalid configuration")?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Bootstrap { json } => {
            let outcome = relais_server::bootstrap(&config).await?;
            print_bootstrap(&outcome, json)
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    relais_server::telemetry::init(&config.log)?;
    relais_server::refuse_plaintext_off_loopback(config.listen)?;
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let outcome = relais_server::bootstrap(&config).await?;
    if outcome.created.is_some() {
        print_bootstrap(&outcome, false)?;
    }
    // The listener is bound: connections made from now on wait in its queue.
    let address = listener.local_addr()?;
    println!(
        "Relais is serving on http://{address} (database {})",
        config.database_url
    );
    relais_server::launch(config, listener, shutdown_signal()).await
}

/// Completes on Ctrl-C or, on Unix, SIGTERM (what container runtimes send).
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}

/// The token goes to standard output, never to the logs.
fn print_bootstrap(outcome: &Bootstrapped, json: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match (&outcome.created, json) {
        (Some(admin), true) => {
            let value = serde_json::json!({
                "created": true,
                "account_id": admin.account_id.to_string(),
                "email": admin.email,
                "token": admin.token.expose(),
            });
            writeln!(out, "{value}")?;
        }
        (None, true) => writeln!(out, "{}", serde_json::json!({ "created": false }))?,
        (Some(admin), false) => {
            writeln!(
                out,
                "Relais: created the first administrator ({}).",
                admin.email
            )?;
            writeln!(out, "Its token is shown this once; keep it somewhere safe:")?;
            writeln!(out)?;
            writeln!(out, "    export RELAIS_TOKEN={}", admin.token.expose())?;
            writeln!(out)?;
        }
        (None, false) => writeln!(
            out,
            "Relais: an administrator already exists; nothing was created. \
             An administrator can issue new tokens with `relais admin token issue ACCOUNT`."
        )?,
    }
    out.flush()?;
    Ok(())
}
