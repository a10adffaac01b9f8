use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = ferrocol::cli::Cli::parse();
    ferrocol::cli::main(cli)
}
