use super::*;

fn msg<'a>(r: &'a AuditRecord<'_>) -> Vec<(&'a str, &'a str)> {
    r.msg.as_ref().unwrap().iter().map(|(k, v)| (*k, v.as_ref())).collect()
}

#[test]
fn auditd_log_line() {
    let r = parse(
        "type=USER_AUTH msg=audit(1561703228.361:3028): pid=927417 uid=0 auid=4294967295 ses=4294967295 \
         msg='op=PAM:authentication grantors=pam_unix acct=\"root\" exe=\"/usr/sbin/sshd\" hostname=192.168.1.43 \
         addr=192.168.1.43 terminal=ssh res=success'",
    )
    .unwrap();
    assert_eq!(r.record_type(), Some("USER_AUTH"));
    assert_eq!((r.time, r.serial), (Some("1561703228.361"), Some("3028")));
    assert_eq!(r.field("pid"), Some("927417"));
    assert_eq!(r.field("ses"), Some("4294967295"));
    assert_eq!(
        msg(&r),
        vec![
            ("op", "PAM:authentication"),
            ("grantors", "pam_unix"),
            ("acct", "root"),
            ("exe", "/usr/sbin/sshd"),
            ("hostname", "192.168.1.43"),
            ("addr", "192.168.1.43"),
            ("terminal", "ssh"),
            ("res", "success"),
        ]
    );
}

#[test]
fn journald_message_form() {
    let r = parse(
        "USER_START pid=1444 uid=0 auid=1000 ses=4 subj=unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023 \
         msg='op=PAM:session_open grantors=pam_keyinit,pam_limits acct=\"root\" exe=\"/usr/bin/sudo\" hostname=? \
         addr=? terminal=/dev/pts/1 res=success'",
    )
    .unwrap();
    assert_eq!(r.record_type(), Some("USER_START"));
    assert_eq!(r.time, None);
    assert_eq!(r.field("subj"), Some("unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023"));
    assert_eq!(r.msg_field("hostname"), Some("?"));
    assert_eq!(r.msg_field("terminal"), Some("/dev/pts/1"));
    assert_eq!(r.msg_field("pid"), Some("1444"), "falls back to the kernel part");
}

#[test]
fn kernel_printk_form_names_numeric_types() {
    let r = parse("audit: type=1105 audit(1289812201.798:458): pid=2 uid=0 auid=0 ses=1 msg='op=login res=success'")
        .unwrap();
    assert_eq!(r.record_type(), Some("USER_START"));
    assert_eq!((r.time, r.serial), (Some("1289812201.798"), Some("458")));
    let r = parse("type=9999 msg=audit(1.2:3): a=b").unwrap();
    assert_eq!(r.record_type(), Some("9999"));
}

#[test]
fn hex_encoded_values_are_decoded_only_in_string_fields() {
    let r = parse(
        "USER_AUTH pid=1 uid=0 ses=12 msg='op=pubkey acct=616C696365 exe=2F7573722F7362696E2F73736864 res=success'",
    )
    .unwrap();
    assert_eq!(r.msg_field("acct"), Some("alice"));
    assert_eq!(r.msg_field("exe"), Some("/usr/sbin/sshd"));
    assert_eq!(r.field("ses"), Some("12"), "numbers stay numbers");
    let r = parse("type=PROCTITLE msg=audit(1.2:3): proctitle=2F62696E2F6C73002D6C").unwrap();
    assert_eq!(r.field("proctitle"), Some("/bin/ls -l"));
    // Quoted values are never decoded, and `?` stays.
    let r = parse("USER_AUTH pid=1 msg='acct=\"616C696365\" exe=? res=failed'").unwrap();
    assert_eq!(r.msg_field("acct"), Some("616C696365"));
    assert_eq!(r.msg_field("exe"), Some("?"));
}

