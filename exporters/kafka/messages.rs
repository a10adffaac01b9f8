//! A batch → its Kafka messages: the topic of each resource
//! (`topic_from_attribute`), the key (`partition_*`), the payload in the
//! signal's encoding, and batches split until each message fits in
//! `max_message_bytes`.

use sha2::{Digest, Sha256};

use crate::anyvalue::get_str;
use crate::event::{KeyValue, LogBatch, ResourceLogs, ScopeLogs};
use crate::kafka::encoding::{Encoding, KafkaSignal};
use crate::otlp::value::write_json_value;
use crate::signal::{MetricBatch, ResourceSpans, ScopeSpans, TraceBatch};

/// One message to produce.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub topic: String,
    pub key: Option<Vec<u8>>,
    pub payload: Vec<u8>,
}

/// How a signal's messages are keyed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Partition {
    None,
    /// One message per resource, keyed by a hash of its sorted attributes.
    ResourceAttributes,
    /// One message per trace ID, keyed by it.
    TraceId,
}

/// Where and how one signal's messages go.
#[derive(Clone, Debug)]
pub struct Routing {
    pub topic: String,
    pub topic_from_attribute: String,
    pub partition: Partition,
    pub encoding: Encoding,
    pub max_message_bytes: usize,
}

/// What routing needs of a signal beyond its encodings.
pub trait Route: KafkaSignal
where
    Self::Resource: prost::Message,
{
    /// The resource's items grouped by trace ID (signals without one: as it is).
    fn split_by_trace_id(r: Self::Resource) -> Vec<(Vec<u8>, Self::Resource)>;
}

impl Route for MetricBatch {
    fn split_by_trace_id(r: Self::Resource) -> Vec<(Vec<u8>, Self::Resource)> {
        vec![(Vec::new(), r)]
    }
}

impl Route for TraceBatch {
    fn split_by_trace_id(r: ResourceSpans) -> Vec<(Vec<u8>, ResourceSpans)> {
        let mut out: Vec<(Vec<u8>, ResourceSpans)> = Vec::new();
        for scope in r.scope_spans {
            for span in scope.spans {
                let at = match out.iter().position(|(id, _)| *id == span.trace_id) {
                    Some(at) => at,
                    None => {
                        let empty = ResourceSpans {
                            resource: r.resource.clone(),
                            scope_spans: Vec::new(),
                            schema_url: r.schema_url.clone(),
                        };
                        out.push((span.trace_id.clone(), empty));
                        out.len() - 1
                    }
                };
                let scopes = &mut out[at].1.scope_spans;
                if scopes.last().is_none_or(|s| s.scope != scope.scope || s.schema_url != scope.schema_url) {
                    let shell = ScopeSpans {
                        scope: scope.scope.clone(),
                        spans: Vec::new(),
                        schema_url: scope.schema_url.clone(),
                    };
                    scopes.push(shell);
                }
                scopes.last_mut().expect("pushed above").spans.push(span);
            }
        }
        out
    }
}

impl Route for LogBatch {
    fn split_by_trace_id(r: ResourceLogs) -> Vec<(Vec<u8>, ResourceLogs)> {
        let mut out: Vec<(Vec<u8>, ResourceLogs)> = Vec::new();
        for scope in r.scope_logs {
            for record in scope.log_records {
                let at = match out.iter().position(|(id, _)| *id == record.trace_id) {
                    Some(at) => at,
                    None => {
                        let empty = ResourceLogs {
                            resource: r.resource.clone(),
                            scope_logs: Vec::new(),
                            schema_url: r.schema_url.clone(),
                        };
                        out.push((record.trace_id.clone(), empty));
                        out.len() - 1
                    }
                };
                let scopes = &mut out[at].1.scope_logs;
                if scopes.last().is_none_or(|s| s.scope != scope.scope || s.schema_url != scope.schema_url) {
                    let shell = ScopeLogs {
                        scope: scope.scope.clone(),
                        log_records: Vec::new(),
                        schema_url: scope.schema_url.clone(),
                    };
                    scopes.push(shell);
                }
                scopes.last_mut().expect("pushed above").log_records.push(record);
            }
        }
        out
    }
}

