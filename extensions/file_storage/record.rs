//! On-disk names and the entry file format.
//!
//! An entry file is a 16-byte header followed by the value:
//!
//! | bytes | field |
//! |---|---|
//! | 0..4 | magic `FCKV` |
//! | 4 | format version (1) |
//! | 5..8 | reserved, zero |
//! | 8..12 | value length, u32 little-endian |
//! | 12..16 | CRC-32 (IEEE) of bytes 0..12 and the value, u32 little-endian |
//!
//! Any torn write, truncation, flipped bit or foreign file fails one of these
//! checks, so a damaged entry is detected instead of being handed back.

use std::fmt::Write as _;
use std::io;

use crate::config::ComponentId;
use crate::storage::Kind;

const MAGIC: [u8; 4] = *b"FCKV";
const VERSION: u8 = 1;
pub const HEADER_LEN: usize = 16;

/// Longest encoded key: leaves room for the `.tmp` and `.corrupt` siblings
/// within the usual 255-byte file-name limit.
pub const MAX_NAME_LEN: usize = 240;

/// The entry file contents for `value`.
#[cfg(test)]
pub fn encode(value: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(HEADER_LEN + value.len());
    out.extend_from_slice(&header(value)?);
    out.extend_from_slice(value);
    Ok(out)
}

/// The header an entry file holding `value` starts with (the value follows it).
pub fn header(value: &[u8]) -> io::Result<[u8; HEADER_LEN]> {
    let len = u32::try_from(value.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "storage value larger than 4 GiB"))?;
    let mut out = [0u8; HEADER_LEN];
    out[..4].copy_from_slice(&MAGIC);
    out[4] = VERSION;
    out[8..12].copy_from_slice(&len.to_le_bytes());
    let crc = checksum(&out[..12], value);
    out[12..].copy_from_slice(&crc.to_le_bytes());
    Ok(out)
}

/// The value in an entry file, or why the file is not a valid entry.
pub fn decode(file: &[u8]) -> Result<&[u8], String> {
    if file.len() < HEADER_LEN {
        return Err(format!("{} bytes is shorter than the {HEADER_LEN}-byte header", file.len()));
    }
    if file[..4] != MAGIC {
        return Err("not a ferrocol file_storage entry (bad magic)".to_string());
    }
    if file[4] != VERSION {
        return Err(format!("unsupported format version {}", file[4]));
    }
    let len = u32::from_le_bytes(file[8..12].try_into().expect("4 bytes")) as usize;
    let value = &file[HEADER_LEN..];
    if value.len() != len {
        return Err(format!("header says {len} value bytes, file has {}", value.len()));
    }
    let stored = u32::from_le_bytes(file[12..16].try_into().expect("4 bytes"));
    let actual = checksum(&file[..12], value);
    if stored != actual {
        return Err(format!("checksum mismatch (stored {stored:08x}, computed {actual:08x})"));
    }
    Ok(value)
}

fn checksum(header: &[u8], value: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(header);
    h.update(value);
    h.finalize()
}

/// The file name of `key`: ASCII letters, digits, `-` and `_` as they are, every
/// other byte of its UTF-8 as `%XX`. So no name is `.`/`..`, holds a `/`, or
/// contains a `.` (which keeps the `.tmp` and `.corrupt` siblings apart from keys).
pub fn file_name(key: &str) -> io::Result<String> {
    if key.is_empty() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "storage key must not be empty"));
    }
    let mut name = String::with_capacity(key.len());
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            name.push(b as char);
        } else {
            let _ = write!(name, "%{b:02X}");
        }
    }
    if name.len() > MAX_NAME_LEN {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("storage key too long ({} bytes encoded, at most {MAX_NAME_LEN})", name.len()),
        ));
    }
    Ok(name)
}

/// The sub-directory of one component, named as otelcol names its per-component
/// file: `<kind>_<type>_<name>` (`receiver_journald_` when unnamed), with every
/// byte outside `[A-Za-z0-9._-]` written as `~` and two hex digits (reversible, so
/// `filelog/a:b` and `filelog/a;b` never share a directory). A name too long for a
/// file name (component names may have 1024 characters) keeps its first 200
/// bytes plus `~` and the CRC-32 of the whole name.
pub fn namespace(kind: Kind, id: &ComponentId) -> String {
    let raw = format!("{}_{}_{}", kind.as_str(), id.type_name, id.name.as_deref().unwrap_or(""));
    let mut name = String::with_capacity(raw.len());
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
            name.push(b as char);
        } else {
            let _ = write!(name, "~{b:02x}");
        }
    }
    if name.len() > MAX_NAME_LEN {
        // Every character is ASCII after escaping, so any byte index is a boundary.
        name.truncate(200);
        let _ = write!(name, "~{:08x}", crc32fast::hash(raw.as_bytes()));
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for value in [&b""[..], b"x", b"journald cursor s=abc;i=1", &[0u8; 1000]] {
            assert_eq!(decode(&encode(value).unwrap()).unwrap(), value);
        }
    }

    #[test]
    fn every_damage_is_detected() {
        let good = encode(b"a checkpoint value").unwrap();
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x01;
            assert!(decode(&bad).is_err(), "flipped bit in byte {i} went unnoticed");
        }
        for len in 0..good.len() {
            assert!(decode(&good[..len]).is_err(), "truncated to {len} bytes went unnoticed");
        }
        let mut longer = good.clone();
        longer.push(0);
        assert!(decode(&longer).is_err());
        assert!(decode(b"garbage that is long enough to have a header").unwrap_err().contains("bad magic"));
    }

    #[test]
    fn names_are_safe() {
        assert_eq!(file_name("journald_input.lastReadCursor").unwrap(), "journald_input%2ElastReadCursor");
        assert_eq!(file_name("..").unwrap(), "%2E%2E");
        assert_eq!(file_name("a/b c").unwrap(), "a%2Fb%20c");
        assert_eq!(file_name("é").unwrap(), "%C3%A9");
        assert_eq!(file_name("a%2F").unwrap(), "a%252F", "distinct from the key \"a/\"");
        assert!(file_name("").is_err());
        assert!(file_name(&"x".repeat(MAX_NAME_LEN)).is_ok());
        assert!(file_name(&"x".repeat(MAX_NAME_LEN + 1)).is_err());
    }

    #[test]
    fn namespaces_follow_otelcol() {
        let id = |t: &str, n: Option<&str>| ComponentId::new(t, n);
        assert_eq!(namespace(Kind::Receiver, &id("journald", None)), "receiver_journald_");
        assert_eq!(namespace(Kind::Receiver, &id("journald", Some("foo"))), "receiver_journald_foo");
        assert_eq!(namespace(Kind::Exporter, &id("otlp_http", Some("a:b/ü"))), "exporter_otlp_http_a~3ab~2f~c3~bc");
        assert_ne!(
            namespace(Kind::Receiver, &id("filelog", Some("a:b"))),
            namespace(Kind::Receiver, &id("filelog", Some("a;b")))
        );
        assert_eq!(namespace(Kind::Receiver, &id("filelog", Some(".."))), "receiver_filelog_..");
        let long = namespace(Kind::Receiver, &id("filelog", Some(&"n".repeat(1024))));
        assert_eq!(long.len(), 209);
        assert_ne!(long, namespace(Kind::Receiver, &id("filelog", Some(&"n".repeat(1023)))));
    }
}
