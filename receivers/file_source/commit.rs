//! Committing after delivery: progress is applied in the order batches were
//! sent, each once its batch is settled, and the checkpoint is persisted in
//! the background (at most a few times a second, always once at the end).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{mpsc, Notify};
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use super::CHECKPOINT_KEY;
use crate::ack::AckWaiter;
use crate::storage::StorageClient;
use crate::tail::{Checkpoint, Progress};

/// Least time between two checkpoint writes.
const PERSIST_INTERVAL: Duration = Duration::from_millis(100);

/// One flush of the engine: its progress, and the ack of the batch it sent (if any).
pub struct Commit {
    pub progress: Progress,
    pub waiter: Option<AckWaiter>,
}

struct Shared {
    /// The committed state and a version that counts changes.
    state: Mutex<(Checkpoint, u64)>,
    changed: Notify,
}

/// Apply commits in order as their batches settle, until the queue closes,
/// then write the final checkpoint.
pub async fn run(start: Checkpoint, mut queue: mpsc::Receiver<Commit>, client: Arc<dyn StorageClient>) {
    let shared = Arc::new(Shared { state: Mutex::new((start, 0)), changed: Notify::new() });
    let done = CancellationToken::new();
    let persister = tokio::spawn(persist(shared.clone(), client, done.clone()));
    let mut stuck = false;
    while let Some(commit) = queue.recv().await {
        if let Some(w) = commit.waiter {
            let outcome = w.wait().await;
            if !outcome.is_final() && !stuck {
                stuck = true;
                warn!("a batch was not delivered; it and everything after it will be read again after a restart");
            }
        }
        // After an abandoned batch nothing may be committed: that would skip it.
        if stuck {
            continue;
        }
        {
            let mut s = shared.state.lock().unwrap_or_else(PoisonError::into_inner);
            s.0.apply(&commit.progress);
            s.1 += 1;
        }
        shared.changed.notify_one();
    }
    done.cancel();
    let _ = persister.await;
}

async fn persist(shared: Arc<Shared>, client: Arc<dyn StorageClient>, done: CancellationToken) {
    let mut written = 0u64;
    loop {
        let finishing = tokio::select! {
            _ = shared.changed.notified() => false,
            _ = done.cancelled() => true,
        };
        let pending = {
            let s = shared.state.lock().unwrap_or_else(PoisonError::into_inner);
            (s.1 != written).then(|| (s.0.encode(), s.1))
        };
        if let Some((bytes, version)) = pending {
            let c = client.clone();
            match tokio::task::spawn_blocking(move || c.set(CHECKPOINT_KEY, &bytes)).await {
                Ok(Ok(())) => {
                    written = version;
                    debug!(version, "checkpoint written");
                }
                Ok(Err(e)) => warn!(error = %e, "cannot write the checkpoint; will retry"),
                Err(e) => warn!(error = %e, "cannot write the checkpoint; will retry"),
            }
        }
        if finishing {
            break;
        }
        tokio::time::sleep(PERSIST_INTERVAL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ack::Ack;
    use crate::tail::{FileId, KnownFile, Update};
    use std::collections::HashMap;
    use std::io;

    #[derive(Default)]
    struct Mem(Mutex<HashMap<String, Vec<u8>>>);

    impl StorageClient for Mem {
        fn get(&self, key: &str) -> io::Result<Option<Vec<u8>>> {
            Ok(self.0.lock().unwrap().get(key).cloned())
        }
        fn set(&self, key: &str, value: &[u8]) -> io::Result<()> {
            self.0.lock().unwrap().insert(key.into(), value.to_vec());
            Ok(())
        }
        fn delete(&self, key: &str) -> io::Result<()> {
            self.0.lock().unwrap().remove(key);
            Ok(())
        }
    }

    fn track(offset: u64) -> Progress {
        let file = KnownFile {
            fingerprint: crate::tail::fingerprint::Fingerprint(b"abc".to_vec()),
            offset,
            records: 0,
            path: "/x".into(),
            dev: 0,
            ino: 0,
        };
        Progress(vec![Update::Track { id: FileId(1), file }])
    }

    fn stored(mem: &Mem) -> Option<u64> {
        mem.get(CHECKPOINT_KEY).unwrap().map(|b| Checkpoint::decode(&b).unwrap()[0].offset)
    }

    #[tokio::test]
    async fn commits_only_delivered_prefixes() {
        let mem = Arc::new(Mem::default());
        let (tx, rx) = mpsc::channel(16);
        let task = tokio::spawn(run(Checkpoint::default(), rx, mem.clone()));
        let (a1, w1) = Ack::new();
        let (a2, w2) = Ack::new();
        let (a3, w3) = Ack::new();
        tx.send(Commit { progress: track(10), waiter: Some(w1) }).await.unwrap();
        tx.send(Commit { progress: track(20), waiter: Some(w2) }).await.unwrap();
        tx.send(Commit { progress: track(30), waiter: Some(w3) }).await.unwrap();
        a2.deliver();
        a1.deliver();
        drop(a3); // abandoned: 30 must never be committed
        drop(tx);
        task.await.unwrap();
        assert_eq!(stored(&mem), Some(20));
    }
}
