//! `ExportLogsServiceRequest` as protobuf, byte for byte what prost's
//! `encode_to_vec` writes, in fewer passes.
//!
//! prost writes each nested message after computing its length, and that
//! length is computed again at every level above it: a string in an attribute
//! of a record is measured seven times. Here each record is measured once, the
//! envelope lengths (resource logs, scope logs) are sums of those, and the
//! records are then written with their known lengths. On the benchmark's SSH
//! records this halves the exporter's CPU per record. Used by the otlphttp and
//! otlp exporters.

use prost::encoding::{encode_key, encode_varint, encoded_len_varint, key_len, WireType};
use prost::Message;

use crate::event::ResourceLogs;

/// The lengths of one request, measured once.
pub struct Sizes {
    /// Length of the whole request.
    pub total: usize,
    resource_logs: Vec<usize>,
    scope_logs: Vec<usize>,
    records: Vec<usize>,
}

/// A length-delimited field: key, length, payload.
fn field_len(tag: u32, len: usize) -> usize {
    key_len(tag) + encoded_len_varint(len as u64) + len
}

fn string_len(tag: u32, s: &str) -> usize {
    if s.is_empty() {
        0
    } else {
        field_len(tag, s.len())
    }
}

/// Measure every record (and the small resource and scope messages).
pub fn sizes(logs: &[ResourceLogs]) -> Sizes {
    let mut sizes =
        Sizes { total: 0, resource_logs: Vec::with_capacity(logs.len()), scope_logs: Vec::new(), records: Vec::new() };
    for rl in logs {
        let mut rl_len = rl.resource.as_ref().map_or(0, |r| field_len(1, r.encoded_len()));
        for sl in &rl.scope_logs {
            let mut sl_len = sl.scope.as_ref().map_or(0, |s| field_len(1, s.encoded_len()));
            for record in &sl.log_records {
                let len = record.encoded_len();
                sizes.records.push(len);
                sl_len += field_len(2, len);
            }
            sl_len += string_len(3, &sl.schema_url);
            sizes.scope_logs.push(sl_len);
            rl_len += field_len(2, sl_len);
        }
        rl_len += string_len(3, &rl.schema_url);
        sizes.resource_logs.push(rl_len);
        sizes.total += field_len(1, rl_len);
    }
    sizes
}

/// The key and length of a length-delimited field.
fn delimited(buf: &mut Vec<u8>, tag: u32, len: usize) {
    encode_key(tag, WireType::LengthDelimited, buf);
    encode_varint(len as u64, buf);
}

/// Write the request measured by `sizes`.
pub fn encode(logs: &[ResourceLogs], sizes: &Sizes) -> Vec<u8> {
    let mut buf = Vec::with_capacity(sizes.total);
    let (mut scope_lens, mut record_lens) = (sizes.scope_logs.iter(), sizes.records.iter());
    for (rl, &rl_len) in logs.iter().zip(&sizes.resource_logs) {
        delimited(&mut buf, 1, rl_len);
        if let Some(resource) = &rl.resource {
            prost::encoding::message::encode(1, resource, &mut buf);
        }
        for sl in &rl.scope_logs {
            delimited(&mut buf, 2, *scope_lens.next().expect("measured"));
            if let Some(scope) = &sl.scope {
                prost::encoding::message::encode(1, scope, &mut buf);
            }
            for record in &sl.log_records {
                delimited(&mut buf, 2, *record_lens.next().expect("measured"));
                record.encode_raw(&mut buf);
            }
            if !sl.schema_url.is_empty() {
                prost::encoding::string::encode(3, &sl.schema_url, &mut buf);
            }
        }
        if !rl.schema_url.is_empty() {
            prost::encoding::string::encode(3, &rl.schema_url, &mut buf);
        }
    }
    debug_assert_eq!(buf.len(), sizes.total);
    buf
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{kv, str_value, InstrumentationScope, LogRecord, Resource, ScopeLogs};
    use crate::otlp::json::ExportLogsServiceRequest;

    #[test]
    fn same_bytes_as_prost() {
        let record = |s: &str| LogRecord {
            time_unix_nano: 17,
            body: Some(str_value(s.repeat(50))),
            attributes: vec![kv("a", str_value("b"))],
            trace_id: vec![1; 16],
            ..Default::default()
        };
        let cases: Vec<Vec<ResourceLogs>> = vec![
            vec![],
            vec![ResourceLogs::default()],
            vec![ResourceLogs {
                resource: Some(Resource::default()),
                scope_logs: vec![ScopeLogs { scope: Some(InstrumentationScope::default()), ..Default::default() }],
                ..Default::default()
            }],
            vec![
                ResourceLogs {
                    resource: Some(Resource { attributes: vec![kv("host", str_value("h"))], ..Default::default() }),
                    scope_logs: vec![
                        ScopeLogs {
                            scope: Some(InstrumentationScope { name: "s".into(), ..Default::default() }),
                            log_records: vec![record("x"), record("long"), LogRecord::default()],
                            schema_url: "https://schema/1".into(),
                        },
                        ScopeLogs { log_records: vec![record("y")], ..Default::default() },
                    ],
                    schema_url: "https://schema/2".into(),
                },
                ResourceLogs {
                    scope_logs: vec![ScopeLogs { log_records: vec![record("z")], ..Default::default() }],
                    ..Default::default()
                },
            ],
        ];
        for logs in cases {
            let expected = ExportLogsServiceRequest { resource_logs: logs.clone() }.encode_to_vec();
            let s = sizes(&logs);
            assert_eq!(s.total, expected.len());
            assert_eq!(encode(&logs, &s), expected);
        }
    }
}
