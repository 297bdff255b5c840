//! A bounded map from (secret id, version id, version stage) to a value, evicting the least recently used
//! entry. Lookups borrow the request's strings: a hit hashes one `&str` and allocates nothing.
//!
//! Entries live in a slab threaded by a doubly linked recency list; an index maps each secret id to the
//! slab slots of its versions (usually one or two), so a lookup is one hash probe and a short scan.

use std::collections::HashMap;

use crate::value::SecretRequest;

const NIL: usize = usize::MAX;

/// The owned form of a [`SecretRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    secret_id: Box<str>,
    version_id: Option<Box<str>>,
    version_stage: Option<Box<str>>,
}

impl Key {
    fn of(request: &SecretRequest<'_>) -> Self {
        Self {
            secret_id: request.secret_id.into(),
            version_id: request.version_id.map(Into::into),
            version_stage: request.version_stage.map(Into::into),
        }
    }

    fn matches(&self, request: &SecretRequest<'_>) -> bool {
        self.version_id.as_deref() == request.version_id
            && self.version_stage.as_deref() == request.version_stage
    }
}

#[derive(Debug)]
struct Node<V> {
    key: Key,
    value: V,
    newer: usize,
    older: usize,
}

/// The LRU map. Not thread-safe by itself: the cache keeps it behind a mutex that no await ever holds.
#[derive(Debug)]
pub(crate) struct Lru<V> {
    capacity: usize,
    nodes: Vec<Option<Node<V>>>,
    free: Vec<usize>,
    index: HashMap<Box<str>, Vec<usize>>,
    newest: usize,
    oldest: usize,
    len: usize,
}

impl<V> Lru<V> {
    /// A map holding at most `capacity` entries (at least one).
    pub(crate) fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            capacity,
            nodes: Vec::with_capacity(capacity.min(4096)),
            free: Vec::new(),
            index: HashMap::with_capacity(capacity.min(4096)),
            newest: NIL,
            oldest: NIL,
            len: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    fn slot_of(&self, request: &SecretRequest<'_>) -> Option<usize> {
        self.index.get(request.secret_id)?.iter().copied().find(|&slot| {
            self.nodes[slot]
                .as_ref()
                .is_some_and(|node| node.key.matches(request))
        })
    }

    /// The entry for `request`, made the most recently used.
    pub(crate) fn get_mut(&mut self, request: &SecretRequest<'_>) -> Option<&mut V> {
        let slot = self.slot_of(request)?;
        self.unlink(slot);
        self.push_newest(slot);
        self.nodes[slot].as_mut().map(|node| &mut node.value)
    }

    /// Inserts or replaces the entry for `request` as the most recently used, evicting the least recently
    /// used one when full. Returns the evicted value, if any.
    pub(crate) fn insert(&mut self, request: &SecretRequest<'_>, value: V) -> Option<V> {
        if let Some(slot) = self.slot_of(request) {
            self.unlink(slot);
            self.push_newest(slot);
            if let Some(node) = self.nodes[slot].as_mut() {
                node.value = value;
            }
            return None;
        }
        let evicted = if self.len >= self.capacity {
            self.remove_oldest()
        } else {
            None
        };
        let node = Node {
            key: Key::of(request),
            value,
            newer: NIL,
            older: NIL,
        };
        let slot = match self.free.pop() {
            Some(slot) => {
                self.nodes[slot] = Some(node);
                slot
            }
            None => {
                self.nodes.push(Some(node));
                self.nodes.len() - 1
            }
        };
        self.index.entry(request.secret_id.into()).or_default().push(slot);
        self.push_newest(slot);
        self.len += 1;
        evicted
    }

    fn remove_oldest(&mut self) -> Option<V> {
        let slot = self.oldest;
        if slot == NIL {
            return None;
        }
        self.unlink(slot);
        let node = self.nodes[slot].take()?;
        if let Some(slots) = self.index.get_mut(&node.key.secret_id) {
            slots.retain(|&s| s != slot);
            if slots.is_empty() {
                self.index.remove(&node.key.secret_id);
            }
        }
        self.free.push(slot);
        self.len -= 1;
        Some(node.value)
    }

