//! Exporters: one instance per id, fed by every pipeline that names it. Each
//! settles the ack of every batch it receives: delivered or rejected.

mod debug;
mod file;
mod kafka;
mod otlp;
mod otlphttp;

use crate::component::ExporterFactory;

/// Every built-in exporter.
pub fn factories() -> Vec<&'static ExporterFactory> {
    vec![&debug::FACTORY, &file::FACTORY, &kafka::FACTORY, &otlp::FACTORY, &otlphttp::FACTORY]
}
