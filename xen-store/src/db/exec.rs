//! The node operations (READ, WRITE, MKDIR, RM, DIRECTORY, DIRECTORY_PART,
//! GET_PERMS, SET_PERMS) over a working copy of the tree.
//!
//! An [`Exec`] owns a clone of a tree (O(1)), applies one operation to it,
//! and leaves the caller to install the result or throw it away, so every
//! operation is atomic: a WRITE that must create three nodes and hits the
//! node quota on the third leaves nothing behind (the XSA-414/415 class).
//! The same code runs for plain requests on the committed tree, for requests
//! inside a transaction on the transaction's private view (recording every
//! aspect of every node it looks at, for validation at commit), and for the
//! replay of a transaction's writes at commit.
//!
//! Semantics follow C xenstored 4.17: permission checks by `get_node()`,
//! error codes that never reveal an unreadable node (`errno_from_parents()`),
//! creation of missing parents with inherited permissions and the creator as
//! owner, and watch events for the changed path (and, for RM, for every
//! removed node, the root of the removal matching subtree watches).

use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::hash::{Hash, Hasher};

use foldhash::fast::FixedState;
use hashbrown::{Equivalent, HashMap};

use super::domain::{Domains, Quotas};
use super::error::XsError;
use super::node::{Aspect, Node, Tree};
use super::path;
use super::perms::{access_for, Caller, Perm, PermSet, OWNER, READ, WRITE};
use crate::wire::PAYLOAD_MAX;

/// What a transaction observed: for each (path, aspect) the generation in
/// its snapshot (`None`: the node did not exist).
pub type ReadSet = HashMap<(Arc<str>, Aspect), Option<u64>, FixedState>;

/// A borrowed key for [`ReadSet`] lookups without allocating.
struct KeyRef<'a>(&'a str, Aspect);

impl Hash for KeyRef<'_> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        // Same as the tuple (Arc<str>, Aspect): str then aspect.
        self.0.hash(h);
        self.1.hash(h);
    }
}

impl Equivalent<(Arc<str>, Aspect)> for KeyRef<'_> {
    fn equivalent(&self, k: &(Arc<str>, Aspect)) -> bool {
        *k.0 == *self.0 && k.1 == self.1
    }
}

/// Changes of the per-domain node counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Deltas(pub Vec<(u32, i64)>);

impl Deltas {
    /// Adds `d` to `domid`'s change.
    pub fn add(&mut self, domid: u32, d: i64) {
        match self.0.iter_mut().find(|(id, _)| *id == domid) {
            Some((_, v)) => *v += d,
            None => self.0.push((domid, d)),
        }
    }

    /// The change for `domid`.
    pub fn of(&self, domid: u32) -> i64 {
        self.0
            .iter()
            .find(|(id, _)| *id == domid)
            .map_or(0, |e| e.1)
    }

    /// Merges another set of changes into this one.
    pub fn merge(&mut self, other: &Deltas) {
        for &(id, d) in &other.0 {
            self.add(id, d);
        }
    }
}

/// A change to fire watches for, with the permissions needed to decide who
/// may see it (`watch_permitted()`).
#[derive(Clone, Debug)]
pub struct Event {
    /// The changed path.
    pub path: Arc<str>,
    /// Fire only watches on exactly this path (descendants removed by RM).
    pub exact: bool,
    /// The node's permissions at the change (before removal, after a write).
    pub perms: Option<PermSet>,
    /// The parent's permissions at the change.
    pub parent_perms: Option<PermSet>,
    /// The permissions before a SET_PERMS.
    pub old_perms: Option<PermSet>,
}

/// Read recording for a transaction: its snapshot and what it observed.
pub struct Recorder<'a> {
    /// The snapshot the transaction started from.
    pub base: &'a Tree,
    /// The observations.
    pub reads: &'a mut ReadSet,
}

