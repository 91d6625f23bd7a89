//! Domain requests (INTRODUCE, RELEASE, GET_DOMAIN_PATH,
//! IS_DOMAIN_INTRODUCED, RESUME, SET_TARGET, GET/SET_FEATURE,
//! GET/SET_QUOTA), CONTROL, and domain teardown.
//!
//! Teardown (RELEASE, or [`Store::domain_destroyed`]) closes the domain's
//! connection, deletes every node the domain owns with its subtree
//! (XSA-419), firing watches, drops the domain from the special nodes'
//! permissions, forgets the domain (so stale permission entries naming it
//! are ignored and a reused domid starts with fresh accounting: XSA-322,
//! XSA-483) and fires `@releaseDomain`.

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::args::{all_strings, get_strings, onearg};
use super::conn::ConnKind;
use super::dispatch::{Outcome, OK};
use super::domain::{atoi, Quotas, DOMID_FIRST_RESERVED, DOMID_SELF};
use super::error::XsError;
use super::exec::Exec;
use super::path;
use super::perms::{Caller, Perm, PermSet};
use super::store::{Effect, Store};
use super::{ConnId, Request};
use crate::wire::msg;

impl Store {
    pub(crate) fn domain_request(&mut self, cid: ConnId, req: &Request, now: u64) -> Outcome {
        let p = &req.payload;
        let r: Result<Vec<u8>, XsError> = match req.ty {
            msg::INTRODUCE => self.do_introduce(p, now),
            msg::RELEASE => self.onearg_domain(p).map(|d| {
                self.destroy_domain(d, now);
                OK.to_vec()
            }),
            msg::RESUME => self.onearg_domain(p).map(|_| OK.to_vec()),
            msg::GET_DOMAIN_PATH => onearg(p)
                .map(|a| format!("{}\0", path::domain_path(atoi(a))).into_bytes())
                .ok_or(XsError::Inval),
            msg::IS_DOMAIN_INTRODUCED => onearg(p).ok_or(XsError::Inval).map(|a| {
                let d = atoi(a);
                let yes = d == DOMID_SELF || self.domains.get(d).is_some_and(|x| x.introduced);
                if yes {
                    b"T\0".to_vec()
                } else {
                    b"F\0".to_vec()
                }
            }),
            msg::SET_TARGET => self.do_set_target(p),
            msg::GET_FEATURE => self.do_get_feature(cid, p),
            msg::SET_FEATURE => self.do_set_feature(p),
            msg::GET_QUOTA => self.do_get_quota(p),
            msg::SET_QUOTA => self.do_set_quota(p),
            msg::CONTROL => self.do_control(p),
            _ => Err(XsError::NoSys),
        };
        r.into()
    }

    /// `onearg_domain()`: a domid argument naming an introduced domain.
    fn onearg_domain(&self, p: &[u8]) -> Result<u32, XsError> {
        let d = atoi(onearg(p).ok_or(XsError::Inval)?);
        if d == 0 {
            return Err(XsError::Inval);
        }
        match self.domains.get(d) {
            Some(x) if x.introduced && x.conn.is_some() => Ok(d),
            Some(x) if x.introduced => Err(XsError::Inval),
            _ => Err(XsError::NoEnt),
        }
    }

    fn do_introduce(&mut self, p: &[u8], now: u64) -> Result<Vec<u8>, XsError> {
        let s = get_strings(p, 3);
        if s.len() < 3 {
            return Err(XsError::Inval);
        }
        let domid = atoi(s[0]);
        let gfn = atoi(s[1]) as i32 as i64 as u64;
        let port = atoi(s[2]) as i32;
        if port <= 0 || domid == 0 || domid >= DOMID_FIRST_RESERVED || self.is_privileged(domid) {
            return Err(XsError::Inval);
        }
        self.introduce(domid, gfn, port as u32, now);
        Ok(OK.to_vec())
    }

    /// Introduces `domid` (ring frame `gfn`, event channel `port`): creates
    /// its connection, or resets the existing one. Fires `@introduceDomain`
    /// for a new domain. Returns the connection.
    pub fn introduce(&mut self, domid: u32, gfn: u64, port: u32, now: u64) -> ConnId {
        let existing = self
            .domains
            .get(domid)
            .filter(|d| d.introduced)
            .and_then(|d| d.conn);
        if let Some(cid) = existing {
            self.reset_conn(cid);
            if let Some(c) = self.conns.get_mut(&cid) {
                c.ignored = false;
            }
            if let Some(d) = self.domains.get_mut(domid) {
                d.ring = Some((gfn, port));
            }
            self.effects.push(Effect::Reintroduced {
                domid,
                conn: cid,
                port,
            });
            return cid;
        }
        self.gen += 1;
        let (q, f, g) = (self.cfg.quotas, self.cfg.features, self.gen);
        self.domains.get_or_create(domid, g, q, f);
        let cid = self.connect(domid, ConnKind::Domain);
        let d = self.domains.get_mut(domid).expect("created");
        d.introduced = true;
        d.conn = Some(cid);
        d.ring = Some((gfn, port));
        self.effects.push(Effect::Introduced {
            domid,
            conn: cid,
            gfn,
            port,
        });
        self.fire_special(0, now);
        cid
    }

