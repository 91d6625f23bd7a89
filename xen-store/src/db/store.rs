//! The [`Store`]: connections in, frames out.
//!
//! Transports call [`Store::submit`] with each decoded request and send what
//! [`Store::drain_output`] / [`Store::pop_frame`] return. Requests of one
//! connection are handled strictly in order. [`Store::take_notifications`]
//! names the connections whose queue grew (watch events, a blocked request
//! completed) so a daemon can wake their writers; [`Store::take_effects`]
//! reports what the transport layer must act on (a domain introduced or
//! released, a connection to close, a live update).
//!
//! # Holds: no live-lock under contention
//!
//! Optimistic transactions alone starve under contention: with many
//! clients doing read-modify-write on a few nodes, most commits fail and
//! retry. So a transaction whose first operation reads node `N` takes a
//! *hold* on `N` for a short lease; another transaction whose first
//! operation touches `N` while the hold lasts waits (its reply is delayed)
//! until the holder commits, aborts, disconnects or the lease ends, then
//! takes its snapshot. Waiters hold nothing, so there is no deadlock; each
//! waits at most one lease, so a stalled or hostile holder delays others by
//! a bounded time; waiters are served in arrival order. An unprivileged
//! holder never delays a privileged transaction (the XSA-206 concern: guests
//! must not stall the toolstack). Correctness never depends on holds:
//! validation at commit decides; holds only make conflicts rare.

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use foldhash::fast::FixedState;
use hashbrown::HashMap;

use super::conn::{Conn, ConnKind, QueueResult};
use super::domain::{Domains, Quotas};
use super::exec::{Deltas, Event};
use super::node::{Node, Tree};
use super::path;
use super::perms::{access_for, Caller, PermSet, READ};
use super::watch::{Watch, WatchIndex};
use super::{ConnId, Request};

/// Ring feature bit: the ring page has a valid `error` field.
pub const FEATURE_ERROR: u32 = 2;
/// Ring feature bit: reconnection.
pub const FEATURE_RECONNECTION: u32 = 1;

/// Store settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// Default quotas for domains (the privileged domain is exempt).
    pub quotas: Quotas,
    /// The privileged domain besides dom0 (`--priv-domid`), 0 if none.
    pub priv_domid: u32,
    /// Seed of the path hash (choose it at random).
    pub seed: u64,
    /// Lease of a transaction hold, in ms (0 disables holds).
    pub hold_lease_ms: u64,
    /// Pending watch events per connection before overflow handling.
    pub max_events: usize,
    /// Pending replies per connection (everyone, privileged included)
    /// before the transport must stop reading requests.
    pub max_replies: usize,
    /// Unprivileged domains' events older than this are dropped (ms, 0 = never).
    pub event_timeout_ms: u64,
    /// Ring features this store supports.
    pub features: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            quotas: Quotas::default(),
            priv_domid: 0,
            seed: 0x9e37_79b9_7f4a_7c15,
            hold_lease_ms: 50,
            max_events: 1024,
            max_replies: 1024,
            event_timeout_ms: 20_000,
            features: FEATURE_ERROR | FEATURE_RECONNECTION,
        }
    }
}

/// Something the transport layer must act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// INTRODUCE of a new domain: attach its ring (frame `gfn`, event
    /// channel `port`) to connection `conn`.
    Introduced {
        /// The domain.
        domid: u32,
        /// Its connection.
        conn: ConnId,
        /// Ring frame given by the toolstack.
        gfn: u64,
        /// Event channel port.
        port: u32,
    },
    /// INTRODUCE of an already introduced domain: its connection was reset;
    /// rebind the event channel.
    Reintroduced {
        /// The domain.
        domid: u32,
        /// Its connection.
        conn: ConnId,
        /// New event channel port.
        port: u32,
    },
    /// The domain was released: detach its ring.
    Released {
        /// The domain.
        domid: u32,
        /// Its former connection.
        conn: ConnId,
    },
    /// Close this connection (a socket client that stopped reading).
    Close(ConnId),
    /// A line for the log (CONTROL print).
    Log(String),
    /// CONTROL live-update: the arguments after the command.
    LiveUpdate(Vec<String>),
}

