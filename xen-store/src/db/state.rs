//! The store's whole state as bytes, for live update: a new daemon resumes
//! from what the old one dumped.
//!
//! Kept: every node (value, permissions, children order, generations), the
//! domain table (introduced domains with their ring, target, features,
//! quotas, accounting), the special nodes' permissions, the global quotas,
//! and the watches of domain connections (domains keep their ring across
//! the update). Socket connections are not kept: their clients reconnect.
//! Open transactions are not kept (live update refuses to start while there
//! are any, unless forced).
//!
//! Format: `b"xsrs-lu\0"`, version `u32`, then sections of little-endian
//! integers and length-prefixed byte strings. Loading validates everything
//! and fails with [`StateError`] rather than panicking.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::conn::ConnKind;
use super::domain::{Domain, Quotas};
use super::node::Node;
use super::perms::{Perm, PermSet};
use super::store::{Config, Effect, Store};
use super::watch::Watch;

const MAGIC: &[u8; 8] = b"xsrs-lu\0";
const VERSION: u32 = 1;

/// Why a state dump could not be loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// Not a state dump of this format or version.
    #[error("not a xen-store state dump (bad magic or version)")]
    BadMagic,
    /// Truncated or inconsistent.
    #[error("corrupt state dump")]
    Corrupt,
}

struct W(Vec<u8>);

impl W {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.u32(b.len() as u32);
        self.0.extend_from_slice(b);
    }
    fn perms(&mut self, p: &PermSet) {
        self.u64(p.gen);
        self.u32(p.entries.len() as u32);
        for e in p.entries.iter() {
            self.u32(e.domid);
            self.u8(e.access);
        }
    }
    fn quotas(&mut self, q: &Quotas) {
        for n in Quotas::NAMES {
            self.u32(q.get(n).unwrap_or(0));
        }
    }
}

struct R<'a>(&'a [u8]);

impl<'a> R<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], StateError> {
        if self.0.len() < n {
            return Err(StateError::Corrupt);
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, StateError> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, StateError> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().map_err(|_| StateError::Corrupt)?,
        ))
    }
    fn u64(&mut self) -> Result<u64, StateError> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().map_err(|_| StateError::Corrupt)?,
        ))
    }
    fn bytes(&mut self) -> Result<&'a [u8], StateError> {
        let n = self.u32()? as usize;
        self.take(n)
    }
    fn str(&mut self) -> Result<Arc<str>, StateError> {
        let b = self.bytes()?;
        core::str::from_utf8(b)
            .map(Arc::from)
            .map_err(|_| StateError::Corrupt)
    }
    fn perms(&mut self) -> Result<PermSet, StateError> {
        let gen = self.u64()?;
        let n = self.u32()? as usize;
        if n == 0 || n > self.0.len() {
            return Err(StateError::Corrupt);
        }
        let mut e = Vec::with_capacity(n);
        for _ in 0..n {
            let d = self.u32()?;
            e.push(Perm::new(d, self.u8()?));
        }
        Ok(PermSet {
            entries: Arc::from(e),
            gen,
        })
    }
    fn quotas(&mut self) -> Result<Quotas, StateError> {
        let mut q = Quotas::default();
        for n in Quotas::NAMES {
            let v = self.u32()?;
            q.set(n, v).map_err(|_| StateError::Corrupt)?;
        }
        Ok(q)
    }
}

impl Store {
    /// Serialises the state (see the module docs).
    pub fn dump_state(&mut self) -> Vec<u8> {
        let mut w = W(Vec::new());
        w.0.extend_from_slice(MAGIC);
        w.u32(VERSION);
        w.u64(self.gen);
        w.quotas(&self.cfg.quotas);
        for s in &self.special {
            w.perms(s);
        }
        w.u64(self.tree.len() as u64);
        for (p, n) in self.tree.iter() {
            w.bytes(p.as_bytes());
            w.bytes(&n.value);
            w.perms(&n.perms);
            w.u64(n.created);
            w.u64(n.value_gen);
            w.u64(n.children_gen);
            w.u32(n.children.len() as u32);
            for c in n.children.iter() {
                w.bytes(c.as_bytes());
            }
        }
        let doms: Vec<Domain> = self.domains.iter().cloned().collect();
        w.u32(doms.len() as u32);
        for d in &doms {
            w.u32(d.domid);
            w.u64(d.generation);
            w.u8(d.introduced as u8);
            w.u64(d.nodes as u64);
            w.u32(d.target.map_or(u32::MAX, |t| t));
            w.u32(d.features);
            w.quotas(&d.quotas);
            let (gfn, port) = d.ring.unwrap_or((u64::MAX, u32::MAX));
            w.u64(gfn);
            w.u32(port);
            let watches: Vec<Arc<Watch>> = d
                .conn
                .and_then(|c| self.conns.get(&c))
                .map(|c| c.watches.clone())
                .unwrap_or_default();
            w.u32(watches.len() as u32);
            for wt in watches {
                w.bytes(wt.path.as_bytes());
                w.bytes(&wt.token);
                w.u8(wt.rel_prefix.is_some() as u8);
            }
        }
        w.0
    }

