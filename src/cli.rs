//! The `ferrocol` command: run, `validate`, `components`, `--version`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing::{error, info, warn};

use crate::config::{self, Config, ConfigError, Source};
use crate::registry::Registry;
use crate::startup::{Listeners, Mode, Startup};
use crate::topology::{self, Built, RunResult};

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
    /// Feature gates, as otelcol takes them: `--feature-gates=ottl.functions.enableLambda`
    /// (a `-` before a gate disables it, `+` or nothing enables it). Repeatable, comma-separated.
    #[arg(long = "feature-gates", global = true, value_name = "GATES", value_delimiter = ',')]
    pub feature_gates: Vec<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check the configuration and build every component without starting any.
    Validate,
    /// Print the built-in components as YAML.
    Components,
    /// Probe a health_check endpoint (for container HEALTHCHECKs): exit 0 on 200.
    Health {
        /// `host:port` of the health_check extension.
        #[arg(long, default_value = "127.0.0.1:13133")]
        endpoint: String,
        /// Its `path`.
        #[arg(long, default_value = "/")]
        path: String,
    },
}

/// The feature gates ferrocol knows (otelcol's IDs).
const FEATURE_GATES: [&str; 1] = [crate::ottl::LAMBDA_GATE];

impl Cli {
    /// Apply `--feature-gates`; an unknown gate is an error, as in otelcol.
    fn apply_feature_gates(&self) -> Result<(), String> {
        let mut lambdas = false;
        for g in self.feature_gates.iter().map(|g| g.trim()).filter(|g| !g.is_empty()) {
            let (id, on) = match g.strip_prefix('-') {
                Some(id) => (id, false),
                None => (g.strip_prefix('+').unwrap_or(g), true),
            };
            if !FEATURE_GATES.contains(&id) {
                return Err(format!("no such feature gate {id:?} (known: {})", FEATURE_GATES.join(", ")));
            }
            if id == crate::ottl::LAMBDA_GATE {
                lambdas = on;
            }
        }
        crate::ottl::set_lambdas(lambdas);
        Ok(())
    }

    fn sources(&self) -> Result<Vec<Source>, String> {
        let mut out: Vec<Source> = self.config.iter().map(|c| Source::from_arg(c)).collect();
        for s in &self.set {
            out.push(Source::from_set(s)?);
        }
        Ok(out)
    }
}

/// Load the configuration; every error as one line.
fn load(cli: &Cli) -> Result<Config, Vec<String>> {
    let sources = cli.sources().map_err(|e| vec![e])?;
    let env = |name: &str| std::env::var(name).ok();
    config::load(&sources, &env, &Registry::builtin()).map_err(|errors| {
        let mut lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        lines.push(format!("invalid configuration: {} error(s)", errors.len()));
        lines
    })
}

