//! The `genrekit` command: tell the genre of every track in a music folder.
//!
//! `main` maps the result of `run` to an exit status; each subcommand lives in `cmd/`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

/// Tell the genre of every track in a music folder.
#[derive(Debug, Parser)]
#[command(name = "genrekit", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {}
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            if cmd::is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("genrekit: {err:#}");
            ExitCode::from(1)
        }
    }
}
