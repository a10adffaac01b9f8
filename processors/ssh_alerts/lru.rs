//! A map with a fixed capacity that forgets its least recently used entries.

use std::collections::HashMap;

/// At most `cap` entries. Going over evicts the least recently used eighth at once
/// (one sort per `cap / 8` insertions, so a flood of new keys costs O(log n) each).
pub struct Lru<V> {
    map: HashMap<String, (V, u64)>,
    cap: usize,
    tick: u64,
}

impl<V> Lru<V> {
    pub fn new(cap: usize) -> Lru<V> {
        Lru { map: HashMap::new(), cap: cap.max(1), tick: 0 }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// The entry of `key`, marked used; created by `make` (possibly evicting others) if absent.
    pub fn get_or_insert_with(&mut self, key: &str, make: impl FnOnce() -> V) -> &mut V {
        self.tick += 1;
        if !self.map.contains_key(key) {
            if self.map.len() >= self.cap {
                self.evict();
            }
            self.map.insert(key.to_string(), (make(), self.tick));
        }
        let entry = self.map.get_mut(key).expect("present");
        entry.1 = self.tick;
        &mut entry.0
    }

    fn evict(&mut self) {
        let mut ticks: Vec<u64> = self.map.values().map(|(_, t)| *t).collect();
        let n = (self.cap / 8).max(1).min(ticks.len());
        let (_, cut, _) = ticks.select_nth_unstable(n - 1);
        let cut = *cut;
        self.map.retain(|_, (_, t)| *t > cut);
    }
}

#[cfg(test)]
mod tests {
    use super::Lru;

    #[test]
    fn bounded_and_least_recent_first() {
        let mut lru = Lru::new(16);
        for i in 0..16 {
            *lru.get_or_insert_with(&format!("k{i}"), || 0) = i;
        }
        // k0 and k1 used again: they are now the most recent.
        lru.get_or_insert_with("k0", || 99);
        lru.get_or_insert_with("k1", || 99);
        lru.get_or_insert_with("new", || 100);
        assert!(lru.len() <= 16);
        assert_eq!(*lru.get_or_insert_with("k0", || 99), 0, "recently used survives");
        assert_eq!(*lru.get_or_insert_with("k2", || 99), 99, "least recently used was evicted");
        for i in 0..10_000 {
            lru.get_or_insert_with(&format!("flood{i}"), || 0);
            assert!(lru.len() <= 16);
        }
    }
}
