//! `fixlog`: the firmware security update log for industrial control equipment.
//!
//! The only place that knows clap, anyhow and exit codes: 0 success, 1 the subject does not
//! conform (or a publish conflicts), 2 usage or operational error.

use std::process::ExitCode;

use clap::Parser;

mod check_image;
mod cli;
mod csaf;
mod declare;
mod evidence;
mod export_remote;
mod export_static;
mod hashing;
mod import;
mod monitor;
mod openpgp;
mod progress;
mod publish;
mod serve;
mod verify;
mod witness;

use cli::{Cli, Command, PublishCommand, TokenCommand};

/// A failure with its exit code.
#[derive(Debug)]
pub struct Failure {
    /// 1 = non-conforming / conflict, 2 = usage or operational error.
    pub code: u8,
    /// One line naming the input at fault.
    pub message: String,
}

impl Failure {
    /// Exit code 1.
    pub fn finding(message: impl Into<String>) -> Self {
        Self {
            code: 1,
            message: message.into(),
        }
    }

    /// Exit code 2.
    pub fn operational(message: impl Into<String>) -> Self {
        Self {
            code: 2,
            message: message.into(),
        }
    }
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        Self::operational(format!("{error:#}"))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("fixlog: cannot start the runtime: {error}");
            return ExitCode::from(2);
        }
    };
    let result = runtime.block_on(run(cli));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("fixlog: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

async fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Serve(args) => serve::serve(args).await,
        Command::Keygen(args) => serve::keygen(args),
        Command::Token {
            command: TokenCommand::Create(args),
        } => serve::token_create(args).await,
        Command::Publish { command } => match command {
            PublishCommand::Release(args) => publish::release(args).await,
            PublishCommand::Advisory(args) => publish::advisory(args).await,
            PublishCommand::Product(args) => publish::product(args).await,
        },
        Command::Verify(args) => verify::verify(args).await,
        Command::CheckImage(args) => check_image::check_image(args).await,
        Command::Declare(args) => declare::declare(args).await,
        Command::Import { command } => import::run(command).await,
        Command::Export { command } => csaf::export(command).await,
        Command::Witness { command } => witness::run(command).await,
        Command::Policy(args) => witness::policy(args).await,
        Command::Monitor { command } => monitor::run(command).await,
        Command::Evidence { command } => evidence::run(command),
        Command::Openpgp { command } => openpgp::run(command),
        Command::Openapi => {
            println!("{}", fixlog_server::openapi::document_json());
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