/// Run the command line: `components`, `validate`, or run until SIGINT/SIGTERM,
/// reloading the configuration on SIGHUP.
pub fn main(cli: Cli) -> ExitCode {
    match &cli.command {
        Some(Command::Components) => {
            print!("{}", Registry::builtin().components_yaml());
            return ExitCode::SUCCESS;
        }
        Some(Command::Health { endpoint, path }) => return crate::extensions::health_check::probe(endpoint, path),
        _ => {}
    }
    if let Err(e) = cli.apply_feature_gates() {
        eprintln!("ferrocol: {e}");
        return ExitCode::from(1);
    }
    let config = match load(&cli) {
        Ok(c) => c,
        Err(lines) => {
            let (last, errors) = lines.split_last().expect("at least the summary line");
            errors.iter().for_each(|l| eprintln!("{l}"));
            eprintln!("ferrocol: {last}");
            return ExitCode::from(1);
        }
    };
    let telemetry = &config.service.telemetry;
    crate::telemetry::register_secrets(&config.secrets);
    if let Err(e) = crate::telemetry::init_logs(&telemetry.log_level, telemetry.log_encoding == "json", &telemetry.logs)
    {
        eprintln!("ferrocol: {e}");
        return ExitCode::from(1);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("ferrocol: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    if matches!(cli.command, Some(Command::Validate)) {
        return runtime.block_on(async { validate(&config) });
    }
    let code = runtime.block_on(serve(cli, config));
    // A blocking write still stuck at the deadline (stdout nobody reads) must not
    // keep the process alive: leave such threads behind.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    code
}

/// `ferrocol validate`: build every component in check mode (nothing bound,
/// opened or started).
fn validate(config: &Config) -> ExitCode {
    config.warnings.iter().for_each(|w| eprintln!("warning: {w}"));
    match topology::build(config, Startup::new(Mode::Check)) {
        Ok(_) => ExitCode::SUCCESS,
        Err(errors) => {
            print_build_errors(&errors);
            ExitCode::from(1)
        }
    }
}

/// Build errors as config errors are printed: one positioned line each, then a summary.
fn print_build_errors(errors: &[ConfigError]) {
    errors.iter().for_each(|e| eprintln!("{}", crate::telemetry::redact(&e.to_string())));
    eprintln!("ferrocol: cannot start: {} error(s)", errors.len());
}

/// Why a running topology was asked to stop.
enum Stop {
    Terminate,
    /// SIGHUP with a configuration whose pipelines were built in start mode
    /// (ports bound, journals opened) while the old ones still ran.
    Reload(Box<(Config, Built)>),
}

/// Run topologies until told to terminate; each SIGHUP swaps in a new one.
async fn serve(cli: Cli, config: Config) -> ExitCode {
    let mut signals = match Signals::new() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("ferrocol: cannot install signal handlers: {e}");
            return ExitCode::from(1);
        }
    };
    // Every startup step happens here, before any task runs: a port taken or a
    // journal that cannot be opened ends the process now, naming the component.
    let mut built = match topology::build(&config, Startup::new(Mode::Start)) {
        Ok(b) => b,
        Err(errors) => {
            print_build_errors(&errors);
            return ExitCode::from(1);
        }
    };
    let mut config = config;
    loop {
        config.warnings.iter().for_each(|w| warn!("{w}"));
        let listeners = built.listeners.clone();
        let timeout = config.service.shutdown_timeout.0;
        let (result, stop) = topology::run(built, signals.next_stop(&cli, listeners), timeout).await;
        match result {
            RunResult::Failed(e) => {
                eprintln!("ferrocol: {}", crate::telemetry::redact(&e));
                return ExitCode::from(1);
            }
            RunResult::DeadlineExceeded(stages) => {
                warn!(?stages, "shutdown finished at the deadline; unsent batches were not checkpointed")
            }
            RunResult::Clean => {}
        }
        match stop {
            Some(Stop::Reload(next)) => {
                info!("configuration reloaded; starting the new pipelines");
                (config, built) = *next;
            }
            // Terminated, or every stage finished on its own.
            Some(Stop::Terminate) | None => return ExitCode::SUCCESS,
        }
    }
}

/// SIGINT/SIGTERM end the process; SIGHUP reloads the configuration.
struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Signals> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
            hup: signal(SignalKind::hangup())?,
        })
    }

    /// Resolves on SIGINT/SIGTERM, or on a SIGHUP whose new configuration loads
    /// and builds in start mode, taking over the running topology's sockets
    /// (`listeners`) where both use the same address. A configuration that does
    /// not is logged, with every error, and the running pipelines keep running.
    async fn next_stop(&mut self, cli: &Cli, listeners: Listeners) -> Stop {
        loop {
            tokio::select! {
                _ = self.term.recv() => return Stop::Terminate,
                _ = self.int.recv() => return Stop::Terminate,
                _ = self.hup.recv() => {
                    info!("SIGHUP: reloading the configuration");
                    let built = load(cli).and_then(|c| {
                        // Receivers read their checkpoints when their task starts,
                        // after the old pipelines stopped: nothing is read twice.
                        match topology::build(&c, Startup::replacing(listeners.clone())) {
                            Ok(b) => Ok((c, b)),
                            Err(errors) => Err(errors.iter().map(ToString::to_string).collect()),
                        }
                    });
                    match built {
                        Ok((c, b)) => {
                            crate::telemetry::register_secrets(&c.secrets);
                            return Stop::Reload(Box::new((c, b)));
                        }
                        Err(lines) => {
                            for l in &lines {
                                error!("{}", crate::telemetry::redact(l));
                            }
                            error!("the new configuration cannot start; the running pipelines keep running");
                        }
                    }
                }
            }
        }
    }
}
