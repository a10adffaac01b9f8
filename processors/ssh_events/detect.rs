//! Which source a record is, and the text to parse.
//!
//! - Teleport: a `teleport.event` attribute, or a Teleport event as the body map.
//! - journald as otelcol maps it: the body is a map of journal fields (`MESSAGE`,
//!   `_TRANSPORT`, `SYSLOG_IDENTIFIER`, `_HOSTNAME`, `_AUDIT_TYPE_NAME`, …).
//! - journald with `semantic_conventions: true`: the body is `MESSAGE`; the fields are
//!   attributes (`journald.SYSLOG_IDENTIFIER`, `journald._TRANSPORT`, `host.name`, …).
//! - A plain line (filelog, OTLP): the body is the message, a syslog line
//!   (`Nov 20 09:00:01 bastion sshd[2101]: Accepted …`) or an audit.log line.

use crate::audit;
use crate::event::{any_value::Value, KeyValue, LogRecord};

use super::normalize::Facts;
use super::{pam, sshd, teleport, Settings};

/// The SSH event `record` holds, or `None`.
pub fn classify(record: &LogRecord, s: &Settings) -> Option<Facts> {
    if s.teleport && str_of(&record.attributes, "teleport.event").is_some() {
        let (ev, kind) = teleport::Event::of(record)?;
        return teleport::facts(&ev, kind);
    }
    match record.body.as_ref()?.value.as_ref()? {
        Value::KvlistValue(map) => {
            let f = MapFields::scan(&map.values);
            match f.message {
                Some(message) => journal_map(&f, message, s),
                // Not a journal entry; maybe a Teleport event as the body map.
                None if s.teleport && f.teleport_code => {
                    let (ev, kind) = teleport::Event::of(record)?;
                    teleport::facts(&ev, kind)
                }
                None => None,
            }
        }
        Value::StringValue(text) => line(text, &record.attributes, s),
        _ => None,
    }
}

/// The fields of a body map this module looks at, found in one pass.
#[derive(Default)]
struct MapFields<'a> {
    message: Option<&'a str>,
    hostname: Option<&'a str>,
    transport: Option<&'a str>,
    identifier: Option<&'a str>,
    /// A Teleport `code` (`T…`).
    teleport_code: bool,
}

