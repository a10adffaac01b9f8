//! `new_source`: the sources each user has logged in from, kept in memory (bounded)
//! and, with `storage`, in a `file_storage` extension so they survive restarts.

use std::sync::Arc;

use tracing::warn;

use crate::storage::StorageClient;

use super::alert::{Alert, Severity};
use super::config::{Limits, NewSource};
use super::lru::Lru;
use super::rules::{Seen, What};

pub struct Known {
    per_user: usize,
    users: Lru<Vec<String>>,
    storage: Option<Arc<dyn StorageClient>>,
}

/// The storage key of a user's sources.
fn key(user: &str) -> String {
    format!("new_source/{user}")
}

fn load(storage: &Option<Arc<dyn StorageClient>>, user: &str) -> Vec<String> {
    let Some(s) = storage else { return Vec::new() };
    match s.get(&key(user)) {
        Ok(Some(bytes)) => String::from_utf8_lossy(&bytes).lines().map(str::to_string).collect(),
        Ok(None) => Vec::new(),
        Err(e) => {
            warn!(user, error = %e, "ssh_alerts: cannot read the known sources; starting with none");
            Vec::new()
        }
    }
}

impl Known {
    pub fn new(cfg: &NewSource, storage: Option<Arc<dyn StorageClient>>) -> Known {
        Known { per_user: cfg.max_sources_per_user, users: Lru::new(cfg.max_users), storage }
    }

    /// A successful login: an alert when the user has logged in before, but never
    /// from this source. A user's first login ever only teaches its source.
    pub fn observe(&mut self, e: &Seen, out: &mut Vec<Alert>) {
        let (What::Success, Some(user)) = (e.what, e.user) else { return };
        let storage = &self.storage;
        let sources = self.users.get_or_insert_with(user, || load(storage, user));
        if sources.iter().any(|s| s == e.source.name) {
            return;
        }
        let known = sources.len();
        sources.push(e.source.name.to_string());
        if sources.len() > self.per_user {
            sources.remove(0);
        }
        if let Some(s) = storage {
            if let Err(err) = s.set(&key(user), sources.join("\n").as_bytes()) {
                warn!(user, error = %err, "ssh_alerts: cannot store the known sources");
            }
        }
        if known > 0 {
            let limits = Limits { enabled: true, threshold: 1, window: 0 };
            out.push(Alert::new("new_source", Severity::Warn, e, &limits, known as u64));
        }
    }
}
