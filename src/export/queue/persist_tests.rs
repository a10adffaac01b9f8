//! Restarts over groups laid out by hand: where a restart resumes, what it
//! skips, what it deletes, and what it does with a damaged group.

use std::time::{Duration, Instant};

use super::*;
use crate::export::queue::writer;
use crate::storage::MemStorage;

/// A stored batch of `items` items (the protobuf is not looked at here).
fn batch(items: u32) -> Vec<u8> {
    let mut v = vec![VERSION];
    v.extend_from_slice(&items.to_le_bytes());
    v.extend_from_slice(b"proto");
    v
}

fn put_group(s: &MemStorage, start: u64, entries: &[Vec<u8>]) {
    s.set(&format!("logs_{start}"), &group::pack(entries.iter().map(Vec::as_slice))).unwrap();
}

fn put_head(s: &MemStorage, head: u64, group: u64, oldest: u64) {
    s.set("logs_head", &Head { head, group, oldest }.to_bytes()).unwrap();
}

fn found(r: &Restored) -> Vec<(u64, usize)> {
    r.found.iter().map(|f| (f.index, f.items)).collect()
}

#[test]
fn a_restart_resumes_at_the_head_inside_its_group() {
    let s = Arc::new(MemStorage::default());
    put_group(&s, 0, &[batch(10), batch(11), batch(12)]);
    put_group(&s, 3, &[TOMBSTONE.to_vec(), batch(14)]);
    put_group(&s, 5, &[batch(15)]);
    put_head(&s, 1, 0, 0);
    let (disk, r) = Disk::open(s.clone(), Signal::Logs).unwrap();
    assert_eq!((r.head, r.tail, r.corrupt), (1, 6, 0));
    assert_eq!(found(&r), vec![(1, 11), (2, 12), (4, 14), (5, 15)], "batch 0 was settled");
    assert_eq!(r.skipped, vec![3]);
    // A batch that left memory is read back out of its group.
    assert_eq!(disk.load(4).unwrap(), Stored::Value(batch(14)));
    assert_eq!(disk.load(6).unwrap(), Stored::Missing);
    // Settling through batch 3 deletes the first group only; the head points into the second.
    disk.advance(4);
    disk.close();
    assert_eq!(s.get("logs_0").unwrap(), None);
    assert!(s.get("logs_3").unwrap().is_some());
    // Stored before the delete, the head still names group 0 as possibly on
    // disk: a crash in between leaves it for the next start to delete.
    let head = Head::from_bytes(&s.get("logs_head").unwrap().unwrap()).unwrap();
    assert_eq!(head, Head { head: 4, group: 3, oldest: 0 });
}

#[test]
fn a_damaged_group_becomes_tombstones_up_to_the_next_group() {
    let s = MemStorage::default();
    put_group(&s, 0, &[batch(1), batch(2)]);
    let mut damaged = group::pack([batch(3), batch(4), batch(5)].iter().map(Vec::as_slice));
    damaged.truncate(damaged.len() - 3);
    s.set("logs_2", &damaged).unwrap();
    put_group(&s, 5, &[batch(6)]);
    let groups = Groups::default();
    let r = restore(&s, Signal::Logs, &groups).unwrap();
    assert_eq!((found(&r), r.skipped.clone(), r.corrupt, r.tail), (vec![(0, 1), (1, 2), (5, 6)], vec![2, 3, 4], 1, 6));
    // The chain stays whole for the next restart, which finds nothing damaged.
    let again = restore(&s, Signal::Logs, &Groups::default()).unwrap();
    assert_eq!((found(&again), again.skipped, again.corrupt), (found(&r), vec![2, 3, 4], 0));
}

#[test]
fn groups_a_crash_left_below_the_head_are_deleted() {
    let s = MemStorage::default();
    put_group(&s, 0, &[batch(1), batch(1)]);
    put_group(&s, 2, &[batch(1)]);
    put_group(&s, 3, &[batch(7)]);
    put_head(&s, 3, 3, 0);
    let r = restore(&s, Signal::Logs, &Groups::default()).unwrap();
    assert_eq!(found(&r), vec![(3, 7)]);
    assert_eq!((s.get("logs_0").unwrap(), s.get("logs_2").unwrap()), (None, None));
}

#[test]
fn a_queue_written_before_groups_is_read_as_groups_of_one() {
    let s = MemStorage::default();
    s.set("logs_3", &batch(1)).unwrap(); // settled, left by a crash
    s.set("logs_4", &batch(4)).unwrap();
    s.set("logs_5", &TOMBSTONE).unwrap();
    s.set("logs_6", &batch(6)).unwrap();
    s.set("logs_head", &4u64.to_le_bytes()).unwrap();
    let r = restore(&s, Signal::Logs, &Groups::default()).unwrap();
    assert_eq!((found(&r), r.skipped, r.tail), (vec![(4, 4), (6, 6)], vec![5], 7));
    assert_eq!(s.get("logs_3").unwrap(), None);
}

