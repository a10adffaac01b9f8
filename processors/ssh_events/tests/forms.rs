//! One test per record form: each audit type, each Teleport event type, sshd lines
//! in every carrier (journald map, journald semantic attributes, plain syslog line).

use crate::event::{any_value::Value, kv, str_value, AnyValue, KeyValueList, LogRecord};

use super::super::{Source, SshEvents, SshEventsConfig};
use super::{processor, render};

fn map(fields: &[(&str, &str)]) -> AnyValue {
    AnyValue {
        value: Some(Value::KvlistValue(KeyValueList {
            values: fields.iter().map(|(k, v)| kv(*k, str_value(*v))).collect(),
        })),
    }
}

fn journald_audit(message: &str) -> LogRecord {
    let kind = message.split(' ').next().unwrap();
    let body = map(&[
        ("_TRANSPORT", "audit"),
        ("SYSLOG_IDENTIFIER", "audit"),
        ("_AUDIT_TYPE_NAME", kind),
        ("_HOSTNAME", "h1"),
        ("MESSAGE", message),
    ]);
    LogRecord { body: Some(body), ..Default::default() }
}

fn processed(p: &SshEvents, mut r: LogRecord) -> String {
    p.process_record(&mut r);
    render(&r, true)
}

fn audit(message: &str) -> String {
    processed(&processor(false), journald_audit(message))
}

const SSHD: &str = "exe=\"/usr/sbin/sshd\" hostname=198.51.100.4 addr=198.51.100.4 terminal=ssh";

#[test]
fn each_audit_type() {
    let k = "pid=10 uid=0 auid=1001 ses=42";
    let cases = [
        ("USER_AUTH", "op=PAM:authentication grantors=pam_unix acct=\"dave\"", "success", "ssh.auth.success"),
        ("USER_AUTH", "op=password acct=\"dave\"", "failed", "ssh.auth.failure"),
        ("USER_ACCT", "op=PAM:accounting grantors=pam_unix acct=\"dave\"", "success", "ssh.auth.success"),
        ("CRED_ACQ", "op=PAM:setcred grantors=pam_unix acct=\"dave\"", "success", "ssh.auth.success"),
        ("CRED_DISP", "op=PAM:setcred grantors=pam_unix acct=\"dave\"", "success", "ssh.session.end"),
        ("USER_START", "op=PAM:session_open grantors=pam_unix acct=\"dave\"", "success", "ssh.session.start"),
        ("USER_END", "op=PAM:session_close grantors=pam_unix acct=\"dave\"", "success", "ssh.session.end"),
        ("USER_LOGIN", "op=login acct=\"dave\"", "success", "ssh.session.start"),
        ("USER_LOGIN", "op=login acct=\"dave\"", "failed", "ssh.auth.failure"),
        ("USER_LOGOUT", "op=logout acct=\"dave\"", "success", "ssh.session.end"),
        ("USER_ERR", "op=PAM:bad_ident grantors=? acct=\"dave\"", "failed", "ssh.auth.failure"),
        ("USER_ROLE_CHANGE", "pam: default-context=u:r:t:s0 selected-context=u:r:t:s0", "success", "ssh.session.start"),
        (
            "CRYPTO_SESSION",
            "op=start direction=from-client cipher=aes rport=5000 laddr=10.0.0.5 lport=22",
            "success",
            "ssh.network",
        ),
        ("CRYPTO_KEY_USER", "op=destroy kind=server fp=SHA256:aa direction=?", "success", "ssh.network"),
        ("CRYPTO_KEY_USER", "op=destroy kind=session fp=? direction=both", "success", "ssh.disconnect"),
        ("ANOM_LOGIN_FAILURES", "pam_faillock acct=\"dave\"", "failed", "ssh.auth.failure"),
    ];
    for (kind, msg, res, want) in cases {
        let line = format!("{kind} {k} msg='{msg} {SSHD} res={res}'");
        let got = audit(&line);
        assert!(got.starts_with(&format!("event_name={want} ")), "{kind} {res}: {got}");
        let outcome = if res == "success" { "success" } else { "failure" };
        assert!(got.contains(&format!("event.outcome={outcome} ")), "{kind}: {got}");
        assert!(
            got.contains("session.id=42 ") && got.contains("user.id=1001 ") && got.contains("host.name=h1 "),
            "{got}"
        );
        assert!(got.contains("client.address=198.51.100.4 ") && got.contains("ssh.source=auditd"), "{got}");
        let duplicate = matches!(kind, "USER_ACCT" | "CRED_ACQ" | "CRED_DISP" | "ANOM_LOGIN_FAILURES");
        assert_eq!(line_has_duplicate(&line), duplicate, "{kind}");
    }
    // pam_faillock writes `res=success` on the record that reports the failures.
    let got = audit(&format!("ANOM_LOGIN_FAILURES {k} msg='pam_faillock uid=1002 {SSHD} res=success'"));
    assert!(got.starts_with("event_name=ssh.auth.failure ") && got.contains("event.outcome=failure"), "{got}");
}

