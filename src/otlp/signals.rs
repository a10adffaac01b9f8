//! Each signal's OTLP request type and its encodings, so that the otlp
//! receiver (HTTP and gRPC) and exporters handle the three signals with one
//! piece of code each: `ExportLogsServiceRequest` (our spec-exact OTLP/JSON
//! codec), `ExportTraceServiceRequest` and `ExportMetricsServiceRequest`
//! (OTLP/JSON through `opentelemetry-proto`'s serde mapping: lowerCamelCase
//! keys, hex ids, 64-bit integers as strings).

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;

use crate::event::LogBatch;
use crate::otlp::json::{decode_logs_request, encode_logs_request, ExportLogsServiceRequest};
use crate::signal::{Batch, MetricBatch, TraceBatch};

/// A signal as OTLP carries it.
pub trait OtlpSignal: Batch {
    type Request: prost::Message + Default + Send + 'static;
    /// The default OTLP/HTTP path: `/v1/logs`, `/v1/traces`, `/v1/metrics`.
    const HTTP_PATH: &'static str;

    fn into_request(data: Vec<Self::Resource>) -> Self::Request;
    fn from_request(request: Self::Request) -> Vec<Self::Resource>;
    fn decode_json(bytes: &[u8]) -> Result<Self::Request, String>;
    fn encode_json(data: &[Self::Resource]) -> Vec<u8>;
}

impl OtlpSignal for LogBatch {
    type Request = ExportLogsServiceRequest;
    const HTTP_PATH: &'static str = "/v1/logs";

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
}

impl OtlpSignal for TraceBatch {
    type Request = ExportTraceServiceRequest;
    const HTTP_PATH: &'static str = "/v1/traces";

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
}

impl OtlpSignal for MetricBatch {
    type Request = ExportMetricsServiceRequest;
    const HTTP_PATH: &'static str = "/v1/metrics";

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
}
