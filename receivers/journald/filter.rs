//! Filters pushed into libsystemd, built exactly as journalctl builds them from
//! the options otelcol passes it, so that entries which cannot match are never
//! decoded: `(boot AND) (dmesg AND) (units OR …) AND (identifiers OR …) AND
//! (priorities OR …) AND (match group OR …)`, each group an AND of its fields.
//! Also the parsing of `priority`, `grep`, match keys and unit names, with
//! journalctl's rules (src/journal/journalctl.c, src/basic/unit-name.c).

use std::io;

use globset::GlobBuilder;
use regex::bytes::{Regex, RegexBuilder};
use systemd::journal::JournalRef;

use super::config::JournaldConfig;
use super::sd;

/// Syslog levels, as journalctl names them; the index is the level.
pub const LEVELS: [&str; 8] = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"];

/// Every level: journalctl adds no PRIORITY match then (entries without one pass).
pub const ALL_PRIORITIES: u8 = 0xFF;

/// MESSAGE_ID of systemd-coredump's "process dumped core" entries.
const COREDUMP_MESSAGE_ID: &str = "fc2e22bc6ee647b6b90729ab34a250b1";

/// The fields journalctl searches for unit names when `--unit` is a glob.
const UNIT_FIELDS: [&std::ffi::CStr; 5] =
    [c"_SYSTEMD_UNIT", c"COREDUMP_UNIT", c"UNIT", c"OBJECT_SYSTEMD_UNIT", c"_SYSTEMD_SLICE"];

const UNIT_TYPES: [&str; 11] =
    ["service", "socket", "target", "device", "mount", "automount", "swap", "timer", "path", "slice", "scope"];

/// A level by name or number (journalctl's `log_level_from_string`).
fn level(s: &str) -> Option<u8> {
    if let Some(i) = LEVELS.iter().position(|l| *l == s) {
        return Some(i as u8);
    }
    s.trim_start().parse::<u8>().ok().filter(|n| *n <= 7)
}

/// `priority` as a bit mask of the levels to read: `info` is 0..=6, `emerg..err`
/// (either order) is the range.
pub fn parse_priority(s: &str) -> Result<u8, String> {
    const HELP: &str =
        "valid: emerg, alert, crit, err, warning, notice, info, debug, 0-7, or a range such as emerg..err";
    let mask = |from: u8, to: u8| (from.min(to)..=from.max(to)).fold(0u8, |m, i| m | (1 << i));
    match s.split_once("..") {
        Some((a, b)) => match (level(a), level(b)) {
            (Some(a), Some(b)) => Ok(mask(a, b)),
            _ => Err(format!("invalid log level range {s:?} ({HELP})")),
        },
        None => level(s).map(|p| mask(0, p)).ok_or_else(|| format!("unknown log level {s:?} ({HELP})")),
    }
}

/// `grep` compiled with journalctl's case rule: case-insensitive unless the
/// pattern contains an uppercase letter (`[[:upper:]]`, ASCII). Matched against
/// MESSAGE's bytes, so it also finds text in non-UTF-8 messages. `None` when empty.
pub fn compile_grep(pattern: &str) -> Result<Option<Regex>, String> {
    if pattern.is_empty() {
        return Ok(None);
    }
    let has_upper = pattern.bytes().any(|b| b.is_ascii_uppercase());
    RegexBuilder::new(pattern)
        .case_insensitive(!has_upper)
        .build()
        .map(Some)
        .map_err(|e| format!("invalid regular expression: {}", e.to_string().replace('\n', " ")))
}

/// otelcol's check on `matches` keys, with its message; and journald's own limit.
pub fn check_match_key(key: &str) -> Result<(), String> {
    if key.is_empty() || !key.bytes().all(|b| b == b'_' || b.is_ascii_uppercase()) {
        return Err(format!("'{key}' is not a valid Systemd field name"));
    }
    if key.len() > 64 {
        return Err(format!("'{key}' is not a valid Systemd field name (longer than 64 characters)"));
    }
    Ok(())
}

fn is_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

fn unit_char(c: char, glob: bool) -> bool {
    c.is_ascii_alphanumeric() || ":-_.\\@".contains(c) || (glob && "[]!*?".contains(c))
}

fn unit_type(name: &str) -> Option<&str> {
    let (prefix, suffix) = name.rsplit_once('.')?;
    (!prefix.is_empty() && UNIT_TYPES.contains(&suffix)).then_some(suffix)
}

/// `\xNN` for a byte systemd does not allow in a unit name.
fn escape_byte(out: &mut String, b: u8) {
    out.push_str(&format!("\\x{b:02x}"));
}

