//! Teleport audit events → SSH events.
//!
//! Reads what the teleport receiver already mapped (`teleport.event`, `user.name`,
//! `teleport.login`, `client.address`, …) and falls back to the event itself in the
//! body (`event`, `user`, `login`, `sid`, `addr.remote`, …), so events that arrive
//! another way (OTLP, a JSON-parsed file) are recognised too.

use crate::event::{any_value::Value, AnyValue, KeyValue, LogRecord};

use super::config::Source;
use super::normalize::{Facts, Outcome, SshEvent};
use crate::net::host_and_port;

/// The Teleport event type → `ssh.event` (`None`: not an SSH access event).
pub fn event_for(event: &str, rec: &Event) -> Option<SshEvent> {
    Some(match event {
        "session.start" => SshEvent::SessionStart,
        "session.end" => SshEvent::SessionEnd,
        "session.join" => SshEvent::SessionJoin,
        "session.leave" => SshEvent::SessionLeave,
        "auth" => SshEvent::AuthFailure,
        "user.login" if rec.outcome() == Outcome::Failure => SshEvent::AuthFailure,
        "user.login" => SshEvent::AuthSuccess,
        "exec" => SshEvent::Exec,
        "scp" => SshEvent::FileTransfer,
        // An sftp subsystem copies files; other subsystems run a program.
        "subsystem" if rec.body_str("name") == Some("sftp") => SshEvent::FileTransfer,
        "subsystem" => SshEvent::Exec,
        "port" | "x11-forward" => SshEvent::PortForward,
        "session.command" | "session.disk" => SshEvent::Command,
        "session.network" => SshEvent::Network,
        "cert.create" => SshEvent::CertificateIssued,
        "client.disconnect" => SshEvent::Disconnect,
        _ => return None,
    })
}

/// A Teleport event: the record's attributes and its body map.
pub struct Event<'a> {
    attrs: &'a [KeyValue],
    body: &'a [KeyValue],
}

impl<'a> Event<'a> {
    /// A view of `record` when it holds a Teleport event: a `teleport.event`
    /// attribute, or a body map with `event` and a `T…` `code`.
    pub fn of(record: &'a LogRecord) -> Option<(Event<'a>, &'a str)> {
        let body = match record.body.as_ref().and_then(|b| b.value.as_ref()) {
            Some(Value::KvlistValue(m)) => &m.values[..],
            _ => &[],
        };
        let ev = Event { attrs: &record.attributes, body };
        let kind = match str_of(ev.attrs, "teleport.event") {
            Some(k) => k,
            None if ev.body_str("code").is_some_and(|c| c.starts_with('T')) => ev.body_str("event")?,
            None => return None,
        };
        Some((ev, kind))
    }

    fn attr(&self, key: &str) -> Option<&'a str> {
        str_of(self.attrs, key)
    }

    fn body_str(&self, key: &str) -> Option<&'a str> {
        str_of(self.body, key)
    }

    /// `success` when the event says, else the code's last letter (`I` success).
    fn outcome(&self) -> Outcome {
        if let Some(ok) = get(self.body, "success").and_then(as_bool) {
            return Outcome::from_success(ok);
        }
        match self.attr("event.outcome") {
            Some(o) => Outcome::from_success(o == "success"),
            None => {
                let code = self.attr("teleport.code").or_else(|| self.body_str("code")).unwrap_or("");
                Outcome::from_success(!code.ends_with(['W', 'E']))
            }
        }
    }

    /// `identity.user` (cert.create) or `user`.
    fn user(&self) -> Option<&'a str> {
        let identity = match get(self.body, "identity").and_then(|v| v.value.as_ref()) {
            Some(Value::KvlistValue(m)) => str_of(&m.values, "user"),
            _ => None,
        };
        identity.or_else(|| self.body_str("user"))
    }
}

/// The SSH event in a Teleport record.
pub fn facts(ev: &Event, kind: &str) -> Option<Facts> {
    let event = event_for(kind, ev)?;
    let mut f = Facts::new(event, Source::Teleport, ev.outcome());
    let owned = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(str::to_string);
    f.user = owned(ev.attr("user.name").or_else(|| ev.user()));
    f.login = owned(ev.attr("teleport.login").or_else(|| ev.body_str("login")));
    f.session_id = owned(ev.attr("session.id").or_else(|| ev.body_str("sid")));
    f.host_name = owned(ev.attr("host.name").or_else(|| ev.body_str("server_hostname")));
    f.method = match kind {
        "auth" => Some("certificate".to_string()),
        "user.login" => owned(ev.body_str("method")),
        _ => None,
    };
    if ev.attr("client.address").is_none() {
        if let Some(remote) = ev.body_str("addr.remote") {
            f.set_client(remote);
        }
    }
    if ev.attr("server.address").is_none() {
        if let Some(local) = ev.body_str("addr.local") {
            let (host, port) = host_and_port(local);
            f.server_address = owned(Some(host));
            f.server_port = port.map(i64::from);
        }
    }
    Some(f)
}

fn get<'a>(kvs: &'a [KeyValue], key: &str) -> Option<&'a AnyValue> {
    kvs.iter().find(|kv| kv.key == key).and_then(|kv| kv.value.as_ref())
}

fn str_of<'a>(kvs: &'a [KeyValue], key: &str) -> Option<&'a str> {
    match get(kvs, key)?.value.as_ref()? {
        Value::StringValue(s) => Some(s),
        _ => None,
    }
}

fn as_bool(v: &AnyValue) -> Option<bool> {
    match v.value.as_ref()? {
        Value::BoolValue(b) => Some(*b),
        _ => None,
    }
}