    /// Rebuilds a store from [`Store::dump_state`] output. Introduced domains
    /// get fresh connections, announced as [`Effect::Introduced`] so the
    /// transport re-attaches their rings. `cfg.quotas` is replaced by the
    /// dumped global quotas.
    pub fn restore(mut cfg: Config, bytes: &[u8]) -> Result<Store, StateError> {
        let mut r = R(bytes);
        if r.take(8)? != MAGIC || r.u32()? != VERSION {
            return Err(StateError::BadMagic);
        }
        let gen = r.u64()?;
        cfg.quotas = r.quotas()?;
        let mut s = Store::new(cfg);
        s.special = [r.perms()?, r.perms()?];
        s.domains = Default::default();
        s.tree = super::node::Tree::new(s.cfg.seed);
        let n = r.u64()?;
        for _ in 0..n {
            let path = r.str()?;
            let value: Arc<[u8]> = Arc::from(r.bytes()?);
            let perms = r.perms()?;
            let (created, value_gen, children_gen) = (r.u64()?, r.u64()?, r.u64()?);
            let nc = r.u32()? as usize;
            if nc > r.0.len() {
                return Err(StateError::Corrupt);
            }
            let mut node = Node::new(perms, created);
            node.value = value;
            for _ in 0..nc {
                let c = r.str()?;
                node.add_child(c, children_gen);
            }
            node.value_gen = value_gen;
            node.children_gen = children_gen;
            if !super::path::is_valid_abs(path.as_bytes(), 0) {
                return Err(StateError::Corrupt);
            }
            s.tree.insert(path, Arc::new(node));
        }
        // Every child listed must exist, and the root too.
        for (p, node) in s.tree.iter() {
            for c in node.children.iter() {
                if s.tree.get(&super::path::child(p, c)).is_none() {
                    return Err(StateError::Corrupt);
                }
            }
        }
        if s.tree.get("/").is_none() {
            return Err(StateError::Corrupt);
        }
        let nd = r.u32()?;
        for _ in 0..nd {
            let domid = r.u32()?;
            let generation = r.u64()?;
            let introduced = r.u8()? != 0;
            let nodes = r.u64()? as i64;
            let target = Some(r.u32()?).filter(|t| *t != u32::MAX);
            let features = r.u32()?;
            let quotas = r.quotas()?;
            let (gfn, port) = (r.u64()?, r.u32()?);
            let ring = (port != u32::MAX).then_some((gfn, port));
            let d = s.domains.get_or_create(domid, generation, quotas, features);
            d.introduced = introduced;
            d.nodes = nodes;
            d.target = target;
            d.ring = ring;
            let nw = r.u32()?;
            let conn =
                (introduced && !s.is_privileged(domid)).then(|| s.connect(domid, ConnKind::Domain));
            if let (Some(cid), Some((gfn, port))) = (conn, ring) {
                s.effects.push(Effect::Introduced {
                    domid,
                    conn: cid,
                    gfn,
                    port,
                });
            }
            if let Some(d) = s.domains.get_mut(domid) {
                d.conn = conn;
            }
            for _ in 0..nw {
                let path = r.str()?;
                let token: Arc<[u8]> = Arc::from(r.bytes()?);
                let rel = r.u8()? != 0;
                if let Some(cid) = conn {
                    let rel_prefix = rel.then(|| super::path::domain_path(domid).len());
                    let w = Arc::new(Watch {
                        conn: cid,
                        path,
                        token,
                        rel_prefix,
                    });
                    s.conns
                        .get_mut(&cid)
                        .expect("connected")
                        .watches
                        .push(w.clone());
                    s.watches.add(w);
                }
            }
        }
        if !r.0.is_empty() {
            return Err(StateError::Corrupt);
        }
        s.gen = gen.max(s.gen);
        Ok(s)
    }
}

/// A readable summary of the dump header (for logs).
pub fn describe(bytes: &[u8]) -> String {
    alloc::format!("{} bytes", bytes.len())
}