fn line_has_duplicate(message: &str) -> bool {
    let mut r = journald_audit(message);
    processor(false).process_record(&mut r);
    r.attributes.iter().any(|kv| kv.key == "ssh.duplicate")
}

#[test]
fn audit_details() {
    let got = audit(&format!(
        "USER_AUTH pid=1 uid=0 auid=4294967295 ses=4294967295 msg='op=pubkey acct=616C696365 {SSHD} res=success'"
    ));
    assert_eq!(
        got,
        "event_name=ssh.auth.success user.name=alice ssh.login=alice ssh.auth.method=publickey \
         client.address=198.51.100.4 host.name=h1 event.outcome=success ssh.source=auditd severity=INFO"
    );
    let got = audit("CRYPTO_KEY_USER pid=1 uid=0 auid=0 ses=3 msg='op=negotiate kind=auth-key fp=SHA256:k3y exe=\"/usr/sbin/sshd\" addr=192.0.2.1 res=success'");
    assert!(got.contains("ssh.key.fingerprint=SHA256:k3y "), "{got}");
    // sshd-session of OpenSSH 9.8 and a USER_ERR for an unknown account.
    let got = audit("USER_ERR pid=1 uid=0 auid=4294967295 ses=4294967295 msg='op=PAM:bad_ident acct=\"?\" exe=\"/usr/lib/openssh/sshd-session\" hostname=? addr=? terminal=? res=failed'");
    assert_eq!(got, "event_name=ssh.auth.failure host.name=h1 event.outcome=failure ssh.source=auditd severity=WARN");
}

#[test]
fn teleport_user_in_audit() {
    let got = audit("USER_ERR pid=991 uid=0 auid=4294967295 ses=4294967295 msg='op=invalid_user acct=\"oracle\" exe=\"/usr/local/bin/teleport\" hostname=node-3 addr=[2001:db8::9]:52390 terminal=? teleportUser=carol@example.com res=failed'");
    assert_eq!(
        got,
        "event_name=ssh.invalid_user user.name=carol@example.com ssh.login=oracle client.address=2001:db8::9 \
         client.port=52390 server.address=node-3 host.name=h1 event.outcome=failure ssh.source=auditd severity=WARN"
    );
}

#[test]
fn audit_records_not_from_ssh_are_untouched() {
    for line in [
        "USER_START pid=1 uid=0 auid=0 ses=1 msg='op=PAM:session_open acct=\"root\" exe=\"/usr/bin/sudo\" hostname=? addr=? terminal=/dev/pts/1 res=success'",
        "USER_AUTH pid=1 uid=0 auid=0 ses=1 msg='op=PAM:authentication acct=\"root\" exe=\"/usr/bin/su\" hostname=? addr=? terminal=pts/0 res=failed'",
        "SERVICE_START pid=1 uid=0 auid=4294967295 ses=4294967295 msg='unit=user@1000 comm=\"systemd\" exe=\"/usr/lib/systemd/systemd\" hostname=? addr=? terminal=? res=success'",
        "SYSCALL arch=c000003e syscall=59 success=yes exit=0 comm=\"sshd\" exe=\"/usr/sbin/sshd\"",
        "not an audit record at all",
    ] {
        assert_eq!(audit(line), "untouched", "{line}");
    }
}

#[test]
fn audit_log_and_kernel_lines_as_plain_bodies() {
    let p = processor(false);
    let line = |body: &str| processed(&p, LogRecord { body: Some(str_value(body)), ..Default::default() });
    let got = line("type=USER_START msg=audit(1795165201.061:4010): pid=2101 uid=0 auid=1000 ses=7 msg='op=PAM:session_open grantors=pam_unix acct=\"alice\" exe=\"/usr/sbin/sshd\" hostname=203.0.113.7 addr=203.0.113.7 terminal=ssh res=success'");
    assert!(got.starts_with("event_name=ssh.session.start user.name=alice user.id=1000 "), "{got}");
    let got = line("Nov 20 09:00:01 bastion kernel: audit: type=1112 audit(1795165201.070:4012): pid=2101 uid=0 auid=1000 ses=7 msg='op=login id=1000 exe=\"/usr/sbin/sshd\" hostname=203.0.113.7 addr=203.0.113.7 terminal=/dev/pts/0 res=success'");
    assert!(
        got.starts_with("event_name=ssh.session.start user.id=1000 ") && got.contains("host.name=bastion "),
        "{got}"
    );
}

