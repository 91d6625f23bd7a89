//! Transactions: snapshot isolation with validation at commit.
//!
//! A transaction takes its snapshot (an O(1) clone of the committed tree) at
//! its first operation. It reads and writes a private view (the snapshot
//! plus its own changes), records the generation of every aspect of every
//! node it observed (existence, value, permissions, children list), and logs
//! its modifying operations.
//!
//! Commit:
//! * a transaction that changed nothing (nothing logged) commits: it is
//!   serialised at its snapshot;
//! * otherwise every recorded observation must still hold in the committed
//!   tree, else EAGAIN — so EAGAIN means a real conflict: something the
//!   transaction looked at changed. Writes to nodes it never looked at merge
//!   (two transactions adding different children under one parent both
//!   commit);
//! * the logged operations are replayed on the committed tree, atomically,
//!   re-checking quotas (a quota error fails the commit with that error; the
//!   XSA-421/440 class of accounting bugs cannot arise since counts are
//!   recomputed by the replay itself). Watches fire for the replayed changes.
//!
//! Because validation covers everything each operation depended on, the
//! replay takes the same decisions as the original execution, and committed
//! transactions are serialisable.
//!
//! Progress under contention: see the holds in the store module.

use alloc::sync::Arc;
use alloc::vec::Vec;

use foldhash::fast::FixedState;

use super::exec::{Deltas, ReadSet};
use super::node::Tree;
use super::perms::Perm;

/// A logged modifying operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxOp {
    /// WRITE.
    Write(Arc<str>, Arc<[u8]>),
    /// MKDIR of a missing node.
    Mkdir(Arc<str>),
    /// RM of an existing node.
    Rm(Arc<str>),
    /// SET_PERMS.
    SetPerms(Arc<str>, Vec<Perm>),
}

/// An open transaction.
#[derive(Debug)]
pub struct Tx {
    /// Its id on its connection.
    pub id: u32,
    /// Snapshot and private view, once the first operation happened.
    pub snap: Option<(Tree, Tree)>,
    /// Observations.
    pub reads: ReadSet,
    /// Modifying operations, in order.
    pub log: Vec<TxOp>,
    /// Node-count changes of the private view.
    pub deltas: Deltas,
    /// The path this transaction holds, if any.
    pub hold: Option<Arc<str>>,
}

impl Tx {
    /// A new transaction with no snapshot yet.
    pub fn new(id: u32, seed: u64) -> Tx {
        Tx {
            id,
            snap: None,
            reads: ReadSet::with_hasher(FixedState::with_seed(seed)),
            log: Vec::new(),
            deltas: Deltas::default(),
            hold: None,
        }
    }

    /// Distinct nodes and operations so far (`transaction-nodes` quota).
    pub fn touched(&self) -> usize {
        self.reads.len() + self.log.len()
    }
}
