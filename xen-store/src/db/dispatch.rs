//! Request dispatch: the checks every request goes through (type, privilege,
//! transaction id), then the node operations, watches and transactions.

use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::args::{count_nuls, get_strings, onearg};
use super::domain::{atoi, Quotas, DOMID_FIRST_RESERVED};
use super::error::XsError;
use super::exec::{Exec, Recorder};
use super::path::{self, canonicalize};
use super::perms::{access_for, parse_perms, PermSet, OWNER, READ, WRITE};
use super::store::{Hold, Store, SPECIAL_NAMES};
use super::txn::{Tx, TxOp};
use super::watch::Watch;
use super::{ConnId, Request};
use crate::wire::{msg, PAYLOAD_MAX, REL_PATH_MAX};

/// What a handler did.
pub(crate) enum Outcome {
    /// Send this payload in a reply of the request's type.
    Reply(Vec<u8>),
    /// Send this error.
    Error(XsError),
    /// The handler queued its reply itself.
    Sent,
    /// The request waits for a hold.
    Blocked,
}

impl From<Result<Vec<u8>, XsError>> for Outcome {
    fn from(r: Result<Vec<u8>, XsError>) -> Self {
        match r {
            Ok(v) => Outcome::Reply(v),
            Err(e) => Outcome::Error(e),
        }
    }
}

pub(crate) const OK: &[u8] = b"OK\0";

/// A node operation, parsed.
#[derive(Clone, Debug)]
enum NodeOp {
    Read,
    Dir,
    DirPart(usize),
    GetPerms,
    Write(Arc<[u8]>),
    Mkdir,
    Rm,
    SetPerms(Vec<super::perms::Perm>),
}

impl NodeOp {
    fn is_read(&self) -> bool {
        matches!(
            self,
            NodeOp::Read | NodeOp::Dir | NodeOp::DirPart(_) | NodeOp::GetPerms
        )
    }
}

/// Runs one node operation; returns the reply payload and the logged form of
/// a modification, if it modified anything.
fn run(ex: &mut Exec<'_>, p: &Arc<str>, op: &NodeOp) -> Result<(Vec<u8>, Option<TxOp>), XsError> {
    Ok(match op {
        NodeOp::Read => (ex.read(p)?.to_vec(), None),
        NodeOp::Dir => (ex.directory(p)?, None),
        NodeOp::DirPart(off) => (ex.directory_part(p, *off)?, None),
        NodeOp::GetPerms => (ex.get_perms(p)?.to_wire(), None),
        NodeOp::Write(v) => {
            ex.write(p, v)?;
            (OK.to_vec(), Some(TxOp::Write(p.clone(), v.clone())))
        }
        NodeOp::Mkdir => {
            let changed = ex.mkdir(p)?;
            (OK.to_vec(), changed.then(|| TxOp::Mkdir(p.clone())))
        }
        NodeOp::Rm => {
            let changed = ex.rm(p)?;
            (OK.to_vec(), changed.then(|| TxOp::Rm(p.clone())))
        }
        NodeOp::SetPerms(e) => {
            ex.set_perms(p, e)?;
            (OK.to_vec(), Some(TxOp::SetPerms(p.clone(), e.clone())))
        }
    })
}

/// Replays a logged operation at commit.
pub(crate) fn replay(ex: &mut Exec<'_>, op: &TxOp) -> Result<(), XsError> {
    match op {
        TxOp::Write(p, v) => ex.write(p, v),
        TxOp::Mkdir(p) => ex.mkdir(p).map(|_| ()),
        TxOp::Rm(p) => ex.rm(p).map(|_| ()),
        TxOp::SetPerms(p, e) => ex.set_perms(p, e),
    }
}

fn known(ty: u32) -> bool {
    ty <= msg::SET_QUOTA && ty != msg::WATCH_EVENT && ty != msg::ERROR && ty != msg::RESTRICT
}

fn privileged_only(ty: u32) -> bool {
    matches!(
        ty,
        msg::CONTROL
            | msg::INTRODUCE
            | msg::RELEASE
            | msg::IS_DOMAIN_INTRODUCED
            | msg::RESUME
            | msg::SET_TARGET
            | msg::SET_FEATURE
            | msg::GET_QUOTA
            | msg::SET_QUOTA
    )
}

