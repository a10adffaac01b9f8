//! The on-disk values of the persistent queue that hold more than one
//! batch: a group (the batches of one commit) and the head (see `persist`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

const GROUP_VERSION: u8 = 2;
const GROUP_HEADER_LEN: usize = 5;

/// The entries of one commit as one value: `[2][count][len, bytes]…`.
pub fn pack<'a>(entries: impl ExactSizeIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::with_capacity(GROUP_HEADER_LEN);
    out.push(GROUP_VERSION);
    out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    for e in entries {
        out.extend_from_slice(&(e.len() as u32).to_le_bytes());
        out.extend_from_slice(e);
    }
    out
}

/// A group's entries; a value that is not a group is one entry on its own
/// (a batch or a tombstone, as written before groups). `None` if a group's
/// lengths do not add up to its size.
pub fn unpack(value: &[u8]) -> Option<Vec<&[u8]>> {
    if value.first() != Some(&GROUP_VERSION) {
        return Some(vec![value]);
    }
    let count = u32::from_le_bytes(value.get(1..GROUP_HEADER_LEN)?.try_into().ok()?) as usize;
    let mut rest = &value[GROUP_HEADER_LEN..];
    let mut entries = Vec::with_capacity(count.min(rest.len() / 4));
    for _ in 0..count {
        let len = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?) as usize;
        entries.push(rest.get(4..4 + len)?);
        rest = &rest[4 + len..];
    }
    rest.is_empty().then_some(entries)
}

/// What the head key holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Head {
    /// The first number not settled.
    pub head: u64,
    /// The start of the group that holds `head` (`head` itself when no
    /// group does yet).
    pub group: u64,
    /// The start of the oldest group that may still be on disk.
    pub oldest: u64,
}

impl Head {
    pub fn to_bytes(self) -> Vec<u8> {
        [self.head, self.group, self.oldest].iter().flat_map(|n| n.to_le_bytes()).collect()
    }

    /// A head as written; eight bytes are the head alone (before groups).
    pub fn from_bytes(v: &[u8]) -> Option<Head> {
        let n = |i: usize| v.get(i * 8..i * 8 + 8).map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")));
        match v.len() {
            8 => Some(Head { head: n(0)?, group: n(0)?, oldest: n(0)? }),
            24 => Some(Head { head: n(0)?, group: n(1)?, oldest: n(2)? }),
            _ => None,
        }
    }
}

/// The groups on disk: start → number of batches. Shared by the writer
/// thread (which adds and deletes them) and the readers of batches that
/// left memory.
#[derive(Clone, Default)]
pub struct Groups(Arc<Mutex<BTreeMap<u64, u64>>>);

impl Groups {
    fn map(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, u64>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn insert(&self, start: u64, len: u64) {
        self.map().insert(start, len);
    }

    /// The group holding batch `index`: its start and length.
    pub fn find(&self, index: u64) -> Option<(u64, u64)> {
        holding(&self.map(), index)
    }

    /// Where a head at `head` points: the start of the group holding it, or
    /// `head` when none does.
    pub fn head(&self, head: u64) -> Head {
        let map = self.map();
        let group = holding(&map, head).map_or(head, |(start, _)| start);
        let oldest = map.keys().next().copied().unwrap_or(group).min(group);
        Head { head, group, oldest }
    }

    /// Forget the groups wholly below `head`; their starts, to delete.
    pub fn remove_below(&self, head: u64) -> Vec<u64> {
        let mut map = self.map();
        let done: Vec<u64> = map.iter().filter(|(&s, &l)| s + l <= head).map(|(&s, _)| s).collect();
        for s in &done {
            map.remove(s);
        }
        done
    }
}

/// The group in `map` that holds batch `index`: its start and length.
fn holding(map: &BTreeMap<u64, u64>, index: u64) -> Option<(u64, u64)> {
    let (&start, &len) = map.range(..=index).next_back()?;
    (index < start + len).then_some((start, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_round_trip_and_damage_is_seen() {
        let entries: Vec<&[u8]> = vec![b"\x01abc", b"\x00", b""];
        let v = pack(entries.iter().copied());
        assert_eq!(unpack(&v).unwrap(), entries);
        assert_eq!(unpack(b"\x01\0\0\0\0x").unwrap(), vec![&b"\x01\0\0\0\0x"[..]], "a batch is a group of one");
        for cut in 1..v.len() {
            assert_eq!(unpack(&v[..cut]), None, "cut at {cut}");
        }
        let mut longer = v.clone();
        longer.push(7);
        assert_eq!(unpack(&longer), None);
    }

    #[test]
    fn the_head_points_at_its_group() {
        let g = Groups::default();
        g.insert(10, 3);
        g.insert(13, 1);
        assert_eq!(g.head(11), Head { head: 11, group: 10, oldest: 10 });
        assert_eq!(g.head(14), Head { head: 14, group: 14, oldest: 10 });
        assert_eq!((g.find(12), g.find(13), g.find(14), g.find(9)), (Some((10, 3)), Some((13, 1)), None, None));
        assert_eq!(g.remove_below(13), vec![10]);
        assert_eq!(g.head(13), Head { head: 13, group: 13, oldest: 13 });
        for h in [g.head(13), Head { head: 5, group: 4, oldest: 1 }] {
            assert_eq!(Head::from_bytes(&h.to_bytes()), Some(h));
        }
        assert_eq!(Head::from_bytes(&7u64.to_le_bytes()), Some(Head { head: 7, group: 7, oldest: 7 }));
    }
}