fn teleport_body_only(json: &str) -> String {
    let r = super::loaders::teleport_record(json);
    // The event as a body map alone, as OTLP or a JSON-parsed file would carry it.
    let bare = LogRecord { body: r.body, ..Default::default() };
    processed(&processor(false), bare)
}

#[test]
fn each_teleport_event_type() {
    let cases = [
        ("session.start", "T2000I", "ssh.session.start"),
        ("session.end", "T2004I", "ssh.session.end"),
        ("session.join", "T2001I", "ssh.session.join"),
        ("session.leave", "T2003I", "ssh.session.leave"),
        ("auth", "T3007W", "ssh.auth.failure"),
        ("user.login", "T1000I", "ssh.auth.success"),
        ("user.login", "T1000W", "ssh.auth.failure"),
        ("exec", "T3002I", "ssh.exec"),
        ("exec", "T3002E", "ssh.exec"),
        ("scp", "T3004I", "ssh.file_transfer"),
        ("port", "T3003I", "ssh.port_forward"),
        ("x11-forward", "T3008I", "ssh.port_forward"),
        ("subsystem", "T3001I", "ssh.exec"),
        ("session.command", "T4000I", "ssh.command"),
        ("session.network", "T4002I", "ssh.network"),
        ("session.disk", "T4001I", "ssh.command"),
        ("cert.create", "TC000I", "ssh.certificate.issued"),
        ("client.disconnect", "T3006I", "ssh.disconnect"),
    ];
    for (event, code, want) in cases {
        let json = format!(
            r#"{{"event":"{event}","code":"{code}","time":"2024-01-01T00:00:00Z","user":"erin","login":"ubuntu","sid":"s-1","addr.remote":"192.0.2.5:4242","addr.local":"10.0.0.2:3022"}}"#
        );
        let outcome = if code.ends_with('I') { "success" } else { "failure" };
        let severity = if code.ends_with('I') {
            "INFO"
        } else if code.ends_with('E') {
            "ERROR"
        } else {
            "WARN"
        };
        let tail = format!("event.outcome={outcome} ssh.source=teleport severity={severity}");
        let got = processed(&processor(false), super::loaders::teleport_record(&json));
        assert!(got.starts_with(&format!("event_name={want} user.name=erin ssh.login=ubuntu ")), "{event}: {got}");
        assert!(got.ends_with(&tail), "{event} {code}: {got}");
        let got = teleport_body_only(&json);
        assert!(got.starts_with(&format!("event_name={want} user.name=erin ssh.login=ubuntu ")), "{event}: {got}");
        assert!(got.contains("client.address=192.0.2.5 client.port=4242 server.address=10.0.0.2 server.port=3022 "));
        let sev = if outcome == "failure" { "WARN" } else { "INFO" };
        assert!(got.ends_with(&format!("event.outcome={outcome} ssh.source=teleport severity={sev}")), "{got}");
    }
}

