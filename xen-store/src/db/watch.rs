//! Watches: registration per connection and the index used to fire them.
//!
//! The index maps a watched path to its watches, so firing an event on
//! `/a/b/c` looks up `/a/b/c`, `/a/b`, `/a` and `/` only: O(depth) rather
//! than C xenstored's O(connections × watches) scan.

use alloc::sync::Arc;
use alloc::vec::Vec;

use foldhash::fast::FixedState;
use hashbrown::HashMap;

use super::ConnId;

/// One registered watch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Watch {
    /// The connection that registered it.
    pub conn: ConnId,
    /// The watched path: absolute, or a special `@` name.
    pub path: Arc<str>,
    /// The client's token (any bytes but NUL).
    pub token: Arc<[u8]>,
    /// For a watch given as a relative path: the length of the implicit
    /// prefix to strip (plus its `/`) from event paths.
    pub rel_prefix: Option<usize>,
}

impl Watch {
    /// The path reported in an event on `event_path` (relative for a relative
    /// watch, as `get_watch_path()` does).
    pub fn event_path<'a>(&self, event_path: &'a str) -> &'a str {
        match self.rel_prefix {
            Some(n) if event_path.len() >= n => {
                let rest = &event_path[n..];
                rest.strip_prefix('/').unwrap_or(rest)
            }
            _ => event_path,
        }
    }

    /// The WATCH_EVENT payload for an event on `event_path`.
    pub fn event_payload(&self, event_path: &str) -> Vec<u8> {
        let p = self.event_path(event_path);
        let mut v = Vec::with_capacity(p.len() + self.token.len() + 2);
        v.extend_from_slice(p.as_bytes());
        v.push(0);
        v.extend_from_slice(&self.token);
        v.push(0);
        v
    }
}

/// All watches of the store, by watched path.
#[derive(Clone, Debug)]
pub struct WatchIndex {
    by_path: HashMap<Arc<str>, Vec<Arc<Watch>>, FixedState>,
    count: usize,
}

impl WatchIndex {
    /// An empty index.
    pub fn new(seed: u64) -> Self {
        WatchIndex {
            by_path: HashMap::with_hasher(FixedState::with_seed(seed ^ 0x5741_5443)),
            count: 0,
        }
    }

    /// Adds a watch.
    pub fn add(&mut self, w: Arc<Watch>) {
        self.by_path.entry(w.path.clone()).or_default().push(w);
        self.count += 1;
    }

    /// Removes the watch of `conn` on `path` with `token`; returns it.
    pub fn remove(&mut self, conn: ConnId, path: &str, token: &[u8]) -> Option<Arc<Watch>> {
        let list = self.by_path.get_mut(path)?;
        let i = list
            .iter()
            .position(|w| w.conn == conn && &*w.token == token)?;
        let w = list.remove(i);
        if list.is_empty() {
            self.by_path.remove(path);
        }
        self.count -= 1;
        Some(w)
    }

    /// The watches registered exactly on `path`.
    pub fn on(&self, path: &str) -> &[Arc<Watch>] {
        self.by_path.get(path).map_or(&[], |v| v.as_slice())
    }

    /// Total number of watches.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether there is no watch at all.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_event_paths() {
        let w = Watch {
            conn: 1,
            path: Arc::from("/local/domain/3/dev"),
            token: Arc::from(&b"tok"[..]),
            rel_prefix: Some("/local/domain/3".len()),
        };
        assert_eq!(w.event_path("/local/domain/3/dev/x"), "dev/x");
        assert_eq!(w.event_payload("/local/domain/3/dev"), b"dev\0tok\0");
        let mut idx = WatchIndex::new(1);
        idx.add(Arc::new(w));
        assert_eq!(idx.on("/local/domain/3/dev").len(), 1);
        assert!(idx.remove(2, "/local/domain/3/dev", b"tok").is_none());
        assert!(idx.remove(1, "/local/domain/3/dev", b"tok").is_some());
        assert!(idx.is_empty());
    }
}