impl Store {
    /// Handles one request; `false` if it blocked on a hold.
    pub(crate) fn process(
        &mut self,
        cid: ConnId,
        req: Request,
        now: u64,
        since: Option<u64>,
    ) -> bool {
        let Some(c) = self.conns.get(&cid) else {
            return true;
        };
        if c.ignored {
            return true;
        }
        let caller = self.caller_of(cid);
        let out = if !known(req.ty) {
            Outcome::Error(XsError::NoSys)
        } else if privileged_only(req.ty) && !caller.privileged {
            Outcome::Error(XsError::Acces)
        } else if !matches!(req.ty, msg::WATCH | msg::UNWATCH)
            && req.tx_id != 0
            && !c.txs.contains_key(&req.tx_id)
        {
            Outcome::Error(XsError::NoEnt)
        } else {
            self.handle(cid, &req, now, since)
        };
        match out {
            Outcome::Blocked => {
                if let Some(c) = self.conns.get_mut(&cid) {
                    c.blocked = Some(super::conn::Blocked {
                        req,
                        since: since.unwrap_or(now),
                    });
                }
                false
            }
            Outcome::Sent => true,
            Outcome::Reply(p) if p.len() > PAYLOAD_MAX => {
                self.reply_error(cid, &req, XsError::TooBig, now);
                true
            }
            Outcome::Reply(p) => {
                if let Some(c) = self.conns.get_mut(&cid) {
                    c.queue_reply(req.ty, req.req_id, req.tx_id, &p, now);
                }
                true
            }
            Outcome::Error(e) => {
                self.reply_error(cid, &req, e, now);
                true
            }
        }
    }

    pub(crate) fn reply_error(&mut self, cid: ConnId, req: &Request, e: XsError, now: u64) {
        if let Some(c) = self.conns.get_mut(&cid) {
            let mut p = Vec::from(e.name().as_bytes());
            p.push(0);
            c.queue_reply(msg::ERROR, req.req_id, req.tx_id, &p, now);
        }
    }

    fn handle(&mut self, cid: ConnId, req: &Request, now: u64, since: Option<u64>) -> Outcome {
        match req.ty {
            msg::READ
            | msg::WRITE
            | msg::MKDIR
            | msg::RM
            | msg::DIRECTORY
            | msg::DIRECTORY_PART
            | msg::GET_PERMS
            | msg::SET_PERMS => self.node_request(cid, req, now, since),
            msg::WATCH => self.watch(cid, req, now),
            msg::UNWATCH => self.unwatch(cid, req).into(),
            msg::RESET_WATCHES => {
                self.reset_conn_state(cid);
                Outcome::Reply(OK.to_vec())
            }
            msg::TRANSACTION_START => self.tx_start(cid, req).into(),
            msg::TRANSACTION_END => self.tx_end(cid, req, now).into(),
            _ => self.domain_request(cid, req, now),
        }
    }

    /// RESET_WATCHES: drops watches and transactions, keeps queued output.
    fn reset_conn_state(&mut self, cid: ConnId) {
        let Some(c) = self.conns.get_mut(&cid) else {
            return;
        };
        let watches = core::mem::take(&mut c.watches);
        let txs = core::mem::take(&mut c.txs);
        for w in watches {
            self.watches.remove(cid, &w.path, &w.token);
        }
        for (_, tx) in txs {
            if let Some(h) = tx.hold {
                self.release_hold(&h, cid, tx.id);
            }
        }
    }

