//! From journal fields to an OTLP log record.
//!
//! Default (otelcol's mapping): time from `__REALTIME_TIMESTAMP`, observed time
//! the read time, no severity, and the body a map of every field as
//! `journalctl --output=json` shows it, `__REALTIME_TIMESTAMP` left out and
//! `__CURSOR`, `__MONOTONIC_TIMESTAMP`, `_BOOT_ID` included: printable text is a
//! string; anything else (not UTF-8, control characters) the array of its bytes
//! (numbers, as otelcol's JSON decoding makes them: doubles); a field that occurs
//! several times an array of its values. Unlike journalctl without `--all`,
//! values of 4096 bytes and more are kept, not `null`.
//!
//! `semantic_conventions: true` (ferrocol's own): MESSAGE → body string,
//! PRIORITY → severity, well-known fields → semantic-convention attributes,
//! every other field → `journald.<FIELD>` (non-printable values as bytes).

use crate::event::{any_value::Value, AnyValue, ArrayValue, KeyValue, KeyValueList, LogRecord};

use super::filter::LEVELS;

/// OTel severity numbers for syslog levels 0..=7 (logs data model, appendix B).
const SEVERITY: [i32; 8] = [21, 19, 18, 17, 13, 10, 9, 5];

/// How records are shaped; from the config.
#[derive(Debug, Clone, Default)]
pub struct MappingOptions {
    pub convert_message_bytes: bool,
    pub semantic_conventions: bool,
    /// `attributes`: added to every record.
    pub attributes: Vec<KeyValue>,
}

/// What libsystemd tells about an entry besides its fields.
pub struct EntryMeta {
    pub monotonic_usec: u64,
    pub boot_id: String,
    pub cursor: String,
}

/// `text` if the value is printable UTF-8 as systemd defines it
/// (`utf8_is_printable`): no control characters but tab and newline, no
/// noncharacters. Otherwise journalctl shows the bytes.
pub fn printable(v: &[u8]) -> Option<&str> {
    // One pass over every byte, no early exit, so that it vectorizes: most
    // values are plain ASCII and need nothing more than the UTF-8 check.
    let plain_ascii = v.iter().fold(true, |ok, &b| ok & ((0x20..0x7f).contains(&b) | (b == b'\t') | (b == b'\n')));
    let s = std::str::from_utf8(v).ok()?;
    let ok = if plain_ascii {
        true
    } else if s.is_ascii() {
        false // a control character or DEL
    } else {
        s.chars().all(|c| {
            let u = c as u32;
            !((u < 0x20 && c != '\t' && c != '\n')
                || (0x7f..=0x9f).contains(&u)
                || (0xfdd0..=0xfdef).contains(&u)
                || u & 0xfffe == 0xfffe)
        })
    };
    ok.then_some(s)
}

fn string(s: String) -> AnyValue {
    AnyValue { value: Some(Value::StringValue(s)) }
}

/// The bytes as otelcol turns journalctl's `[114, 97, …]` into OTLP.
fn byte_array(v: &[u8]) -> AnyValue {
    let values = v.iter().map(|b| AnyValue { value: Some(Value::DoubleValue(f64::from(*b))) }).collect();
    AnyValue { value: Some(Value::ArrayValue(ArrayValue { values })) }
}

fn to_string_lossy(v: &[u8]) -> String {
    String::from_utf8_lossy(v).into_owned()
}

/// Text that is UTF-8 in practice (field names, cursors), checked the fast way.
pub fn text(v: &[u8]) -> String {
    match std::str::from_utf8(v) {
        Ok(s) => s.to_owned(),
        Err(_) => to_string_lossy(v),
    }
}

