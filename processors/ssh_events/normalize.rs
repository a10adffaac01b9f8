//! The common schema: what a recognised event is ([`Facts`]) and how it is written
//! onto the record (attributes, `event_name`, severity).

use crate::event::{any_value, AnyValue, KeyValue, LogRecord};

use super::config::Source;

/// The `ssh.event` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SshEvent {
    AuthSuccess,
    AuthFailure,
    SessionStart,
    SessionEnd,
    SessionJoin,
    SessionLeave,
    Exec,
    FileTransfer,
    PortForward,
    Command,
    Network,
    CertificateIssued,
    InvalidUser,
    Disconnect,
}

impl SshEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            SshEvent::AuthSuccess => "ssh.auth.success",
            SshEvent::AuthFailure => "ssh.auth.failure",
            SshEvent::SessionStart => "ssh.session.start",
            SshEvent::SessionEnd => "ssh.session.end",
            SshEvent::SessionJoin => "ssh.session.join",
            SshEvent::SessionLeave => "ssh.session.leave",
            SshEvent::Exec => "ssh.exec",
            SshEvent::FileTransfer => "ssh.file_transfer",
            SshEvent::PortForward => "ssh.port_forward",
            SshEvent::Command => "ssh.command",
            SshEvent::Network => "ssh.network",
            SshEvent::CertificateIssued => "ssh.certificate.issued",
            SshEvent::InvalidUser => "ssh.invalid_user",
            SshEvent::Disconnect => "ssh.disconnect",
        }
    }
}

/// `event.outcome`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }

    pub fn from_success(ok: bool) -> Outcome {
        if ok {
            Outcome::Success
        } else {
            Outcome::Failure
        }
    }
}

/// One recognised SSH access event: who, what, from where, with which result.
#[derive(Debug)]
pub struct Facts {
    pub event: SshEvent,
    pub source: Source,
    pub outcome: Outcome,
    /// The person: the Teleport user or `teleportUser`, else the OS account.
    pub user: Option<String>,
    /// A numeric OS user id, where the source gives one.
    pub user_id: Option<String>,
    /// The OS account logged into.
    pub login: Option<String>,
    pub method: Option<String>,
    pub key_type: Option<String>,
    pub fingerprint: Option<String>,
    pub client_address: Option<String>,
    /// The client's host name, when the line names it instead of an address
    /// (`rhost=`, `reverse mapping checking getaddrinfo for <name>`).
    pub client_domain: Option<String>,
    pub client_port: Option<i64>,
    pub server_address: Option<String>,
    pub server_port: Option<i64>,
    pub host_name: Option<String>,
    pub session_id: Option<String>,
    /// How many occurrences the line stands for (`message repeated N times`,
    /// `PAM N more authentication failures`); `None` is one.
    pub count: Option<i64>,
    /// Another view of an attempt another line already reports (PAM's line beside
    /// sshd's, `input_userauth_request` after `Invalid user`): `ssh.duplicate`.
    pub duplicate: bool,
}

impl Facts {
    pub fn new(event: SshEvent, source: Source, outcome: Outcome) -> Facts {
        Facts {
            event,
            source,
            outcome,
            user: None,
            user_id: None,
            login: None,
            method: None,
            key_type: None,
            fingerprint: None,
            client_address: None,
            client_domain: None,
            client_port: None,
            server_address: None,
            server_port: None,
            host_name: None,
            session_id: None,
            count: None,
            duplicate: false,
        }
    }

    /// How many attributes these facts make at most.
    fn count(&self) -> usize {
        let strings = [
            &self.user,
            &self.user_id,
            &self.login,
            &self.method,
            &self.key_type,
            &self.fingerprint,
            &self.client_address,
            &self.client_domain,
            &self.server_address,
            &self.host_name,
            &self.session_id,
        ];
        3 + strings.iter().filter(|s| s.is_some()).count()
            + self.client_port.is_some() as usize
            + self.server_port.is_some() as usize
            + self.count.is_some() as usize
            + self.duplicate as usize
    }

    /// The user (also the login) unless empty.
    pub fn set_user(&mut self, user: &str) {
        if !user.is_empty() {
            self.user = Some(user.to_string());
            self.login = self.user.clone();
        }
    }

    /// The remote end as a line names it: an address goes to `client.address`, a
    /// host name to `source.domain`; empty or `?` is unknown.
    pub fn set_remote(&mut self, host: &str) {
        if super::sshd::is_addr(host) {
            self.client_address = Some(host.to_string());
        } else if !host.is_empty() && host != "?" {
            self.client_domain = Some(host.to_string());
        }
    }

    /// Sets the client from `host:port`, `[v6]:port` or a bare address.
    pub fn set_client(&mut self, addr: &str) {
        let (host, port) = crate::net::host_and_port(addr);
        if !host.is_empty() {
            self.client_address = Some(host.to_string());
        }
        if let Some(port) = port {
            self.client_port = Some(i64::from(port));
        }
    }
}

const INFO: i32 = 9;
const WARN: i32 = 13;

