//! Nodes and the persistent tree that holds them.
//!
//! The tree maps each absolute path to an immutable, shared [`Node`] (like C
//! xenstored's hash table keyed by path). It is a persistent hash trie:
//! cloning it is O(1) and an update copies only the O(log n) trie nodes on
//! its way, so a transaction's snapshot is just a clone of the root and the
//! committed tree and every open snapshot share all unchanged nodes.
//!
//! Every node carries generation numbers, drawn from one store-wide counter,
//! for each *aspect* a request can depend on: its existence (incarnation),
//! its value, its permissions and its list of children. Transactions record
//! the generations they observed and are validated against them at commit.
//!
//! The path hash is keyed with a seed chosen by the embedder, so guests
//! cannot aim for collisions.

use alloc::sync::Arc;
use alloc::vec::Vec;

use foldhash::fast::FixedState;
use rpds::HashTrieMapSync;

use super::perms::PermSet;

/// One node of the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// The value: arbitrary bytes.
    pub value: Arc<[u8]>,
    /// The permissions.
    pub perms: PermSet,
    /// Leaf names of the children, in creation order (C's order).
    pub children: Arc<Vec<Arc<str>>>,
    /// Sum over children of `name.len() + 1` (the DIRECTORY payload size).
    pub children_bytes: usize,
    /// Generation at creation: identifies this incarnation of the path.
    pub created: u64,
    /// Generation of the last value change.
    pub value_gen: u64,
    /// Generation of the last change of the children list.
    pub children_gen: u64,
}

/// The parts of a node a request may depend on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Aspect {
    /// Whether the node exists (and which incarnation).
    Exists,
    /// Its value.
    Value,
    /// Its permissions.
    Perms,
    /// Its list of children.
    Children,
}

/// Bytes C xenstored accounts for a node's record header, and per permission
/// entry (`struct xs_tdb_record_hdr`, `struct xs_permissions`).
const RECORD_HDR: usize = 24;
const PERM_SIZE: usize = 8;

impl Node {
    /// A new empty node with the given permissions, created at `gen`.
    pub fn new(perms: PermSet, gen: u64) -> Node {
        Node {
            value: Arc::from(&[][..]),
            perms,
            children: Arc::new(Vec::new()),
            children_bytes: 0,
            created: gen,
            value_gen: gen,
            children_gen: gen,
        }
    }

    /// The generation of one aspect.
    pub fn gen(&self, a: Aspect) -> u64 {
        match a {
            Aspect::Exists => self.created,
            Aspect::Value => self.value_gen,
            Aspect::Perms => self.perms.gen.max(self.created),
            Aspect::Children => self.children_gen,
        }
    }

    /// The latest change of any aspect (DIRECTORY_PART's generation count).
    pub fn last_change(&self) -> u64 {
        self.created
            .max(self.value_gen)
            .max(self.perms.gen)
            .max(self.children_gen)
    }

    /// The size the `node-size` quota applies to: record header, permissions,
    /// value and children names, as C xenstored counts them.
    pub fn quota_size(&self) -> usize {
        RECORD_HDR + PERM_SIZE * self.perms.entries.len() + self.value.len() + self.children_bytes
    }

    /// Appends a child name.
    pub fn add_child(&mut self, name: Arc<str>, gen: u64) {
        self.children_bytes += name.len() + 1;
        Arc::make_mut(&mut self.children).push(name);
        self.children_gen = gen;
    }

    /// Removes a child name, if present.
    pub fn remove_child(&mut self, name: &str, gen: u64) {
        if let Some(i) = self.children.iter().position(|c| &**c == name) {
            self.children_bytes -= name.len() + 1;
            Arc::make_mut(&mut self.children).remove(i);
            self.children_gen = gen;
        }
    }

    /// The DIRECTORY payload: each child name followed by a NUL.
    pub fn children_blob(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.children_bytes);
        for c in self.children.iter() {
            v.extend_from_slice(c.as_bytes());
            v.push(0);
        }
        v
    }
}

/// The persistent map from absolute path to node.
#[derive(Clone)]
pub struct Tree {
    map: HashTrieMapSync<Arc<str>, Arc<Node>, FixedState>,
}

impl core::fmt::Debug for Tree {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Tree")
            .field("nodes", &self.map.size())
            .finish()
    }
}

impl Tree {
    /// An empty tree whose path hash uses `seed`.
    pub fn new(seed: u64) -> Tree {
        Tree {
            map: HashTrieMapSync::new_with_hasher_and_ptr_kind(FixedState::with_seed(seed)),
        }
    }

    /// The node at `path`.
    pub fn get(&self, path: &str) -> Option<&Arc<Node>> {
        self.map.get(path)
    }

    /// The generation of one aspect of `path`, `None` if it does not exist.
    pub fn gen(&self, path: &str, a: Aspect) -> Option<u64> {
        self.get(path).map(|n| n.gen(a))
    }

    /// Inserts or replaces the node at `path`.
    pub fn insert(&mut self, path: Arc<str>, node: Arc<Node>) {
        self.map.insert_mut(path, node);
    }

    /// Changes the node at `path` in place (copying it if shared).
    pub fn update(&mut self, path: &str, f: impl FnOnce(&mut Node)) -> bool {
        match self.map.get_mut(path) {
            Some(n) => {
                f(Arc::make_mut(n));
                true
            }
            None => false,
        }
    }

    /// Removes the node at `path` (not its children).
    pub fn remove(&mut self, path: &str) -> bool {
        self.map.remove_mut(path)
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.map.size()
    }

    /// Whether the tree has no node at all.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Every node with its path, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&Arc<str>, &Arc<Node>)> {
        self.map.iter()
    }

    /// Whether both trees are the same object (no change between them).
    pub fn same_as(&self, other: &Tree) -> bool {
        self.map.ptr_eq(&other.map)
    }
}