/// Lowercase hex, as journalctl prints 128-bit ids.
pub fn hex_id(id: &[u8; 16]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(32);
    for b in id {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// Builds one record at a time, reusing its scratch space across entries.
pub struct RecordBuilder {
    opts: MappingOptions,
    kvs: Vec<KeyValue>,
    /// Per field name seen in this entry: where its bytes are in `names`, the
    /// index of its value in `kvs` (`usize::MAX`: body or severity) and whether
    /// that value is already an array of repeated values.
    seen: Vec<(usize, usize, usize, bool)>,
    names: Vec<u8>,
    /// A cheap filter over field names, so repeated fields are looked for only
    /// when one may be a repeat.
    bloom: u64,
    body: Option<AnyValue>,
    severity: Option<u8>,
}

impl RecordBuilder {
    pub fn new(opts: MappingOptions) -> Self {
        RecordBuilder {
            opts,
            kvs: Vec::with_capacity(32),
            seen: Vec::with_capacity(32),
            names: Vec::with_capacity(512),
            bloom: 0,
            body: None,
            severity: None,
        }
    }

    /// Start an entry: the fields journalctl adds from the entry header.
    pub fn start(&mut self, meta: EntryMeta) {
        self.kvs.clear();
        self.seen.clear();
        self.names.clear();
        self.bloom = 0;
        self.body = None;
        self.severity = None;
        self.push_meta(b"__CURSOR", meta.cursor);
        self.push_meta(b"__MONOTONIC_TIMESTAMP", meta.monotonic_usec.to_string());
        self.push_meta(b"_BOOT_ID", meta.boot_id);
    }

    fn push_meta(&mut self, name: &[u8], value: String) {
        let key = self.key(name);
        self.remember(name, self.kvs.len());
        self.kvs.push(KeyValue { key, value: Some(string(value)), ..Default::default() });
    }

    /// One `NAME=value` data item of the entry, in enumeration order.
    pub fn field(&mut self, name: &[u8], value: &[u8]) {
        // journalctl takes the boot id from the entry header (added in `start`).
        if name == b"_BOOT_ID" {
            return;
        }
        if self.opts.semantic_conventions {
            match name {
                b"MESSAGE" if self.body.is_none() => {
                    self.body = Some(string(match printable(value).or_else(|| std::str::from_utf8(value).ok()) {
                        Some(s) => s.to_string(),
                        None => to_string_lossy(value),
                    }));
                    self.remember(name, usize::MAX);
                    return;
                }
                b"PRIORITY" if self.severity.is_none() && value.len() == 1 && (b'0'..=b'7').contains(&value[0]) => {
                    self.severity = Some(value[0] - b'0');
                    self.remember(name, usize::MAX);
                    return;
                }
                _ => {}
            }
        }
        let v = self.value(name, value);
        if let Some(i) = self.repeat_of(name) {
            if self.seen[i].2 != usize::MAX {
                self.append_repeat(i, v);
                return;
            }
            // A second MESSAGE or PRIORITY: an attribute (further ones join it).
            self.seen[i].2 = self.kvs.len();
            let key = self.key(name);
            self.kvs.push(KeyValue { key, value: Some(v), ..Default::default() });
            return;
        }
        let key = self.key(name);
        self.remember(name, self.kvs.len());
        self.kvs.push(KeyValue { key, value: Some(v), ..Default::default() });
    }

    /// The value as shown for this field.
    fn value(&self, name: &[u8], value: &[u8]) -> AnyValue {
        if let Some(s) = printable(value) {
            if self.opts.semantic_conventions && matches!(name, b"_PID" | b"CODE_LINE") {
                if let Ok(n) = s.parse::<i64>() {
                    return AnyValue { value: Some(Value::IntValue(n)) };
                }
            }
            return string(s.to_string());
        }
        if self.opts.semantic_conventions {
            return AnyValue { value: Some(Value::BytesValue(value.to_vec())) };
        }
        if self.opts.convert_message_bytes && name == b"MESSAGE" {
            return string(to_string_lossy(value));
        }
        byte_array(value)
    }

    /// The attribute key for a field.
    fn key(&self, name: &[u8]) -> String {
        if !self.opts.semantic_conventions {
            return text(name);
        }
        let mapped = match String::from_utf8_lossy(name).as_ref() {
            "_HOSTNAME" => "host.name",
            "_PID" => "process.pid",
            "_COMM" => "process.executable.name",
            "_EXE" => "process.executable.path",
            "_CMDLINE" => "process.command_line",
            "CODE_FILE" => "code.file.path",
            "CODE_LINE" => "code.line.number",
            "CODE_FUNC" => "code.function.name",
            other => return format!("journald.{other}"),
        };
        mapped.to_string()
    }

    fn bloom_bit(name: &[u8]) -> u64 {
        let h = name.len().wrapping_mul(31) ^ usize::from(name[name.len() - 1]) ^ (usize::from(name[0]) << 3);
        1u64 << (h & 63)
    }

    fn remember(&mut self, name: &[u8], kv_index: usize) {
        self.bloom |= Self::bloom_bit(name);
        self.seen.push((self.names.len(), name.len(), kv_index, false));
        self.names.extend_from_slice(name);
    }

    /// The `seen` index of an earlier occurrence of this field, if any.
    fn repeat_of(&self, name: &[u8]) -> Option<usize> {
        if self.bloom & Self::bloom_bit(name) == 0 {
            return None;
        }
        self.seen.iter().position(|(start, len, _, _)| &self.names[*start..start + len] == name)
    }

    /// A repeated field: its values become an array, in order.
    fn append_repeat(&mut self, seen_index: usize, v: AnyValue) {
        let (_, _, kv_index, is_array) = self.seen[seen_index];
        let slot = self.kvs[kv_index].value.get_or_insert_with(AnyValue::default);
        if is_array {
            if let Some(Value::ArrayValue(a)) = &mut slot.value {
                a.values.push(v);
            }
        } else {
            let first = std::mem::take(slot);
            slot.value = Some(Value::ArrayValue(ArrayValue { values: vec![first, v] }));
            self.seen[seen_index].3 = true;
        }
    }

    /// The finished record; the builder is ready for the next entry.
    pub fn finish(&mut self, realtime_usec: u64, observed_nanos: u64) -> LogRecord {
        let mut record = LogRecord {
            time_unix_nano: realtime_usec.saturating_mul(1000),
            observed_time_unix_nano: observed_nanos,
            ..Default::default()
        };
        let fields = std::mem::replace(&mut self.kvs, Vec::with_capacity(self.seen.len() + 4));
        if self.opts.semantic_conventions {
            record.body = self.body.take();
            if let Some(p) = self.severity.take() {
                record.severity_number = SEVERITY[usize::from(p)];
                record.severity_text = LEVELS[usize::from(p)].to_string();
            }
            record.attributes = fields;
            record.attributes.extend(self.opts.attributes.iter().cloned());
        } else {
            record.body = Some(AnyValue { value: Some(Value::KvlistValue(KeyValueList { values: fields })) });
            record.attributes = self.opts.attributes.clone();
        }
        record
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> EntryMeta {
        EntryMeta { monotonic_usec: 42, boot_id: "b00".into(), cursor: "s=1;i=2".into() }
    }

    fn body_map(r: &LogRecord) -> Vec<(String, AnyValue)> {
        match r.body.as_ref().and_then(|b| b.value.clone()) {
            Some(Value::KvlistValue(l)) => l.values.into_iter().map(|kv| (kv.key, kv.value.unwrap())).collect(),
            other => panic!("body is not a map: {other:?}"),
        }
    }

    fn s(v: &str) -> AnyValue {
        string(v.to_string())
    }

    #[test]
    fn ids_and_text() {
        assert_eq!(
            hex_id(&[0x6f, 0x1c, 0, 0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0xe5]),
            "6f1c00ff0102030405060708090a0be5"
        );
        assert_eq!(text(b"_PID"), "_PID");
        assert_eq!(text(b"a\xffb"), "a\u{fffd}b");
    }

    #[test]
    fn printable_follows_systemd() {
        assert_eq!(printable(b"plain text\twith tab\nand newline"), Some("plain text\twith tab\nand newline"));
        assert_eq!(printable("caf\u{e9} \u{a0}".as_bytes()), Some("caf\u{e9} \u{a0}"));
        for bad in [&b"x\x1by"[..], b"x\x7fy", b"\xc2\x85", b"\xef\xbf\xbe", b"raw \xff\xfe", b"nul\x00"] {
            assert_eq!(printable(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn otelcol_shape() {
        let mut b = RecordBuilder::new(MappingOptions::default());
        b.start(meta());
        b.field(b"_BOOT_ID", b"ignored: the header's is used");
        b.field(b"MESSAGE", b"hello");
        b.field(b"FOO", b"a");
        b.field(b"BIN", b"a\x00");
        b.field(b"FOO", b"b");
        b.field(b"FOO", b"\xff");
        let r = b.finish(1_000_001, 7);
        assert_eq!(r.time_unix_nano, 1_000_001_000);
        assert_eq!(r.observed_time_unix_nano, 7);
        assert_eq!((r.severity_number, r.severity_text.as_str()), (0, ""));
        let dbl = |n: u8| AnyValue { value: Some(Value::DoubleValue(f64::from(n))) };
        let arr = |v: Vec<AnyValue>| AnyValue { value: Some(Value::ArrayValue(ArrayValue { values: v })) };
        assert_eq!(
            body_map(&r),
            vec![
                ("__CURSOR".to_string(), s("s=1;i=2")),
                ("__MONOTONIC_TIMESTAMP".to_string(), s("42")),
                ("_BOOT_ID".to_string(), s("b00")),
                ("MESSAGE".to_string(), s("hello")),
                ("FOO".to_string(), arr(vec![s("a"), s("b"), arr(vec![dbl(255)])])),
                ("BIN".to_string(), arr(vec![dbl(b'a'), dbl(0)])),
            ]
        );
    }

    #[test]
    fn convert_message_bytes_only_touches_message() {
        let mut b = RecordBuilder::new(MappingOptions { convert_message_bytes: true, ..Default::default() });
        b.start(meta());
        b.field(b"MESSAGE", b"raw \xff bytes\x00");
        b.field(b"OTHER", b"\x01");
        let m = body_map(&b.finish(0, 0));
        assert_eq!(m[3], ("MESSAGE".to_string(), s("raw \u{fffd} bytes\u{0}")));
        assert!(matches!(m[4].1.value, Some(Value::ArrayValue(_))));
    }

    #[test]
    fn semantic_conventions() {
        let attrs = vec![KeyValue { key: "env".into(), value: Some(s("prod")), ..Default::default() }];
        let mut b =
            RecordBuilder::new(MappingOptions { semantic_conventions: true, attributes: attrs, ..Default::default() });
        b.start(meta());
        for (k, v) in [
            ("MESSAGE", "Accepted publickey for alice"),
            ("PRIORITY", "6"),
            ("_HOSTNAME", "bastion"),
            ("_PID", "2101"),
            ("_COMM", "sshd"),
            ("_EXE", "/usr/sbin/sshd"),
            ("_CMDLINE", "sshd: alice [priv]"),
            ("_SYSTEMD_UNIT", "ssh.service"),
            ("_AUDIT_SESSION", "7"),
        ] {
            b.field(k.as_bytes(), v.as_bytes());
        }
        b.field(b"BLOB", b"\x00\x01");
        b.field(b"MESSAGE", b"a second message");
        let r = b.finish(5, 6);
        assert_eq!(r.body, Some(s("Accepted publickey for alice")));
        assert_eq!((r.severity_number, r.severity_text.as_str()), (9, "info"));
        let keys: Vec<&str> = r.attributes.iter().map(|kv| kv.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "journald.__CURSOR",
                "journald.__MONOTONIC_TIMESTAMP",
                "journald._BOOT_ID",
                "host.name",
                "process.pid",
                "process.executable.name",
                "process.executable.path",
                "process.command_line",
                "journald._SYSTEMD_UNIT",
                "journald._AUDIT_SESSION",
                "journald.BLOB",
                "journald.MESSAGE",
                "env"
            ]
        );
        assert_eq!(r.attributes[4].value, Some(AnyValue { value: Some(Value::IntValue(2101)) }));
        assert_eq!(r.attributes[10].value, Some(AnyValue { value: Some(Value::BytesValue(vec![0, 1])) }));
    }
}
