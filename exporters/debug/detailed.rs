//! `verbosity: detailed`: otelcol's `otlptext` logs marshaler, byte for byte.
//! Every line ends in `\n`; empty input gives no bytes at all.

use std::fmt::Write;

use crate::event::{InstrumentationScope, KeyValue, Resource, ResourceLogs};
use crate::otlp::value::write_typed;

/// The text otelcol's debug exporter prints for `logs` at detailed verbosity.
pub(crate) fn write_detailed(out: &mut String, logs: &[ResourceLogs]) {
    for (i, rl) in logs.iter().enumerate() {
        write_resource(out, "ResourceLog", i, &rl.schema_url, rl.resource.as_ref());
        for (j, sl) in rl.scope_logs.iter().enumerate() {
            write_scope(out, "ScopeLogs", j, &sl.schema_url, sl.scope.as_ref());
            for (k, lr) in sl.log_records.iter().enumerate() {
                let _ = writeln!(out, "LogRecord #{k}");
                out.push_str("ObservedTimestamp: ");
                write_timestamp(out, lr.observed_time_unix_nano);
                out.push_str("\nTimestamp: ");
                write_timestamp(out, lr.time_unix_nano);
                let _ = writeln!(out, "\nSeverityText: {}", lr.severity_text);
                let n = lr.severity_number;
                let _ = writeln!(out, "SeverityNumber: {}({n})", severity_name(n));
                if !lr.event_name.is_empty() {
                    let _ = writeln!(out, "EventName: {}", lr.event_name);
                }
                out.push_str("Body: ");
                write_typed(out, lr.body.as_ref());
                out.push('\n');
                write_attributes(out, "Attributes", &lr.attributes);
                let _ = writeln!(out, "Trace ID: {}", id_hex(&lr.trace_id));
                let _ = writeln!(out, "Span ID: {}", id_hex(&lr.span_id));
                let _ = writeln!(out, "Flags: {}", lr.flags);
            }
        }
    }
}

/// `<label> #i`, its schema URL, attributes and entity references.
pub(super) fn write_resource(out: &mut String, label: &str, i: usize, schema_url: &str, resource: Option<&Resource>) {
    let _ = writeln!(out, "{label} #{i}");
    let _ = writeln!(out, "Resource SchemaURL: {schema_url}");
    write_attributes(out, "Resource attributes", resource.map_or(&[], |r| &r.attributes));
    if let Some(r) = resource {
        write_entity_refs(out, r);
    }
}

/// `<label> #j`, `<label> SchemaURL: …`, then `InstrumentationScope <name>
/// <version>` (spaces kept when empty) and its attributes.
pub(super) fn write_scope(
    out: &mut String,
    label: &str,
    j: usize,
    schema_url: &str,
    scope: Option<&InstrumentationScope>,
) {
    let _ = writeln!(out, "{label} #{j}");
    let _ = writeln!(out, "{label} SchemaURL: {schema_url}");
    let (name, version) = scope.map_or(("", ""), |s| (s.name.as_str(), s.version.as_str()));
    let _ = writeln!(out, "InstrumentationScope {name} {version}");
    write_attributes(out, "InstrumentationScope attributes", scope.map_or(&[], |s| &s.attributes));
}

/// `<header>:` then `     -> key: Type(value)` per entry, in the order given;
/// nothing at all for an empty list. A header with an arrow (`     -> Metadata`)
/// indents its entries under it, as otelcol's `logAttributes` does.
pub(super) fn write_attributes(out: &mut String, header: &str, attrs: &[KeyValue]) {
    if attrs.is_empty() {
        return;
    }
    let _ = writeln!(out, "{header}:");
    let indent = header.split_once("->").map_or("", |(before, _)| before);
    for kv in attrs {
        let _ = write!(out, "{indent}     -> {}: ", kv.key);
        write_typed(out, kv.value.as_ref());
        out.push('\n');
    }
}