impl<'a> MapFields<'a> {
    fn scan(fields: &'a [KeyValue]) -> MapFields<'a> {
        let mut f = MapFields::default();
        for kv in fields {
            let Some(Value::StringValue(v)) = kv.value.as_ref().and_then(|v| v.value.as_ref()) else { continue };
            match kv.key.as_str() {
                "MESSAGE" => f.message = Some(v),
                "_HOSTNAME" => f.hostname = Some(v),
                "_TRANSPORT" => f.transport = Some(v),
                "SYSLOG_IDENTIFIER" => f.identifier = Some(v),
                "code" => f.teleport_code = v.starts_with('T'),
                _ => {}
            }
        }
        f
    }
}

/// otelcol's journald record: every journal field in the body map.
fn journal_map(fields: &MapFields, message: &str, s: &Settings) -> Option<Facts> {
    let mut facts = if fields.transport == Some("audit") {
        audit_text(message, s)?
    } else {
        by_ident(fields.identifier?, message, s)?
    };
    if facts.host_name.is_none() {
        facts.host_name = fields.hostname.map(str::to_string);
    }
    Some(facts)
}

/// A string body: journald's semantic shape (fields as attributes) or a plain line.
fn line(text: &str, attrs: &[KeyValue], s: &Settings) -> Option<Facts> {
    if journal_attr(attrs, "_TRANSPORT") == Some("audit") {
        return audit_text(text, s);
    }
    if let Some(ident) = journal_attr(attrs, "SYSLOG_IDENTIFIER").or_else(|| ident_attr(attrs)) {
        return by_ident(ident, text, s);
    }
    // No identifier: the bare message, an audit.log line, or a syslog line.
    if let Some(f) = s.sshd.then(|| sshd::parse(text)).flatten() {
        return Some(f);
    }
    if let Some(f) = audit_text(text, s) {
        return Some(f);
    }
    let (host, ident, message) = split_syslog(text)?;
    let mut facts = by_ident(ident, message, s)?;
    if facts.host_name.is_none() {
        facts.host_name = host.map(str::to_string);
    }
    Some(facts)
}

/// A message of a known program: audit records (journald's `audit`, or the kernel's
/// `audit: type=…` printk when no audit daemon runs), or sshd's lines.
fn by_ident(ident: &str, message: &str, s: &Settings) -> Option<Facts> {
    if ident == "audit" || (ident == "kernel" && message.starts_with("audit: ")) {
        return audit_text(message, s);
    }
    sshd_message(ident, message, s)
}

/// sshd's message, or PAM's under the old Red Hat tag `sshd(pam_unix)`.
fn sshd_message(ident: &str, message: &str, s: &Settings) -> Option<Facts> {
    let is_sshd = |i: &str| s.sshd && s.sshd_identifiers.iter().any(|known| known == i);
    match ident.strip_suffix("(pam_unix)") {
        Some(base) if is_sshd(base) => pam::legacy(message),
        None if is_sshd(ident) => sshd::parse(message),
        _ => None,
    }
}

fn audit_text(text: &str, s: &Settings) -> Option<Facts> {
    if !s.auditd {
        return None;
    }
    super::audit::facts(&audit::parse(text)?, &s.sshd_identifiers)
}

/// A journal field the journald receiver put into attributes (`journald.<FIELD>`;
/// the lower-case spelling without leading `_` is accepted too).
fn journal_attr<'a>(attrs: &'a [KeyValue], field: &str) -> Option<&'a str> {
    if attrs.is_empty() {
        return None;
    }
    let mut key = String::with_capacity(9 + field.len());
    key.push_str("journald.");
    key.push_str(field);
    if let Some(v) = str_of(attrs, &key) {
        return Some(v);
    }
    key.truncate(9);
    key.push_str(&field.trim_start_matches('_').to_ascii_lowercase());
    str_of(attrs, &key)
}

/// Identifier attributes other receivers and parsers set (syslog `appname`).
fn ident_attr(attrs: &[KeyValue]) -> Option<&str> {
    ["syslog.identifier", "syslog.appname", "appname"].iter().find_map(|k| str_of(attrs, k))
}

/// `<timestamp> <host> <ident>[<pid>]: <message>` (BSD syslog or rsyslog's ISO time) →
/// (host, ident, message). The tag is the word before the first `: `.
pub fn split_syslog(line: &str) -> Option<(Option<&str>, &str, &str)> {
    let colon = line.find(": ")?;
    let head = &line[..colon];
    let message = &line[colon + 2..];
    let mut words = head.rsplit(' ');
    let tag = words.next()?;
    let ident = match tag.find('[') {
        Some(i) if tag.ends_with(']') => &tag[..i],
        Some(_) => return None,
        None => tag,
    };
    if ident.is_empty() {
        return None;
    }
    Some((words.next().filter(|h| !h.is_empty()), ident, message))
}

fn str_of<'a>(kvs: &'a [KeyValue], key: &str) -> Option<&'a str> {
    let v = kvs.iter().find(|kv| kv.key == key)?.value.as_ref()?;
    match v.value.as_ref()? {
        Value::StringValue(s) => Some(s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::split_syslog;

    #[test]
    fn syslog_prefixes() {
        assert_eq!(
            split_syslog("Nov 20 09:00:01 bastion sshd[2101]: Accepted password for a from 1.2.3.4 port 1 ssh2"),
            Some((Some("bastion"), "sshd", "Accepted password for a from 1.2.3.4 port 1 ssh2"))
        );
        assert_eq!(
            split_syslog("2026-11-20T09:00:01.000+00:00 bastion sshd-session[7]: Invalid user x from 1.2.3.4"),
            Some((Some("bastion"), "sshd-session", "Invalid user x from 1.2.3.4"))
        );
        assert_eq!(split_syslog("sshd: Server listening"), Some((None, "sshd", "Server listening")));
        assert_eq!(split_syslog("no tag here"), None);
        assert_eq!(split_syslog("host sshd[12: x"), None);
    }
}
