//! One output file: buffered and truncated/appended, or rotated with the
//! semantics otelcol's file exporter gets from timberjack (a lumberjack fork):
//! a write that would take the file past `max_megabytes` first renames it to
//! `<name>-<timestamp>-size<ext>` (timestamp `2006-01-02T15-04-05.000`, UTC
//! unless `localtime`), then removes backups beyond `max_backups` and older
//! than `max_days`. Writes to a rotating file are not buffered (as timberjack's).

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{Local, NaiveDateTime, Utc};

use super::config::{Rotation, DEFAULT_MAX_MEGABYTES};

const BACKUP_TIME_FORMAT: &str = "%Y-%m-%dT%H-%M-%S%.3f";
const MEGABYTE: u64 = 1024 * 1024;

pub struct Writer {
    path: PathBuf,
    out: Out,
}

enum Out {
    Buffered(BufWriter<File>),
    Rotating { file: File, size: u64, rules: Rules },
}

#[derive(Clone, Copy)]
pub struct Rules {
    max_bytes: u64,
    max_days: u32,
    max_backups: u32,
    localtime: bool,
}

impl Rules {
    pub fn new(r: &Rotation) -> Rules {
        let mb = if r.max_megabytes == 0 { DEFAULT_MAX_MEGABYTES } else { r.max_megabytes };
        Rules {
            max_bytes: u64::from(mb) * MEGABYTE,
            max_days: r.max_days,
            max_backups: r.max_backups,
            localtime: r.localtime,
        }
    }
}

impl Writer {
    /// Open `path`: truncated (or appended to) for a plain file; for a rotating
    /// one, appended to while it has room, as timberjack does.
    pub fn open(path: &Path, append: bool, rotation: Option<Rules>) -> io::Result<Writer> {
        let out = match rotation {
            None => {
                let mut o = OpenOptions::new();
                o.create(true).write(true);
                if append {
                    o.append(true);
                } else {
                    o.truncate(true);
                }
                Out::Buffered(BufWriter::with_capacity(64 * 1024, o.open(path)?))
            }
            Some(rules) => {
                let file = OpenOptions::new().create(true).append(true).open(path)?;
                let size = file.metadata()?.len();
                Out::Rotating { file, size, rules }
            }
        };
        Ok(Writer { path: path.to_path_buf(), out })
    }

    /// Write one framed message in a single piece (a rotation never splits it).
    pub fn write(&mut self, msg: &[u8]) -> io::Result<()> {
        match &mut self.out {
            Out::Buffered(w) => w.write_all(msg),
            Out::Rotating { file, size, rules } => {
                let len = msg.len() as u64;
                if len > rules.max_bytes {
                    return Err(io::Error::other(format!(
                        "write length {len} exceeds maximum file size {}",
                        rules.max_bytes
                    )));
                }
                if *size + len > rules.max_bytes {
                    let rules = *rules;
                    *file = rotate(&self.path, &rules)?;
                    *size = 0;
                }
                file.write_all(msg)?;
                *size += len;
                Ok(())
            }
        }
    }

    /// Push buffered bytes to the file (a rotating file has none).
    pub fn flush(&mut self) -> io::Result<()> {
        match &mut self.out {
            Out::Buffered(w) => w.flush(),
            Out::Rotating { .. } => Ok(()),
        }
    }

    /// Whether bytes may wait in memory until the next flush.
    pub fn is_buffered(&self) -> bool {
        matches!(self.out, Out::Buffered(_))
    }
}

/// Rename the current file to its backup name, open a new one, remove old backups.
fn rotate(path: &Path, rules: &Rules) -> io::Result<File> {
    let stamp = if rules.localtime {
        Local::now().naive_local().format(BACKUP_TIME_FORMAT).to_string()
    } else {
        Utc::now().naive_utc().format(BACKUP_TIME_FORMAT).to_string()
    };
    let (dir, prefix, ext) = parts(path);
    std::fs::rename(path, dir.join(format!("{prefix}-{stamp}-size{ext}")))?;
    let file = OpenOptions::new().create(true).write(true).truncate(true).open(path)?;
    remove_old_backups(path, rules)?;
    Ok(file)
}

/// Directory, file name without extension, extension (with its dot).
fn parts(path: &Path) -> (PathBuf, String, String) {
    let dir = path.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    match name.rfind('.') {
        Some(i) if i > 0 => (dir, name[..i].to_string(), name[i..].to_string()),
        _ => (dir, name, String::new()),
    }
}

/// The backups of `path`, newest first, with their time.
pub fn backups(path: &Path) -> io::Result<Vec<(NaiveDateTime, PathBuf)>> {
    let (dir, prefix, ext) = parts(path);
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(&format!("{prefix}-")).and_then(|r| r.strip_suffix(ext.as_str())) else {
            continue;
        };
        // "<timestamp>-<reason>"; the timestamp itself has no '-' after its date part.
        let stamp = rest.rsplit_once('-').map_or(rest, |(s, _)| s);
        if let Ok(t) = NaiveDateTime::parse_from_str(stamp, BACKUP_TIME_FORMAT) {
            found.push((t, dir.join(&name)));
        }
    }
    found.sort_by_key(|b| std::cmp::Reverse(b.0));
    Ok(found)
}

fn remove_old_backups(path: &Path, rules: &Rules) -> io::Result<()> {
    let now = if rules.localtime { Local::now().naive_local() } else { Utc::now().naive_utc() };
    let cutoff = now - chrono::Duration::hours(24 * i64::from(rules.max_days));
    for (i, (t, p)) in backups(path)?.into_iter().enumerate() {
        let too_many = rules.max_backups > 0 && i >= rules.max_backups as usize;
        let too_old = rules.max_days > 0 && t < cutoff;
        if too_many || too_old {
            std::fs::remove_file(p)?;
        }
    }
    Ok(())
}