/// A unit name as `journalctl --unit` mangles it: valid names and globs stay,
/// a path becomes its `.mount` / `.device` unit, anything else is escaped and
/// gets `.service` when it has no unit type.
pub fn mangle_unit(name: &str) -> String {
    if unit_type(name).is_some() && name.chars().all(|c| unit_char(c, false)) {
        return name.to_string();
    }
    if is_glob(name) && name.chars().all(|c| unit_char(c, true)) {
        return name.to_string();
    }
    if name.starts_with('/') {
        let suffix = if name.starts_with("/dev/") || name.starts_with("/sys/") { ".device" } else { ".mount" };
        return path_unit(name, suffix);
    }
    let mut out = String::with_capacity(name.len() + 8);
    for b in name.bytes() {
        match b {
            b'/' => out.push('-'),
            _ if b.is_ascii() && unit_char(b as char, true) => out.push(b as char),
            _ => escape_byte(&mut out, b),
        }
    }
    if !is_glob(&out) && unit_type(&out).is_none() {
        out.push_str(".service");
    }
    out
}

/// systemd's `unit_name_from_path`: `/var/log` → `var-log.mount`.
fn path_unit(path: &str, suffix: &str) -> String {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
    if parts.is_empty() {
        return format!("-{suffix}");
    }
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push('-');
        }
        for (j, b) in part.bytes().enumerate() {
            let plain = b.is_ascii_alphanumeric() || b == b':' || b == b'_' || (b == b'.' && (i, j) != (0, 0));
            if plain {
                out.push(b as char);
            } else {
                escape_byte(&mut out, b);
            }
        }
    }
    out + suffix
}

/// What to ask libsystemd for, from the config.
#[derive(Debug, Clone)]
pub struct Filters {
    pub dmesg: bool,
    /// Mangled unit names; globs are expanded against the journal at each open.
    pub units: Vec<String>,
    pub identifiers: Vec<String>,
    /// Levels to read, one bit each; [`ALL_PRIORITIES`] adds no match.
    pub priorities: u8,
    /// OR of AND groups of `(field, value)`, fields sorted as otelcol sorts them.
    pub matches: Vec<Vec<(String, String)>>,
}

impl Filters {
    /// From a validated config.
    pub fn from_config(c: &JournaldConfig) -> Filters {
        Filters {
            dmesg: c.dmesg,
            units: c.units.iter().map(|u| mangle_unit(u)).collect(),
            identifiers: c.identifiers.clone(),
            priorities: parse_priority(&c.priority).unwrap_or(ALL_PRIORITIES),
            matches: c.matches.iter().map(|g| g.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).collect(),
        }
    }

    /// Add the terms to a journal, in journalctl's order. `boot` is the boot
    /// `dmesg` is limited to. Fails when unit globs match no known unit
    /// (journalctl: "No data available"): everything would match otherwise.
    pub fn apply(&self, j: &mut JournalRef, boot: Option<&str>) -> io::Result<()> {
        if let Some(boot) = boot {
            j.match_add("_BOOT_ID", boot)?;
            j.match_and()?;
        }
        if self.dmesg {
            j.match_add("_TRANSPORT", "kernel")?;
            j.match_and()?;
        }
        self.add_units(j)?;
        for id in &self.identifiers {
            j.match_add("SYSLOG_IDENTIFIER", id.as_str())?;
            j.match_or()?;
        }
        j.match_and()?;
        if self.priorities != ALL_PRIORITIES {
            for level in (0..8).filter(|l| self.priorities & (1 << l) != 0) {
                j.match_add("PRIORITY", level.to_string())?;
            }
            j.match_and()?;
        }
        for (i, group) in self.matches.iter().enumerate() {
            if i > 0 {
                j.match_or()?;
            }
            for (k, v) in group {
                j.match_add(k, v.as_str())?;
            }
        }
        Ok(())
    }

    fn add_units(&self, j: &mut JournalRef) -> io::Result<()> {
        let (patterns, names): (Vec<&String>, Vec<&String>) = self.units.iter().partition(|u| is_glob(u));
        let mut units: Vec<String> = names.into_iter().cloned().collect();
        if !patterns.is_empty() {
            units.extend(expand_unit_globs(j, &patterns)?);
        }
        if !self.units.is_empty() && units.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("no unit in the journal matches units {:?}", self.units),
            ));
        }
        for u in &units {
            add_unit(j, u)?;
            j.match_or()?;
        }
        j.match_and()?;
        Ok(())
    }
}

