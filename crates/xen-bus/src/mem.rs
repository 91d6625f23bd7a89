//! An in-memory xenstore for unit tests and for guests without a store:
//! several connections to one tree, watches with per-connection event
//! queues, and optimistic transactions.
//!
//! Semantics kept from xenstored: WRITE and MKDIR create missing parents
//! (with empty values), RM removes a subtree and fails with `ENOENT` on a
//! missing node, a watch fires once when set and then for every change at
//! or below its path (and for a removed ancestor), a transaction sees its
//! own writes and commits only when nothing was committed since it
//! started (else `EAGAIN`; coarser than xenstored's per-node check, never
//! less safe). Permissions are recorded but not enforced. Single-threaded
//! (`Rc<RefCell<_>>`): a connection that waits for an event only sees what
//! other connections already did.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::rc::Rc;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::cell::RefCell;
use core::time::Duration;

use crate::store::{Perm, StoreError, Tx, WatchEvent, XenStore};

type Tree = BTreeMap<String, Vec<u8>>;

#[derive(Debug, Default)]
struct ConnState {
    watches: Vec<(String, String)>,
    events: VecDeque<WatchEvent>,
}

#[derive(Debug)]
struct TxState {
    conn: usize,
    base_gen: u64,
    tree: Tree,
    changed: Vec<String>,
}

#[derive(Debug, Default)]
struct Shared {
    tree: Tree,
    perms: BTreeMap<String, Vec<Perm>>,
    gen: u64,
    conns: Vec<ConnState>,
    txs: BTreeMap<u32, TxState>,
    next_tx: u32,
}

/// The store; [`MemStore::connect`] hands out connections.
#[derive(Clone, Debug, Default)]
pub struct MemStore(Rc<RefCell<Shared>>);

/// One connection to a [`MemStore`].
#[derive(Debug)]
pub struct MemConn {
    shared: Rc<RefCell<Shared>>,
    id: usize,
}

impl MemStore {
    /// An empty store (just `/`).
    pub fn new() -> MemStore {
        let s = MemStore::default();
        s.0.borrow_mut().tree.insert("/".to_string(), Vec::new());
        s
    }

    /// A new connection.
    pub fn connect(&self) -> MemConn {
        let mut sh = self.0.borrow_mut();
        sh.conns.push(ConnState::default());
        MemConn {
            shared: self.0.clone(),
            id: sh.conns.len() - 1,
        }
    }

    /// The permissions last set on `path`.
    pub fn perms(&self, path: &str) -> Option<Vec<Perm>> {
        self.0.borrow().perms.get(path).cloned()
    }
}

fn check_path(p: &str) -> Result<(), StoreError> {
    if !p.starts_with('/')
        || (p.len() > 1 && p.ends_with('/'))
        || p.contains("//")
        || p.contains('\0')
    {
        return Err(StoreError::Invalid);
    }
    Ok(())
}

fn parent(p: &str) -> Option<&str> {
    match p.rfind('/') {
        Some(0) if p.len() > 1 => Some("/"),
        Some(0) | None => None,
        Some(i) => Some(&p[..i]),
    }
}

/// Whether `p` is `base` or below it.
fn under(p: &str, base: &str) -> bool {
    base == "/" || p == base || (p.starts_with(base) && p.as_bytes().get(base.len()) == Some(&b'/'))
}

fn create_parents(tree: &mut Tree, p: &str) {
    let mut cur = parent(p);
    while let Some(q) = cur {
        if tree.contains_key(q) {
            break;
        }
        tree.insert(q.to_string(), Vec::new());
        cur = parent(q);
    }
}

impl Shared {
    fn fire(&mut self, changed: &str) {
        for c in &mut self.conns {
            for (w, tok) in &c.watches {
                if under(changed, w) || under(w, changed) {
                    let path = if under(changed, w) {
                        changed
                    } else {
                        w.as_str()
                    };
                    c.events.push_back(WatchEvent {
                        path: path.to_string(),
                        token: tok.clone(),
                    });
                }
            }
        }
    }

