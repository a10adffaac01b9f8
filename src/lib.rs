//! ferrocol: an OpenTelemetry-Collector-style log pipeline for SSH and
//! access-audit events.
//!
//! # Layout
//! - [`config`]: YAML with positions → `${}` expansion → component configs → graph checks.
//! - [`component`]: factory and config traits, the contexts `build` receives.
//! - [`event`]: log batches (OTLP log records); [`signal`]: the three signals and
//!   what the topology needs of each batch type; [`ack`]: their delivery acks.
//! - [`topology`]: channel wiring, spawn, supervision and ordered shutdown.
//! - [`startup`]: check and start modes of a build, listeners bound at build time.
//! - [`http_server`]: the one HTTP server loop (otlp, health_check, self-metrics).
//! - [`net`]: address helpers.
//! - [`storage`]: the checkpoint store API behind `file_storage`.
//! - [`tail`]: the file-tailing engine (globs, rotation, offsets) behind `filelog` and `teleport`.
//! - [`anyvalue`]: JSON text straight into `AnyValue`, and key/value helpers.
//! - [`audit`]: the Linux audit record parser (`ssh_events`, OTTL's `ParseLinuxAudit`).
//! - [`export`]: queue, retries, TLS and counters shared by the network exporters.
//! - [`kafka`]: the Kafka client settings and payload encodings of the `kafka` exporter and receiver.
//! - [`otlp`]: OTLP/JSON and protobuf codecs shared by receivers and exporters.
//! - [`ottl`]: the OpenTelemetry Transformation Language behind `filter` and `transform`:
//!   the `ferrocol-ottl` crate (lib/ottl), with ferrocol's own converters registered.
//! - [`time`]: time parsing and printing with otelcol's semantics (Go layouts, strptime, tz
//!   database zones, RFC 3339, Go's text forms) for filelog, OTTL and teleport: the
//!   `ferrocol-gotime` crate (lib/gotime).
//! - [`receivers`], [`processors`], [`exporters`], [`extensions`]: one folder per component
//!   at the top of the repository, mounted here; [`registry`] lists them.
//! - [`cli`]: the `ferrocol` command.

pub mod ack;
pub mod anyvalue;
pub mod audit;
pub mod cli;
pub mod component;
pub mod config;
pub mod event;
pub mod export;
pub mod http_server;
pub mod kafka;
pub mod metrics;
pub mod net;
pub mod otlp;
pub mod ottl;
pub mod registry;
pub mod signal;
pub mod startup;
pub mod storage;
pub mod tail;
pub mod telemetry;
pub use ferrocol_gotime as time;
pub mod tls_server;
pub mod topology;

#[path = "../receivers/mod.rs"]
pub mod receivers;

#[path = "../processors/mod.rs"]
pub mod processors;

#[path = "../exporters/mod.rs"]
pub mod exporters;

#[path = "../extensions/mod.rs"]
pub mod extensions;
