//! `verbosity: normal`: otelcol's `normal` logs marshaler, byte for byte. One
//! line per resource, one per scope, and one per record (`body k=v k=v`).

use std::fmt::Write;

use crate::event::{InstrumentationScope, KeyValue, Resource, ResourceLogs};
use crate::otlp::value::write_as_string;

/// The text otelcol's debug exporter prints for `logs` at normal verbosity.
pub(crate) fn write_normal(out: &mut String, logs: &[ResourceLogs]) {
    for (i, rl) in logs.iter().enumerate() {
        write_resource_line(out, "ResourceLog", i, &rl.schema_url, rl.resource.as_ref());
        for (j, sl) in rl.scope_logs.iter().enumerate() {
            write_scope_line(out, "ScopeLog", j, sl.scope.as_ref(), &sl.schema_url);
            for lr in &sl.log_records {
                // Always a space after the body, even with no attributes.
                write_as_string(out, lr.body.as_ref());
                out.push(' ');
                write_attributes_joined(out, &lr.attributes, " ");
                out.push('\n');
            }
        }
    }
}

/// `<label> #i [schemaURL] k=v k=v`, the line that opens a resource.
pub(super) fn write_resource_line(
    out: &mut String,
    label: &str,
    i: usize,
    schema_url: &str,
    resource: Option<&Resource>,
) {
    let _ = write!(out, "{label} #{i}");
    if !schema_url.is_empty() {
        let _ = write!(out, " [{schema_url}]");
    }
    write_attributes_suffix(out, resource.map_or(&[], |r| &r.attributes));
    out.push('\n');
}

/// `<label> #j name@version [schemaURL] k=v`, the line that opens a scope;
/// numbered within its resource.
pub(super) fn write_scope_line(
    out: &mut String,
    label: &str,
    j: usize,
    scope: Option<&InstrumentationScope>,
    schema_url: &str,
) {
    let _ = write!(out, "{label} #{j}");
    let name = scope.map_or("", |s| s.name.as_str());
    let version = scope.map_or("", |s| s.version.as_str());
    write_scope_details(out, name, version, schema_url);
    write_attributes_suffix(out, scope.map_or(&[], |s| &s.attributes));
    out.push('\n');
}

/// `k=v` for each attribute, `sep` between them.
pub(super) fn write_attributes_joined(out: &mut String, attrs: &[KeyValue], sep: &str) {
    for (n, kv) in attrs.iter().enumerate() {
        if n > 0 {
            out.push_str(sep);
        }
        write_attribute(out, kv);
    }
}

/// `key=value`, both raw.
fn write_attribute(out: &mut String, kv: &KeyValue) {
    out.push_str(&kv.key);
    out.push('=');
    write_as_string(out, kv.value.as_ref());
}

/// ` k=v k=v` when there are attributes.
pub(super) fn write_attributes_suffix(out: &mut String, attrs: &[KeyValue]) {
    for kv in attrs {
        out.push(' ');
        write_attribute(out, kv);
    }
}

/// ` name@version [schemaURL]`, each part only when set.
fn write_scope_details(out: &mut String, name: &str, version: &str, schema_url: &str) {
    if !name.is_empty() || !version.is_empty() || !schema_url.is_empty() {
        out.push(' ');
    }
    out.push_str(name);
    if !version.is_empty() {
        out.push('@');
        out.push_str(version);
    }
    if !schema_url.is_empty() {
        if !name.is_empty() || !version.is_empty() {
            out.push(' ');
        }
        let _ = write!(out, "[{schema_url}]");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{kv, str_value, AnyValue, InstrumentationScope, LogRecord, ScopeLogs};

    fn one_scope(scope: Option<InstrumentationScope>, schema_url: &str, records: Vec<LogRecord>) -> Vec<ResourceLogs> {
        vec![ResourceLogs {
            resource: None,
            scope_logs: vec![ScopeLogs { scope, log_records: records, schema_url: schema_url.into() }],
            schema_url: String::new(),
        }]
    }

    fn normal(logs: &[ResourceLogs]) -> String {
        let mut s = String::new();
        write_normal(&mut s, logs);
        s
    }

    #[test]
    fn record_lines_keep_the_space_after_the_body() {
        let records = vec![
            LogRecord { body: Some(str_value("msg")), ..Default::default() },
            LogRecord::default(),
            LogRecord {
                body: Some(AnyValue::default()),
                attributes: vec![kv("k", str_value("a b=c"))],
                ..Default::default()
            },
        ];
        assert_eq!(normal(&one_scope(None, "", records)), "ResourceLog #0\nScopeLog #0\nmsg \n \n k=a b=c\n");
    }

    #[test]
    fn scope_details() {
        let scope = |name: &str, version: &str| {
            Some(InstrumentationScope { name: name.into(), version: version.into(), ..Default::default() })
        };
        let line = |logs: Vec<ResourceLogs>| normal(&logs).lines().nth(1).unwrap().to_string();
        assert_eq!(line(one_scope(scope("", "1.2"), "", vec![])), "ScopeLog #0 @1.2");
        assert_eq!(line(one_scope(scope("", ""), "u", vec![])), "ScopeLog #0 [u]");
        assert_eq!(line(one_scope(scope("n", ""), "u", vec![])), "ScopeLog #0 n [u]");
        assert_eq!(line(one_scope(scope("n", "1"), "", vec![])), "ScopeLog #0 n@1");
    }

    #[test]
    fn scopes_are_numbered_within_their_resource() {
        let mut logs = one_scope(None, "", vec![]);
        logs[0].scope_logs.push(ScopeLogs::default());
        logs.push(logs[0].clone());
        assert_eq!(
            normal(&logs),
            "ResourceLog #0\nScopeLog #0\nScopeLog #1\nResourceLog #1\nScopeLog #0\nScopeLog #1\n"
        );
    }
}