#[test]
fn teleport_details() {
    let got = teleport_body_only(
        r#"{"event":"cert.create","code":"TC000I","cert_type":"user","identity":{"user":"teleport-admin","logins":["root"]}}"#,
    );
    assert_eq!(got, "event_name=ssh.certificate.issued user.name=teleport-admin event.outcome=success ssh.source=teleport severity=INFO");
    let got = teleport_body_only(r#"{"event":"subsystem","code":"T3001I","name":"sftp","user":"u"}"#);
    assert!(got.starts_with("event_name=ssh.file_transfer "), "{got}");
    let got = teleport_body_only(r#"{"event":"user.login","code":"T1001I","method":"saml","success":true,"user":"u"}"#);
    assert!(got.contains("ssh.auth.method=saml "), "{got}");
    // Other Teleport events are not SSH access events.
    for json in [r#"{"event":"resize","code":"T2002I"}"#, r#"{"event":"role.created","code":"T9000I"}"#] {
        assert_eq!(teleport_body_only(json), "untouched");
    }
    // A map that merely has an `event` key is not a Teleport event.
    let r = LogRecord { body: Some(map(&[("event", "scp"), ("code", "200")])), ..Default::default() };
    assert_eq!(processed(&processor(false), r), "untouched");
}

fn journald_sshd(ident: &str, message: &str) -> LogRecord {
    let body =
        map(&[("_TRANSPORT", "syslog"), ("SYSLOG_IDENTIFIER", ident), ("_HOSTNAME", "h2"), ("MESSAGE", message)]);
    LogRecord { body: Some(body), ..Default::default() }
}

const ACCEPTED: &str = "Accepted password for lab from 192.168.10.1 port 56280 ssh2";
const WANT: &str = "event_name=ssh.auth.success user.name=lab ssh.login=lab ssh.auth.method=password \
    client.address=192.168.10.1 client.port=56280 host.name=h2 event.outcome=success ssh.source=sshd severity=INFO";

#[test]
fn sshd_lines_before_and_after_openssh_9_8() {
    let p = processor(false);
    for ident in ["sshd", "sshd-session", "sshd-auth"] {
        assert_eq!(processed(&p, journald_sshd(ident, ACCEPTED)), WANT, "{ident}");
    }
    // The same words from another program are not sshd's.
    assert_eq!(processed(&p, journald_sshd("myapp", ACCEPTED)), "untouched");
}

#[test]
fn sshd_lines_in_other_carriers() {
    let p = processor(false);
    let semantic = LogRecord {
        body: Some(str_value(ACCEPTED)),
        attributes: vec![kv("host.name", str_value("h2")), kv("journald.SYSLOG_IDENTIFIER", str_value("sshd-session"))],
        ..Default::default()
    };
    assert_eq!(processed(&p, semantic), WANT);
    let lower = LogRecord {
        body: Some(str_value(ACCEPTED)),
        attributes: vec![kv("journald.syslog_identifier", str_value("cron"))],
        ..Default::default()
    };
    assert_eq!(processed(&p, lower), "untouched");
    let syslog = format!("Nov 20 09:00:01 h2 sshd-session[2250]: {ACCEPTED}");
    assert_eq!(processed(&p, LogRecord { body: Some(str_value(syslog)), ..Default::default() }), WANT);
    let bare = processed(&p, LogRecord { body: Some(str_value(ACCEPTED)), ..Default::default() });
    assert_eq!(bare, WANT.replace(" host.name=h2", ""));
    let other = "Nov 20 09:00:01 h2 myapp[1]: Accepted password for lab from 192.168.10.1 port 56280 ssh2 x";
    assert_eq!(processed(&p, LogRecord { body: Some(str_value(other)), ..Default::default() }), "untouched");
}

#[test]
fn unknown_sshd_variant_is_untouched_and_dropped_with_keep_only_ssh() {
    let r = journald_sshd("sshd", "Server listening on 0.0.0.0 port 22.");
    let mut copy = r.clone();
    assert!(!processor(false).process_record(&mut copy));
    assert_eq!(copy, r);
    assert!(!processor(true).process_record(&mut copy));
}

#[test]
fn sources_and_identifiers_are_configurable() {
    let only_teleport = SshEvents::new(&SshEventsConfig { sources: vec![Source::Teleport], ..Default::default() });
    assert_eq!(processed(&only_teleport, journald_sshd("sshd", ACCEPTED)), "untouched");
    assert_eq!(
        processed(
            &only_teleport,
            journald_audit(&format!("USER_START pid=1 msg='op=x acct=\"a\" {SSHD} res=success'"))
        ),
        "untouched"
    );
    let custom = SshEvents::new(&SshEventsConfig { sshd_identifiers: vec!["sshd-hpn".into()], ..Default::default() });
    assert_eq!(processed(&custom, journald_sshd("sshd-hpn", ACCEPTED)), WANT);
    assert_eq!(processed(&custom, journald_sshd("sshd", ACCEPTED)), "untouched");
    let no_severity = SshEvents::new(&SshEventsConfig { set_severity: false, ..Default::default() });
    let mut r = journald_sshd("sshd", ACCEPTED);
    assert!(no_severity.process_record(&mut r));
    assert_eq!(r.severity_number, 0);
}

#[test]
fn config_validation() {
    assert!(SshEventsConfig::default().validate().is_empty());
    let e = SshEventsConfig { sources: vec![], ..Default::default() }.validate();
    assert_eq!(e[0].key, "sources");
    let e = SshEventsConfig { sshd_identifiers: vec![], ..Default::default() }.validate();
    assert_eq!(e[0].key, "sshd_identifiers");
    let e = SshEventsConfig { sshd_identifiers: vec!["a b".into()], ..Default::default() }.validate();
    assert!(e[0].message.contains("\"a b\""), "{e:?}");
}
