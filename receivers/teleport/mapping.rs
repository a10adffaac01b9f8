//! One Teleport audit event (a JSON line) → one log record that answers "who
//! did what, when": the event is parsed once, straight into the body's
//! key/value list, and the attributes are copied out of it.

use std::borrow::Cow;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tracing::{info, warn};

use crate::anyvalue::{self, as_map, as_str, bool_value, get_str, int_value, map_value, str_value, Numbers};
use crate::event::{any_value::Value, AnyValue, KeyValue, LogRecord};
use crate::net::host_and_port;
use crate::receivers::file_source::{BatchBuilder, Mapper};
use crate::tail::{Entry, FileId, FileInfo, Text};

pub const SEVERITY_INFO: (i32, &str) = (9, "INFO");
pub const SEVERITY_WARN: (i32, &str) = (13, "WARN");
pub const SEVERITY_ERROR: (i32, &str) = (17, "ERROR");

/// Turns the engine's lines into records; one per receiver.
pub struct TeleportMapper {
    /// The configured directory as the walker sees it: files directly in it have no auth server folder.
    directory: PathBuf,
    keep: Option<HashSet<String>>,
    skip: HashSet<String>,
    /// Configured `attributes`, added to every record.
    extra_attributes: Vec<KeyValue>,
    /// Configured `resource`, after `service.name` and `teleport.auth_server_id`.
    extra_resource: Vec<KeyValue>,
    /// The resource of the file read last (files are read in long runs).
    current: Option<(FileId, Vec<KeyValue>)>,
    /// Lines that were not JSON, over all files (the metric).
    pub parse_errors: Arc<AtomicU64>,
    warned: HashSet<FileId>,
}

impl TeleportMapper {
    pub fn new(
        directory: PathBuf,
        events: &[String],
        exclude_events: &[String],
        extra_attributes: Vec<KeyValue>,
        extra_resource: Vec<KeyValue>,
    ) -> TeleportMapper {
        TeleportMapper {
            directory,
            keep: (!events.is_empty()).then(|| events.iter().cloned().collect()),
            skip: exclude_events.iter().cloned().collect(),
            extra_attributes,
            extra_resource,
            current: None,
            parse_errors: Arc::new(AtomicU64::new(0)),
            warned: HashSet::new(),
        }
    }

    fn wanted(&self, event: Option<&str>) -> bool {
        let event = event.unwrap_or("");
        self.keep.as_ref().is_none_or(|k| k.contains(event)) && !self.skip.contains(event)
    }

    /// `service.name`, the auth server's folder, then the configured resource.
    fn resource(&mut self, file: &FileInfo<'_>) -> &[KeyValue] {
        if self.current.as_ref().is_none_or(|(id, _)| *id != file.id) {
            let mut attrs = vec![kv("service.name", str_value("teleport"))];
            if let Some(host) = auth_server_id(&self.directory, file.path) {
                attrs.push(kv("teleport.auth_server_id", str_value(host)));
            }
            attrs.extend(self.extra_resource.iter().cloned());
            self.current = Some((file.id, attrs));
        }
        self.current.as_ref().map(|(_, a)| a.as_slice()).unwrap_or_default()
    }

    /// The record for a parsed event; `None` when its type is filtered out.
    fn event_record(&self, fields: Vec<KeyValue>, observed: u64, truncated: bool) -> Option<LogRecord> {
        let f = Fields::find(&fields);
        let s = |i: Option<usize>| i.and_then(|i| fields[i].value.as_ref()).and_then(as_str);
        let event = s(f.event);
        if !self.wanted(event) {
            return None;
        }
        let success = f.success.and_then(|i| match fields[i].value.as_ref()?.value {
            Some(Value::BoolValue(b)) => Some(b),
            _ => None,
        });
        let code = s(f.code);
        let (mut severity, mut severity_text) = code.map_or(SEVERITY_INFO, severity_of_code);
        if success == Some(false) && severity < SEVERITY_WARN.0 {
            (severity, severity_text) = SEVERITY_WARN;
        }

        let mut attrs = Vec::with_capacity(16 + self.extra_attributes.len());
        put(&mut attrs, "teleport.event", event);
        put(&mut attrs, "teleport.code", code);
        // The actor of `cert.create` is the identity the certificate was issued to.
        let identity_user = (event == Some("cert.create"))
            .then(|| f.identity.and_then(|i| fields[i].value.as_ref()).and_then(as_map))
            .flatten()
            .and_then(|m| get_str(m, "user"));
        put(&mut attrs, "user.name", identity_user.or(s(f.user)));
        put(&mut attrs, "teleport.login", s(f.login));
        put(&mut attrs, "session.id", s(f.sid));
        for (addr, host_key, port_key) in
            [(f.remote, "client.address", "client.port"), (f.local, "server.address", "server.port")]
        {
            if let Some((host, port)) = s(addr).map(host_and_port) {
                put(&mut attrs, host_key, Some(host));
                if let Some(p) = port {
                    attrs.push(kv(port_key, int_value(i64::from(p))));
                }
            }
        }
        put(&mut attrs, "teleport.server_id", s(f.server_id));
        put(&mut attrs, "host.name", s(f.server_hostname));
        put(&mut attrs, "teleport.cluster_name", s(f.cluster_name));
        put(&mut attrs, "event.outcome", success.map(|ok| if ok { "success" } else { "failure" }));
        put(&mut attrs, "teleport.event_id", s(f.uid));
        if truncated {
            attrs.push(kv("log.record.truncated", bool_value(true)));
        }
        attrs.extend(self.extra_attributes.iter().cloned());

        let time = s(f.time).and_then(crate::time::rfc3339::parse_rfc3339).unwrap_or(0);
        let event_name = event.unwrap_or_default().to_string();
        Some(LogRecord {
            time_unix_nano: time,
            observed_time_unix_nano: observed,
            severity_number: severity,
            severity_text: severity_text.to_string(),
            event_name,
            body: Some(map_value(fields)),
            attributes: attrs,
            ..Default::default()
        })
    }

