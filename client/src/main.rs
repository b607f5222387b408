//! `relais`: the Relais command line, for partners, funds and administrators.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    // One call at a time: a single-threaded runtime is all the CLI needs,
    // except to generate load, which one thread would cap.
    let mut builder = if cli.generates_load() {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    match builder.enable_all().build() {
        Ok(runtime) => runtime.block_on(cli::run(cli)),
        Err(error) => {
            eprintln!("relais: cannot start the runtime: {error}");
            ExitCode::FAILURE
        }
    }
}
