//! A parser for Linux audit records, in the three shapes they reach a log pipeline:
//!
//! - auditd's log line: `type=USER_START msg=audit(1481077334.303:546): pid=1444 uid=0 … msg='op=… res=success'`;
//! - the kernel's printk line when no auditd runs: `audit: type=1105 audit(1481077334.303:546): pid=1444 …`;
//! - journald's `MESSAGE` of a `_TRANSPORT=audit` entry: `USER_START pid=1444 uid=0 … msg='op=… res=success'`.
//!
//! The part before `msg='…'` is written by the kernel (trusted); the part inside is the
//! userspace program's message (untrusted). Values are decoded as auditd's `ausearch -i`
//! does for strings: `"quoted"` values lose their quotes, and the fields auditd
//! hex-encodes when they hold spaces or odd bytes (`acct`, `exe`, `comm`, `cmd`, …) are
//! decoded when written as hex (`acct=616C696365` is `alice`).
//!
//! Knows nothing of records or processors, so the `ssh_events` processor and the OTTL
//! converter `ParseLinuxAudit` share it.

use std::borrow::Cow;

use crate::event::{any_value, AnyValue, KeyValue, KeyValueList};

/// `key=value` pairs in the order they appear.
pub type Fields<'a> = Vec<(&'a str, Cow<'a, str>)>;

/// One parsed audit record; strings borrow from the input unless decoding changed them.
#[derive(Debug, Default, PartialEq)]
pub struct AuditRecord<'a> {
    /// The record type by name (`USER_START`); numeric types of the kernel form are
    /// named when known (`1105` → `USER_START`) and kept as digits otherwise.
    pub record_type: Option<Cow<'a, str>>,
    /// `1481077334.303` from `audit(1481077334.303:546)`, when the text carries it.
    pub time: Option<&'a str>,
    /// `546` from `audit(1481077334.303:546)`.
    pub serial: Option<&'a str>,
    /// The kernel part: `pid`, `uid`, `auid`, `ses`, `subj`, … (everything outside `msg='…'`).
    pub fields: Fields<'a>,
    /// The userspace part inside `msg='…'`: `op`, `grantors`, `acct`, `exe`, `hostname`,
    /// `addr`, `terminal`, `res`, `teleportUser`, …; `None` when the record has none.
    pub msg: Option<Fields<'a>>,
    /// The text of `msg='…'` when it holds no `key=value` pair at all.
    pub msg_text: Option<&'a str>,
}

impl<'a> AuditRecord<'a> {
    /// A kernel-part field.
    pub fn field(&self, key: &str) -> Option<&str> {
        lookup(&self.fields, key)
    }

    /// A field of the `msg='…'` part, else of the kernel part (records without a
    /// `msg='…'` part carry everything in the kernel part).
    pub fn msg_field(&self, key: &str) -> Option<&str> {
        self.msg.as_ref().and_then(|m| lookup(m, key)).or_else(|| self.field(key))
    }

    pub fn record_type(&self) -> Option<&str> {
        self.record_type.as_deref()
    }
}

fn lookup<'b>(fields: &'b Fields<'_>, key: &str) -> Option<&'b str> {
    fields.iter().find(|(k, _)| *k == key).map(|(_, v)| v.as_ref())
}

/// Parses one audit record (any of the three shapes in the module doc). `None` when
/// the text is not an audit record: it has no type and no `key=value` pair.
pub fn parse(text: &str) -> Option<AuditRecord<'_>> {
    // Sized for the usual records, so parsing one allocates twice at most.
    let mut rec = AuditRecord { fields: Vec::with_capacity(8), ..Default::default() };
    let mut rest = text.trim_start();
    rest = rest.strip_prefix("audit: ").unwrap_or(rest);
    if !rest.starts_with("type=") {
        // journald's form: the type name, a space, then the kernel fields.
        let (first, after) = rest.split_once(' ')?;
        if !is_type_name(first) {
            return None;
        }
        rec.record_type = Some(Cow::Borrowed(first));
        rest = after;
    }
    tokenize(rest, &mut rec, false);
    if rec.record_type.is_none() && rec.fields.is_empty() && rec.msg.is_none() {
        return None;
    }
    Some(rec)
}