    /// A line that is not a JSON object: kept, raw, and flagged.
    fn error_record(
        &mut self,
        text: &str,
        error: String,
        file: &FileInfo<'_>,
        line: u64,
        observed: u64,
        truncated: bool,
    ) -> LogRecord {
        self.parse_errors.fetch_add(1, Ordering::Relaxed);
        if self.warned.insert(file.id) {
            warn!(
                file = %file.path.display(),
                line,
                error = %error,
                "line is not a valid JSON event; forwarded as raw text (later ones in this file are only counted)"
            );
        }
        let mut attrs = vec![kv("teleport.parse_error", str_value(error))];
        if truncated {
            attrs.push(kv("log.record.truncated", bool_value(true)));
        }
        attrs.extend(self.extra_attributes.iter().cloned());
        LogRecord {
            observed_time_unix_nano: observed,
            severity_number: SEVERITY_WARN.0,
            severity_text: SEVERITY_WARN.1.to_string(),
            body: Some(str_value(text)),
            attributes: attrs,
            ..Default::default()
        }
    }
}

impl Mapper for TeleportMapper {
    fn map(&mut self, file: &FileInfo<'_>, entry: Entry<'_>, out: &mut BatchBuilder) {
        let observed = crate::time::now_unix_nanos();
        let text: Cow<'_, str> = match entry.text {
            Text::Str(s) => s,
            Text::Bytes(b) => String::from_utf8_lossy(b),
        };
        let record = match anyvalue::parse_json_object(&text, Numbers::IntsAndDoubles) {
            Ok(fields) => match self.event_record(fields, observed, entry.truncated) {
                Some(r) => r,
                None => return,
            },
            Err(e) => self.error_record(&text, e, file, entry.number, observed, entry.truncated),
        };
        let size = text.len();
        let resource = self.resource(file);
        out.push(resource, record, size);
    }

    fn finish(&mut self) {
        let n = self.parse_errors.load(Ordering::Relaxed);
        if n > 0 {
            info!(lines = n, "lines that were not valid JSON events were forwarded as raw text");
        }
    }
}

/// Where the fields the attributes come from are, in one pass over the keys.
#[derive(Default)]
struct Fields {
    event: Option<usize>,
    code: Option<usize>,
    time: Option<usize>,
    user: Option<usize>,
    login: Option<usize>,
    sid: Option<usize>,
    remote: Option<usize>,
    local: Option<usize>,
    server_id: Option<usize>,
    server_hostname: Option<usize>,
    cluster_name: Option<usize>,
    success: Option<usize>,
    uid: Option<usize>,
    identity: Option<usize>,
}

impl Fields {
    fn find(fields: &[KeyValue]) -> Fields {
        let mut f = Fields::default();
        for (i, kv) in fields.iter().enumerate() {
            let slot = match kv.key.as_str() {
                "event" => &mut f.event,
                "code" => &mut f.code,
                "time" => &mut f.time,
                "user" => &mut f.user,
                "login" => &mut f.login,
                "sid" => &mut f.sid,
                "addr.remote" => &mut f.remote,
                "addr.local" => &mut f.local,
                "server_id" => &mut f.server_id,
                "server_hostname" => &mut f.server_hostname,
                "cluster_name" => &mut f.cluster_name,
                "success" => &mut f.success,
                "uid" => &mut f.uid,
                "identity" => &mut f.identity,
                _ => continue,
            };
            *slot = Some(i);
        }
        f
    }
}

/// Add a string attribute when the event has the field.
fn put(attrs: &mut Vec<KeyValue>, key: &str, v: Option<&str>) {
    if let Some(v) = v {
        attrs.push(kv(key, str_value(v)));
    }
}

fn kv(key: &str, value: AnyValue) -> KeyValue {
    KeyValue { key: key.to_string(), value: Some(value), ..Default::default() }
}

/// Severity from the code's last letter: `I` info, `W` warn, `E` error; others info.
pub fn severity_of_code(code: &str) -> (i32, &'static str) {
    match code.as_bytes().last() {
        Some(b'W') => SEVERITY_WARN,
        Some(b'E') => SEVERITY_ERROR,
        _ => SEVERITY_INFO,
    }
}

/// The `<host_uuid>` folder a file is in, when it is not directly in `directory`.
pub fn auth_server_id(directory: &Path, file: &Path) -> Option<String> {
    let parent = file.parent()?;
    if parent == directory {
        return None;
    }
    parent.file_name().map(|n| n.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities() {
        assert_eq!(severity_of_code("T1000I"), SEVERITY_INFO);
        assert_eq!(severity_of_code("T1000W"), SEVERITY_WARN);
        assert_eq!(severity_of_code("T3002E"), SEVERITY_ERROR);
        assert_eq!(severity_of_code("T3003S"), SEVERITY_INFO);
    }

    #[test]
    fn auth_server_folder() {
        let dir = Path::new("/var/lib/teleport/log");
        assert_eq!(auth_server_id(dir, Path::new("/var/lib/teleport/log/2024-01-01.00:00:00.log")), None);
        assert_eq!(
            auth_server_id(dir, Path::new("/var/lib/teleport/log/abc/2024-01-01.00:00:00.log")).as_deref(),
            Some("abc")
        );
    }
}
