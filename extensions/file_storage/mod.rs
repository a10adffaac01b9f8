//! The `file_storage` extension: a small durable key-value store for component
//! checkpoints (journal cursors, file offsets), with otelcol-contrib's
//! `file_storage` keys.
//!
//! - Layout: `<directory>/<kind>_<type>_<name>/` per component, named as otelcol
//!   names its per-component file (`receiver_journald_` for an unnamed
//!   `journald`), and one file per key, percent-encoded so that any key is a safe
//!   file name (`journald_input.lastReadCursor` → `journald_input%2ElastReadCursor`).
//!   The data is not compatible with otelcol's bbolt files.
//! - Durability: `set` returns once the value is on disk. It writes a temp file
//!   in the same directory, fsyncs it, renames it over the entry and fsyncs the
//!   directory, so a crash leaves the old value or the new one, never a mix.
//!   `set_all` (the sending queue's group commit) writes several keys that way
//!   with one directory fsync for all, and `delete_all` removes several with one.
//!   `fsync` is accepted but always on.
//! - Corruption: every file carries a header with a CRC-32, so a torn, truncated
//!   or foreign file is detected. `get` then logs a warning naming the file, moves
//!   it aside as `<name>.corrupt` and answers "no value": the component starts as
//!   configured (from its `start_at`) instead of failing, which is what otelcol
//!   does with `recreate: true`. `recreate` is accepted for that reason.
//! - `build` checks that `directory` exists and is a directory (creating it with
//!   `directory_permissions` when `create_directory` is set), so
//!   `ferrocol validate` reports a missing directory. It starts no task.
//! - `timeout` (otelcol's bbolt lock wait) and `compaction` are accepted and
//!   ignored: there is no database lock and nothing to compact. Two collectors
//!   must not share one directory.
//! - Operations of one component are serialized by a mutex and block the calling
//!   thread for the fsyncs; keys are meant for small, infrequent checkpoints.

mod config;
mod record;
mod store;
#[cfg(test)]
mod tests;

use std::fs::DirBuilder;
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::Path;
use std::sync::Arc;

use crate::component::{
    BuiltExtension, ExtensionConfig, ExtensionContext, ExtensionFactory, Factory, Stability, StageError,
};
use crate::config::FieldError;

pub use config::FileStorageConfig;
use store::FileStorage;

pub static FACTORY: ExtensionFactory = Factory {
    type_name: "file_storage",
    aliases: &[],
    stability: Stability::Beta,
    parse: |n| Ok(Box::new(crate::config::de::from_node::<FileStorageConfig>(n)?)),
};

impl ExtensionConfig for FileStorageConfig {
    fn validate(&self) -> Vec<FieldError> {
        FileStorageConfig::validate(self)
    }

    /// Checks the directory (as otelcol's `Validate` does); creates it in start mode only.
    fn build(&self, cx: ExtensionContext) -> Result<BuiltExtension, StageError> {
        let dir_mode = self.permissions().unwrap_or(0o750);
        prepare_directory(Path::new(&self.directory), self.create_directory, cx.startup.is_start(), dir_mode)
            .map_err(|e| StageError::new(e).at("directory"))?;
        let storage = FileStorage::new(&self.directory, dir_mode);
        Ok(BuiltExtension { task: None, storage: Some(Arc::new(storage)) })
    }
}

/// Check that `dir` is a directory, creating it first when `create` is set
/// (and `start`: a check creates nothing). Messages follow otelcol's `Validate`.
fn prepare_directory(dir: &Path, create: bool, start: bool, mode: u32) -> Result<(), String> {
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(format!("{} is not a directory", dir.display())),
        Err(e) if e.kind() == io::ErrorKind::NotFound && create && !start => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound && create => DirBuilder::new()
            .recursive(true)
            .mode(mode)
            .create(dir)
            .map_err(|e| format!("cannot create directory {} (create_directory is set): {e}", dir.display())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(format!(
            "directory must exist: stat {}: {e}. You can enable the create_directory option to automatically create it",
            dir.display()
        )),
        Err(e) => Err(format!("problem accessing configured directory: {}, err: {e}", dir.display())),
    }
}