    /// Tears a domain down as RELEASE does (also for a domain that died).
    /// Does nothing for a domain that was never introduced.
    pub fn domain_destroyed(&mut self, domid: u32, now: u64) {
        if self.domains.get(domid).is_some_and(|d| d.introduced) && !self.is_privileged(domid) {
            self.destroy_domain(domid, now);
        }
    }

    /// A domain shut down (it still exists, e.g. until the toolstack
    /// destroys it): fires `@releaseDomain` so watchers such as `xl`
    /// notice, as the C daemon does on `VIRQ_DOM_EXC`. Nothing else
    /// changes; a domain never introduced is ignored.
    pub fn domain_shut_down(&mut self, domid: u32, now: u64) {
        if self.domains.get(domid).is_some_and(|d| d.introduced) {
            self.fire_special(1, now);
        }
    }

    /// The domains introduced so far (for a transport checking which died).
    pub fn introduced_domains(&self) -> Vec<u32> {
        self.domains
            .iter()
            .filter(|d| d.introduced)
            .map(|d| d.domid)
            .collect()
    }

    fn destroy_domain(&mut self, domid: u32, now: u64) {
        let Some(d) = self.domains.get(domid).cloned() else {
            return;
        };
        if let Some(cid) = d.conn {
            self.disconnect(cid);
            self.effects.push(Effect::Released { domid, conn: cid });
        }
        // Other domains targeting this one lose their target.
        let ids = self.domains.ids();
        for id in ids {
            if let Some(x) = self.domains.get_mut(id) {
                if x.target == Some(domid) {
                    x.target = None;
                }
            }
        }
        self.remove_owned_nodes(domid, now);
        let priv_domid = self.cfg.priv_domid;
        for sp in self.special.iter_mut() {
            let mut e: Vec<Perm> = Vec::with_capacity(sp.entries.len());
            for (i, p) in sp.entries.iter().enumerate() {
                if i == 0 && p.domid == domid {
                    e.push(Perm::new(priv_domid, p.access));
                } else if i == 0 || p.domid != domid {
                    e.push(*p);
                }
            }
            *sp = PermSet {
                entries: Arc::from(e),
                gen: sp.gen,
            };
        }
        self.domains.remove(domid);
        if d.introduced {
            self.fire_special(1, now);
        }
    }

    /// Deletes every node owned by `domid`, with its subtree (XSA-419).
    fn remove_owned_nodes(&mut self, domid: u32, now: u64) {
        if self.domains.nodes(domid) <= 0 {
            return;
        }
        // Breadth-first, iterative; owned nodes are not descended into.
        let mut owned: Vec<Arc<str>> = Vec::new();
        let mut queue: Vec<Arc<str>> = alloc::vec![Arc::from("/")];
        while let Some(p) = queue.pop() {
            let Some(n) = self.tree.get(&p) else {
                continue;
            };
            if n.perms.owner() == domid && &*p != "/" {
                owned.push(p);
                continue;
            }
            for k in n.children.iter() {
                queue.push(Arc::from(path::child(&p, k)));
            }
        }
        let (quotas, priv_domid) = (self.cfg.quotas, self.cfg.priv_domid);
        let mut ex = Exec::new(
            &self.tree,
            &mut self.gen,
            &self.domains,
            Caller::STORE,
            quotas,
        );
        for p in &owned {
            if ex.tree.get(p).is_some() {
                ex.remove_subtree(p);
            }
        }
        // The root is never deleted: it passes to the privileged domain (as
        // C's domain_adjust_node_perms() does), so a reused domid does not
        // own it and the accounting stays right.
        if let Some(root) = ex.tree.get("/").filter(|n| n.perms.owner() == domid) {
            let mut e: Vec<Perm> = root.perms.entries.to_vec();
            e[0] = Perm::new(priv_domid, e[0].access);
            let r = ex.set_perms(&Arc::from("/"), &e);
            debug_assert!(r.is_ok(), "{r:?}");
        }
        let Exec {
            tree,
            deltas,
            events,
            ..
        } = ex;
        self.install(tree, &deltas, events.unwrap_or_default(), now);
    }

    fn do_set_target(&mut self, p: &[u8]) -> Result<Vec<u8>, XsError> {
        let s = get_strings(p, 2);
        if s.len() < 2 {
            return Err(XsError::Inval);
        }
        let (d, t) = (atoi(s[0]), atoi(s[1]));
        for x in [d, t] {
            match self.domains.get(x) {
                Some(y) if y.introduced && (y.conn.is_some() || self.is_privileged(x)) => {}
                Some(y) if y.introduced => return Err(XsError::Inval),
                _ => return Err(XsError::NoEnt),
            }
        }
        self.domains.get_mut(d).expect("checked").target = Some(t);
        Ok(OK.to_vec())
    }