/// One operation's working state.
pub struct Exec<'a> {
    /// The working copy of the tree.
    pub tree: Tree,
    /// The store's generation counter.
    pub gen: &'a mut u64,
    /// The domain table (liveness, node counts).
    pub domains: &'a Domains,
    /// Who is asking.
    pub caller: Caller,
    /// The caller's quotas.
    pub quotas: Quotas,
    /// Node-count changes made here.
    pub deltas: Deltas,
    /// Earlier node-count changes not yet in `domains` (a transaction's).
    pub prior: Option<&'a Deltas>,
    /// Read recording, inside a transaction.
    pub rec: Option<Recorder<'a>>,
    /// Events, when they are wanted (not inside a transaction).
    pub events: Option<Vec<Event>>,
}

impl<'a> Exec<'a> {
    /// A working copy of `tree` for `caller`.
    pub fn new(
        tree: &Tree,
        gen: &'a mut u64,
        domains: &'a Domains,
        caller: Caller,
        quotas: Quotas,
    ) -> Self {
        Exec {
            tree: tree.clone(),
            gen,
            domains,
            caller,
            quotas,
            deltas: Deltas::default(),
            prior: None,
            rec: None,
            events: Some(Vec::new()),
        }
    }

    fn next_gen(&mut self) -> u64 {
        *self.gen += 1;
        *self.gen
    }

    fn unpriv(&self) -> bool {
        !self.caller.privileged
    }

    /// Looks a node up, recording the observed aspect inside a transaction.
    pub fn look(&mut self, p: &str, a: Aspect) -> Option<Arc<Node>> {
        if let Some(r) = &mut self.rec {
            if !r.reads.contains_key(&KeyRef(p, a)) {
                let g = r.base.gen(p, a);
                r.reads.insert((Arc::from(p), a), g);
            }
        }
        self.tree.get(p).cloned()
    }

    /// The access of the caller under `perms`.
    pub fn access(&self, perms: &PermSet) -> u8 {
        access_for(&self.caller, perms, |d| self.domains.alive(d))
    }

    fn size_ok(&self, n: &Node) -> bool {
        !(self.unpriv()
            && self.quotas.node_size != 0
            && n.quota_size() >= self.quotas.node_size as usize)
    }

    /// C's `get_node()`: the node if it exists and grants `want`, else an
    /// error that says no more than the parents allow.
    pub fn get_node(&mut self, p: &str, want: u8) -> Result<Arc<Node>, XsError> {
        match self.look(p, Aspect::Perms) {
            Some(n) if self.access(&n.perms) & want == want => Ok(n),
            Some(_) => Err(XsError::Acces),
            None => Err(self.errno_from_parents(p, XsError::NoEnt, want)),
        }
    }

    /// `err` if the nearest existing ancestor of `p` grants `want`, else
    /// EACCES: a missing node under an unreadable one looks denied.
    fn errno_from_parents(&mut self, p: &str, err: XsError, want: u8) -> XsError {
        let mut cur = p;
        while cur != "/" {
            cur = path::parent(cur);
            if let Some(n) = self.look(cur, Aspect::Perms) {
                return if self.access(&n.perms) & want != 0 {
                    err
                } else {
                    XsError::Acces
                };
            }
        }
        XsError::Acces
    }

    fn event(&mut self, p: &Arc<str>, exact: bool, perms: Option<PermSet>, old: Option<PermSet>) {
        if self.events.is_none() {
            return;
        }
        let parent_perms = self.tree.get(path::parent(p)).map(|n| n.perms.clone());
        if let Some(ev) = &mut self.events {
            ev.push(Event {
                path: p.clone(),
                exact,
                perms,
                parent_perms,
                old_perms: old,
            });
        }
    }

    /// READ.
    pub fn read(&mut self, p: &str) -> Result<Arc<[u8]>, XsError> {
        self.get_node(p, READ)?;
        let n = self.look(p, Aspect::Value).ok_or(XsError::NoEnt)?;
        Ok(n.value.clone())
    }

