//! OTLP export requests (`Export{Logs,Trace,Metrics}ServiceRequest`) as
//! protobuf, byte for byte what prost's `encode_to_vec` writes, in fewer
//! passes.
//!
//! prost writes each nested message after computing its length, and that
//! length is computed again at every level above it: a string in an attribute
//! of a span is measured seven times. Here each item (log record, span,
//! metric) is measured once, the envelope lengths (resource, scope) are sums
//! of those, and the items are then written with their known lengths. On the
//! benchmark's SSH records this halves the exporter's CPU per record. Log
//! records go one step further ([`record`]): every nested length inside them
//! (bodies that are maps of maps, as Teleport's are) is measured once too.
//! Used by the otlphttp and otlp exporters and the persistent queue.

use opentelemetry_proto::tonic::common::v1::InstrumentationScope;
use opentelemetry_proto::tonic::logs::v1::{ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::metrics::v1::{ResourceMetrics, ScopeMetrics};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans};
use prost::encoding::{encode_key, encode_varint, encoded_len_varint, key_len, WireType};
use prost::Message;

mod record;

/// The top level of a request (`ResourceLogs`, `ResourceSpans`,
/// `ResourceMetrics`): resource (field 1), scopes (2), schema URL (3).
pub trait Envelope {
    type Scope: ScopeLevel;
    fn resource(&self) -> Option<&Resource>;
    fn scopes(&self) -> &[Self::Scope];
    fn schema_url(&self) -> &str;
}

/// The scope level (`ScopeLogs`, ...): scope (field 1), items (2), schema URL (3).
pub trait ScopeLevel {
    type Item: Item;
    fn scope(&self) -> Option<&InstrumentationScope>;
    fn items(&self) -> &[Self::Item];
    fn schema_url(&self) -> &str;
}

macro_rules! levels {
    ($resource:ty, $scope:ty, $scopes:ident, $items:ident, $item:ty) => {
        impl Envelope for $resource {
            type Scope = $scope;
            fn resource(&self) -> Option<&Resource> {
                self.resource.as_ref()
            }
            fn scopes(&self) -> &[$scope] {
                &self.$scopes
            }
            fn schema_url(&self) -> &str {
                &self.schema_url
            }
        }
        impl ScopeLevel for $scope {
            type Item = $item;
            fn scope(&self) -> Option<&InstrumentationScope> {
                self.scope.as_ref()
            }
            fn items(&self) -> &[$item] {
                &self.$items
            }
            fn schema_url(&self) -> &str {
                &self.schema_url
            }
        }
    };
}

/// One item of a request, measured then written in two passes.
pub trait Item: Message + Sized {
    /// The length of this item's encoding. Lengths that [`Item::write`] will
    /// need again (nested messages) are pushed to `nested`, in the order it
    /// reads them.
    fn measure(&self, _nested: &mut Vec<usize>) -> usize {
        self.encoded_len()
    }
    /// Write the item's fields (without its own key and length).
    fn write(&self, _nested: &mut std::slice::Iter<'_, usize>, buf: &mut Vec<u8>) {
        self.encode_raw(buf)
    }
}

impl Item for opentelemetry_proto::tonic::trace::v1::Span {}
impl Item for opentelemetry_proto::tonic::metrics::v1::Metric {}

levels!(ResourceLogs, ScopeLogs, scope_logs, log_records, opentelemetry_proto::tonic::logs::v1::LogRecord);
levels!(ResourceSpans, ScopeSpans, scope_spans, spans, opentelemetry_proto::tonic::trace::v1::Span);
levels!(ResourceMetrics, ScopeMetrics, scope_metrics, metrics, opentelemetry_proto::tonic::metrics::v1::Metric);

/// The lengths of one request, measured once.
pub struct Sizes {
    /// Length of the whole request.
    pub total: usize,
    resources: Vec<usize>,
    scopes: Vec<usize>,
    items: Vec<usize>,
    /// The nested lengths items asked to keep ([`Item::measure`]).
    nested: Vec<usize>,
}

/// A length-delimited field: key, length, payload.
fn field_len(tag: u32, len: usize) -> usize {
    key_len(tag) + encoded_len_varint(len as u64) + len
}

/// A string or bytes field, omitted when empty (proto3's default).
fn string_len(tag: u32, s: impl AsRef<[u8]>) -> usize {
    match s.as_ref().len() {
        0 => 0,
        n => field_len(tag, n),
    }
}

/// Measure every item (and the small resource and scope messages).
pub fn sizes<R: Envelope>(data: &[R]) -> Sizes {
    let mut sizes = Sizes {
        total: 0,
        resources: Vec::with_capacity(data.len()),
        scopes: Vec::new(),
        items: Vec::new(),
        nested: Vec::new(),
    };
    for r in data {
        let mut r_len = r.resource().map_or(0, |res| field_len(1, res.encoded_len()));
        for s in r.scopes() {
            let mut s_len = s.scope().map_or(0, |scope| field_len(1, scope.encoded_len()));
            sizes.items.reserve(s.items().len());
            for item in s.items() {
                let len = item.measure(&mut sizes.nested);
                sizes.items.push(len);
                s_len += field_len(2, len);
            }
            s_len += string_len(3, s.schema_url());
            sizes.scopes.push(s_len);
            r_len += field_len(2, s_len);
        }
        r_len += string_len(3, r.schema_url());
        sizes.resources.push(r_len);
        sizes.total += field_len(1, r_len);
    }
    sizes
}