    /// Applies `f` to the tree `tx` names (the live one for [`Tx::NONE`]),
    /// recording the paths it reports changed.
    fn with_tree<T>(
        &mut self,
        conn: usize,
        tx: Tx,
        f: impl FnOnce(&mut Tree) -> Result<(T, Vec<String>), StoreError>,
    ) -> Result<T, StoreError> {
        if tx == Tx::NONE {
            let (v, changed) = f(&mut self.tree)?;
            if !changed.is_empty() {
                self.gen += 1;
            }
            for p in changed {
                self.fire(&p);
            }
            return Ok(v);
        }
        let t = self
            .txs
            .get_mut(&tx.0)
            .filter(|t| t.conn == conn)
            .ok_or(StoreError::NoEnt)?;
        let (v, changed) = f(&mut t.tree)?;
        t.changed.extend(changed);
        Ok(v)
    }
}

impl XenStore for MemConn {
    fn read(&mut self, tx: Tx, path: &str) -> Result<Vec<u8>, StoreError> {
        check_path(path)?;
        self.shared.borrow_mut().with_tree(self.id, tx, |t| {
            t.get(path)
                .cloned()
                .map(|v| (v, Vec::new()))
                .ok_or(StoreError::NoEnt)
        })
    }

    fn write(&mut self, tx: Tx, path: &str, value: &[u8]) -> Result<(), StoreError> {
        check_path(path)?;
        self.shared.borrow_mut().with_tree(self.id, tx, |t| {
            create_parents(t, path);
            t.insert(path.to_string(), value.to_vec());
            Ok(((), alloc::vec![path.to_string()]))
        })
    }

    fn mkdir(&mut self, tx: Tx, path: &str) -> Result<(), StoreError> {
        check_path(path)?;
        self.shared.borrow_mut().with_tree(self.id, tx, |t| {
            if t.contains_key(path) {
                return Ok(((), Vec::new()));
            }
            create_parents(t, path);
            t.insert(path.to_string(), Vec::new());
            Ok(((), alloc::vec![path.to_string()]))
        })
    }

    fn rm(&mut self, tx: Tx, path: &str) -> Result<(), StoreError> {
        check_path(path)?;
        if path == "/" {
            return Err(StoreError::Invalid);
        }
        self.shared.borrow_mut().with_tree(self.id, tx, |t| {
            if !t.contains_key(path) {
                return Err(StoreError::NoEnt);
            }
            t.retain(|k, _| !under(k, path));
            Ok(((), alloc::vec![path.to_string()]))
        })
    }

    fn directory(&mut self, tx: Tx, path: &str) -> Result<Vec<String>, StoreError> {
        check_path(path)?;
        self.shared.borrow_mut().with_tree(self.id, tx, |t| {
            if !t.contains_key(path) {
                return Err(StoreError::NoEnt);
            }
            let names = t
                .keys()
                .filter(|k| k.as_str() != path && parent(k) == Some(path))
                .map(|k| k.rsplit('/').next().unwrap_or_default().to_string())
                .collect();
            Ok((names, Vec::new()))
        })
    }

    fn set_perms(&mut self, tx: Tx, path: &str, perms: &[Perm]) -> Result<(), StoreError> {
        check_path(path)?;
        if perms.is_empty() {
            return Err(StoreError::Invalid);
        }
        let mut sh = self.shared.borrow_mut();
        sh.with_tree(self.id, tx, |t| {
            if t.contains_key(path) {
                Ok(((), alloc::vec![path.to_string()]))
            } else {
                Err(StoreError::NoEnt)
            }
        })?;
        sh.perms.insert(path.to_string(), perms.to_vec());
        Ok(())
    }