    fn parse_node_request(
        &mut self,
        cid: ConnId,
        req: &Request,
    ) -> Result<(Arc<str>, NodeOp), Outcome> {
        let caller = self.caller_of(cid);
        let quotas = self.quotas_of(caller.domid);
        let p = &req.payload;
        let inval = Outcome::Error(XsError::Inval);
        let (raw, op): (&[u8], NodeOp) = match req.ty {
            msg::WRITE => {
                let s = get_strings(p, 1);
                let Some(&name) = s.first() else {
                    return Err(inval);
                };
                (name, NodeOp::Write(Arc::from(&p[name.len() + 1..])))
            }
            msg::DIRECTORY_PART => {
                if count_nuls(p) != 2 {
                    return Err(inval);
                }
                let s = get_strings(p, 2);
                (s[0], NodeOp::DirPart(atoi(s[1]) as i32 as usize))
            }
            msg::SET_PERMS => {
                let n = count_nuls(p);
                if n < 2 {
                    return Err(inval);
                }
                if !caller.privileged
                    && quotas.node_permissions != 0
                    && n - 1 > quotas.node_permissions as usize
                {
                    return Err(Outcome::Error(XsError::NoSpc));
                }
                let s = get_strings(p, n);
                let entries = parse_perms(s[1..].iter().copied()).map_err(Outcome::Error)?;
                // Domains named in permissions get an entry (C asks Xen);
                // reserved ids never do, so such entries stay inert.
                for e in &entries {
                    if e.domid < DOMID_FIRST_RESERVED && self.domains.get(e.domid).is_none() {
                        self.gen += 1;
                        let (q, f) = (self.cfg.quotas, self.cfg.features);
                        self.domains.get_or_create(e.domid, self.gen, q, f);
                    }
                }
                if self.domains.get(entries[0].domid).is_none() {
                    return Err(Outcome::Error(XsError::NoEnt));
                }
                (s[0], NodeOp::SetPerms(entries))
            }
            ty => {
                let Some(a) = onearg(p) else {
                    return Err(inval);
                };
                let op = match ty {
                    msg::READ => NodeOp::Read,
                    msg::MKDIR => NodeOp::Mkdir,
                    msg::RM => NodeOp::Rm,
                    msg::DIRECTORY => NodeOp::Dir,
                    _ => NodeOp::GetPerms,
                };
                (a, op)
            }
        };
        if raw.first() == Some(&b'@') {
            return Err(self.special_perms(cid, raw, &op));
        }
        let cp =
            canonicalize(raw, caller.domid, quotas.path_max as usize).map_err(Outcome::Error)?;
        Ok((cp.abs, op))
    }

    /// GET_PERMS and SET_PERMS on `@introduceDomain` / `@releaseDomain`.
    fn special_perms(&mut self, cid: ConnId, raw: &[u8], op: &NodeOp) -> Outcome {
        let Some(i) = SPECIAL_NAMES.iter().position(|n| n.as_bytes() == raw) else {
            return Outcome::Error(XsError::Inval);
        };
        let caller = self.caller_of(cid);
        let acc = access_for(&caller, &self.special[i], |d| self.domains.alive(d));
        match op {
            NodeOp::GetPerms if acc & READ != 0 => Outcome::Reply(self.special[i].to_wire()),
            NodeOp::SetPerms(e) if acc & (WRITE | OWNER) == WRITE | OWNER => {
                self.gen += 1;
                self.special[i] = PermSet {
                    entries: Arc::from(e.as_slice()),
                    gen: self.gen,
                };
                Outcome::Reply(OK.to_vec())
            }
            NodeOp::GetPerms | NodeOp::SetPerms(_) => Outcome::Error(XsError::Acces),
            _ => Outcome::Error(XsError::Inval),
        }
    }