/// The key and length of a length-delimited field.
fn delimited(buf: &mut Vec<u8>, tag: u32, len: usize) {
    encode_key(tag, WireType::LengthDelimited, buf);
    encode_varint(len as u64, buf);
}

/// A string or bytes field, written even when empty (a oneof's value).
fn string(buf: &mut Vec<u8>, tag: u32, s: impl AsRef<[u8]>) {
    let s = s.as_ref();
    delimited(buf, tag, s.len());
    buf.extend_from_slice(s);
}

/// A string or bytes field, omitted when empty (proto3's default).
fn string_if_set(buf: &mut Vec<u8>, tag: u32, s: impl AsRef<[u8]>) {
    if !s.as_ref().is_empty() {
        string(buf, tag, s);
    }
}

/// Write the request measured by `sizes`.
pub fn encode<R: Envelope>(data: &[R], sizes: &Sizes) -> Vec<u8> {
    let mut buf = Vec::with_capacity(sizes.total);
    encode_into(data, sizes, &mut buf);
    buf
}

/// [`encode`], appending to `buf`.
pub fn encode_into<R: Envelope>(data: &[R], sizes: &Sizes, buf: &mut Vec<u8>) {
    let start = buf.len();
    let (mut scope_lens, mut item_lens) = (sizes.scopes.iter(), sizes.items.iter());
    let mut nested = sizes.nested.iter();
    for (r, &r_len) in data.iter().zip(&sizes.resources) {
        delimited(buf, 1, r_len);
        if let Some(resource) = r.resource() {
            prost::encoding::message::encode(1, resource, buf);
        }
        for s in r.scopes() {
            delimited(buf, 2, *scope_lens.next().expect("measured"));
            if let Some(scope) = s.scope() {
                prost::encoding::message::encode(1, scope, buf);
            }
            for item in s.items() {
                delimited(buf, 2, *item_lens.next().expect("measured"));
                item.write(&mut nested, buf);
            }
            string_if_set(buf, 3, s.schema_url());
        }
        string_if_set(buf, 3, r.schema_url());
    }
    debug_assert_eq!(buf.len() - start, sizes.total);
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

    #[test]
    fn spans_and_metrics_same_bytes_as_prost() {
        use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
        use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
        use opentelemetry_proto::tonic::metrics::v1::{metric, Gauge, Metric, NumberDataPoint};
        use opentelemetry_proto::tonic::trace::v1::{span, Span, Status};
        let span = |name: &str| Span {
            trace_id: vec![7; 16],
            span_id: vec![8; 8],
            name: name.into(),
            kind: 2,
            start_time_unix_nano: 1,
            end_time_unix_nano: 2,
            attributes: vec![kv("http.route", str_value("/x".repeat(100)))],
            events: vec![span::Event {
                name: "e".into(),
                attributes: vec![kv("k", str_value("v"))],
                ..Default::default()
            }],
            status: Some(Status { code: 2, message: "bad".into() }),
            flags: 257,
            ..Default::default()
        };
        let scope = Some(InstrumentationScope { name: "lib".into(), version: "1".into(), ..Default::default() });
        let resource = Some(Resource { attributes: vec![kv("service.name", str_value("s"))], ..Default::default() });
        let spans = vec![
            ResourceSpans {
                resource: resource.clone(),
                scope_spans: vec![
                    ScopeSpans {
                        scope: scope.clone(),
                        spans: vec![span("a"), span(&"b".repeat(200))],
                        schema_url: "u".into(),
                    },
                    ScopeSpans::default(),
                ],
                schema_url: "v".into(),
            },
            ResourceSpans::default(),
        ];
        let expected = ExportTraceServiceRequest { resource_spans: spans.clone() }.encode_to_vec();
        assert_eq!(encode(&spans, &sizes(&spans)), expected);
        let point =
            NumberDataPoint { time_unix_nano: 3, attributes: vec![kv("a", str_value("b"))], ..Default::default() };
        let metrics = vec![ResourceMetrics {
            resource,
            scope_metrics: vec![ScopeMetrics {
                scope,
                metrics: vec![Metric {
                    name: "m".into(),
                    data: Some(metric::Data::Gauge(Gauge { data_points: vec![point; 3] })),
                    ..Default::default()
                }],
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }];
        let expected = ExportMetricsServiceRequest { resource_metrics: metrics.clone() }.encode_to_vec();
        let s = sizes(&metrics);
        assert_eq!(s.total, expected.len());
        assert_eq!(encode(&metrics, &s), expected);
    }
}