/// journalctl's `add_matches_for_unit`: the unit's own messages, its coredumps,
/// systemd's messages about it, and authorized daemons' messages about it.
fn add_unit(j: &mut JournalRef, unit: &str) -> io::Result<()> {
    j.match_add("_SYSTEMD_UNIT", unit)?;
    j.match_or()?;
    j.match_add("MESSAGE_ID", COREDUMP_MESSAGE_ID)?;
    j.match_add("_UID", "0")?;
    j.match_add("COREDUMP_UNIT", unit)?;
    j.match_or()?;
    j.match_add("_PID", "1")?;
    j.match_add("UNIT", unit)?;
    j.match_or()?;
    j.match_add("_UID", "0")?;
    j.match_add("OBJECT_SYSTEMD_UNIT", unit)?;
    if unit.ends_with(".slice") {
        j.match_or()?;
        j.match_add("_SYSTEMD_SLICE", unit)?;
    }
    Ok(())
}

/// Unit names in the journal that match any pattern (fnmatch without escapes).
fn expand_unit_globs(j: &mut JournalRef, patterns: &[&String]) -> io::Result<Vec<String>> {
    let mut matchers = Vec::new();
    for p in patterns {
        let glob = GlobBuilder::new(p).backslash_escape(false).build();
        matchers.push(glob.map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?.compile_matcher());
    }
    let mut found = Vec::new();
    for field in UNIT_FIELDS {
        for value in sd::unique_values(j, field)? {
            let Ok(name) = String::from_utf8(value) else { continue };
            if !found.contains(&name) && matchers.iter().any(|m| m.is_match(&name)) {
                found.push(name);
            }
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priorities_as_journalctl_reads_them() {
        assert_eq!(parse_priority("info"), Ok(0b0111_1111));
        assert_eq!(parse_priority("7"), Ok(ALL_PRIORITIES));
        assert_eq!(parse_priority("debug"), Ok(ALL_PRIORITIES));
        assert_eq!(parse_priority("0"), Ok(1));
        assert_eq!(parse_priority("emerg..err"), Ok(0b1111));
        assert_eq!(parse_priority("info..err"), Ok(0b0111_1000), "either order");
        assert_eq!(parse_priority(" 3"), Ok(0b1111));
        for bad in ["warn", "WARNING", "8", "", "..err", "err..", "3 "] {
            assert!(parse_priority(bad).is_err(), "{bad:?}");
        }
        assert!(parse_priority("warn").unwrap_err().starts_with("unknown log level \"warn\""));
        assert!(parse_priority("x..err").unwrap_err().starts_with("invalid log level range"));
    }

    #[test]
    fn grep_case_rule() {
        let lower = compile_grep("user_start").unwrap().unwrap();
        assert!(lower.is_match(b"USER_START pid=1"), "no uppercase: case-insensitive");
        let upper = compile_grep("USER_START.*op=PAM:session_open").unwrap().unwrap();
        assert!(!upper.is_match(b"user_start op=pam:session_open"), "uppercase: case-sensitive");
        assert!(upper.is_match(b"USER_START pid=1 msg='op=PAM:session_open'"));
        assert!(compile_grep("").unwrap().is_none());
        assert!(compile_grep("(").is_err());
        assert!(lower.is_match(b"raw \xff USER_START"), "bytes that are not UTF-8 do not stop a match");
    }

    #[test]
    fn match_keys() {
        assert!(check_match_key("_SYSTEMD_UNIT").is_ok());
        assert_eq!(check_match_key("_uid"), Err("'_uid' is not a valid Systemd field name".to_string()));
        assert!(check_match_key("A1").is_err());
        assert!(check_match_key("").is_err());
        assert!(check_match_key(&"A".repeat(65)).is_err());
    }

    #[test]
    fn units_are_mangled_as_journalctl_does() {
        assert_eq!(mangle_unit("ssh"), "ssh.service");
        assert_eq!(mangle_unit("ssh.service"), "ssh.service");
        assert_eq!(mangle_unit("user-1000.slice"), "user-1000.slice");
        assert_eq!(mangle_unit("getty@tty1"), "getty@tty1.service");
        assert_eq!(mangle_unit("ssh*"), "ssh*");
        assert_eq!(mangle_unit("foo.bar"), "foo.bar.service");
        assert_eq!(mangle_unit("a b"), "a\\x20b.service");
        assert_eq!(mangle_unit("/var/log"), "var-log.mount");
        assert_eq!(mangle_unit("/"), "-.mount");
        assert_eq!(mangle_unit("/dev/sda"), "dev-sda.device");
    }
}
