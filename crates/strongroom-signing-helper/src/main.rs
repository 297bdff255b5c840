//! `strongroom-signing-helper`: trades an X.509 certificate and its private key for temporary AWS
//! credentials through IAM Roles Anywhere `CreateSession`, with the commands, flags and outputs of
//! `aws_signing_helper` 1.8 (`credential-process`, `serve`, `update`, `sign-string`,
//! `read-certificate-data`, `version`).

mod cli;
mod commands;
mod error;
mod http;
mod identity;
mod serve;
mod session;
mod update;

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}
