//! One integration test binary: each module drives the real `ferrocol` binary.

#[cfg(target_os = "linux")]
mod journal_util;
mod util;

mod attribute_processors;
mod chaos;
mod cli;
mod components;
#[cfg(target_os = "linux")]
mod container;
mod debug_exporter;
mod extensions;
mod file_exporter;
mod filelog;
#[cfg(target_os = "linux")]
mod first_screen;
#[cfg(target_os = "linux")]
mod journald;
mod kafka;
mod memory_limiter;
mod metrics;
mod otel_sdk;
mod otlp_grpc;
mod otlp_receiver;
mod otlphttp;
mod ottl_processors;
mod ottl_signals;
#[cfg(target_os = "linux")]
mod package;
mod pipeline;
mod pprof_extension;
mod real_configs;
mod reload;
mod signal_processors;
mod ssh_alerts;
mod ssh_events;
mod telemetry_logs;
mod teleport;
