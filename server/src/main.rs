//! `relais-server`: serve the Relais API, create the first administrator,
//! or run a small certificate authority for TLS.

use std::{io::Write, net::SocketAddr, path::PathBuf, process::ExitCode};

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use relais_core::org::AccountId;
use relais_server::{
    Bootstrapped,
    config::{Config, DatabaseUrl, Overrides, TlsOverrides},
    pki::{self, CaDir},
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
    /// Serve TLS with this PEM certificate chain (with --tls-key).
    #[arg(long, global = true, value_name = "FILE")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, global = true, value_name = "FILE")]
    tls_key: Option<PathBuf>,
    /// Let clients present certificates issued by this PEM CA (needs TLS).
    #[arg(long, global = true, value_name = "FILE")]
    tls_client_ca: Option<PathBuf>,
    /// Serve without TLS, on a loopback address only: for development.
    #[arg(long, global = true)]
    insecure_plaintext: bool,
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
    /// A small certificate authority for the server's and clients' certificates.
    /// Any other CA will do as well.
    #[command(subcommand)]
    Pki(Pki),
}

#[derive(Debug, Subcommand)]
enum Pki {
    /// Create a CA in DIR: ca.pem (for clients to trust) and ca.key (readable by
    /// its owner only), valid 10 years.
    Init {
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// Replace existing files.
        #[arg(long)]
        force: bool,
    },
    /// Issue the server's certificate from DIR's CA: server.pem (the chain) and
    /// server.key.
    ServerCert {
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// A DNS name or IP address clients connect to (repeatable).
        #[arg(long = "name", value_name = "HOST", required = true, num_args = 1..)]
        names: Vec<String>,
        #[arg(long, value_name = "N", default_value_t = pki::SERVER_DAYS)]
        days: u32,
        /// Replace existing files.
        #[arg(long)]
        force: bool,
    },
    /// Issue a client certificate for an account from DIR's CA:
    /// client-ACCOUNT.pem and client-ACCOUNT.key. Prints the fingerprint to bind
    /// to the account.
    ClientCert {
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// The account's identifier, which becomes the certificate's common name.
        #[arg(long, value_name = "ID", value_parser = AccountId::parse)]
        account: AccountId,
        #[arg(long, value_name = "N", default_value_t = pki::CLIENT_DAYS)]
        days: u32,
        /// Replace existing files.
        #[arg(long)]
        force: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    relais_server::tls::install_crypto_provider();
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
    if let Some(Command::Pki(command)) = cli.command {
        // Certificates need no configuration, and a broken one must not stop them.
        return run_pki(command);
    }
    let overrides = Overrides {
        listen: cli.listen,
        database_url: cli.database_url.map(DatabaseUrl::new),
        insecure_plaintext: cli.insecure_plaintext.then_some(true),
        tls: TlsOverrides {
            cert: cli.tls_cert,
            key: cli.tls_key,
            client_ca: cli.tls_client_ca,
        },
    };
    let config =
        Config::load(cli.config.as_deref(), &overrides).context("invalid configuration")?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Bootstrap { json } => {
            let outcome = relais_server::bootstrap(&config).await?;
            print_bootstrap(&outcome, json)
        }
        Command::Pki(command) => run_pki(command),
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    relais_server::telemetry::init(&config.log)?;
    relais_server::check_transport(&config, config.listen)?;
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let outcome = relais_server::bootstrap(&config).await?;
    if outcome.created.is_some() {
        print_bootstrap(&outcome, false)?;
    }
    // The listener is bound: connections made from now on wait in its queue.
    let address = listener.local_addr()?;
    let scheme = if config.tls.enabled() {
        "https"
    } else {
        "http"
    };
    println!(
        "Relais is serving on {scheme}://{address} (database {})",
        config.database_url
    );
    relais_server::launch(config, listener, shutdown_signal()).await
}

fn run_pki(command: Pki) -> anyhow::Result<()> {
    match command {
        Pki::Init { dir, force } => {
            let pki = CaDir::new(&dir);
            pki.init(force)?;
            println!(
                "Created a certificate authority: {} (give it to clients to trust) and {} \
                 (keep it secret).",
                pki.ca_cert().display(),
                pki.ca_key().display()
            );
            println!(
                "Next: relais-server pki server-cert --dir {} --name HOST",
                dir.display()
            );
        }
        Pki::ServerCert {
            dir,
            names,
            days,
            force,
        } => {
            let pki = CaDir::new(&dir);
            let issued = pki.issue_server(&names, days, force)?;
            println!(
                "Issued the server certificate for {} until {}: {} and {}.",
                names.join(", "),
                issued.not_after,
                pki.server_cert().display(),
                pki.server_key().display()
            );
            println!(
                "Serve with: relais-server --tls-cert {} --tls-key {}",
                pki.server_cert().display(),
                pki.server_key().display()
            );
        }
        Pki::ClientCert {
            dir,
            account,
            days,
            force,
        } => {
            let pki = CaDir::new(&dir);
            let account = account.to_string();
            let issued = pki.issue_client(&account, days, force)?;
            println!(
                "Issued a client certificate for account {account} until {}: {} and {}.",
                issued.not_after,
                pki.client_cert(&account).display(),
                pki.client_key(&account).display()
            );
            println!("Its fingerprint (SHA-256 of its public key), to bind to the account:");
            println!("{}", issued.fingerprint);
        }
    }
    Ok(())
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