/// The resource's entity references, printed only when it has some.
fn write_entity_refs(out: &mut String, resource: &Resource) {
    if resource.entity_refs.is_empty() {
        return;
    }
    out.push_str("Resource entity refs:\n");
    for (i, e) in resource.entity_refs.iter().enumerate() {
        let _ = writeln!(out, "     -> Entity ref #{i}:");
        let _ = writeln!(out, "          -> Type: {}", e.r#type);
        if !e.schema_url.is_empty() {
            let _ = writeln!(out, "          -> Schema URL: {}", e.schema_url);
        }
        for (title, keys) in [("ID keys", &e.id_keys), ("Description keys", &e.description_keys)] {
            if !keys.is_empty() {
                let _ = writeln!(out, "          -> {title}:");
                for key in keys {
                    let _ = writeln!(out, "               -> {key}");
                }
            }
        }
    }
}

/// A trace or span id as pdata prints it: lowercase hex, or nothing when all zero.
pub(crate) fn id_hex(id: &[u8]) -> String {
    if id.iter().all(|b| *b == 0) {
        String::new()
    } else {
        hex::encode(id)
    }
}

/// `pcommon.Timestamp.String()`: Go's `time.Time.String()` in UTC, e.g.
/// `2020-02-11 20:26:13.000000789 +0000 UTC`; the fraction loses its trailing
/// zeros (and its dot when zero). Like Go, the nanoseconds are read as an `i64`.
pub(crate) fn write_timestamp(out: &mut String, unix_nanos: u64) {
    let nanos = unix_nanos as i64;
    let secs = nanos.div_euclid(1_000_000_000);
    let frac = nanos.rem_euclid(1_000_000_000) as u32;
    // Every i64 of nanoseconds is within chrono's range.
    if let Some(t) = chrono::DateTime::from_timestamp(secs, 0) {
        let _ = write!(out, "{}", t.format("%Y-%m-%d %H:%M:%S"));
    }
    if frac != 0 {
        let digits = format!("{frac:09}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
    out.push_str(" +0000 UTC");
}

/// `plog.SeverityNumber.String()`; an unknown number has no name.
pub(crate) fn severity_name(n: i32) -> &'static str {
    const NAMES: [&str; 25] = [
        "Unspecified",
        "Trace",
        "Trace2",
        "Trace3",
        "Trace4",
        "Debug",
        "Debug2",
        "Debug3",
        "Debug4",
        "Info",
        "Info2",
        "Info3",
        "Info4",
        "Warn",
        "Warn2",
        "Warn3",
        "Warn4",
        "Error",
        "Error2",
        "Error3",
        "Error4",
        "Fatal",
        "Fatal2",
        "Fatal3",
        "Fatal4",
    ];
    usize::try_from(n).ok().and_then(|i| NAMES.get(i)).copied().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{kv, str_value, LogRecord, ScopeLogs};

    fn ts(nanos: u64) -> String {
        let mut s = String::new();
        write_timestamp(&mut s, nanos);
        s
    }

    #[test]
    fn timestamps() {
        assert_eq!(ts(0), "1970-01-01 00:00:00 +0000 UTC");
        assert_eq!(ts(1_581_452_773_000_000_789), "2020-02-11 20:26:13.000000789 +0000 UTC");
        assert_eq!(ts(1_500_000_000), "1970-01-01 00:00:01.5 +0000 UTC");
        assert_eq!(ts(1_585_012_403_000_000_789), "2020-03-24 01:13:23.000000789 +0000 UTC");
        assert_eq!(ts(1_706_032_481_120_000_000), "2024-01-23 17:54:41.12 +0000 UTC");
        // Past i64::MAX Go's int64 cast wraps to before 1970.
        assert_eq!(ts(u64::MAX), "1969-12-31 23:59:59.999999999 +0000 UTC");
        assert_eq!(ts(1 << 63), "1677-09-21 00:12:43.145224192 +0000 UTC");
        assert_eq!(ts(i64::MAX as u64), "2262-04-11 23:47:16.854775807 +0000 UTC");
    }

    #[test]
    fn severity_names() {
        assert_eq!(severity_name(0), "Unspecified");
        assert_eq!(severity_name(9), "Info");
        assert_eq!(severity_name(10), "Info2");
        assert_eq!(severity_name(13), "Warn");
        assert_eq!(severity_name(24), "Fatal4");
        assert_eq!(severity_name(25), "");
        assert_eq!(severity_name(-1), "");
    }

    #[test]
    fn ids() {
        assert_eq!(id_hex(&[]), "");
        assert_eq!(id_hex(&[0; 16]), "");
        assert_eq!(id_hex(&[0xAB, 0, 1, 0]), "ab000100");
    }

    #[test]
    fn unknown_severity_scope_attributes_and_empty_body() {
        let scope = InstrumentationScope {
            name: String::new(),
            version: "1.0".into(),
            attributes: vec![kv("sa", str_value("sv"))],
            dropped_attributes_count: 0,
        };
        let record = LogRecord { severity_number: 42, flags: 1, ..Default::default() };
        let logs = [ResourceLogs {
            resource: None,
            scope_logs: vec![ScopeLogs { scope: Some(scope), log_records: vec![record], schema_url: "s".into() }],
            schema_url: String::new(),
        }];
        let mut out = String::new();
        write_detailed(&mut out, &logs);
        let expected = "ResourceLog #0\nResource SchemaURL: \nScopeLogs #0\nScopeLogs SchemaURL: s\n\
            InstrumentationScope  1.0\nInstrumentationScope attributes:\n     -> sa: Str(sv)\n\
            LogRecord #0\nObservedTimestamp: 1970-01-01 00:00:00 +0000 UTC\n\
            Timestamp: 1970-01-01 00:00:00 +0000 UTC\nSeverityText: \nSeverityNumber: (42)\n\
            Body: Empty()\nTrace ID: \nSpan ID: \nFlags: 1\n";
        assert_eq!(out, expected);
    }
}