    fn node_request(
        &mut self,
        cid: ConnId,
        req: &Request,
        now: u64,
        since: Option<u64>,
    ) -> Outcome {
        let (p, op) = match self.parse_node_request(cid, req) {
            Ok(x) => x,
            Err(o) => return o,
        };
        let caller = self.caller_of(cid);
        let quotas = self.quotas_of(caller.domid);
        if req.tx_id == 0 {
            // XSA-206: a guest's plain writes to a node a privileged
            // transaction holds wait (one lease at most), so guests cannot
            // starve the toolstack's transactions.
            if !caller.privileged && !op.is_read() {
                let lease = self.cfg.hold_lease_ms;
                if let Some(h) = self.holds.get_mut(&p) {
                    let may_wait = since.is_none_or(|s| now < s + lease);
                    if h.privileged && h.expires > now && may_wait {
                        if !h.waiters.contains(&cid) {
                            h.waiters.push(cid);
                        }
                        return Outcome::Blocked;
                    }
                }
            }
            let mut ex = Exec::new(&self.tree, &mut self.gen, &self.domains, caller, quotas);
            return match run(&mut ex, &p, &op) {
                Ok((reply, changed)) => {
                    if changed.is_some() {
                        let Exec {
                            tree,
                            deltas,
                            events,
                            ..
                        } = ex;
                        self.install(tree, &deltas, events.unwrap_or_default(), now);
                    }
                    Outcome::Reply(reply)
                }
                Err(e) => Outcome::Error(e),
            };
        }
        let Some(mut tx) = self
            .conns
            .get_mut(&cid)
            .and_then(|c| c.txs.remove(&req.tx_id))
        else {
            return Outcome::Error(XsError::NoEnt);
        };
        if tx.snap.is_none() {
            let lease = self.cfg.hold_lease_ms;
            let may_wait = lease != 0 && since.is_none_or(|s| now < s + lease);
            if let Some(h) = self.holds.get_mut(&p) {
                if h.expires > now
                    && h.conn != cid
                    && (h.privileged || !caller.privileged)
                    && may_wait
                {
                    if !h.waiters.contains(&cid) {
                        h.waiters.push(cid);
                    }
                    self.put_tx(cid, tx);
                    return Outcome::Blocked;
                }
            }
            tx.snap = Some((self.tree.clone(), self.tree.clone()));
            let free = self.holds.get(&p).is_none_or(|h| h.expires <= now);
            if lease != 0 && op.is_read() && free {
                if let Some(old) = self.holds.remove(&p) {
                    self.runnable.extend(old.waiters);
                }
                self.holds.insert(
                    p.clone(),
                    Hold {
                        conn: cid,
                        tx: tx.id,
                        expires: now + lease,
                        privileged: caller.privileged,
                        waiters: Vec::new(),
                    },
                );
                tx.hold = Some(p.clone());
            }
        }
        if !caller.privileged && Quotas::reached(quotas.transaction_nodes, tx.touched() as i64) {
            self.put_tx(cid, tx);
            return Outcome::Error(XsError::NoSpc);
        }
        let Tx {
            snap,
            reads,
            log,
            deltas,
            ..
        } = &mut tx;
        let (base, view) = snap.as_mut().expect("snapshot taken above");
        let mut ex = Exec::new(view, &mut self.gen, &self.domains, caller, quotas);
        ex.prior = Some(deltas);
        ex.rec = Some(Recorder { base, reads });
        ex.events = None;
        let r = run(&mut ex, &p, &op);
        let out = match r {
            Ok((reply, changed)) => {
                let Exec {
                    tree, deltas: d, ..
                } = ex;
                if let Some(c) = changed {
                    *view = tree;
                    deltas.merge(&d);
                    log.push(c);
                }
                Outcome::Reply(reply)
            }
            Err(e) => Outcome::Error(e),
        };
        self.put_tx(cid, tx);
        out
    }

    fn put_tx(&mut self, cid: ConnId, tx: Tx) {
        if let Some(c) = self.conns.get_mut(&cid) {
            c.txs.insert(tx.id, tx);
        }
    }

    fn watch(&mut self, cid: ConnId, req: &Request, now: u64) -> Outcome {
        let s = get_strings(&req.payload, 2);
        if s.len() != 2 {
            return Outcome::Error(XsError::Inval);
        }
        let caller = self.caller_of(cid);
        let quotas = self.quotas_of(caller.domid);
        let (wpath, rel): (Arc<str>, Option<usize>) = if s[0].first() == Some(&b'@') {
            if s[0].len() > REL_PATH_MAX {
                return Outcome::Error(XsError::Inval);
            }
            // Special watches may have any syntax but NUL; keep them as text.
            match core::str::from_utf8(s[0]) {
                Ok(t) => (Arc::from(t), None),
                Err(_) => (
                    Arc::from(alloc::string::String::from_utf8_lossy(s[0]).as_ref()),
                    None,
                ),
            }
        } else {
            match canonicalize(s[0], caller.domid, quotas.path_max as usize) {
                Ok(cp) => (cp.abs, cp.rel_prefix),
                Err(e) => return Outcome::Error(e),
            }
        };
        let token: Arc<[u8]> = Arc::from(s[1]);
        let Some(c) = self.conns.get_mut(&cid) else {
            return Outcome::Sent;
        };
        if c.watches
            .iter()
            .any(|w| w.path == wpath && w.token == token)
        {
            return Outcome::Error(XsError::Exist);
        }
        if !caller.privileged && Quotas::reached(quotas.watches, c.watches.len() as i64) {
            return Outcome::Error(XsError::TooBig);
        }
        let w = Arc::new(Watch {
            conn: cid,
            path: wpath.clone(),
            token,
            rel_prefix: rel,
        });
        c.watches.push(w.clone());
        self.watches.add(w.clone());
        c.queue_reply(msg::WATCH, req.req_id, req.tx_id, OK, now);
        // The initial event, unconditionally.
        let cap = self.cfg.max_events;
        let c = self.conns.get_mut(&cid).expect("present");
        c.queue_event(w.event_payload(&wpath), cap, now);
        Outcome::Sent
    }