/// A transaction hold (see the module docs).
#[derive(Clone, Debug)]
pub(crate) struct Hold {
    pub conn: ConnId,
    pub tx: u32,
    pub expires: u64,
    pub privileged: bool,
    pub waiters: Vec<ConnId>,
}

/// The XenStore database and its connections.
pub struct Store {
    pub(crate) cfg: Config,
    pub(crate) tree: Tree,
    pub(crate) gen: u64,
    pub(crate) domains: Domains,
    pub(crate) conns: HashMap<ConnId, Conn, FixedState>,
    pub(crate) next_conn: ConnId,
    pub(crate) watches: WatchIndex,
    /// Permissions of `@introduceDomain` and `@releaseDomain`.
    pub(crate) special: [PermSet; 2],
    pub(crate) holds: HashMap<Arc<str>, Hold, FixedState>,
    pub(crate) runnable: VecDeque<ConnId>,
    pub(crate) notify: Vec<ConnId>,
    pub(crate) effects: Vec<Effect>,
}

impl core::fmt::Debug for Store {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Store")
            .field("nodes", &self.tree.len())
            .field("connections", &self.conns.len())
            .field("watches", &self.watches.len())
            .finish()
    }
}

/// Index of the special nodes in `Store::special`.
pub(crate) const SPECIAL_NAMES: [&str; 2] = ["@introduceDomain", "@releaseDomain"];

impl Store {
    /// A store with the initial tree: `/`, `/tool`, `/tool/xenstored`, owned
    /// by the privileged domain with no access for others, and domain 0.
    pub fn new(cfg: Config) -> Store {
        let seed = cfg.seed;
        let mut s = Store {
            tree: Tree::new(seed),
            gen: 0,
            domains: Domains::default(),
            conns: HashMap::with_hasher(FixedState::with_seed(seed ^ 1)),
            next_conn: 1,
            watches: WatchIndex::new(seed),
            special: [
                PermSet::owned_by(cfg.priv_domid, 0, 0),
                PermSet::owned_by(cfg.priv_domid, 0, 0),
            ],
            holds: HashMap::with_hasher(FixedState::with_seed(seed ^ 2)),
            runnable: VecDeque::new(),
            notify: Vec::new(),
            effects: Vec::new(),
            cfg,
        };
        for d in [0, s.cfg.priv_domid] {
            let (q, f) = (s.cfg.quotas, s.cfg.features);
            s.domains.get_or_create(d, 0, q, f).introduced = true;
        }
        s.gen = 1;
        let perms = PermSet::owned_by(0, 0, 1);
        let mut root = Node::new(perms.clone(), 1);
        root.add_child(Arc::from("tool"), 1);
        let mut tool = Node::new(perms.clone(), 1);
        tool.add_child(Arc::from("xenstored"), 1);
        s.tree.insert(Arc::from("/"), Arc::new(root));
        s.tree.insert(Arc::from("/tool"), Arc::new(tool));
        s.tree
            .insert(Arc::from("/tool/xenstored"), Arc::new(Node::new(perms, 1)));
        s.domains.add_nodes(0, 3);
        s
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.tree.len()
    }

    /// Opens a connection for `domid`. Socket clients use the store's own
    /// domain, 0.
    pub fn connect(&mut self, domid: u32, kind: ConnKind) -> ConnId {
        if self.domains.get(domid).is_none() {
            self.gen += 1;
            let (q, f, g) = (self.cfg.quotas, self.cfg.features, self.gen);
            self.domains.get_or_create(domid, g, q, f);
        }
        let id = self.next_conn;
        self.next_conn += 1;
        self.conns.insert(id, Conn::new(id, domid, kind));
        id
    }

    /// Closes a connection: its watches, transactions, holds and pending
    /// output go. A domain stays introduced (its ring may reconnect).
    pub fn disconnect(&mut self, cid: ConnId) {
        self.reset_conn(cid);
        self.conns.remove(&cid);
    }