    fn unlink(&mut self, slot: usize) {
        let (newer, older) = match self.nodes[slot].as_ref() {
            Some(node) => (node.newer, node.older),
            None => return,
        };
        if newer == NIL {
            self.newest = older;
        } else if let Some(node) = self.nodes[newer].as_mut() {
            node.older = older;
        }
        if older == NIL {
            self.oldest = newer;
        } else if let Some(node) = self.nodes[older].as_mut() {
            node.newer = newer;
        }
    }

    fn push_newest(&mut self, slot: usize) {
        let previous_newest = self.newest;
        if let Some(node) = self.nodes[slot].as_mut() {
            node.newer = NIL;
            node.older = previous_newest;
        }
        if previous_newest == NIL {
            self.oldest = slot;
        } else if let Some(node) = self.nodes[previous_newest].as_mut() {
            node.newer = slot;
        }
        self.newest = slot;
    }

    /// Secret ids from most to least recently used (for tests and debugging).
    #[cfg(test)]
    fn order(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut slot = self.newest;
        while slot != NIL {
            let Some(node) = self.nodes[slot].as_ref() else {
                break;
            };
            out.push(node.key.secret_id.to_string());
            slot = node.older;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn current(id: &str) -> SecretRequest<'_> {
        SecretRequest::current(id)
    }

    #[test]
    fn evicts_the_least_recently_used() {
        let mut lru = Lru::new(2);
        assert_eq!(lru.insert(&current("a"), 1), None);
        assert_eq!(lru.insert(&current("b"), 2), None);
        // Reading `a` makes `b` the oldest.
        assert_eq!(lru.get_mut(&current("a")).copied(), Some(1));
        assert_eq!(lru.insert(&current("c"), 3), Some(2));
        assert_eq!(lru.get_mut(&current("b")), None);
        assert_eq!(lru.order(), ["c", "a"]);
        assert_eq!(lru.len(), 2);
    }

    #[test]
    fn selectors_are_part_of_the_key() {
        let mut lru = Lru::new(10);
        let by_stage = SecretRequest {
            secret_id: "s",
            version_id: None,
            version_stage: Some("AWSPREVIOUS"),
        };
        let by_id = SecretRequest {
            secret_id: "s",
            version_id: Some("v1"),
            version_stage: None,
        };
        lru.insert(&current("s"), 1);
        lru.insert(&by_stage, 2);
        lru.insert(&by_id, 3);
        assert_eq!(lru.get_mut(&current("s")).copied(), Some(1));
        assert_eq!(lru.get_mut(&by_stage).copied(), Some(2));
        assert_eq!(lru.get_mut(&by_id).copied(), Some(3));
        lru.insert(&by_stage, 4);
        assert_eq!(lru.get_mut(&by_stage).copied(), Some(4));
        assert_eq!(lru.len(), 3);
    }

    #[test]
    fn capacity_one_keeps_the_last() {
        let mut lru = Lru::new(1);
        for (i, id) in ["a", "b", "c", "a"].into_iter().enumerate() {
            lru.insert(&current(id), i);
            assert_eq!(lru.len(), 1);
            assert_eq!(lru.order(), [id]);
        }
    }

    proptest::proptest! {
        /// Any sequence of inserts and reads leaves the map in the order, and with the values, of a naive
        /// Vec-based LRU.
        #[test]
        fn matches_a_naive_model(capacity in 1usize..6, ops in proptest::collection::vec((proptest::bool::ANY, 0u8..9), 0..300)) {
            let mut lru = Lru::new(capacity);
            let mut model: Vec<(String, usize)> = Vec::new();
            for (step, (insert, key)) in ops.into_iter().enumerate() {
                let id = format!("s{key}");
                if insert {
                    lru.insert(&current(&id), step);
                    model.retain(|(k, _)| *k != id);
                    model.insert(0, (id, step));
                    model.truncate(capacity);
                } else {
                    let got = lru.get_mut(&current(&id)).copied();
                    let expected = model.iter().position(|(k, _)| *k == id).map(|i| {
                        let entry = model.remove(i);
                        let value = entry.1;
                        model.insert(0, entry);
                        value
                    });
                    proptest::prop_assert_eq!(got, expected, "step {}", step);
                }
                let names: Vec<String> = model.iter().map(|(k, _)| k.clone()).collect();
                proptest::prop_assert_eq!(lru.order(), names, "step {}", step);
                proptest::prop_assert_eq!(lru.len(), model.len());
            }
        }
    }
}
