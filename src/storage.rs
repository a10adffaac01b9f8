//! The storage API components use for checkpoints (journal cursor, file offsets).
//! The `file_storage` extension provides it; a receiver with `storage: <id>` gets
//! a client scoped to itself.

use std::io;
use std::sync::Arc;

use crate::config::ComponentId;

/// Which kind of component a storage client belongs to (part of its scope).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Receiver,
    Processor,
    Exporter,
    Extension,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Receiver => "receiver",
            Kind::Processor => "processor",
            Kind::Exporter => "exporter",
            Kind::Extension => "extension",
        }
    }
}

/// A storage extension.
pub trait StorageProvider: Send + Sync {
    /// A client for one component's keys.
    fn client(&self, kind: Kind, id: &ComponentId) -> io::Result<Arc<dyn StorageClient>>;
}

/// A small key-value store for one component. `set` is durable when it returns.
pub trait StorageClient: Send + Sync {
    fn get(&self, key: &str) -> io::Result<Option<Vec<u8>>>;
    fn set(&self, key: &str, value: &[u8]) -> io::Result<()>;
    fn delete(&self, key: &str) -> io::Result<()>;

    /// Set several distinct keys at once, durable when it returns (a group commit: a
    /// store may cover them all with one sync). On an error, some of them may
    /// hold their new value and others their old one.
    fn set_all(&self, entries: &[(&str, &[u8])]) -> io::Result<()> {
        entries.iter().try_for_each(|(k, v)| self.set(k, v))
    }

    /// Delete several keys at once (missing ones are fine); durable when it returns.
    fn delete_all(&self, keys: &[String]) -> io::Result<()> {
        keys.iter().try_for_each(|k| self.delete(k))
    }

    /// Like `get`, but telling a damaged value (already logged and set aside
    /// by the storage, so the key now reads as missing) from a missing one.
    fn read(&self, key: &str) -> io::Result<Stored> {
        Ok(self.get(key)?.map_or(Stored::Missing, Stored::Value))
    }
}

/// What [`StorageClient::read`] found under a key.
#[derive(Debug, PartialEq, Eq)]
pub enum Stored {
    Missing,
    Value(Vec<u8>),
    /// Why the value was unreadable (torn, truncated, checksum mismatch).
    Corrupt(String),
}

/// A storage client in memory that remembers every write, for tests.
#[cfg(test)]
#[derive(Default)]
pub struct MemStorage(std::sync::Mutex<Vec<(String, Option<Vec<u8>>)>>);

#[cfg(test)]
impl MemStorage {
    /// Every value written to `key`, oldest first.
    pub fn writes(&self, key: &str) -> Vec<Vec<u8>> {
        let log = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        log.iter().filter(|(k, _)| k == key).filter_map(|(_, v)| v.clone()).collect()
    }
}

#[cfg(test)]
impl StorageClient for MemStorage {
    fn get(&self, key: &str) -> io::Result<Option<Vec<u8>>> {
        let log = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(log.iter().rev().find(|(k, _)| k == key).and_then(|(_, v)| v.clone()))
    }
    fn set(&self, key: &str, value: &[u8]) -> io::Result<()> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((key.into(), Some(value.to_vec())));
        Ok(())
    }
    fn delete(&self, key: &str) -> io::Result<()> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((key.into(), None));
        Ok(())
    }
}
