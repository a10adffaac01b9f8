//! The known-files state that a receiver persists: for each file, its
//! fingerprint and how far it has been delivered. The engine reports changes
//! as [`Progress`] at every flush point; the receiver applies a progress to
//! its [`Checkpoint`] only once every batch up to that point is delivered.
//!
//! Stored as JSON: `{"version":1,"files":[{"fingerprint":"<base64>","offset":N,
//! "records":N,"path":"...","dev":N,"ino":N}]}`. The path, device and inode
//! are hints for matching; the fingerprint is the identity.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::fingerprint::Fingerprint;

/// The engine's id for one tracked file (one identity: a truncated file that is
/// written again gets a new id). Not stored: ids are assigned afresh at start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u64);

/// One file in the checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownFile {
    pub fingerprint: Fingerprint,
    /// Everything before this byte has been consumed.
    pub offset: u64,
    /// Entries consumed so far (the next entry's number is `records + 1`).
    pub records: u64,
    pub path: String,
    pub dev: u64,
    pub ino: u64,
}

/// A change to the known-files state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Update {
    /// A file the engine started tracking, or whose path or inode changed.
    Track { id: FileId, file: KnownFile },
    /// A new position in a tracked file; `fingerprint` when it grew.
    Advance { id: FileId, offset: u64, records: u64, fingerprint: Option<Fingerprint> },
    /// The file is gone for good: drop it.
    Forget { id: FileId },
}

/// The updates covered by one flush, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress(pub Vec<Update>);

impl Progress {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The known-files state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checkpoint {
    pub files: BTreeMap<FileId, KnownFile>,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    version: u32,
    files: Vec<StoredFile>,
}

#[derive(Serialize, Deserialize)]
struct StoredFile {
    fingerprint: String,
    offset: u64,
    #[serde(default)]
    records: u64,
    #[serde(default)]
    path: String,
    #[serde(default)]
    dev: u64,
    #[serde(default)]
    ino: u64,
}

const VERSION: u32 = 1;

impl Checkpoint {
    pub fn apply(&mut self, progress: &Progress) {
        for u in &progress.0 {
            match u {
                Update::Track { id, file } => {
                    self.files.insert(*id, file.clone());
                }
                Update::Advance { id, offset, records, fingerprint } => {
                    if let Some(f) = self.files.get_mut(id) {
                        f.offset = *offset;
                        f.records = *records;
                        if let Some(fp) = fingerprint {
                            f.fingerprint = fp.clone();
                        }
                    }
                }
                Update::Forget { id } => {
                    self.files.remove(id);
                }
            }
        }
    }

    /// The stored form.
    pub fn encode(&self) -> Vec<u8> {
        let files = self
            .files
            .values()
            .filter(|f| !f.fingerprint.is_empty())
            .map(|f| StoredFile {
                fingerprint: BASE64.encode(&f.fingerprint.0),
                offset: f.offset,
                records: f.records,
                path: f.path.clone(),
                dev: f.dev,
                ino: f.ino,
            })
            .collect();
        serde_json::to_vec(&Stored { version: VERSION, files }).unwrap_or_default()
    }

    /// The files of a stored checkpoint.
    pub fn decode(bytes: &[u8]) -> Result<Vec<KnownFile>, String> {
        let stored: Stored = serde_json::from_slice(bytes).map_err(|e| format!("not a checkpoint: {e}"))?;
        if stored.version != VERSION {
            return Err(format!("unknown checkpoint version {}", stored.version));
        }
        stored
            .files
            .into_iter()
            .map(|f| {
                let fp = BASE64.decode(&f.fingerprint).map_err(|e| format!("bad fingerprint: {e}"))?;
                Ok(KnownFile {
                    fingerprint: Fingerprint(fp),
                    offset: f.offset,
                    records: f.records,
                    path: f.path,
                    dev: f.dev,
                    ino: f.ino,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(fp: &str, offset: u64) -> KnownFile {
        KnownFile {
            fingerprint: Fingerprint(fp.as_bytes().to_vec()),
            offset,
            records: offset / 10,
            path: format!("/logs/{fp}"),
            dev: 1,
            ino: offset,
        }
    }

    #[test]
    fn apply_then_round_trip() {
        let mut c = Checkpoint::default();
        c.apply(&Progress(vec![
            Update::Track { id: FileId(1), file: file("aaa", 0) },
            Update::Track { id: FileId(2), file: file("bbb", 5) },
            Update::Advance { id: FileId(1), offset: 40, records: 4, fingerprint: Some(Fingerprint(b"aaaa".to_vec())) },
            Update::Forget { id: FileId(2) },
            Update::Advance { id: FileId(9), offset: 1, records: 1, fingerprint: None },
        ]));
        assert_eq!(c.files.len(), 1);
        let f = &c.files[&FileId(1)];
        assert_eq!((f.offset, f.records, f.fingerprint.0.as_slice()), (40, 4, &b"aaaa"[..]));
        let back = Checkpoint::decode(&c.encode()).unwrap();
        assert_eq!(back, vec![f.clone()]);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(Checkpoint::decode(b"{").is_err());
        assert!(Checkpoint::decode(br#"{"version":7,"files":[]}"#).unwrap_err().contains("version"));
    }
}