#[test]
fn teleport_user_and_unquoted_exe() {
    let r = parse(
        "USER_LOGIN pid=991 uid=0 auid=4294967295 ses=4294967295 msg='op=login acct=\"root\" exe=teleport \
         hostname=node-3 addr=10.0.0.9:52311 terminal=/dev/pts/2 teleportUser=carol@example.com res=success'",
    )
    .unwrap();
    assert_eq!(r.msg_field("teleportUser"), Some("carol@example.com"));
    assert_eq!(r.msg_field("exe"), Some("teleport"));
    assert_eq!(r.msg_field("addr"), Some("10.0.0.9:52311"));
}

#[test]
fn crypto_records_with_double_spaces_and_bare_words() {
    let r = parse(
        "CRYPTO_KEY_USER pid=16865 uid=0 auid=0 ses=7247 msg='op=destroy kind=session fp=? direction=both \
         spid=16865 suid=0 rport=59296 laddr=192.0.2.1 lport=22  exe=\"/usr/sbin/sshd\" hostname=? \
         addr=10.66.136.139 terminal=? res=success'",
    )
    .unwrap();
    assert_eq!(r.msg_field("kind"), Some("session"));
    assert_eq!(r.msg_field("exe"), Some("/usr/sbin/sshd"));
    assert_eq!(r.msg_field("lport"), Some("22"));
    let r = parse(
        "USER_ROLE_CHANGE pid=2101 uid=0 auid=1000 ses=7 msg='pam: default-context=a:b:c:s0 selected-context=a:b:c:s0 \
         exe=\"/usr/sbin/sshd\" res=success'",
    )
    .unwrap();
    assert_eq!(r.msg_field("default-context"), Some("a:b:c:s0"));
    assert_eq!(r.msg_field("res"), Some("success"));
}

#[test]
fn old_rhel_syntax() {
    let r = parse(
        "type=USER_ERR msg=audit(1.2:3): user pid=11100 uid=0 auid=4294967295 msg='PAM: bad_ident acct=\"?\" : \
         exe=\"/usr/sbin/sshd\" (hostname=a.b.c.d, addr=a.b.c.d, terminal=ssh res=failed)'",
    )
    .unwrap();
    assert_eq!(r.field("pid"), Some("11100"));
    assert_eq!(r.msg_field("hostname"), Some("a.b.c.d"));
    assert_eq!(r.msg_field("addr"), Some("a.b.c.d"));
    assert_eq!(r.msg_field("res"), Some("failed"));
}

#[test]
fn not_audit_text() {
    assert_eq!(parse("Accepted publickey for alice from 203.0.113.7 port 51234 ssh2"), None);
    assert_eq!(parse(""), None);
    assert_eq!(parse("hello world"), None);
    assert!(parse_linux_audit("Started Daily apt download activities.").is_none());
}

#[test]
fn unterminated_quote_runs_to_the_end() {
    let r = parse("USER_AUTH pid=1 msg='op=x acct=\"bob").unwrap();
    assert_eq!(r.msg_field("acct"), Some("bob"));
}

#[test]
fn msg_without_pairs_is_kept_as_text() {
    let r = parse("type=USER msg=audit(1.2:3): pid=5 msg='hello there'").unwrap();
    assert_eq!(r.msg, None);
    assert_eq!(r.msg_text, Some("hello there"));
}

#[test]
fn converter_map_shape() {
    let m = parse_linux_audit(
        "type=USER_START msg=audit(1481077334.303:546): pid=1444 uid=0 auid=1000 ses=4 \
         msg='op=PAM:session_open acct=616C696365 res=success'",
    )
    .unwrap();
    let keys: Vec<&str> = m.values.iter().map(|kv| kv.key.as_str()).collect();
    assert_eq!(keys, ["type", "time", "serial", "pid", "uid", "auid", "ses", "msg"]);
    let Some(any_value::Value::KvlistValue(inner)) = m.values[7].value.as_ref().and_then(|v| v.value.as_ref()) else {
        panic!("msg is not a map: {:?}", m.values[7]);
    };
    let acct = inner.values.iter().find(|kv| kv.key == "acct").unwrap();
    assert_eq!(acct.value, Some(crate::event::str_value("alice")));
    assert_eq!(m.values[0].value, Some(crate::event::str_value("USER_START")));
}
