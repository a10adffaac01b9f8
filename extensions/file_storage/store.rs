//! The provider (one per extension) and the per-component clients.

use std::collections::HashMap;
use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tracing::{debug, warn};

use super::record;
use crate::config::ComponentId;
use crate::storage::{Kind, StorageClient, StorageProvider, Stored};

/// Entry files are private to the collector, as otelcol's bbolt files are.
const FILE_MODE: u32 = 0o600;

/// The `file_storage` extension once built: hands out one client per component.
pub struct FileStorage {
    directory: PathBuf,
    /// Mode of the per-component directories it creates.
    dir_mode: u32,
    /// One client per directory, so every caller of one namespace shares its lock.
    clients: Mutex<HashMap<PathBuf, Arc<FileClient>>>,
}

impl FileStorage {
    /// `directory` must exist (the extension's `build` checks it).
    pub fn new(directory: impl Into<PathBuf>, dir_mode: u32) -> FileStorage {
        FileStorage { directory: directory.into(), dir_mode, clients: Mutex::new(HashMap::new()) }
    }
}

impl StorageProvider for FileStorage {
    fn client(&self, kind: Kind, id: &ComponentId) -> io::Result<Arc<dyn StorageClient>> {
        let dir = self.directory.join(record::namespace(kind, id));
        let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(c) = clients.get(&dir) {
            return Ok(c.clone());
        }
        let client = Arc::new(FileClient::open(dir.clone(), self.dir_mode)?);
        clients.insert(dir, client.clone());
        Ok(client)
    }
}

/// One component's keys: one file per key in its own directory.
pub struct FileClient {
    dir: PathBuf,
    /// Serializes every operation: a `get` that sets a corrupt file aside must not
    /// race a `set` that is replacing it.
    lock: Mutex<()>,
}

impl FileClient {
    /// Open (creating it if needed) the directory of one namespace.
    pub fn open(dir: PathBuf, dir_mode: u32) -> io::Result<FileClient> {
        match fs::metadata(&dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!(
                        "{} exists and is not a directory (an otelcol bbolt file? ferrocol keeps a directory per component)",
                        dir.display()
                    ),
                ))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                match DirBuilder::new().mode(dir_mode).create(&dir) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(at(&dir, e)),
                }
                if let Some(parent) = dir.parent() {
                    sync_dir(parent).map_err(|e| at(parent, e))?;
                }
            }
            Err(e) => return Err(at(&dir, e)),
        }
        remove_stale_temp_files(&dir);
        Ok(FileClient { dir, lock: Mutex::new(()) })
    }

    fn guard(&self) -> MutexGuard<'_, ()> {
        self.lock.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Write each value to its entry so that a crash leaves, for each, either
    /// the old file or the new one: temp files written, each fsynced, renamed
    /// over their targets, and the directory fsynced once for them all (the
    /// group commit that makes a batch of writes cost about one write's syncs).
    fn replace_all(&self, entries: &[(String, [u8; record::HEADER_LEN], &[u8])]) -> io::Result<()> {
        // The pid in the name tells a live writer's temp file from a crashed one's.
        let tmp = |name: &str| self.dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let mut created = Vec::with_capacity(entries.len());
        let written = (|| {
            let mut files = Vec::with_capacity(entries.len());
            for (name, header, value) in entries {
                let path = tmp(name);
                let open = OpenOptions::new().write(true).create(true).truncate(true).mode(FILE_MODE).open(&path);
                let mut f = open.map_err(|e| at(&path, e))?;
                created.push(path);
                f.write_all(header).and_then(|()| f.write_all(value)).map_err(|e| at(&self.dir.join(name), e))?;
                files.push((f, name));
            }
            for (f, name) in files {
                f.sync_data().map_err(|e| at(&self.dir.join(name), e))?;
            }
            for (name, _, _) in entries {
                let target = self.dir.join(name);
                fs::rename(tmp(name), &target).map_err(|e| at(&target, e))?;
            }
            sync_dir(&self.dir).map_err(|e| at(&self.dir, e))
        })();
        if written.is_err() {
            for path in created {
                let _ = fs::remove_file(path);
            }
        }
        written
    }

    /// Move a corrupt entry out of the way as `<name>.corrupt` (replacing an
    /// older one), so it can be inspected and is not read again.
    fn set_aside(&self, name: &str, path: &Path, reason: &str) {
        let aside = self.dir.join(format!("{name}.corrupt"));
        match fs::rename(path, &aside).and_then(|()| sync_dir(&self.dir)) {
            Ok(()) => warn!(
                file = %path.display(),
                moved_to = %aside.display(),
                reason,
                "file_storage: corrupt entry set aside; the component starts without it"
            ),
            Err(e) => warn!(
                file = %path.display(),
                reason,
                error = %e,
                "file_storage: corrupt entry ignored (could not move it aside)"
            ),
        }
    }
}

