//! One integration test binary: each module drives the real `ferrocol` binary.

mod util;

mod cli;
mod debug_exporter;
mod extensions;
mod filelog;
mod otlp_receiver;
mod pipeline;
mod teleport;
