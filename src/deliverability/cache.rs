//! A small bounded cache whose entries expire by TTL. Time is passed in, so tests need no sleep.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::{Duration, Instant};

/// Entries never live longer than this, whatever the TTL says, so a changed DNS record (or a
/// domain that starts accepting mail) is noticed within the hour.
pub(crate) const MAX_TTL: Duration = Duration::from_secs(3600);

/// Maps keys to values until their TTL runs out, holding at most `capacity` entries.
#[derive(Debug)]
pub(crate) struct TtlCache<K, V> {
    capacity: usize,
    entries: HashMap<K, (V, Instant)>,
}

impl<K: Eq + Hash + Clone, V: Clone> TtlCache<K, V> {
    /// A cache holding at most `capacity` entries (0 disables caching).
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: HashMap::new(),
        }
    }

    /// The value for `key` if it has not expired at `now`.
    pub(crate) fn get(&mut self, key: &K, now: Instant) -> Option<V> {
        match self.entries.get(key) {
            Some((value, expires)) if *expires > now => Some(value.clone()),
            Some(_) => {
                self.entries.remove(key);
                None
            }
            None => None,
        }
    }

    /// Stores `value` for `ttl` (capped at [`MAX_TTL`]). A zero TTL stores nothing. When full,
    /// expired entries go first, then the one closest to expiry.
    pub(crate) fn insert(&mut self, key: K, value: V, ttl: Duration, now: Instant) {
        if self.capacity == 0 || ttl.is_zero() {
            return;
        }
        let expires = now + ttl.min(MAX_TTL);
        if !self.entries.contains_key(&key) && self.entries.len() >= self.capacity {
            self.entries.retain(|_, (_, e)| *e > now);
            while self.entries.len() >= self.capacity {
                let soonest = self
                    .entries
                    .iter()
                    .min_by_key(|(_, (_, e))| *e)
                    .map(|(k, _)| k.clone());
                match soonest {
                    Some(k) => {
                        self.entries.remove(&k);
                    }
                    None => break,
                }
            }
        }
        self.entries.insert(key, (value, expires));
    }

    /// How many entries are held (expired ones included until touched).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn entries_expire_with_their_ttl() {
        let t0 = Instant::now();
        let mut c = TtlCache::new(10);
        c.insert("a", 1, 10 * S, t0);
        assert_eq!(c.get(&"a", t0 + 9 * S), Some(1));
        assert_eq!(c.get(&"a", t0 + 10 * S), None);
        assert_eq!(c.len(), 0);
    }

    #[test]
    fn zero_ttl_and_zero_capacity_store_nothing() {
        let t0 = Instant::now();
        let mut c = TtlCache::new(10);
        c.insert("a", 1, Duration::ZERO, t0);
        assert_eq!(c.get(&"a", t0), None);
        let mut c = TtlCache::new(0);
        c.insert("a", 1, S, t0);
        assert_eq!(c.get(&"a", t0), None);
    }

    #[test]
    fn ttl_is_capped() {
        let t0 = Instant::now();
        let mut c = TtlCache::new(10);
        c.insert("a", 1, 100 * MAX_TTL, t0);
        assert_eq!(c.get(&"a", t0 + MAX_TTL), None);
    }

    #[test]
    fn a_full_cache_evicts_expired_then_soonest_to_expire() {
        let t0 = Instant::now();
        let mut c = TtlCache::new(3);
        c.insert("short", 1, S, t0);
        c.insert("long", 2, 100 * S, t0);
        c.insert("mid", 3, 50 * S, t0);
        // "short" has expired by now: it goes, the others stay.
        c.insert("new", 4, 100 * S, t0 + 2 * S);
        assert_eq!(c.len(), 3);
        assert_eq!(c.get(&"long", t0 + 2 * S), Some(2));
        assert_eq!(c.get(&"mid", t0 + 2 * S), Some(3));
        // Nothing expired: the soonest to expire ("mid") goes.
        c.insert("newer", 5, 100 * S, t0 + 3 * S);
        assert_eq!(c.len(), 3);
        assert_eq!(c.get(&"mid", t0 + 3 * S), None);
        assert_eq!(c.get(&"newer", t0 + 3 * S), Some(5));
        // Replacing an existing key never evicts.
        c.insert("newer", 6, 100 * S, t0 + 3 * S);
        assert_eq!(c.len(), 3);
    }
}
