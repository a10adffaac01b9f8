//! Message payloads of each signal: `otlp_proto` (the signal's
//! `Export…ServiceRequest` as protobuf, otelcol's default), `otlp_json`, and for
//! logs `raw` (the exporter: one message per record body; the receiver: the
//! payload as a bytes body), `text` and `json` (receiver only).

use std::time::{SystemTime, UNIX_EPOCH};

use prost::Message;

use crate::anyvalue::{bytes_value as bytes_value_of, parse_json, Numbers};
use crate::event::{str_value, KeyValue, LogBatch, LogRecord, ResourceLogs, ScopeLogs};
use crate::otlp::signals::OtlpSignal;
use crate::otlp::value::write_json_value;
use crate::signal::{MetricBatch, TraceBatch};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    OtlpProto,
    OtlpJson,
    Raw,
    Text,
    Json,
}

impl Encoding {
    /// otelcol's names; `text_utf-8`/`text_utf8` are `text` (the only charset).
    pub fn parse(s: &str) -> Option<Encoding> {
        Some(match s {
            "otlp_proto" => Encoding::OtlpProto,
            "otlp_json" => Encoding::OtlpJson,
            "raw" => Encoding::Raw,
            "text" | "text_utf-8" | "text_utf8" => Encoding::Text,
            "json" => Encoding::Json,
            _ => return None,
        })
    }
}

/// The encodings a component accepts for `signal` (the exporter: `produce`).
pub fn check(name: &str, signal: &'static str, produce: bool) -> Result<Encoding, String> {
    let known = match (signal, produce) {
        ("logs", true) => "otlp_proto, otlp_json, raw",
        ("logs", false) => "otlp_proto, otlp_json, raw, text, json",
        _ => "otlp_proto, otlp_json",
    };
    match Encoding::parse(name) {
        Some(e) if known.split(", ").any(|k| Encoding::parse(k) == Some(e)) => Ok(e),
        _ if name.starts_with("text_") && !produce && signal == "logs" => {
            Err(format!("unsupported text encoding {name:?}: ferrocol decodes text as UTF-8 only (text, text_utf-8)"))
        }
        _ => Err(format!("unsupported encoding {name:?} for {signal} (supported: {known})")),
    }
}

/// A signal as Kafka messages carry it.
pub trait KafkaSignal: OtlpSignal
where
    Self::Resource: Message,
{
    /// otelcol's default topic.
    const DEFAULT_TOPIC: &'static str;

    fn resource_attributes(r: &Self::Resource) -> &[KeyValue];
    fn resource_attributes_mut(r: &mut Self::Resource) -> &mut Vec<KeyValue>;

    /// Payloads of `data` in an encoding other than the OTLP ones (logs' `raw`).
    fn encode_other(_encoding: Encoding, _data: &[Self::Resource]) -> Result<Vec<Vec<u8>>, String> {
        Err("unsupported encoding".into())
    }

    /// Records of a payload in an encoding other than the OTLP ones.
    fn decode_other(_encoding: Encoding, _payload: &[u8]) -> Result<Vec<Self::Resource>, String> {
        Err("unsupported encoding".into())
    }

    /// The payloads of `data`: one for the OTLP encodings.
    fn encode(encoding: Encoding, data: &[Self::Resource]) -> Result<Vec<Vec<u8>>, String> {
        match encoding {
            Encoding::OtlpProto => Ok(vec![encode_proto(data)]),
            Encoding::OtlpJson => Ok(vec![Self::encode_json(data)]),
            other => Self::encode_other(other, data),
        }
    }

    fn decode(encoding: Encoding, payload: &[u8]) -> Result<Vec<Self::Resource>, String> {
        match encoding {
            Encoding::OtlpProto => Self::Request::decode(payload)
                .map(Self::from_request)
                .map_err(|e| format!("invalid OTLP protobuf: {e}")),
            Encoding::OtlpJson => Self::decode_json(payload).map(Self::from_request),
            other => Self::decode_other(other, payload),
        }
    }
}

/// An `Export…ServiceRequest`: each resource is its field 1, so the request is
/// written straight from the slice, without copying it into a request first.
pub fn encode_proto<R: Message>(data: &[R]) -> Vec<u8> {
    let len: usize = data.iter().map(|r| prost::encoding::message::encoded_len(1, r)).sum();
    let mut buf = Vec::with_capacity(len);
    for r in data {
        prost::encoding::message::encode(1, r, &mut buf);
    }
    buf
}

fn attrs(r: &Option<crate::event::Resource>) -> &[KeyValue] {
    r.as_ref().map(|r| r.attributes.as_slice()).unwrap_or_default()
}

fn attrs_mut(r: &mut Option<crate::event::Resource>) -> &mut Vec<KeyValue> {
    &mut r.get_or_insert_with(Default::default).attributes
}

impl KafkaSignal for TraceBatch {
    const DEFAULT_TOPIC: &'static str = "otlp_spans";
    fn resource_attributes(r: &Self::Resource) -> &[KeyValue] {
        attrs(&r.resource)
    }
    fn resource_attributes_mut(r: &mut Self::Resource) -> &mut Vec<KeyValue> {
        attrs_mut(&mut r.resource)
    }
}