    fn unwatch(&mut self, cid: ConnId, req: &Request) -> Result<Vec<u8>, XsError> {
        let s = get_strings(&req.payload, 2);
        if s.len() != 2 {
            return Err(XsError::Inval);
        }
        let domid = self.caller_of(cid).domid;
        let wpath = if s[0].first() == Some(&b'/') || s[0].first() == Some(&b'@') {
            alloc::string::String::from_utf8_lossy(s[0]).into_owned()
        } else {
            format!(
                "{}/{}",
                path::domain_path(domid),
                alloc::string::String::from_utf8_lossy(s[0])
            )
        };
        let c = self.conns.get_mut(&cid).ok_or(XsError::NoEnt)?;
        let i = c
            .watches
            .iter()
            .position(|w| *w.path == *wpath && &*w.token == s[1])
            .ok_or(XsError::NoEnt)?;
        let w = c.watches.remove(i);
        self.watches.remove(cid, &w.path, &w.token);
        Ok(OK.to_vec())
    }

    fn tx_start(&mut self, cid: ConnId, req: &Request) -> Result<Vec<u8>, XsError> {
        if req.tx_id != 0 {
            return Err(XsError::Busy);
        }
        let caller = self.caller_of(cid);
        let quotas = self.quotas_of(caller.domid);
        let seed = self.cfg.seed;
        let c = self.conns.get_mut(&cid).ok_or(XsError::NoEnt)?;
        if !caller.privileged && Quotas::reached(quotas.transactions, c.txs.len() as i64) {
            return Err(XsError::NoSpc);
        }
        let mut id = c.next_tx_id;
        while id == 0 || c.txs.contains_key(&id) {
            id = id.wrapping_add(1);
        }
        c.next_tx_id = id.wrapping_add(1);
        c.txs.insert(id, Tx::new(id, seed ^ id as u64));
        Ok(format!("{id}\0").into_bytes())
    }

    fn tx_end(&mut self, cid: ConnId, req: &Request, now: u64) -> Result<Vec<u8>, XsError> {
        let commit = match onearg(&req.payload) {
            Some(b"T") => true,
            Some(b"F") => false,
            _ => return Err(XsError::Inval),
        };
        let tx = self
            .conns
            .get_mut(&cid)
            .and_then(|c| c.txs.remove(&req.tx_id))
            .ok_or(XsError::NoEnt)?;
        if let Some(h) = &tx.hold {
            self.release_hold(h, cid, tx.id);
        }
        if commit {
            self.commit(cid, tx, now)?;
        }
        Ok(OK.to_vec())
    }

    /// Validates and replays a transaction (see the `txn` module).
    fn commit(&mut self, cid: ConnId, tx: Tx, now: u64) -> Result<(), XsError> {
        if tx.snap.is_none() || tx.log.is_empty() {
            return Ok(());
        }
        for ((p, a), g) in tx.reads.iter() {
            if self.tree.gen(p, *a) != *g {
                return Err(XsError::Again);
            }
        }
        // An owner named by SET_PERMS whose domain was released since would
        // own the node unaccounted (and a reused domid would inherit it).
        let gone = |op: &TxOp| matches!(op, TxOp::SetPerms(_, e) if self.domains.get(e[0].domid).is_none());
        if tx.log.iter().any(gone) {
            return Err(XsError::Again);
        }
        let caller = self.caller_of(cid);
        let quotas = self.quotas_of(caller.domid);
        let mut ex = Exec::new(&self.tree, &mut self.gen, &self.domains, caller, quotas);
        for op in &tx.log {
            if let Err(e) = replay(&mut ex, op) {
                return Err(if e == XsError::NoSpc {
                    e
                } else {
                    XsError::Again
                });
            }
        }
        let Exec {
            tree,
            deltas,
            events,
            ..
        } = ex;
        self.install(tree, &deltas, events.unwrap_or_default(), now);
        Ok(())
    }
}
