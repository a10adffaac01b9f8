//! OTLP/JSON for logs (`opentelemetry-proto/docs/specification.md`, "JSON Protobuf
//! Encoding"), for the otlp receiver and the otlphttp exporter.
//!
//! Decoding is lenient the way otelcol's pdata decoder is: lowerCamelCase and
//! snake_case keys, 64-bit integers as strings or numbers, enums as integers or
//! names, `null` as absent, unknown keys ignored. Errors name the JSON path of
//! the bad value: `resourceLogs[0].scopeLogs[1].logRecords[3].timeUnixNano: ...`.
//!
//! Encoding is spec-exact: lowerCamelCase keys, hex trace and span ids, 64-bit
//! integers as decimal strings, enums as integers, base64 bytes, and fields at
//! their default value left out. It writes straight into one `Vec<u8>`.

use serde_json::Value;

pub use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsPartialSuccess, ExportLogsServiceRequest, ExportLogsServiceResponse,
};

use crate::event::{any_value, AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList};
use crate::event::{LogRecord, Resource, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::common::v1::EntityRef;
use opentelemetry_proto::tonic::logs::v1::SeverityNumber;

/// Decode an OTLP/JSON `ExportLogsServiceRequest`.
pub fn decode_logs_request(bytes: &[u8]) -> Result<ExportLogsServiceRequest, String> {
    let root: Value = serde_json::from_slice(bytes).map_err(|e| format!("invalid JSON: {e}"))?;
    message(root, |req: &mut ExportLogsServiceRequest, k, v| {
        if let "resourceLogs" | "resource_logs" = k {
            req.resource_logs = list(v, resource_logs)?;
        }
        Ok(())
    })
    .map_err(|e| e.to_string())
}

/// Decode an OTLP/JSON `ExportLogsServiceResponse` (what an OTLP/HTTP server
/// answers); an empty body is an empty response.
pub fn decode_logs_response(bytes: &[u8]) -> Result<ExportLogsServiceResponse, String> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(ExportLogsServiceResponse::default());
    }
    let root: Value = serde_json::from_slice(bytes).map_err(|e| format!("invalid JSON: {e}"))?;
    message(root, |resp: &mut ExportLogsServiceResponse, k, v| {
        if let "partialSuccess" | "partial_success" = k {
            resp.partial_success = optional(v, partial_success)?;
        }
        Ok(())
    })
    .map_err(|e| e.to_string())
}

mod decode;
mod encode;

use decode::*;
pub use encode::encode_logs_request;

#[cfg(test)]
mod tests;