    /// DIRECTORY: the children blob (E2BIG if it does not fit a reply).
    pub fn directory(&mut self, p: &str) -> Result<Vec<u8>, XsError> {
        self.get_node(p, READ)?;
        let n = self.look(p, Aspect::Children).ok_or(XsError::NoEnt)?;
        if n.children_bytes > PAYLOAD_MAX {
            return Err(XsError::TooBig);
        }
        Ok(n.children_blob())
    }

    /// DIRECTORY_PART: `<gen>\0` then whole names from byte `off` of the
    /// children blob that fit, plus an extra NUL on the final chunk.
    pub fn directory_part(&mut self, p: &str, off: usize) -> Result<Vec<u8>, XsError> {
        self.get_node(p, READ)?;
        let n = self.look(p, Aspect::Children).ok_or(XsError::NoEnt)?;
        let mut out = Vec::new();
        out.extend_from_slice(alloc::format!("{}", n.last_change()).as_bytes());
        out.push(0);
        let blob = n.children_blob();
        if off >= blob.len() {
            out.push(0);
            return Ok(out);
        }
        let maxlen = PAYLOAD_MAX - out.len() - 1;
        let mut len = 0;
        loop {
            let rest = &blob[off + len..];
            let l = rest.iter().position(|&c| c == 0).unwrap_or(rest.len());
            if len + l >= maxlen {
                break;
            }
            len += l + 1;
            if off + len >= blob.len() {
                break;
            }
        }
        let len = len.min(blob.len() - off);
        out.extend_from_slice(&blob[off..off + len]);
        if off + len == blob.len() {
            out.push(0);
        }
        Ok(out)
    }

    /// GET_PERMS.
    pub fn get_perms(&mut self, p: &str) -> Result<PermSet, XsError> {
        Ok(self.get_node(p, READ)?.perms.clone())
    }

