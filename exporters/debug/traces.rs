//! Traces at `normal` and `detailed` verbosity: otelcol's `normal` and
//! `otlptext` traces marshalers, byte for byte.

use std::fmt::Write;

use opentelemetry_proto::tonic::trace::v1::span::{Event, Link};
use opentelemetry_proto::tonic::trace::v1::{status, ResourceSpans, Span};

use super::detailed::{id_hex, write_attributes, write_resource, write_scope, write_timestamp};
use super::normal::{write_attributes_joined, write_resource_line, write_scope_line};

/// One line per resource, per scope and per span: `name trace_id span_id k=v`.
pub(crate) fn write_normal(out: &mut String, traces: &[ResourceSpans]) {
    for (i, rs) in traces.iter().enumerate() {
        write_resource_line(out, "ResourceTraces", i, &rs.schema_url, rs.resource.as_ref());
        for (j, ss) in rs.scope_spans.iter().enumerate() {
            write_scope_line(out, "ScopeTraces", j, ss.scope.as_ref(), &ss.schema_url);
            for span in &ss.spans {
                let _ = write!(out, "{} {} {}", span.name, id_hex(&span.trace_id), id_hex(&span.span_id));
                if !span.attributes.is_empty() {
                    out.push(' ');
                    write_attributes_joined(out, &span.attributes, " ");
                }
                out.push('\n');
            }
        }
    }
}

/// Every field of every span, its events and links.
pub(crate) fn write_detailed(out: &mut String, traces: &[ResourceSpans]) {
    for (i, rs) in traces.iter().enumerate() {
        write_resource(out, "ResourceSpans", i, &rs.schema_url, rs.resource.as_ref());
        for (j, ss) in rs.scope_spans.iter().enumerate() {
            write_scope(out, "ScopeSpans", j, &ss.schema_url, ss.scope.as_ref());
            for (k, span) in ss.spans.iter().enumerate() {
                let _ = writeln!(out, "Span #{k}");
                write_span(out, span);
            }
        }
    }
}

fn write_span(out: &mut String, span: &Span) {
    field(out, "Trace ID", &id_hex(&span.trace_id));
    field(out, "Parent ID", &id_hex(&span.parent_span_id));
    field(out, "ID", &id_hex(&span.span_id));
    field(out, "Name", &span.name);
    field(out, "Kind", kind_name(span.kind));
    if !span.trace_state.is_empty() {
        field(out, "TraceState", &span.trace_state);
    }
    field(out, "Start time", &timestamp(span.start_time_unix_nano));
    field(out, "End time", &timestamp(span.end_time_unix_nano));
    let (code, message) = span.status.as_ref().map_or((0, ""), |s| (s.code, s.message.as_str()));
    field(out, "Status code", status_name(code));
    field(out, "Status message", message);
    field(out, "DroppedAttributesCount", &span.dropped_attributes_count.to_string());
    field(out, "DroppedEventsCount", &span.dropped_events_count.to_string());
    field(out, "DroppedLinksCount", &span.dropped_links_count.to_string());
    write_attributes(out, "Attributes", &span.attributes);
    write_events(out, &span.events);
    write_links(out, &span.links);
}

/// `    <name padded to 15>: <value>`, otelcol's `logAttr`.
fn field(out: &mut String, name: &str, value: &str) {
    let _ = writeln!(out, "    {name:<15}: {value}");
}

fn timestamp(nanos: u64) -> String {
    let mut s = String::new();
    write_timestamp(&mut s, nanos);
    s
}

fn write_events(out: &mut String, events: &[Event]) {
    if events.is_empty() {
        return;
    }
    out.push_str("Events:\n");
    for (i, e) in events.iter().enumerate() {
        let _ = writeln!(out, "SpanEvent #{i}");
        let _ = writeln!(out, "     -> Name: {}", e.name);
        let _ = writeln!(out, "     -> Timestamp: {}", timestamp(e.time_unix_nano));
        let _ = writeln!(out, "     -> DroppedAttributesCount: {}", e.dropped_attributes_count);
        // otelcol's header ends in a colon and gets another one.
        write_attributes(out, "     -> Attributes:", &e.attributes);
    }
}

fn write_links(out: &mut String, links: &[Link]) {
    if links.is_empty() {
        return;
    }
    out.push_str("Links:\n");
    for (i, l) in links.iter().enumerate() {
        let _ = writeln!(out, "SpanLink #{i}");
        let _ = writeln!(out, "     -> Trace ID: {}", id_hex(&l.trace_id));
        let _ = writeln!(out, "     -> ID: {}", id_hex(&l.span_id));
        let _ = writeln!(out, "     -> TraceState: {}", l.trace_state);
        let _ = writeln!(out, "     -> DroppedAttributesCount: {}", l.dropped_attributes_count);
        write_attributes(out, "     -> Attributes:", &l.attributes);
    }
}

/// `ptrace.SpanKind.String()`; an unknown kind has no name.
fn kind_name(kind: i32) -> &'static str {
    ["Unspecified", "Internal", "Server", "Client", "Producer", "Consumer"]
        .get(usize::try_from(kind).unwrap_or(usize::MAX))
        .copied()
        .unwrap_or("")
}

/// `ptrace.StatusCode.String()`; an unknown code has no name.
fn status_name(code: i32) -> &'static str {
    match status::StatusCode::try_from(code) {
        Ok(status::StatusCode::Unset) => "Unset",
        Ok(status::StatusCode::Ok) => "Ok",
        Ok(status::StatusCode::Error) => "Error",
        Err(_) => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_names() {
        assert_eq!(kind_name(0), "Unspecified");
        assert_eq!(kind_name(5), "Consumer");
        assert_eq!(kind_name(6), "");
        assert_eq!(kind_name(-1), "");
        assert_eq!(status_name(2), "Error");
        assert_eq!(status_name(3), "");
    }

    #[test]
    fn field_padding() {
        let mut s = String::new();
        field(&mut s, "ID", "ab");
        field(&mut s, "DroppedLinksCount", "0");
        assert_eq!(s, "    ID             : ab\n    DroppedLinksCount: 0\n");
    }
}
