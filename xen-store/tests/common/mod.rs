//! Test harness: a store plus helpers that speak the wire protocol to it.
#![allow(dead_code)]

pub mod daemon;
pub mod example;

use std::collections::HashMap;

use xen_store::db::store::Config;
use xen_store::db::{ConnId, ConnKind, Request, Store, XsError};
use xen_store::wire::{msg, Header, HEADER_LEN};

pub struct H {
    pub s: Store,
    pub now: u64,
    pub events: HashMap<ConnId, Vec<(String, String)>>,
}

pub type Reply = Result<Vec<u8>, XsError>;

impl H {
    pub fn new() -> H {
        H::with(Config::default())
    }

    pub fn with(cfg: Config) -> H {
        H {
            s: Store::new(cfg),
            now: 1000,
            events: HashMap::new(),
        }
    }

    /// A socket connection (dom0).
    pub fn sock(&mut self) -> ConnId {
        self.s.connect(0, ConnKind::Socket)
    }

    /// Introduces `domid` and returns its connection.
    pub fn dom(&mut self, domid: u32) -> ConnId {
        self.s
            .introduce(domid, 1000 + domid as u64, 10 + domid, self.now)
    }

    fn collect(&mut self, c: ConnId) -> Vec<(Header, Vec<u8>)> {
        let mut v = Vec::new();
        while let Some(f) = self.s.pop_frame(c) {
            let h = Header::decode(f[..HEADER_LEN].try_into().unwrap()).unwrap();
            let p = f[HEADER_LEN..].to_vec();
            assert_eq!(h.len as usize, p.len());
            if h.ty == msg::WATCH_EVENT {
                let parts: Vec<&[u8]> = p.split(|&b| b == 0).collect();
                assert_eq!(parts.len(), 3, "event payload {p:?}");
                self.events.entry(c).or_default().push((
                    String::from_utf8_lossy(parts[0]).into_owned(),
                    String::from_utf8_lossy(parts[1]).into_owned(),
                ));
            } else {
                v.push((h, p));
            }
        }
        v
    }

    /// Sends a request and returns its reply (events are collected aside).
    pub fn req(&mut self, c: ConnId, ty: u32, tx: u32, payload: &[u8]) -> Reply {
        self.s.submit(c, Request::new(ty, tx, payload), self.now);
        let mut replies = self.collect(c);
        assert_eq!(
            replies.len(),
            1,
            "expected exactly one reply, got {replies:?}"
        );
        let (h, p) = replies.pop().unwrap();
        if h.ty == msg::ERROR {
            let e = XsError::from_name(&p);
            assert_eq!(p, format!("{}\0", e.name()).as_bytes());
            return Err(e);
        }
        assert_eq!(h.ty, ty);
        Ok(p)
    }

    /// Sends a request that should block (no reply yet).
    pub fn req_blocked(&mut self, c: ConnId, ty: u32, tx: u32, payload: &[u8]) {
        self.s.submit(c, Request::new(ty, tx, payload), self.now);
        assert!(self.collect(c).is_empty(), "expected no reply");
    }

    /// Replies that became available later (after a block).
    pub fn late_replies(&mut self, c: ConnId) -> Vec<Reply> {
        self.collect(c)
            .into_iter()
            .map(|(h, p)| {
                if h.ty == msg::ERROR {
                    Err(XsError::from_name(&p))
                } else {
                    Ok(p)
                }
            })
            .collect()
    }

    pub fn events(&mut self, c: ConnId) -> Vec<(String, String)> {
        self.collect(c);
        self.events.remove(&c).unwrap_or_default()
    }

    pub fn read(&mut self, c: ConnId, path: &str) -> Reply {
        self.req(c, msg::READ, 0, &z(path))
    }

    pub fn write(&mut self, c: ConnId, path: &str, v: &[u8]) -> Reply {
        self.req(c, msg::WRITE, 0, &wr(path, v))
    }

    pub fn mkdir(&mut self, c: ConnId, path: &str) -> Reply {
        self.req(c, msg::MKDIR, 0, &z(path))
    }

    pub fn rm(&mut self, c: ConnId, path: &str) -> Reply {
        self.req(c, msg::RM, 0, &z(path))
    }

    pub fn dir(&mut self, c: ConnId, path: &str) -> Result<Vec<String>, XsError> {
        self.req(c, msg::DIRECTORY, 0, &z(path)).map(|p| split(&p))
    }

    pub fn get_perms(&mut self, c: ConnId, path: &str) -> Result<Vec<String>, XsError> {
        self.req(c, msg::GET_PERMS, 0, &z(path)).map(|p| split(&p))
    }

    pub fn set_perms(&mut self, c: ConnId, path: &str, perms: &[&str]) -> Reply {
        self.req(c, msg::SET_PERMS, 0, &strs(&[&[path], perms].concat()))
    }

    pub fn watch(&mut self, c: ConnId, path: &str, token: &str) -> Reply {
        self.req(c, msg::WATCH, 0, &strs(&[path, token]))
    }

    pub fn start(&mut self, c: ConnId) -> u32 {
        let p = self.req(c, msg::TRANSACTION_START, 0, b"\0").unwrap();
        std::str::from_utf8(&p[..p.len() - 1])
            .unwrap()
            .parse()
            .unwrap()
    }

    pub fn end(&mut self, c: ConnId, tx: u32, commit: bool) -> Reply {
        self.req(
            c,
            msg::TRANSACTION_END,
            tx,
            if commit { b"T\0" } else { b"F\0" },
        )
    }
}

pub fn z(s: &str) -> Vec<u8> {
    let mut v = s.as_bytes().to_vec();
    v.push(0);
    v
}

pub fn wr(path: &str, v: &[u8]) -> Vec<u8> {
    let mut p = z(path);
    p.extend_from_slice(v);
    p
}

pub fn strs(s: &[&str]) -> Vec<u8> {
    s.iter().flat_map(|x| z(x)).collect()
}

pub fn split(p: &[u8]) -> Vec<String> {
    let mut v: Vec<String> = p
        .split(|&b| b == 0)
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect();
    v.pop();
    v
}

pub fn ok() -> Reply {
    Ok(b"OK\0".to_vec())
}