impl KafkaSignal for MetricBatch {
    const DEFAULT_TOPIC: &'static str = "otlp_metrics";
    fn resource_attributes(r: &Self::Resource) -> &[KeyValue] {
        attrs(&r.resource)
    }
    fn resource_attributes_mut(r: &mut Self::Resource) -> &mut Vec<KeyValue> {
        attrs_mut(&mut r.resource)
    }
}

impl KafkaSignal for LogBatch {
    const DEFAULT_TOPIC: &'static str = "otlp_logs";
    fn resource_attributes(r: &Self::Resource) -> &[KeyValue] {
        attrs(&r.resource)
    }
    fn resource_attributes_mut(r: &mut Self::Resource) -> &mut Vec<KeyValue> {
        attrs_mut(&mut r.resource)
    }

    /// `raw`: one message per record: a bytes body as it is, any other body as
    /// JSON (a string body quoted, as otelcol's `json.Marshal`); empty bodies
    /// send nothing.
    fn encode_other(encoding: Encoding, data: &[ResourceLogs]) -> Result<Vec<Vec<u8>>, String> {
        if encoding != Encoding::Raw {
            return Err("unsupported encoding".into());
        }
        let mut out = Vec::new();
        for record in data.iter().flat_map(|r| &r.scope_logs).flat_map(|s| &s.log_records) {
            use crate::event::any_value::Value;
            match record.body.as_ref().and_then(|b| b.value.as_ref()) {
                None => {}
                Some(Value::BytesValue(b)) => out.push(b.clone()),
                Some(_) => {
                    let mut text = String::new();
                    write_json_value(&mut text, record.body.as_ref())
                        .map_err(|_| "a record body holds a NaN or an infinity, which JSON cannot carry".to_string())?;
                    out.push(text.into_bytes());
                }
            }
        }
        out.retain(|m| !m.is_empty());
        Ok(out)
    }

    /// `raw` (bytes body), `text` (UTF-8 string body), `json` (the parsed
    /// document as body): one record, observed now.
    fn decode_other(encoding: Encoding, payload: &[u8]) -> Result<Vec<ResourceLogs>, String> {
        let body = match encoding {
            Encoding::Raw => bytes_value_of(payload.to_vec()),
            Encoding::Text => {
                str_value(std::str::from_utf8(payload).map_err(|e| format!("payload is not UTF-8 text: {e}"))?)
            }
            Encoding::Json => {
                let text = std::str::from_utf8(payload).map_err(|e| format!("payload is not UTF-8 JSON: {e}"))?;
                parse_json(text, Numbers::IntsAndDoubles).map_err(|e| format!("invalid JSON: {e}"))?
            }
            _ => return Err("unsupported encoding".into()),
        };
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or_default();
        let record = LogRecord { observed_time_unix_nano: now, body: Some(body), ..Default::default() };
        let scope = ScopeLogs { log_records: vec![record], ..Default::default() };
        Ok(vec![ResourceLogs { scope_logs: vec![scope], ..Default::default() }])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::AnyValue;

    fn logs(bodies: Vec<Option<AnyValue>>) -> Vec<ResourceLogs> {
        let log_records = bodies.into_iter().map(|body| LogRecord { body, ..Default::default() }).collect();
        vec![ResourceLogs { scope_logs: vec![ScopeLogs { log_records, ..Default::default() }], ..Default::default() }]
    }

    #[test]
    fn proto_written_from_the_slice_is_the_request() {
        let data = logs(vec![Some(str_value("a")), Some(str_value("b"))]);
        let request = LogBatch::into_request(data.clone());
        assert_eq!(encode_proto(&data), request.encode_to_vec());
        assert_eq!(LogBatch::decode(Encoding::OtlpProto, &encode_proto(&data)).unwrap(), data);
    }

    #[test]
    fn raw_sends_bytes_as_they_are_and_the_rest_as_json() {
        let data = logs(vec![Some(bytes_value_of(b"\x00bin".to_vec())), Some(str_value("hi \"x\"")), None]);
        let got = LogBatch::encode(Encoding::Raw, &data).unwrap();
        assert_eq!(got, vec![b"\x00bin".to_vec(), br#""hi \"x\"""#.to_vec()]);
    }

    #[test]
    fn text_and_json_payloads_become_one_record() {
        let text = LogBatch::decode(Encoding::Text, b"Accepted publickey").unwrap();
        let body = text[0].scope_logs[0].log_records[0].body.clone();
        assert_eq!(body, Some(str_value("Accepted publickey")));
        assert!(LogBatch::decode(Encoding::Text, b"\xff").unwrap_err().contains("UTF-8"));
        let json = LogBatch::decode(Encoding::Json, br#"{"user":"root","port":22}"#).unwrap();
        let body = json[0].scope_logs[0].log_records[0].body.as_ref().unwrap();
        assert!(crate::anyvalue::as_map(body).is_some_and(|m| m.len() == 2));
        assert!(LogBatch::decode(Encoding::Json, b"{").is_err());
    }

    #[test]
    fn each_side_accepts_its_encodings() {
        assert_eq!(check("raw", "logs", true), Ok(Encoding::Raw));
        assert!(check("raw", "traces", true).is_err());
        assert!(check("text", "logs", true).is_err());
        assert_eq!(check("text_utf-8", "logs", false), Ok(Encoding::Text));
        assert!(check("text_shift_jis", "logs", false).unwrap_err().contains("UTF-8"));
        assert!(check("jaeger_proto", "traces", false).unwrap_err().contains("otlp_proto, otlp_json"));
    }
}