/// Writes `facts` onto `record`. `event_name` and the `ssh.*` attributes are ours and
/// set; the general ones (`user.name`, `client.address`, …) are added only when the
/// record does not carry them already, so a receiver's values win.
pub fn apply(record: &mut LogRecord, facts: Facts, set_severity: bool) {
    record.event_name = facts.event.as_str().to_string();
    let attrs = &mut record.attributes;
    attrs.reserve(facts.count());
    put(attrs, "ssh.event", string(facts.event.as_str()));
    put(attrs, "ssh.source", string(facts.source.as_str()));
    put_opt(attrs, "ssh.login", facts.login);
    put_opt(attrs, "ssh.auth.method", facts.method);
    put_opt(attrs, "ssh.key.type", facts.key_type);
    put_opt(attrs, "ssh.key.fingerprint", facts.fingerprint);
    add_opt(attrs, "user.name", facts.user);
    add_opt(attrs, "user.id", facts.user_id);
    add_opt(attrs, "client.address", facts.client_address);
    add_opt(attrs, "source.domain", facts.client_domain);
    if let Some(p) = facts.client_port {
        add(attrs, "client.port", int(p));
    }
    add_opt(attrs, "server.address", facts.server_address);
    if let Some(p) = facts.server_port {
        add(attrs, "server.port", int(p));
    }
    add_opt(attrs, "host.name", facts.host_name);
    add_opt(attrs, "session.id", facts.session_id);
    add(attrs, "event.outcome", string(facts.outcome.as_str()));
    if let Some(n) = facts.count {
        put(attrs, "ssh.count", int(n));
    }
    if facts.duplicate {
        put(attrs, "ssh.duplicate", AnyValue { value: Some(any_value::Value::BoolValue(true)) });
    }
    if set_severity {
        raise_severity(record, facts.outcome);
    }
}

/// Failures to WARN, successes to INFO, unless the record is already at least that.
fn raise_severity(record: &mut LogRecord, outcome: Outcome) {
    let (number, text) = match outcome {
        Outcome::Failure => (WARN, "WARN"),
        Outcome::Success => (INFO, "INFO"),
    };
    if record.severity_number < number {
        record.severity_number = number;
        record.severity_text = text.to_string();
    }
}

fn string(s: &str) -> AnyValue {
    AnyValue { value: Some(any_value::Value::StringValue(s.to_string())) }
}

fn int(n: i64) -> AnyValue {
    AnyValue { value: Some(any_value::Value::IntValue(n)) }
}

/// Set `key`, replacing a value already there.
fn put(attrs: &mut Vec<KeyValue>, key: &str, value: AnyValue) {
    match attrs.iter_mut().find(|kv| kv.key == key) {
        Some(kv) => kv.value = Some(value),
        None => attrs.push(crate::event::kv(key, value)),
    }
}

fn put_opt(attrs: &mut Vec<KeyValue>, key: &str, value: Option<String>) {
    if let Some(v) = value {
        put(attrs, key, AnyValue { value: Some(any_value::Value::StringValue(v)) });
    }
}

/// Add `key` unless the record has it.
fn add(attrs: &mut Vec<KeyValue>, key: &str, value: AnyValue) {
    if !attrs.iter().any(|kv| kv.key == key) {
        attrs.push(crate::event::kv(key, value));
    }
}

fn add_opt(attrs: &mut Vec<KeyValue>, key: &str, value: Option<String>) {
    if let Some(v) = value {
        add(attrs, key, AnyValue { value: Some(any_value::Value::StringValue(v)) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_is_raised_never_lowered() {
        let mut r = LogRecord { severity_number: 17, severity_text: "ERROR".into(), ..Default::default() };
        apply(&mut r, Facts::new(SshEvent::AuthFailure, Source::Sshd, Outcome::Failure), true);
        assert_eq!((r.severity_number, r.severity_text.as_str()), (17, "ERROR"));
        let mut r = LogRecord { severity_number: 5, severity_text: "DEBUG".into(), ..Default::default() };
        apply(&mut r, Facts::new(SshEvent::AuthFailure, Source::Sshd, Outcome::Failure), true);
        assert_eq!((r.severity_number, r.severity_text.as_str()), (13, "WARN"));
        let mut r = LogRecord::default();
        apply(&mut r, Facts::new(SshEvent::SessionStart, Source::Sshd, Outcome::Success), true);
        assert_eq!((r.severity_number, r.severity_text.as_str()), (9, "INFO"));
        let mut r = LogRecord { severity_number: 10, severity_text: "INFO2".into(), ..Default::default() };
        apply(&mut r, Facts::new(SshEvent::SessionStart, Source::Sshd, Outcome::Success), true);
        assert_eq!((r.severity_number, r.severity_text.as_str()), (10, "INFO2"));
        let mut r = LogRecord::default();
        apply(&mut r, Facts::new(SshEvent::AuthFailure, Source::Sshd, Outcome::Failure), false);
        assert_eq!(r.severity_number, 0);
    }

    #[test]
    fn receiver_values_win_over_ours_but_ssh_attributes_are_set() {
        let mut r = LogRecord {
            attributes: vec![
                crate::event::kv("user.name", string("from-receiver")),
                crate::event::kv("ssh.event", string("stale")),
            ],
            ..Default::default()
        };
        let mut f = Facts::new(SshEvent::Exec, Source::Teleport, Outcome::Success);
        f.user = Some("ours".into());
        apply(&mut r, f, true);
        assert_eq!(r.attributes[0].value, Some(string("from-receiver")));
        assert_eq!(r.attributes[1].value, Some(string("ssh.exec")));
        assert_eq!(r.event_name, "ssh.exec");
        assert_eq!(r.attributes.iter().filter(|kv| kv.key == "user.name").count(), 1);
    }
}
