//! OTLP encodings shared by the otlp receiver and the otlphttp exporter.

pub mod json;
pub mod status;