/// The OTTL converter `ParseLinuxAudit(value)`: the record as a map, or `None` when
/// the text is not an audit record.
///
/// Output shape (every value a string):
/// - `type`: the record type name (`USER_START`; a numeric kernel type is named when known);
/// - `time`, `serial`: from `audit(<time>:<serial>)` when present (`"1481077334.303"`, `"546"`);
/// - every kernel field by its own name: `pid`, `uid`, `auid`, `ses`, `subj`, `comm`, `exe`, …;
/// - `msg`: a map of the userspace part (`op`, `grantors`, `acct`, `exe`, `hostname`, `addr`,
///   `terminal`, `res`, `teleportUser`, …), or the plain string when it holds no `key=value`.
///
/// Quotes are removed and hex-encoded strings decoded (`acct=616C696365` → `alice`).
pub fn parse_linux_audit(text: &str) -> Option<KeyValueList> {
    let rec = parse(text)?;
    let mut values = Vec::with_capacity(rec.fields.len() + 4);
    if let Some(t) = &rec.record_type {
        values.push(string_kv("type", t));
    }
    if let Some(t) = rec.time {
        values.push(string_kv("time", t));
    }
    if let Some(s) = rec.serial {
        values.push(string_kv("serial", s));
    }
    values.extend(rec.fields.iter().map(|(k, v)| string_kv(k, v)));
    if let Some(msg) = &rec.msg {
        let inner = KeyValueList { values: msg.iter().map(|(k, v)| string_kv(k, v)).collect() };
        values.push(KeyValue {
            key: "msg".into(),
            value: Some(AnyValue { value: Some(any_value::Value::KvlistValue(inner)) }),
            ..Default::default()
        });
    } else if let Some(text) = rec.msg_text {
        values.push(string_kv("msg", text));
    }
    Some(KeyValueList { values })
}

fn string_kv(key: &str, value: &str) -> KeyValue {
    crate::event::kv(key, crate::event::str_value(value))
}

/// `USER_START`, `CRYPTO_KEY_USER`, `SYSCALL`: upper-case letters, digits and `_`.
fn is_type_name(s: &str) -> bool {
    !s.is_empty()
        && s.as_bytes()[0].is_ascii_uppercase()
        && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// Splits `key=value` tokens into `rec`. Words without `=` (the `user` of old records,
/// `pam:` of USER_ROLE_CHANGE) are skipped. `in_msg` is set inside `msg='…'`.
fn tokenize<'a>(s: &'a str, rec: &mut AuditRecord<'a>, in_msg: bool) {
    let b = s.as_bytes();
    let mut i = 0;
    // Old RHEL records put fields in parentheses: `(hostname=x, addr=y, terminal=ssh res=failed)`.
    let mut in_parens = false;
    while i < b.len() {
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i] != b' ' && b[i] != b'=' {
            i += 1;
        }
        if i >= b.len() || b[i] == b' ' {
            // A bare word; the kernel's printk form has its stamp as one: `audit(…):`.
            if !in_msg && s[start..i].starts_with("audit(") {
                take_msg(&s[start..i], false, rec);
            }
            continue;
        }
        let mut key = &s[start..i];
        if let Some(k) = key.strip_prefix('(') {
            key = k;
            in_parens = true;
        }
        i += 1; // '='
        let (value, quoted, end) = read_value(s, i);
        i = end;
        if key.is_empty() {
            continue;
        }
        if key == "msg" && !in_msg {
            take_msg(value, quoted, rec);
            continue;
        }
        if key == "type" && !in_msg && rec.record_type.is_none() {
            rec.record_type = Some(type_name(value));
            continue;
        }
        let value = if quoted { Cow::Borrowed(value) } else { unquoted(key, value, in_parens) };
        if in_msg {
            rec.msg.get_or_insert_with(|| Vec::with_capacity(16)).push((key, value));
        } else {
            rec.fields.push((key, value));
        }
    }
}

/// The value starting at byte `i`: `"…"`, `'…'` or up to the next space. Returns the
/// value without quotes, whether it was quoted, and the index after it.
fn read_value(s: &str, i: usize) -> (&str, bool, usize) {
    let b = s.as_bytes();
    if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
        let q = b[i];
        if let Some(len) = memchr::memchr(q, &b[i + 1..]) {
            return (&s[i + 1..i + 1 + len], true, i + len + 2);
        }
        // An unterminated quote runs to the end of the text.
        return (&s[i + 1..], true, b.len());
    }
    let len = memchr::memchr(b' ', &b[i..]).unwrap_or(b.len() - i);
    (&s[i..i + len], false, i + len)
}

