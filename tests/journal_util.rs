//! Real journal files for the journald tests, shared by the integration tests
//! and the receiver's unit tests (`#[path]`-included there): the bundled sample
//! `samples/journal/ssh-logins.export` (journal export text), turned into journal
//! files by `scripts/build-journal.sh` (systemd-journal-remote), and journalctl.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// A file in the repository.
fn in_repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// `samples/journal/ssh-logins.export`: a day of SSH activity on a bastion host.
pub fn fixture_export() -> PathBuf {
    in_repo("samples/journal/ssh-logins.export")
}

/// Turn an export file into journal files in `out` (appending to
/// `out/remote.journal` if it exists), with `scripts/build-journal.sh`.
pub fn build_journal(export: &Path, out: &Path) {
    let script = in_repo("scripts/build-journal.sh");
    let o = Command::new("sh").arg(&script).arg(export).arg(out).output().expect("run build-journal.sh");
    assert!(o.status.success(), "build-journal.sh failed: {}", String::from_utf8_lossy(&o.stderr));
}

/// A directory holding the fixture's journal.
pub fn fixture_journal() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    build_journal(&fixture_export(), dir.path());
    dir
}

/// Write `export` as a new journal file `dir/name` (a second file, as after a
/// rotation), with systemd-journal-remote directly.
pub fn write_journal_file(dir: &Path, name: &str, export: &[u8]) {
    let remote = ["/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("systemd-journal-remote is not installed (apt-get install systemd-journal-remote)");
    let src = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(src.path(), export).unwrap();
    let out = dir.join(name);
    let o = Command::new(remote)
        .arg(format!("--output={}", out.display()))
        .arg(src.path())
        .output()
        .expect("run systemd-journal-remote");
    assert!(o.status.success(), "systemd-journal-remote failed: {}", String::from_utf8_lossy(&o.stderr));
}

/// Append `export` to `dir/remote.journal`, the file the fixture was built into.
pub fn append_journal(dir: &Path, export: &[u8]) {
    let src = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(src.path(), export).unwrap();
    build_journal(src.path(), dir);
}

/// The fixture's boot and machine.
pub const BOOT_ID: &str = "6f1c0d2e9a8b4c7d8e9f0a1b2c3d4e5f";

/// One entry in journal export format: `fields` as text (no newlines), after
/// the timestamps, boot id and hostname. `t_ms` counts from the fixture's day.
pub fn export_entry(t_ms: u64, fields: &[(&str, &str)]) -> Vec<u8> {
    let realtime = 1_795_165_200_000_000u64 + 7_200_000_000 + t_ms * 1000;
    let mut out = format!(
        "__REALTIME_TIMESTAMP={realtime}\n__MONOTONIC_TIMESTAMP={}\n_BOOT_ID={BOOT_ID}\n_HOSTNAME=bastion\n",
        7_205_000_000 + t_ms * 1000
    )
    .into_bytes();
    for (k, v) in fields {
        out.extend_from_slice(format!("{k}={v}\n").as_bytes());
    }
    out.push(b'\n');
    out
}

/// `n` sshd lines `Accepted publickey for user<i>` from `first` on.
pub fn sshd_entries(first: u64, n: u64) -> Vec<u8> {
    (first..first + n)
        .flat_map(|i| {
            let msg = format!("Accepted publickey for user{i} from 198.51.100.{} port {} ssh2", i % 250, 40000 + i);
            export_entry(
                i * 10,
                &[
                    ("_TRANSPORT", "syslog"),
                    ("PRIORITY", "6"),
                    ("SYSLOG_IDENTIFIER", "sshd"),
                    ("_SYSTEMD_UNIT", "ssh.service"),
                    ("MESSAGE", &msg),
                ],
            )
        })
        .collect()
}

/// `journalctl --directory DIR --output=json ARGS…`, one JSON object per entry.
pub fn journalctl_json(dir: &Path, args: &[&str]) -> Vec<serde_json::Value> {
    let mut all = vec!["--directory", dir.to_str().unwrap()];
    all.extend_from_slice(args);
    journalctl(&all)
}

/// `journalctl --output=json ARGS…`, one JSON object per entry.
pub fn journalctl(args: &[&str]) -> Vec<serde_json::Value> {
    let o = Command::new("journalctl")
        .arg("--output=json")
        .args(args)
        .output()
        .expect("run journalctl (Debian package systemd)");
    assert!(o.status.success(), "journalctl {args:?} failed: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
