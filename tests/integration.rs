//! One integration test binary: each module drives the real `ferrocol` binary.

mod util;

mod cli;
mod debug_exporter;
mod extensions;
mod filelog;
mod metrics;
mod otlp_receiver;
mod otlphttp;
mod ottl_processors;
mod pipeline;
mod reload;
mod ssh_events;
mod teleport;
