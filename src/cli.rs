//! The `ferrocol` command: run, `validate`, `components`, `--version`.

use std::future::Future;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing::{error, warn};

use crate::config::{self, Config, Source};
use crate::registry::Registry;
use crate::topology::{self, RunResult};

#[derive(Parser, Debug)]
#[command(
    name = "ferrocol",
    version,
    about = "An OpenTelemetry-Collector-style log pipeline for SSH and access-audit events"
)]
pub struct Cli {
    /// Configuration: a file path or a `file:`, `yaml:` or `env:` URI. Repeatable;
    /// later sources are deep-merged over earlier ones (lists are replaced).
    #[arg(long = "config", global = true, value_name = "URI")]
    pub config: Vec<String>,
    /// Set one value: `--set=processors::batch::timeout=2s`. Applied after --config.
    #[arg(long = "set", global = true, value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check the configuration and build every component without starting any.
    Validate,
    /// Print the built-in components as YAML.
    Components,
}

impl Cli {
    fn sources(&self) -> Result<Vec<Source>, String> {
        let mut out: Vec<Source> = self.config.iter().map(|c| Source::from_arg(c)).collect();
        for s in &self.set {
            out.push(Source::from_set(s)?);
        }
        Ok(out)
    }
}

/// Load the configuration, printing every error; `None` when there were any.
fn load(cli: &Cli) -> Option<Config> {
    let sources = match cli.sources() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("ferrocol: {e}");
            return None;
        }
    };
    let env = |name: &str| std::env::var(name).ok();
    match config::load(&sources, &env, &Registry::builtin()) {
        Ok(c) => Some(c),
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            eprintln!("ferrocol: invalid configuration: {} error(s)", errors.len());
            None
        }
    }
}

/// Run the command line; `shutdown` resolves when the process should stop.
pub fn main(cli: Cli, shutdown: impl Future<Output = ()> + Send + 'static) -> ExitCode {
    if let Some(Command::Components) = cli.command {
        print!("{}", Registry::builtin().components_yaml());
        return ExitCode::SUCCESS;
    }
    let Some(config) = load(&cli) else { return ExitCode::from(1) };
    let telemetry = &config.service.telemetry;
    crate::telemetry::init_logs(&telemetry.log_level, telemetry.log_encoding == "json");
    for w in &config.warnings {
        warn!("{w}");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("ferrocol: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(async move {
        // Building binds ports and opens files, so it runs inside the runtime.
        let built = match topology::build(&config) {
            Ok(b) => b,
            Err(errors) => {
                for e in &errors {
                    error!("{e}");
                    eprintln!("ferrocol: {e}");
                }
                return ExitCode::from(1);
            }
        };
        if matches!(cli.command, Some(Command::Validate)) {
            return ExitCode::SUCCESS;
        }
        match topology::run(built, shutdown, config.service.shutdown_timeout.0).await {
            RunResult::Clean => ExitCode::SUCCESS,
            RunResult::DeadlineExceeded(stages) => {
                warn!(?stages, "shutdown finished at the deadline; unsent batches were not checkpointed");
                ExitCode::SUCCESS
            }
            RunResult::Failed(e) => {
                eprintln!("ferrocol: {e}");
                ExitCode::from(1)
            }
        }
    })
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