    /// WRITE: sets the value, creating the node and missing parents.
    pub fn write(&mut self, p: &Arc<str>, value: &[u8]) -> Result<(), XsError> {
        match self.get_node(p, WRITE) {
            Ok(n) => {
                let mut n = (*n).clone();
                n.value = Arc::from(value);
                n.value_gen = self.next_gen();
                if !self.size_ok(&n) {
                    return Err(XsError::NoSpc);
                }
                let perms = n.perms.clone();
                self.tree.insert(p.clone(), Arc::new(n));
                self.event(p, false, Some(perms), None);
                Ok(())
            }
            Err(XsError::NoEnt) => {
                let n = self.create(p, value)?;
                self.event(p, false, Some(n.perms.clone()), None);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// MKDIR: creates the node if missing; returns whether it did.
    pub fn mkdir(&mut self, p: &Arc<str>) -> Result<bool, XsError> {
        match self.get_node(p, WRITE) {
            Ok(_) => Ok(false),
            Err(XsError::NoEnt) => {
                let n = self.create(p, &[])?;
                self.event(p, false, Some(n.perms.clone()), None);
                Ok(true)
            }
            Err(e) => Err(e),
        }
    }

    /// Creates `p` with `value` and any missing parents (caller checked the
    /// nearest existing ancestor is writable).
    fn create(&mut self, p: &Arc<str>, value: &[u8]) -> Result<Arc<Node>, XsError> {
        let mut missing: Vec<Arc<str>> = vec![p.clone()];
        let mut cur: &str = p;
        loop {
            if cur == "/" {
                // No root: cannot happen in a set-up store.
                return Err(XsError::Io);
            }
            let par = path::parent(cur);
            if self.look(par, Aspect::Exists).is_some() {
                break;
            }
            missing.push(Arc::from(par));
            cur = par;
        }
        let mut created = None;
        while let Some(np) = missing.pop() {
            let par = path::parent(&np);
            let parent = self.tree.get(par).cloned().ok_or(XsError::Io)?;
            let mut perms = parent.perms.clone();
            if self.unpriv() {
                let mut e: Vec<Perm> = perms.entries.to_vec();
                e[0].domid = self.caller.domid;
                perms.entries = Arc::from(e);
                let used = self.domains.nodes(self.caller.domid)
                    + self.prior.map_or(0, |d| d.of(self.caller.domid))
                    + self.deltas.of(self.caller.domid);
                if Quotas::reached(self.quotas.nodes, used) {
                    return Err(XsError::NoSpc);
                }
            }
            let g = self.next_gen();
            let mut node = Node::new(perms, g);
            if missing.is_empty() {
                node.value = Arc::from(value);
            }
            if !self.size_ok(&node) {
                return Err(XsError::NoSpc);
            }
            let mut parent = (*parent).clone();
            parent.add_child(Arc::from(path::basename(&np)), g);
            if !self.size_ok(&parent) {
                return Err(XsError::NoSpc);
            }
            self.tree.insert(Arc::from(par), Arc::new(parent));
            self.deltas.add(node.perms.owner(), 1);
            let node = Arc::new(node);
            self.tree.insert(np, node.clone());
            created = Some(node);
        }
        created.ok_or(XsError::Io)
    }

    /// RM: removes `p` and everything below; returns whether anything went.
    pub fn rm(&mut self, p: &Arc<str>) -> Result<bool, XsError> {
        match self.get_node(p, WRITE) {
            Ok(_) => {
                if &**p == "/" {
                    return Err(XsError::Inval);
                }
                self.remove_subtree(p);
                Ok(true)
            }
            Err(XsError::NoEnt) => {
                // Fine if the parent exists.
                if self.look(path::parent(p), Aspect::Exists).is_some() {
                    Ok(false)
                } else {
                    Err(XsError::NoEnt)
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Removes `p` and its descendants without permission checks, children
    /// first, firing watches (iterative: no recursion on guest depth, XSA-418).
    pub fn remove_subtree(&mut self, p: &Arc<str>) {
        let mut order: Vec<Arc<str>> = Vec::new();
        let mut stack: Vec<(Arc<str>, bool)> = vec![(p.clone(), false)];
        while let Some((cur, expanded)) = stack.pop() {
            if expanded {
                order.push(cur);
                continue;
            }
            let kids = self.tree.get(&cur).map(|n| n.children.clone());
            stack.push((cur.clone(), true));
            if let Some(kids) = kids {
                for k in kids.iter().rev() {
                    stack.push((Arc::from(path::child(&cur, k)), false));
                }
            }
        }
        for cur in order {
            let Some(n) = self.tree.get(&cur).cloned() else {
                continue;
            };
            let exact = cur != *p;
            self.event(&cur, exact, Some(n.perms.clone()), None);
            self.deltas.add(n.perms.owner(), -1);
            self.tree.remove(&cur);
        }
        let g = self.next_gen();
        let name = path::basename(p);
        self.tree
            .update(path::parent(p), |par| par.remove_child(name, g));
    }

    /// SET_PERMS on a regular node.
    pub fn set_perms(&mut self, p: &Arc<str>, entries: &[Perm]) -> Result<(), XsError> {
        let n = self.get_node(p, WRITE | OWNER)?;
        if self.unpriv() && entries[0].domid != n.perms.owner() {
            return Err(XsError::Perm);
        }
        let old = n.perms.clone();
        let g = self.next_gen();
        let mut node = (*n).clone();
        node.perms = PermSet {
            entries: Arc::from(entries),
            gen: g,
        };
        if !self.size_ok(&node) {
            return Err(XsError::NoSpc);
        }
        self.deltas.add(old.owner(), -1);
        self.deltas.add(node.perms.owner(), 1);
        let perms = node.perms.clone();
        self.tree.insert(p.clone(), Arc::new(node));
        self.event(p, false, Some(perms), Some(old));
        Ok(())
    }
}