/// A topic, a key, and the resources whose message(s) go there with it.
type Group<R> = (String, Option<Vec<u8>>, Vec<R>);

/// The messages of `data`; an error (a record too large alone, a body JSON
/// cannot carry) refuses the whole batch.
pub fn messages<B: Route>(routing: &Routing, data: Vec<B::Resource>) -> Result<Vec<Message>, String>
where
    B::Resource: prost::Message,
{
    let mut groups: Vec<Group<B::Resource>> = Vec::new();
    for r in data {
        let topic = topic_of::<B>(routing, &r);
        match routing.partition {
            Partition::None => match groups.iter_mut().find(|(t, _, _)| *t == topic) {
                Some((_, _, rs)) => rs.push(r),
                None => groups.push((topic, None, vec![r])),
            },
            Partition::ResourceAttributes => {
                let key = attributes_hash(B::resource_attributes(&r));
                groups.push((topic, Some(key), vec![r]));
            }
            Partition::TraceId => {
                for (id, part) in B::split_by_trace_id(r) {
                    let key = (!id.is_empty()).then_some(id);
                    match groups.iter_mut().find(|(t, k, _)| *t == topic && *k == key) {
                        Some((_, _, rs)) => rs.push(part),
                        None => groups.push((topic.clone(), key, vec![part])),
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    for (topic, key, data) in groups {
        for payload in fitting::<B>(routing, data)? {
            out.push(Message { topic: topic.clone(), key: key.clone(), payload });
        }
    }
    Ok(out)
}

fn topic_of<B: Route>(routing: &Routing, r: &B::Resource) -> String
where
    B::Resource: prost::Message,
{
    if !routing.topic_from_attribute.is_empty() {
        if let Some(t) = get_str(B::resource_attributes(r), &routing.topic_from_attribute).filter(|t| !t.is_empty()) {
            return t.to_string();
        }
    }
    routing.topic.clone()
}

/// Payloads of `data`, halving it until each fits in `max_message_bytes`.
fn fitting<B: Route>(routing: &Routing, mut data: Vec<B::Resource>) -> Result<Vec<Vec<u8>>, String>
where
    B::Resource: prost::Message,
{
    let payloads = B::encode(routing.encoding, &data)?;
    let Some(largest) = payloads.iter().map(Vec::len).max() else { return Ok(payloads) };
    if largest <= routing.max_message_bytes {
        return Ok(payloads);
    }
    let items = B::count(&data);
    if items <= 1 || routing.encoding == Encoding::Raw {
        return Err(format!(
            "a message of {largest} bytes is larger than producer::max_message_bytes ({})",
            routing.max_message_bytes
        ));
    }
    let head = B::take(&mut data, items / 2);
    let mut out = fitting::<B>(routing, head)?;
    out.extend(fitting::<B>(routing, data)?);
    Ok(out)
}

/// A stable key for a resource: SHA-256 of its attributes sorted by key, as
/// `key=json` lines, cut to 16 bytes (otelcol hashes the same content with
/// another function, so the bytes differ but the grouping is the same).
fn attributes_hash(attrs: &[KeyValue]) -> Vec<u8> {
    let mut sorted: Vec<&KeyValue> = attrs.iter().collect();
    sorted.sort_by(|a, b| a.key.cmp(&b.key));
    let mut h = Sha256::new();
    let mut text = String::new();
    for kv in sorted {
        text.clear();
        text.push_str(&kv.key);
        text.push('=');
        let _ = write_json_value(&mut text, kv.value.as_ref());
        text.push('\n');
        h.update(text.as_bytes());
    }
    h.finalize()[..16].to_vec()
}
