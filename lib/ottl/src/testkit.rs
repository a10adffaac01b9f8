//! Test helpers for code that runs OTTL (feature `testkit`): log records
//! written as JSON and read back, statements run on them, doc examples checked
//! in a table.

use opentelemetry_proto::tonic::common::v1::any_value::Value as Av;
use opentelemetry_proto::tonic::common::v1::{AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList};
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use opentelemetry_proto::tonic::resource::v1::Resource;
use serde_json::{json, Map, Value as J};

use crate::{run_statements, Condition, ContextKind, Ctx, ErrorMode, Functions, Statement};

/// A record with its resource and scope, as the tests write them in JSON:
/// `{"body": .., "attributes": {..}, "severity_text": .., "severity_number": ..,
/// "time_unix_nano": .., "trace_id": "hex", "resource": {..attributes..},
/// "scope": {"name": .., "version": .., "attributes": {..}}}`. JSON integers are
/// ints, other numbers doubles, `{"$bytes": "hex"}` is a byte slice.
pub struct Rec {
    pub resource: Option<Resource>,
    pub scope: Option<InstrumentationScope>,
    pub record: LogRecord,
}

pub fn any(j: &J) -> AnyValue {
    let v = match j {
        J::Null => None,
        J::Bool(b) => Some(Av::BoolValue(*b)),
        J::Number(n) => Some(match n.as_i64() {
            Some(i) => Av::IntValue(i),
            None => Av::DoubleValue(n.as_f64().unwrap_or(f64::NAN)),
        }),
        J::String(s) => Some(Av::StringValue(s.clone())),
        J::Array(items) => Some(Av::ArrayValue(ArrayValue { values: items.iter().map(any).collect() })),
        J::Object(m) if m.len() == 1 && m.contains_key("$bytes") => {
            Some(Av::BytesValue(hex::decode(m["$bytes"].as_str().unwrap_or_default()).unwrap_or_default()))
        }
        J::Object(m) => Some(Av::KvlistValue(KeyValueList { values: kvs(m) })),
    };
    AnyValue { value: v }
}

fn kvs(m: &Map<String, J>) -> Vec<KeyValue> {
    m.iter().map(|(k, v)| KeyValue { key: k.clone(), value: Some(any(v)), ..Default::default() }).collect()
}

pub fn json_of(v: Option<&AnyValue>) -> J {
    match v.and_then(|v| v.value.as_ref()) {
        None | Some(Av::StringValueStrindex(_)) => J::Null,
        Some(Av::BoolValue(b)) => json!(b),
        Some(Av::IntValue(i)) => json!(i),
        Some(Av::DoubleValue(d)) => json!(d),
        Some(Av::StringValue(s)) => json!(s),
        Some(Av::BytesValue(b)) => json!({"$bytes": hex::encode(b)}),
        Some(Av::ArrayValue(a)) => J::Array(a.values.iter().map(|v| json_of(Some(v))).collect()),
        Some(Av::KvlistValue(m)) => J::Object(map_json(&m.values)),
    }
}

fn map_json(kvs: &[KeyValue]) -> Map<String, J> {
    kvs.iter().map(|kv| (kv.key.clone(), json_of(kv.value.as_ref()))).collect()
}

pub fn rec(j: J) -> Rec {
    let o = j.as_object().cloned().unwrap_or_default();
    let s = |k: &str| o.get(k).and_then(J::as_str).unwrap_or_default().to_string();
    let n = |k: &str| o.get(k).and_then(J::as_u64).unwrap_or_default();
    let record = LogRecord {
        body: o.get("body").map(any),
        attributes: o.get("attributes").and_then(J::as_object).map(kvs).unwrap_or_default(),
        severity_text: s("severity_text"),
        severity_number: n("severity_number") as i32,
        time_unix_nano: n("time_unix_nano"),
        observed_time_unix_nano: n("observed_time_unix_nano"),
        trace_id: hex::decode(s("trace_id")).unwrap_or_default(),
        span_id: hex::decode(s("span_id")).unwrap_or_default(),
        flags: n("flags") as u32,
        event_name: s("event_name"),
        dropped_attributes_count: n("dropped_attributes_count") as u32,
    };
    let resource =
        o.get("resource").and_then(J::as_object).map(|m| Resource { attributes: kvs(m), ..Default::default() });
    let scope = o.get("scope").and_then(J::as_object).map(|m| InstrumentationScope {
        name: m.get("name").and_then(J::as_str).unwrap_or_default().to_string(),
        version: m.get("version").and_then(J::as_str).unwrap_or_default().to_string(),
        attributes: m.get("attributes").and_then(J::as_object).map(kvs).unwrap_or_default(),
        ..Default::default()
    });
    Rec { resource, scope, record }
}