/// `msg=audit(1481077334.303:546):` (the kernel stamp) or `msg='…'` (the userspace part).
fn take_msg<'a>(value: &'a str, quoted: bool, rec: &mut AuditRecord<'a>) {
    if !quoted {
        if let Some(stamp) = value.strip_prefix("audit(").and_then(|v| v.strip_suffix("):")) {
            let (time, serial) = stamp.split_once(':').unwrap_or((stamp, ""));
            rec.time = Some(time);
            rec.serial = (!serial.is_empty()).then_some(serial);
            return;
        }
    }
    let before = rec.msg.as_ref().map_or(0, Vec::len);
    tokenize(value, rec, true);
    if rec.msg.as_ref().map_or(0, Vec::len) == before {
        rec.msg_text = Some(value);
    }
}

/// An unquoted value: `?` and numbers stay as they are; hex-encoded strings are decoded.
fn unquoted<'a>(key: &str, value: &'a str, in_parens: bool) -> Cow<'a, str> {
    let mut v = value.strip_suffix(',').unwrap_or(value);
    if in_parens {
        v = v.strip_suffix(')').unwrap_or(v);
    }
    if ENCODED.contains(&key) {
        if let Some(decoded) = decode_hex(v, key == "proctitle") {
            return Cow::Owned(decoded);
        }
    }
    Cow::Borrowed(v)
}

/// Fields auditd writes as a quoted string or, when the string holds a space, a quote
/// or a control byte, as upper-case hex (`audit_log_untrustedstring`).
const ENCODED: &[&str] =
    &["acct", "cmd", "comm", "cwd", "data", "exe", "grp", "key", "name", "new_group", "path", "proctitle", "vm"];

/// Upper-case hex of even length → the bytes as text (invalid UTF-8 replaced). An
/// unquoted value of these fields is always hex, except `?` and `(null)`.
/// `proctitle` separates arguments with NUL: shown as spaces, as `ausearch -i` does.
fn decode_hex(v: &str, nul_to_space: bool) -> Option<String> {
    let b = v.as_bytes();
    if b.len() < 2 || b.len() % 2 != 0 || !b.iter().all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(c)) {
        return None;
    }
    let mut bytes = hex::decode(v).ok()?;
    if nul_to_space {
        for c in bytes.iter_mut().filter(|c| **c == 0) {
            *c = b' ';
        }
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// A `type=` value: a name as is, a number named when known.
fn type_name(v: &str) -> Cow<'_, str> {
    match v.parse::<u32>().ok().and_then(|n| TYPE_NAMES.iter().find(|(id, _)| *id == n)) {
        Some((_, name)) => Cow::Borrowed(name),
        None => Cow::Borrowed(v),
    }
}

/// Numbers of the record types seen around logins (linux/audit.h, libaudit.h).
const TYPE_NAMES: &[(u32, &str)] = &[
    (1005, "USER"),
    (1006, "LOGIN"),
    (1100, "USER_AUTH"),
    (1101, "USER_ACCT"),
    (1102, "USER_MGMT"),
    (1103, "CRED_ACQ"),
    (1104, "CRED_DISP"),
    (1105, "USER_START"),
    (1106, "USER_END"),
    (1108, "USER_CHAUTHTOK"),
    (1109, "USER_ERR"),
    (1110, "CRED_REFR"),
    (1112, "USER_LOGIN"),
    (1113, "USER_LOGOUT"),
    (1123, "USER_CMD"),
    (1130, "SERVICE_START"),
    (1131, "SERVICE_STOP"),
    (1300, "SYSCALL"),
    (1302, "PATH"),
    (1307, "CWD"),
    (1309, "EXECVE"),
    (1327, "PROCTITLE"),
    (2100, "ANOM_LOGIN_FAILURES"),
    (2101, "ANOM_LOGIN_TIME"),
    (2102, "ANOM_LOGIN_SESSIONS"),
    (2103, "ANOM_LOGIN_ACCT"),
    (2104, "ANOM_LOGIN_LOCATION"),
    (2300, "USER_ROLE_CHANGE"),
    (2404, "CRYPTO_KEY_USER"),
    (2405, "CRYPTO_SESSION"),
];

#[cfg(test)]
mod tests;
