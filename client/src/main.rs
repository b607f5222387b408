//! `relais`: the Relais command line, for partners, funds and administrators.

mod cli;

use std::process::ExitCode;

use clap::Parser;

// One call at a time: a single-threaded runtime is all the CLI needs.
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    cli::run(cli::Cli::parse()).await
}