impl StorageClient for FileClient {
    /// `Ok(None)` for a missing key, and for a damaged entry, which is logged and
    /// moved aside: a bad checkpoint must not keep the component from starting.
    fn get(&self, key: &str) -> io::Result<Option<Vec<u8>>> {
        Ok(match self.read(key)? {
            Stored::Value(v) => Some(v),
            Stored::Missing | Stored::Corrupt(_) => None,
        })
    }

    fn read(&self, key: &str) -> io::Result<Stored> {
        let name = record::file_name(key)?;
        let path = self.dir.join(&name);
        let _g = self.guard();
        let mut bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Stored::Missing),
            Err(e) => return Err(at(&path, e)),
        };
        match record::decode(&bytes) {
            Ok(value) => {
                // The value is the file past its header: reuse the buffer.
                let len = value.len();
                bytes.drain(..bytes.len() - len);
                Ok(Stored::Value(bytes))
            }
            Err(reason) => {
                self.set_aside(&name, &path, &reason);
                Ok(Stored::Corrupt(reason))
            }
        }
    }

    fn set(&self, key: &str, value: &[u8]) -> io::Result<()> {
        self.set_all(&[(key, value)])
    }

    fn set_all(&self, entries: &[(&str, &[u8])]) -> io::Result<()> {
        let entries = entries
            .iter()
            .map(|&(key, value)| Ok((record::file_name(key)?, record::header(value)?, value)))
            .collect::<io::Result<Vec<_>>>()?;
        let _g = self.guard();
        self.replace_all(&entries)
    }

    fn delete(&self, key: &str) -> io::Result<()> {
        self.delete_all(&[key.to_string()])
    }

    /// Every file removed, then the directory fsynced once.
    fn delete_all(&self, keys: &[String]) -> io::Result<()> {
        let names = keys.iter().map(|k| record::file_name(k)).collect::<io::Result<Vec<_>>>()?;
        let _g = self.guard();
        let mut removed = false;
        for name in names {
            let path = self.dir.join(&name);
            match fs::remove_file(&path) {
                Ok(()) => removed = true,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(at(&path, e)),
            }
        }
        match removed {
            true => sync_dir(&self.dir).map_err(|e| at(&self.dir, e)),
            false => Ok(()),
        }
    }
}

/// Make a directory's entries (creations, renames, removals) durable.
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Temp files left by a crash mid-`set` (their writer's pid is gone); they never
/// hold the current value. A live process's temp files (another ferrocol using the
/// directory, or this one while `ferrocol validate` runs beside it) are left alone.
fn remove_stale_temp_files(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let writer =
            name.strip_suffix(".tmp").and_then(|n| n.rsplit_once('.')).and_then(|(_, pid)| pid.parse::<u32>().ok());
        let stale = match writer {
            Some(pid) => !Path::new(&format!("/proc/{pid}")).exists(),
            None => true, // no pid: an older layout
        };
        if name.starts_with('.') && name.ends_with(".tmp") && stale {
            debug!(file = %entry.path().display(), "file_storage: removing a temp file left by an interrupted write");
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// The error with the path it concerns, so messages say which file.
fn at(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}