    /// Drops everything a connection has: watches, transactions (and their
    /// holds), output, blocked requests.
    pub(crate) fn reset_conn(&mut self, cid: ConnId) {
        let Some(c) = self.conns.get_mut(&cid) else {
            return;
        };
        let watches = core::mem::take(&mut c.watches);
        let txs = core::mem::take(&mut c.txs);
        c.clear_output();
        c.blocked = None;
        c.inbox.clear();
        for w in watches {
            self.watches.remove(cid, &w.path, &w.token);
        }
        for (_, tx) in txs {
            if let Some(h) = tx.hold {
                self.release_hold(&h, cid, tx.id);
            }
        }
    }

    /// Marks a connection ignored after a transport error (its watches,
    /// transactions and output go; the domain stays introduced, XSA-325).
    pub fn ignore_conn(&mut self, cid: ConnId) {
        self.reset_conn(cid);
        if let Some(c) = self.conns.get_mut(&cid) {
            c.ignored = true;
        }
    }

    /// Resets a connection to its initial state (ring reconnection): no
    /// watches, transactions or output, not ignored.
    pub fn reset_connection(&mut self, cid: ConnId) {
        self.reset_conn(cid);
        if let Some(c) = self.conns.get_mut(&cid) {
            c.ignored = false;
        }
    }

    /// Whether `cid` exists.
    pub fn has_conn(&self, cid: ConnId) -> bool {
        self.conns.contains_key(&cid)
    }

    /// Who the permission checks see for a connection.
    pub(crate) fn caller_of(&self, cid: ConnId) -> Caller {
        let domid = self.conns.get(&cid).map_or(0, |c| c.domid);
        self.caller_for(domid)
    }

    pub(crate) fn caller_for(&self, domid: u32) -> Caller {
        Caller {
            domid,
            privileged: self.is_privileged(domid),
            target: self.domains.get(domid).and_then(|d| d.target),
        }
    }

    pub(crate) fn is_privileged(&self, domid: u32) -> bool {
        domid == 0 || domid == self.cfg.priv_domid
    }

    pub(crate) fn quotas_of(&self, domid: u32) -> Quotas {
        self.domains
            .get(domid)
            .map_or(self.cfg.quotas, |d| d.quotas)
    }

    /// Whether the transport may read another request for `cid`: nothing is
    /// blocked and not too many replies wait to be read (`outstanding`).
    pub fn wants_input(&self, cid: ConnId) -> bool {
        let Some(c) = self.conns.get(&cid) else {
            return false;
        };
        if c.ignored || c.blocked.is_some() || !c.inbox.is_empty() {
            return false;
        }
        if c.out_replies >= self.cfg.max_replies {
            return false;
        }
        let q = self.quotas_of(c.domid).outstanding;
        self.is_privileged(c.domid) || q == 0 || c.out_replies < q as usize
    }

    /// Handles one request of `cid` (queued behind a blocked one if needed).
    pub fn submit(&mut self, cid: ConnId, req: Request, now: u64) {
        let Some(c) = self.conns.get_mut(&cid) else {
            return;
        };
        if c.ignored {
            return;
        }
        if c.blocked.is_some() || !c.inbox.is_empty() {
            // Bounded: a transport that ignores wants_input() is cut off.
            if c.inbox.len() >= self.cfg.max_replies {
                c.ignored = true;
                self.effects.push(super::Effect::Close(cid));
                return;
            }
            c.inbox.push_back(req);
            return;
        }
        self.process(cid, req, now, None);
        self.run_runnable(now);
    }

    /// Processes requests whose hold went away, and the requests queued
    /// behind them.
    pub(crate) fn run_runnable(&mut self, now: u64) {
        while let Some(cid) = self.runnable.pop_front() {
            let Some(c) = self.conns.get_mut(&cid) else {
                continue;
            };
            if let Some(b) = c.blocked.take() {
                if !self.process(cid, b.req, now, Some(b.since)) {
                    continue;
                }
            }
            while let Some(req) = self.next_queued(cid) {
                if !self.process(cid, req, now, None) {
                    break;
                }
            }
            self.mark_notify(cid);
        }
    }