/// The record back as JSON, with only the fields that are set.
pub fn to_json(r: &Rec) -> J {
    let mut o = Map::new();
    let l = &r.record;
    if l.body.is_some() {
        o.insert("body".into(), json_of(l.body.as_ref()));
    }
    if !l.attributes.is_empty() {
        o.insert("attributes".into(), J::Object(map_json(&l.attributes)));
    }
    let mut put = |k: &str, v: J, set: bool| {
        if set {
            o.insert(k.into(), v);
        }
    };
    put("severity_text", json!(l.severity_text), !l.severity_text.is_empty());
    put("severity_number", json!(l.severity_number), l.severity_number != 0);
    put("time_unix_nano", json!(l.time_unix_nano), l.time_unix_nano != 0);
    put("observed_time_unix_nano", json!(l.observed_time_unix_nano), l.observed_time_unix_nano != 0);
    put("trace_id", json!(hex::encode(&l.trace_id)), !l.trace_id.is_empty());
    put("span_id", json!(hex::encode(&l.span_id)), !l.span_id.is_empty());
    put("flags", json!(l.flags), l.flags != 0);
    put("event_name", json!(l.event_name), !l.event_name.is_empty());
    put("dropped_attributes_count", json!(l.dropped_attributes_count), l.dropped_attributes_count != 0);
    if let Some(res) = &r.resource {
        o.insert("resource".into(), J::Object(map_json(&res.attributes)));
    }
    if let Some(s) = &r.scope {
        let mut m = Map::new();
        if !s.name.is_empty() {
            m.insert("name".into(), json!(s.name));
        }
        if !s.version.is_empty() {
            m.insert("version".into(), json!(s.version));
        }
        if !s.attributes.is_empty() {
            m.insert("attributes".into(), J::Object(map_json(&s.attributes)));
        }
        o.insert("scope".into(), J::Object(m));
    }
    J::Object(o)
}

/// A batch as JSON: per resource, its attributes, its first scope, and the
/// records of all its scopes (as [`to_json`] writes them, without resource and scope).
pub fn to_json_records(rls: &[opentelemetry_proto::tonic::logs::v1::ResourceLogs]) -> J {
    J::Array(
        rls.iter()
            .map(|rl| {
                let mut o = Map::new();
                if let Some(r) = &rl.resource {
                    o.insert("resource".into(), J::Object(map_json(&r.attributes)));
                }
                let scope = rl.scope_logs.first().and_then(|s| s.scope.clone());
                let records: Vec<J> = rl
                    .scope_logs
                    .iter()
                    .flat_map(|s| &s.log_records)
                    .map(|l| to_json(&Rec { resource: None, scope: None, record: l.clone() }))
                    .collect();
                if let Some(s) = scope {
                    let r = to_json(&Rec { resource: None, scope: Some(s), record: LogRecord::default() });
                    o.insert("scope".into(), r["scope"].clone());
                }
                o.insert("records".into(), J::Array(records));
                J::Object(o)
            })
            .collect(),
    )
}

/// Run statements in the log context (error mode `propagate`) with the
/// standard functions, lambdas enabled.
pub fn transform(statements: &[&str], input: J) -> Result<J, String> {
    transform_with(&Functions::standard().with_lambdas(true), statements, input)
}

/// [`transform`] with a function table of the caller's.
pub fn transform_with(funcs: &Functions, statements: &[&str], input: J) -> Result<J, String> {
    let compiled: Vec<Statement> = statements
        .iter()
        .map(|s| Statement::parse(s, ContextKind::Log, funcs).map_err(|e| format!("{s}: {e}")))
        .collect::<Result<_, _>>()?;
    let mut r = rec(input);
    let mut ctx = Ctx::log(&mut r.resource, &mut r.scope, &mut r.record);
    run_statements(&compiled, &mut ctx, ErrorMode::Propagate).map_err(|e| e.0)?;
    drop(ctx);
    Ok(to_json(&r))
}

/// A doc example: statements, input record, the record otelcol produces.
pub type Case = (Vec<&'static str>, J, J);

/// Run every case; report all that differ at once.
pub fn check_cases(cases: Vec<Case>) {
    check_cases_with(&Functions::standard().with_lambdas(true), cases)
}

/// [`check_cases`] with a function table of the caller's.
pub fn check_cases_with(funcs: &Functions, cases: Vec<Case>) {
    let mut failures = Vec::new();
    for (stmts, input, want) in cases {
        match transform_with(funcs, &stmts, input.clone()) {
            Ok(got) if got == want => {}
            Ok(got) => failures.push(format!("{stmts:?}\n  input: {input}\n  want:  {want}\n  got:   {got}")),
            Err(e) => failures.push(format!("{stmts:?}\n  error: {e}")),
        }
    }
    assert!(failures.is_empty(), "{} case(s) failed:\n{}", failures.len(), failures.join("\n"));
}

/// Evaluate a condition in the log context.
pub fn cond(c: &str, input: J) -> Result<bool, String> {
    let compiled = Condition::parse(c, ContextKind::Log, &Functions::standard()).map_err(|e| format!("{c}: {e}"))?;
    let mut r = rec(input);
    let ctx = Ctx::log(&mut r.resource, &mut r.scope, &mut r.record);
    compiled.eval(&ctx).map_err(|e| e.0)
}
