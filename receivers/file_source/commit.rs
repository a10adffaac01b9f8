//! The file offsets as a checkpoint state: each batch's [`Progress`] is applied
//! to the known files once it and every batch before it are settled, by the
//! shared [`Checkpointer`](crate::ack::Checkpointer) loop.

use crate::ack::CheckpointState;
use crate::tail::{Checkpoint, Progress};

impl CheckpointState for Checkpoint {
    type Position = Progress;

    fn advance(&mut self, progress: Progress) {
        self.apply(&progress);
    }

    fn encode(&self) -> Vec<u8> {
        Checkpoint::encode(self)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{CHECKPOINT_KEY, COMMIT_QUEUE};
    use super::*;
    use crate::ack::{Ack, AckWaiter, Checkpointer};
    use crate::storage::{MemStorage, StorageClient};
    use crate::tail::{FileId, KnownFile, Update};
    use std::sync::Arc;

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

    fn stored(mem: &MemStorage) -> Option<u64> {
        mem.get(CHECKPOINT_KEY).unwrap().map(|b| Checkpoint::decode(&b).unwrap()[0].offset)
    }

    #[tokio::test]
    async fn commits_only_delivered_prefixes() {
        let mem = Arc::new(MemStorage::default());
        let (tx, cp) = Checkpointer::new(Checkpoint::default(), mem.clone(), CHECKPOINT_KEY, COMMIT_QUEUE);
        let task = tokio::spawn(cp.run());
        let (a1, w1) = Ack::new();
        let (a2, w2) = Ack::new();
        let (a3, w3) = Ack::new();
        tx.send((track(10), w1)).await.unwrap();
        tx.send((track(15), AckWaiter::delivered())).await.unwrap();
        tx.send((track(20), w2)).await.unwrap();
        tx.send((track(30), w3)).await.unwrap();
        a2.deliver();
        a1.deliver();
        drop(a3); // abandoned: 30 must never be committed
        drop(tx);
        task.await.unwrap();
        assert_eq!(stored(&mem), Some(20));
    }
}
