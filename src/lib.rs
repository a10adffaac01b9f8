//! ferrocol: an OpenTelemetry-Collector-style log pipeline for SSH and
//! access-audit events.
//!
//! # Layout
//! - [`config`]: YAML with positions → `${}` expansion → component configs → graph checks.
//! - [`component`]: factory and config traits, the contexts `build` receives.
//! - [`event`]: the batches that flow (OTLP log records) and [`ack`]: their delivery acks.
//! - [`topology`]: channel wiring, spawn, supervision and ordered shutdown.
//! - [`storage`]: the checkpoint store API behind `file_storage`.
//! - [`tail`]: the file-tailing engine (globs, rotation, offsets) behind `filelog` and `teleport`.
//! - [`anyvalue`]: JSON text straight into `AnyValue`, and key/value helpers.
//! - [`audit`]: the Linux audit record parser (`ssh_events`, OTTL's `ParseLinuxAudit`).
//! - [`export`]: queue, retries, TLS and counters shared by the network exporters.
//! - [`otlp`]: OTLP/JSON and protobuf codecs shared by receivers and exporters.
//! - [`ottl`]: the OpenTelemetry Transformation Language engine behind `filter` and `transform`.
//! - [`gotime`]: Go's text forms of times and durations, where output must match otelcol's.
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
pub mod gotime;
pub mod http_server;
pub mod metrics;
pub mod net;
pub mod otlp;
pub mod ottl;
pub mod registry;
pub mod startup;
pub mod storage;
pub mod tail;
pub mod telemetry;
pub mod topology;

#[path = "../receivers/mod.rs"]
pub mod receivers;

#[path = "../processors/mod.rs"]
pub mod processors;

#[path = "../exporters/mod.rs"]
pub mod exporters;

#[path = "../extensions/mod.rs"]
pub mod extensions;
