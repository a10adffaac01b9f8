//! Each signal's OTLP request type and its encodings, so that the otlp
//! receiver (HTTP and gRPC) and exporters handle the three signals with one
//! piece of code each: `ExportLogsServiceRequest` (our spec-exact OTLP/JSON
//! codec), `ExportTraceServiceRequest` and `ExportMetricsServiceRequest`
//! (OTLP/JSON through `opentelemetry-proto`'s serde mapping: lowerCamelCase
//! keys, hex ids, 64-bit integers as strings), their protobuf encoding, and
//! what a server's answer says of a partial success.

use opentelemetry_proto::tonic::collector::metrics::v1::{ExportMetricsServiceRequest, ExportMetricsServiceResponse};
use opentelemetry_proto::tonic::collector::trace::v1::{ExportTraceServiceRequest, ExportTraceServiceResponse};
use prost::Message;
use serde_json::Value;

use crate::event::LogBatch;
use crate::otlp::json::{
    decode_logs_request, decode_logs_response, encode_logs_request, ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use crate::otlp::{protobuf, Encoding};
use crate::signal::{Batch, MetricBatch, TraceBatch};

/// A signal as OTLP carries it.
pub trait OtlpSignal: Batch<Resource: Message + protobuf::Envelope> {
    type Request: Message + Default + Send + 'static;
    /// The default OTLP/HTTP path: `/v1/logs`, `/v1/traces`, `/v1/metrics`.
    const HTTP_PATH: &'static str;
    /// The `Export` method of the signal's gRPC collector service.
    const GRPC_METHOD: &'static str;

    fn into_request(data: Vec<Self::Resource>) -> Self::Request;
    fn from_request(request: Self::Request) -> Vec<Self::Resource>;
    fn decode_json(bytes: &[u8]) -> Result<Self::Request, String>;
    fn encode_json(data: &[Self::Resource]) -> Vec<u8>;

    /// `data` as an encoded protobuf request, unless that is over `max` bytes:
    /// then `Err` with its size (measured, not encoded). With ferrocol's
    /// encoder, which measures each item once.
    fn encode_protobuf(data: &[Self::Resource], max: usize) -> Result<Vec<u8>, usize> {
        let sizes = protobuf::sizes(data);
        if sizes.total > max {
            return Err(sizes.total);
        }
        Ok(protobuf::encode(data, &sizes))
    }

    /// The partial success in a server's answer (`Export…ServiceResponse`):
    /// the items it rejected and its message; `(0, "")` when there is none.
    fn partial_success(body: &[u8], encoding: Encoding) -> Result<(i64, String), String>;
}

impl OtlpSignal for LogBatch {
    type Request = ExportLogsServiceRequest;
    const HTTP_PATH: &'static str = "/v1/logs";
    const GRPC_METHOD: &'static str = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";

    fn into_request(resource_logs: Vec<Self::Resource>) -> Self::Request {
        ExportLogsServiceRequest { resource_logs }
    }
    fn from_request(request: Self::Request) -> Vec<Self::Resource> {
        request.resource_logs
    }
    fn decode_json(bytes: &[u8]) -> Result<Self::Request, String> {
        decode_logs_request(bytes)
    }
    fn encode_json(data: &[Self::Resource]) -> Vec<u8> {
        encode_logs_request(data)
    }
    fn partial_success(body: &[u8], encoding: Encoding) -> Result<(i64, String), String> {
        let response = match encoding {
            Encoding::Protobuf => ExportLogsServiceResponse::decode(body).map_err(|e| e.to_string())?,
            Encoding::Json => decode_logs_response(body)?,
        };
        Ok(response.partial_success.map(|p| (p.rejected_log_records, p.error_message)).unwrap_or_default())
    }
}

impl OtlpSignal for TraceBatch {
    type Request = ExportTraceServiceRequest;
    const HTTP_PATH: &'static str = "/v1/traces";
    const GRPC_METHOD: &'static str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

    fn into_request(resource_spans: Vec<Self::Resource>) -> Self::Request {
        ExportTraceServiceRequest { resource_spans }
    }
    fn from_request(request: Self::Request) -> Vec<Self::Resource> {
        request.resource_spans
    }
    fn decode_json(bytes: &[u8]) -> Result<Self::Request, String> {
        serde_json::from_slice(bytes).map_err(|e| format!("invalid OTLP/JSON: {e}"))
    }
    fn encode_json(data: &[Self::Resource]) -> Vec<u8> {
        let request = ExportTraceServiceRequest { resource_spans: data.to_vec() };
        serde_json::to_vec(&request).expect("OTLP messages serialize")
    }
    fn partial_success(body: &[u8], encoding: Encoding) -> Result<(i64, String), String> {
        match encoding {
            Encoding::Protobuf => Ok(ExportTraceServiceResponse::decode(body)
                .map_err(|e| e.to_string())?
                .partial_success
                .map(|p| (p.rejected_spans, p.error_message))
                .unwrap_or_default()),
            Encoding::Json => json_partial_success(body, ["rejectedSpans", "rejected_spans"]),
        }
    }
}

impl OtlpSignal for MetricBatch {
    type Request = ExportMetricsServiceRequest;
    const HTTP_PATH: &'static str = "/v1/metrics";
    const GRPC_METHOD: &'static str = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";

    fn into_request(resource_metrics: Vec<Self::Resource>) -> Self::Request {
        ExportMetricsServiceRequest { resource_metrics }
    }
    fn from_request(request: Self::Request) -> Vec<Self::Resource> {
        request.resource_metrics
    }
    fn decode_json(bytes: &[u8]) -> Result<Self::Request, String> {
        serde_json::from_slice(bytes).map_err(|e| format!("invalid OTLP/JSON: {e}"))
    }
    fn encode_json(data: &[Self::Resource]) -> Vec<u8> {
        let request = ExportMetricsServiceRequest { resource_metrics: data.to_vec() };
        serde_json::to_vec(&request).expect("OTLP messages serialize")
    }
    fn partial_success(body: &[u8], encoding: Encoding) -> Result<(i64, String), String> {
        match encoding {
            Encoding::Protobuf => Ok(ExportMetricsServiceResponse::decode(body)
                .map_err(|e| e.to_string())?
                .partial_success
                .map(|p| (p.rejected_data_points, p.error_message))
                .unwrap_or_default()),
            Encoding::Json => json_partial_success(body, ["rejectedDataPoints", "rejected_data_points"]),
        }
    }
}

/// `partialSuccess` of an OTLP/JSON response, whose count is under one of
/// `count_keys` (an integer or, as OTLP/JSON writes 64-bit integers, a string).
/// An empty body is an empty response.
fn json_partial_success(body: &[u8], count_keys: [&str; 2]) -> Result<(i64, String), String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok((0, String::new()));
    }
    let root: Value = serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
    let Some(p) = root.get("partialSuccess").or_else(|| root.get("partial_success")).filter(|p| !p.is_null()) else {
        return Ok((0, String::new()));
    };
    let count = match count_keys.iter().find_map(|k| p.get(*k)) {
        None | Some(Value::Null) => 0,
        Some(Value::Number(n)) => n.as_i64().ok_or_else(|| format!("partialSuccess: invalid count {n}"))?,
        Some(Value::String(s)) => s.parse().map_err(|_| format!("partialSuccess: invalid count {s:?}"))?,
        Some(other) => return Err(format!("partialSuccess: invalid count {other}")),
    };
    let message = match p.get("errorMessage").or_else(|| p.get("error_message")) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => return Err(format!("partialSuccess: invalid errorMessage {other}")),
    };
    Ok((count, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_json_uses_hex_ids_and_camel_case() {
        let text = r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c",
            "spanId":"eee19b7ec3c1b174","name":"op","kind":2,"startTimeUnixNano":"1544712660000000000"}]}]}]}"#;
        let req = TraceBatch::decode_json(text.as_bytes()).unwrap();
        let span = &req.resource_spans[0].scope_spans[0].spans[0];
        assert_eq!(hex::encode(&span.trace_id), "5b8efff798038103d269b633813fc60c");
        assert_eq!((span.kind, span.start_time_unix_nano), (2, 1_544_712_660_000_000_000));
        let back = String::from_utf8(TraceBatch::encode_json(&req.resource_spans)).unwrap();
        assert!(back.contains(r#""traceId":"5b8efff798038103d269b633813fc60c""#), "{back}");
        assert!(back.contains(r#""startTimeUnixNano":"1544712660000000000""#), "{back}");
    }

    #[test]
    fn metric_json_round_trips_a_sum() {
        let text = r#"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"requests","sum":{
            "dataPoints":[{"asInt":"7","timeUnixNano":"1"}],"aggregationTemporality":2,"isMonotonic":true}}]}]}]}"#;
        let req = MetricBatch::decode_json(text.as_bytes()).unwrap();
        assert_eq!(MetricBatch::count(&req.resource_metrics), 1);
        let again = MetricBatch::decode_json(&MetricBatch::encode_json(&req.resource_metrics)).unwrap();
        assert_eq!(again, req);
        assert!(TraceBatch::decode_json(b"{\"resourceSpans\": 3}").is_err());
    }

    #[test]
    fn protobuf_encoding_is_prost_s_and_measured_against_the_limit() {
        let text = r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c",
            "spanId":"eee19b7ec3c1b174","name":"op"}]}]}]}"#;
        let req = TraceBatch::decode_json(text.as_bytes()).unwrap();
        let bytes = TraceBatch::encode_protobuf(&req.resource_spans, 1 << 20).unwrap();
        assert_eq!(bytes, req.encode_to_vec());
        assert_eq!(TraceBatch::encode_protobuf(&req.resource_spans, 10), Err(bytes.len()));
    }

    #[test]
    fn partial_successes_in_either_encoding() {
        use opentelemetry_proto::tonic::collector::trace::v1::ExportTracePartialSuccess;
        let json = br#"{"partialSuccess":{"rejectedSpans":"3","errorMessage":"too old"}}"#;
        assert_eq!(TraceBatch::partial_success(json, Encoding::Json), Ok((3, "too old".into())));
        let json = br#"{"partialSuccess":{"rejectedDataPoints":2}}"#;
        assert_eq!(MetricBatch::partial_success(json, Encoding::Json), Ok((2, String::new())));
        assert_eq!(MetricBatch::partial_success(b" ", Encoding::Json), Ok((0, String::new())));
        assert_eq!(MetricBatch::partial_success(b"{}", Encoding::Json), Ok((0, String::new())));
        assert!(TraceBatch::partial_success(br#"{"partialSuccess":{"rejectedSpans":"x"}}"#, Encoding::Json).is_err());
        let proto = ExportTraceServiceResponse {
            partial_success: Some(ExportTracePartialSuccess { rejected_spans: 4, error_message: "m".into() }),
        }
        .encode_to_vec();
        assert_eq!(TraceBatch::partial_success(&proto, Encoding::Protobuf), Ok((4, "m".into())));
        assert_eq!(LogBatch::partial_success(b"", Encoding::Protobuf), Ok((0, String::new())));
        assert!(LogBatch::partial_success(b"\xff", Encoding::Protobuf).is_err());
    }
}
