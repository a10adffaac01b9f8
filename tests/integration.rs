//! One integration test binary: each module drives the real `ferrocol` binary.

#[cfg(target_os = "linux")]
mod journal_util;
mod util;

mod cli;
mod debug_exporter;
mod extensions;
#[cfg(target_os = "linux")]
mod journald;
mod otlp_receiver;
mod pipeline;
mod reload;