    fn do_get_feature(&mut self, cid: ConnId, p: &[u8]) -> Result<Vec<u8>, XsError> {
        let caller = self.caller_of(cid);
        let f = if p.is_empty() {
            if caller.privileged {
                self.cfg.features
            } else {
                self.domains
                    .get(caller.domid)
                    .map_or(self.cfg.features, |d| d.features)
            }
        } else {
            if !caller.privileged {
                return Err(XsError::Acces);
            }
            let d = atoi(onearg(p).ok_or(XsError::Inval)?);
            self.domains.get(d).ok_or(XsError::NoEnt)?.features
        };
        Ok(format!("{f}\0").into_bytes())
    }

    fn do_set_feature(&mut self, p: &[u8]) -> Result<Vec<u8>, XsError> {
        let s = get_strings(p, 2);
        if s.len() != 2 {
            return Err(XsError::Inval);
        }
        let (d, v) = (atoi(s[0]), atoi(s[1]));
        if v & !self.cfg.features != 0 || d >= DOMID_FIRST_RESERVED {
            return Err(XsError::Inval);
        }
        self.gen += 1;
        let (q, f, g) = (self.cfg.quotas, self.cfg.features, self.gen);
        let dom = self.domains.get_or_create(d, g, q, f);
        if dom.introduced {
            return Err(XsError::Busy);
        }
        dom.features = v;
        Ok(OK.to_vec())
    }

    fn do_get_quota(&mut self, p: &[u8]) -> Result<Vec<u8>, XsError> {
        let s = all_strings(p);
        let name = |b: &[u8]| {
            core::str::from_utf8(b)
                .map_err(|_| XsError::Inval)
                .map(String::from)
        };
        let v = match s.len() {
            0 => return Ok(format!("{}\0", Quotas::names_list()).into_bytes()),
            1 => self.cfg.quotas.get(&name(s[0])?)?,
            2 => {
                let d = self.domains.get(atoi(s[0])).ok_or(XsError::NoEnt)?;
                d.quotas.get(&name(s[1])?)?
            }
            _ => return Err(XsError::Inval),
        };
        Ok(format!("{v}\0").into_bytes())
    }

    fn do_set_quota(&mut self, p: &[u8]) -> Result<Vec<u8>, XsError> {
        let s = all_strings(p);
        let text = |b: &[u8]| {
            core::str::from_utf8(b)
                .map_err(|_| XsError::Inval)
                .map(String::from)
        };
        match s.len() {
            2 => {
                let n = text(s[0])?;
                self.cfg.quotas.set(&n, atoi(s[1]))?;
            }
            3 => {
                let n = text(s[1])?;
                let v = atoi(s[2]);
                let d = self.domains.get_mut(atoi(s[0])).ok_or(XsError::NoEnt)?;
                d.quotas.set(&n, v)?;
            }
            _ => return Err(XsError::Inval),
        }
        Ok(OK.to_vec())
    }

    fn do_control(&mut self, p: &[u8]) -> Result<Vec<u8>, XsError> {
        let s = all_strings(p);
        let Some(cmd) = s.first() else {
            return Err(XsError::Inval);
        };
        let args: Vec<String> = s[1..]
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let text = match *cmd {
            b"help" => String::from("check\nhelp\nlive-update\nlog\nmemreport\nprint\nquota\n"),
            b"check" => {
                let bad = self.check();
                if bad.is_empty() {
                    String::from("OK")
                } else {
                    format!("accounting mismatch for domains {bad:?}")
                }
            }
            b"log" => String::from("OK"),
            b"print" => {
                self.effects.push(Effect::Log(args.join(" ")));
                String::from("OK")
            }
            b"memreport" => format!(
                "nodes {}\nconnections {}\nwatches {}\ndomains {}\n",
                self.tree.len(),
                self.conns.len(),
                self.watches.len(),
                self.domains.iter().count()
            ),
            b"quota" => match args.first() {
                None => {
                    let q = &self.cfg.quotas;
                    let mut t = String::new();
                    for n in Quotas::NAMES {
                        t.push_str(&format!("{n:<20}: {}\n", q.get(n).unwrap_or(0)));
                    }
                    t
                }
                Some(d) => {
                    let dom = self.domains.get(atoi(d.as_bytes())).ok_or(XsError::NoEnt)?;
                    let (w, t) = dom
                        .conn
                        .and_then(|c| self.conns.get(&c))
                        .map_or((0, 0), |c| (c.watches.len(), c.txs.len()));
                    format!(
                        "Domain {}:\nnodes           : {}\nwatches         : {}\ntransactions    : {}\n",
                        dom.domid, dom.nodes, w, t
                    )
                }
            },
            b"live-update" => {
                let start = args.iter().any(|a| a == "-s");
                let force = args.iter().any(|a| a == "-F");
                let busy = self.conns.values().any(|c| !c.txs.is_empty());
                if start && busy && !force {
                    String::from("BUSY")
                } else {
                    self.effects.push(Effect::LiveUpdate(args));
                    String::from("OK")
                }
            }
            _ => return Err(XsError::Inval),
        };
        let mut v = text.into_bytes();
        v.push(0);
        Ok(v)
    }
}