    /// The next request queued behind a blocked one, if `cid` is not blocked.
    fn next_queued(&mut self, cid: ConnId) -> Option<Request> {
        let c = self.conns.get_mut(&cid)?;
        if c.blocked.is_some() {
            return None;
        }
        c.inbox.pop_front()
    }

    pub(crate) fn mark_notify(&mut self, cid: ConnId) {
        if !self.notify.contains(&cid) {
            self.notify.push(cid);
        }
    }

    /// Connections (other than the one that just submitted) whose output
    /// queue grew or that may accept input again.
    pub fn take_notifications(&mut self) -> Vec<ConnId> {
        core::mem::take(&mut self.notify)
    }

    /// Effects for the transport layer.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        core::mem::take(&mut self.effects)
    }

    /// Takes the next queued frame of `cid`.
    pub fn pop_frame(&mut self, cid: ConnId) -> Option<Vec<u8>> {
        self.conns.get_mut(&cid)?.pop_frame()
    }

    /// Appends queued frames of `cid` to `buf` (about `max` bytes at most,
    /// at least one frame); returns the number of frames.
    pub fn drain_output(&mut self, cid: ConnId, buf: &mut Vec<u8>, max: usize) -> usize {
        self.conns
            .get_mut(&cid)
            .map_or(0, |c| c.drain_into(buf, max))
    }

    /// Whether `cid` has frames queued.
    pub fn has_output(&self, cid: ConnId) -> bool {
        self.conns.get(&cid).is_some_and(|c| !c.out.is_empty())
    }

    /// Releases a hold if `(cid, tx)` owns it; its waiters become runnable.
    pub(crate) fn release_hold(&mut self, p: &str, cid: ConnId, tx: u32) {
        if self
            .holds
            .get(p)
            .is_some_and(|h| h.conn == cid && h.tx == tx)
        {
            let h = self.holds.remove(p).expect("checked");
            self.runnable.extend(h.waiters);
        }
    }

    /// Timers: expired holds, requests that waited a full lease, and the
    /// watch-event timeout. Call at [`Store::next_deadline`].
    pub fn tick(&mut self, now: u64) {
        let expired: Vec<Arc<str>> = self
            .holds
            .iter()
            .filter(|(_, h)| h.expires <= now)
            .map(|(p, _)| p.clone())
            .collect();
        for p in expired {
            if let Some(h) = self.holds.remove(&p) {
                self.runnable.extend(h.waiters);
            }
        }
        let lease = self.cfg.hold_lease_ms;
        let timeout = self.cfg.event_timeout_ms;
        let mut late = Vec::new();
        let mut expired_events = Vec::new();
        for (id, c) in self.conns.iter() {
            if c.blocked.as_ref().is_some_and(|b| b.since + lease <= now) {
                late.push(*id);
            }
            if timeout != 0
                && !self.is_privileged(c.domid)
                && c.out.iter().any(|f| f.event && f.at + timeout <= now)
            {
                expired_events.push(*id);
            }
        }
        self.runnable.extend(late);
        for id in expired_events {
            if let Some(c) = self.conns.get_mut(&id) {
                c.expire_events(now.saturating_sub(timeout) + 1);
            }
        }
        self.run_runnable(now);
    }

    /// The next time [`Store::tick`] has work, if any.
    pub fn next_deadline(&self) -> Option<u64> {
        let lease = self.cfg.hold_lease_ms;
        let mut d = self.holds.values().map(|h| h.expires).min();
        for c in self.conns.values() {
            if let Some(b) = &c.blocked {
                d = Some(d.map_or(b.since + lease, |x| x.min(b.since + lease)));
            }
            if self.cfg.event_timeout_ms != 0 && !self.is_privileged(c.domid) {
                if let Some(f) = c.out.iter().find(|f| f.event) {
                    let t = f.at + self.cfg.event_timeout_ms;
                    d = Some(d.map_or(t, |x| x.min(t)));
                }
            }
        }
        d
    }

    /// Installs the result of an operation on the committed tree.
    pub(crate) fn install(&mut self, tree: Tree, deltas: &Deltas, events: Vec<Event>, now: u64) {
        self.tree = tree;
        for &(d, n) in &deltas.0 {
            self.domains.add_nodes(d, n);
        }
        self.fire(events, now);
    }

    /// Sends each event to the watches it matches and whose connection may
    /// see it (`watch_permitted()`: old permissions, node, or parent readable).
    pub(crate) fn fire(&mut self, events: Vec<Event>, now: u64) {
        if self.watches.is_empty() {
            return;
        }
        for ev in events {
            let mut hits: Vec<Arc<Watch>> = Vec::new();
            if ev.exact {
                hits.extend(self.watches.on(&ev.path).iter().cloned());
            } else {
                for anc in path::self_and_ancestors(&ev.path) {
                    hits.extend(self.watches.on(anc).iter().cloned());
                }
            }
            let mut verdicts: Vec<(ConnId, bool)> = Vec::new();
            for w in hits {
                let ok = match verdicts.iter().find(|v| v.0 == w.conn) {
                    Some(v) => v.1,
                    None => {
                        let caller = self.caller_of(w.conn);
                        let readable = |p: &Option<PermSet>| {
                            p.as_ref().is_some_and(|p| {
                                access_for(&caller, p, |d| self.domains.alive(d)) & READ != 0
                            })
                        };
                        let ok = readable(&ev.old_perms)
                            || readable(&ev.perms)
                            || readable(&ev.parent_perms);
                        verdicts.push((w.conn, ok));
                        ok
                    }
                };
                if ok {
                    self.send_event(&w, &ev.path, now);
                }
            }
        }
    }

    /// Fires a special event (`@introduceDomain`, `@releaseDomain`) to
    /// privileged watchers and those the node's permissions let read it.
    pub(crate) fn fire_special(&mut self, which: usize, now: u64) {
        let name = SPECIAL_NAMES[which];
        let hits: Vec<Arc<Watch>> = self.watches.on(name).to_vec();
        for w in hits {
            let caller = self.caller_of(w.conn);
            if access_for(&caller, &self.special[which], |d| self.domains.alive(d)) & READ != 0 {
                self.send_event(&w, name, now);
            }
        }
    }

    pub(crate) fn send_event(&mut self, w: &Watch, event_path: &str, now: u64) {
        let cap = self.cfg.max_events;
        let Some(c) = self.conns.get_mut(&w.conn) else {
            return;
        };
        if c.ignored {
            return;
        }
        match c.queue_event(w.event_payload(event_path), cap, now) {
            QueueResult::Queued => self.mark_notify(w.conn),
            QueueResult::Dropped => {}
            QueueResult::Full => {
                if c.kind == ConnKind::Socket {
                    // A socket client that stopped reading is cut off; it can
                    // reconnect. Domains cannot: their events are dropped.
                    c.ignored = true;
                    self.effects.push(Effect::Close(w.conn));
                }
            }
        }
    }

    /// Recounts the nodes each domain owns and compares with the accounting
    /// (CONTROL check); returns the mismatching domids.
    pub fn check(&self) -> Vec<u32> {
        let mut counts: Vec<(u32, i64)> = vec![];
        for (_, n) in self.tree.iter() {
            let o = n.perms.owner();
            match counts.iter_mut().find(|c| c.0 == o) {
                Some(c) => c.1 += 1,
                None => counts.push((o, 1)),
            }
        }
        let mut bad = Vec::new();
        for d in self.domains.iter() {
            let want = counts.iter().find(|c| c.0 == d.domid).map_or(0, |c| c.1);
            if d.nodes != want {
                bad.push(d.domid);
            }
        }
        bad
    }
}