/// A store that, as `file_storage` does, sets a damaged value aside when it
/// reads it: the key then reads as missing.
#[derive(Default)]
struct SetsAside {
    inner: MemStorage,
    damaged: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl StorageClient for SetsAside {
    fn get(&self, key: &str) -> io::Result<Option<Vec<u8>>> {
        self.inner.get(key)
    }
    fn set(&self, key: &str, value: &[u8]) -> io::Result<()> {
        self.damaged.lock().unwrap().remove(key);
        self.inner.set(key, value)
    }
    fn delete(&self, key: &str) -> io::Result<()> {
        self.inner.delete(key)
    }
    fn read(&self, key: &str) -> io::Result<Stored> {
        if self.damaged.lock().unwrap().remove(key) {
            self.inner.delete(key)?;
            return Ok(Stored::Corrupt("checksum mismatch".into()));
        }
        Ok(self.inner.get(key)?.map_or(Stored::Missing, Stored::Value))
    }
}

#[test]
fn two_damaged_groups_in_a_row_leave_the_groups_after_them() {
    let s = SetsAside::default();
    put_group(&s.inner, 0, &[batch(1), batch(2)]);
    put_group(&s.inner, 2, &[batch(3)]);
    put_group(&s.inner, 3, &[batch(4)]);
    put_group(&s.inner, 4, &[batch(5)]);
    s.damaged.lock().unwrap().extend(["logs_0".to_string(), "logs_2".to_string()]);
    let r = restore(&s, Signal::Logs, &Groups::default()).unwrap();
    assert_eq!((found(&r), r.corrupt, r.tail), (vec![(3, 4), (4, 5)], 2, 5));
}

#[test]
fn new_batches_are_never_numbered_below_the_head() {
    let s = SetsAside::default();
    put_group(&s.inner, 10, &[batch(1), batch(2), batch(3)]);
    put_head(&s.inner, 12, 10, 10);
    s.damaged.lock().unwrap().insert("logs_10".to_string());
    let r = restore(&s, Signal::Logs, &Groups::default()).unwrap();
    assert_eq!((r.head, r.tail), (12, 12));
    // A restart after new writes at 12 must find them.
    put_group(&s.inner, 12, &[batch(9)]);
    let again = restore(&s, Signal::Logs, &Groups::default()).unwrap();
    assert_eq!(found(&again), vec![(12, 9)]);
}

#[test]
fn a_group_found_damaged_while_running_is_replaced_by_tombstones() {
    let s = Arc::new(SetsAside::default());
    put_group(&s.inner, 0, &[batch(1), batch(2)]);
    put_group(&s.inner, 2, &[batch(3)]);
    let (disk, _) = Disk::open(s.clone(), Signal::Logs).unwrap();
    s.damaged.lock().unwrap().insert("logs_0".to_string());
    assert!(matches!(disk.load(1).unwrap(), Stored::Corrupt(_)));
    disk.close();
    // The chain is whole: a restart skips the damaged group and finds the next.
    let r = restore(s.as_ref(), Signal::Logs, &Groups::default()).unwrap();
    assert_eq!((found(&r), r.skipped, r.corrupt), (vec![(2, 3)], vec![0, 1], 0));
}

/// Put batches `range` without waiting in between, then wait for every answer.
fn put_together(disk: &Disk, range: std::ops::Range<u64>) {
    let answers: Vec<_> = range.map(|i| disk.put(i, Bytes::from(batch(i as u32 + 1)))).collect();
    for answer in answers {
        answer.blocking_recv().unwrap().unwrap();
    }
}

/// Put batch `i` and wait for its answer; how long that took.
fn put_and_wait(disk: &Disk, i: u64) -> Duration {
    let started = Instant::now();
    disk.put(i, Bytes::from(batch(i as u32 + 1))).blocking_recv().unwrap().unwrap();
    started.elapsed()
}

#[test]
fn the_writer_waits_for_more_puts_while_they_come_and_stops_waiting_when_none_do() {
    let s = Arc::new(MemStorage::default());
    let (disk, _) = Disk::open(s.clone(), Signal::Logs).unwrap();
    // Puts sent together are one commit; a lone put waits for company first.
    put_together(&disk, 0..3);
    assert_eq!(group::unpack(&s.get("logs_0").unwrap().unwrap()).unwrap().len(), 3, "one commit");
    assert!(put_and_wait(&disk, 3) >= writer::COMMIT_LINGER / 2, "the writer waited for more");
    // A client that waits for each answer: the wait halves each time it ran
    // out alone, so forty answers take far less than forty full waits.
    let started = Instant::now();
    for i in 4..44 {
        put_and_wait(&disk, i);
    }
    let took = started.elapsed();
    assert!(took < writer::COMMIT_LINGER * 20, "40 lone puts took {took:?}");
    assert_eq!(s.writes("logs_43").len(), 1);
    disk.close();
}

#[test]
fn the_head_is_stored_at_most_every_interval_and_on_close() {
    let s = Arc::new(MemStorage::default());
    let (disk, _) = Disk::open(s.clone(), Signal::Logs).unwrap();
    put_together(&disk, 0..5);
    let heads = || s.writes("logs_head").iter().map(|h| Head::from_bytes(h).unwrap().head).collect::<Vec<_>>();
    let until = |want: &[u64]| {
        let deadline = Instant::now() + Duration::from_secs(10);
        while heads() != want && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
        assert_eq!(heads(), want);
    };
    // The first move is stored at once; the next waits for the interval.
    let first = Instant::now();
    disk.advance(1);
    until(&[1]);
    disk.advance(2);
    until(&[1, 2]);
    assert!(first.elapsed() >= writer::ADVANCE_EVERY, "stored {:?} after the first", first.elapsed());
    // A move not stored yet is stored on close.
    disk.advance(4);
    disk.close();
    assert_eq!(heads().last(), Some(&4));
    assert!(s.get("logs_0").unwrap().is_some(), "group 0 holds batch 4, not settled");
}