    fn watch(&mut self, path: &str, token: &str) -> Result<(), StoreError> {
        check_path(path)?;
        let mut sh = self.shared.borrow_mut();
        let c = &mut sh.conns[self.id];
        if c.watches.iter().any(|(p, t)| p == path && t == token) {
            return Err(StoreError::Other("EEXIST".to_string()));
        }
        c.watches.push((path.to_string(), token.to_string()));
        c.events.push_back(WatchEvent {
            path: path.to_string(),
            token: token.to_string(),
        });
        Ok(())
    }

    fn unwatch(&mut self, path: &str, token: &str) -> Result<(), StoreError> {
        let mut sh = self.shared.borrow_mut();
        let c = &mut sh.conns[self.id];
        let n = c.watches.len();
        c.watches.retain(|(p, t)| !(p == path && t == token));
        if c.watches.len() == n {
            return Err(StoreError::NoEnt);
        }
        Ok(())
    }

    fn next_event(&mut self, _timeout: Duration) -> Result<Option<WatchEvent>, StoreError> {
        Ok(self.shared.borrow_mut().conns[self.id].events.pop_front())
    }

    fn transaction_start(&mut self) -> Result<Tx, StoreError> {
        let mut sh = self.shared.borrow_mut();
        sh.next_tx = sh.next_tx.wrapping_add(1).max(1);
        let id = sh.next_tx;
        let t = TxState {
            conn: self.id,
            base_gen: sh.gen,
            tree: sh.tree.clone(),
            changed: Vec::new(),
        };
        sh.txs.insert(id, t);
        Ok(Tx(id))
    }

    fn transaction_end(&mut self, tx: Tx, commit: bool) -> Result<(), StoreError> {
        let mut sh = self.shared.borrow_mut();
        match sh.txs.get(&tx.0) {
            Some(t) if t.conn == self.id => {}
            _ => return Err(StoreError::NoEnt),
        }
        let t = sh.txs.remove(&tx.0).ok_or(StoreError::NoEnt)?;
        if !commit {
            return Ok(());
        }
        if t.base_gen != sh.gen {
            return Err(StoreError::Again);
        }
        sh.tree = t.tree;
        if !t.changed.is_empty() {
            sh.gen += 1;
        }
        for p in t.changed {
            sh.fire(&p);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_watch_and_tx() {
        let s = MemStore::new();
        let mut a = s.connect();
        let mut b = s.connect();
        b.watch("/x", "t").unwrap();
        assert_eq!(b.next_event(Duration::ZERO).unwrap().unwrap().path, "/x");
        a.write(Tx::NONE, "/x/y/z", b"1").unwrap();
        assert_eq!(a.directory(Tx::NONE, "/x").unwrap(), ["y"]);
        assert_eq!(
            b.next_event(Duration::ZERO).unwrap().unwrap().path,
            "/x/y/z"
        );
        let tx = a.transaction_start().unwrap();
        a.write(tx, "/x/q", b"2").unwrap();
        assert_eq!(a.read(tx, "/x/q").unwrap(), b"2");
        assert_eq!(b.read(Tx::NONE, "/x/q"), Err(StoreError::NoEnt));
        b.write(Tx::NONE, "/other", b"").unwrap();
        assert_eq!(a.transaction_end(tx, true), Err(StoreError::Again));
        assert_eq!(b.read(Tx::NONE, "/x/q"), Err(StoreError::NoEnt));
        while b.next_event(Duration::ZERO).unwrap().is_some() {}
        a.rm(Tx::NONE, "/x").unwrap();
        assert_eq!(b.next_event(Duration::ZERO).unwrap().unwrap().path, "/x");
        assert_eq!(a.read(Tx::NONE, "/x/y/z"), Err(StoreError::NoEnt));
        assert_eq!(a.rm(Tx::NONE, "/x"), Err(StoreError::NoEnt));
        assert_eq!(a.read(Tx::NONE, "bad"), Err(StoreError::Invalid));
    }
}
