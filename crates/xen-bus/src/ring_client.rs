//! [`XenStore`] over a guest's xenstore ring page (xen-store's
//! [`GuestRing`]), for use inside a guest kernel: no_std, no threads.
//!
//! Requests are framed with xen-store's wire encoder and matched to replies
//! by `req_id`; watch events are queued aside. Whenever the client has to
//! wait for the store it calls the `wait` hook it was built with — in a
//! guest kernel that blocks on the xenstore event channel, in tests it runs
//! the store's side of the ring. A reply that does not come after
//! [`MAX_WAITS`] waits is reported as a connection error, so a dead store
//! cannot hang the caller forever.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::time::Duration;

use xen_mem::FrameMemory;
use xen_store::ring::{GuestRing, Notifier};
use xen_store::wire::{encode_frame, msg};

use crate::store::{Perm, StoreError, Tx, WatchEvent, XenStore};

/// Waits a request makes for its reply before giving up.
pub const MAX_WAITS: u32 = 10_000;

/// A xenstore client on the guest's ring.
pub struct RingClient<'m, M: FrameMemory, N: Notifier, W: FnMut()> {
    ring: GuestRing<'m, M, N>,
    wait: W,
    next_req: u32,
    replies: BTreeMap<u32, (u32, Vec<u8>)>,
    events: VecDeque<WatchEvent>,
}

fn z(parts: &[&str]) -> Vec<u8> {
    let mut v = Vec::new();
    for p in parts {
        v.extend_from_slice(p.as_bytes());
        v.push(0);
    }
    v
}

fn map_error(name: &[u8]) -> StoreError {
    let name = name.strip_suffix(b"\0").unwrap_or(name);
    match name {
        b"ENOENT" => StoreError::NoEnt,
        b"EACCES" => StoreError::Access,
        b"EAGAIN" => StoreError::Again,
        b"EINVAL" => StoreError::Invalid,
        other => StoreError::Other(String::from_utf8_lossy(other).into_owned()),
    }
}

impl<'m, M: FrameMemory, N: Notifier, W: FnMut()> RingClient<'m, M, N, W> {
    /// A client on `ring`, calling `wait` whenever it needs the store to
    /// make progress.
    pub fn new(ring: GuestRing<'m, M, N>, wait: W) -> Self {
        RingClient {
            ring,
            wait,
            next_req: 1,
            replies: BTreeMap::new(),
            events: VecDeque::new(),
        }
    }

    fn conn(e: impl core::fmt::Debug) -> StoreError {
        StoreError::Connection(format!("{e:?}"))
    }

    fn collect(&mut self) -> Result<(), StoreError> {
        for f in self.ring.receive().map_err(Self::conn)? {
            if f.header.ty == msg::WATCH_EVENT {
                let mut it = f.payload.split(|&b| b == 0);
                if let (Some(p), Some(t)) = (it.next(), it.next()) {
                    self.events.push_back(WatchEvent {
                        path: String::from_utf8_lossy(p).into_owned(),
                        token: String::from_utf8_lossy(t).into_owned(),
                    });
                }
            } else {
                self.replies
                    .insert(f.header.req_id, (f.header.ty, f.payload));
            }
        }
        Ok(())
    }

    fn request(&mut self, ty: u32, tx: Tx, payload: &[u8]) -> Result<Vec<u8>, StoreError> {
        let id = self.next_req;
        self.next_req = self.next_req.wrapping_add(1).max(1);
        let frame = encode_frame(ty, id, tx.0, payload);
        let mut sent = 0;
        for _ in 0..MAX_WAITS {
            if sent < frame.len() {
                sent += self.ring.send(&frame[sent..]).map_err(Self::conn)?;
            }
            self.collect()?;
            if let Some((rty, p)) = self.replies.remove(&id) {
                if rty == msg::ERROR {
                    return Err(map_error(&p));
                }
                if rty != ty {
                    return Err(StoreError::Connection(format!("reply type {rty} to {ty}")));
                }
                return Ok(p);
            }
            (self.wait)();
        }
        Err(StoreError::Connection("no reply from xenstore".to_string()))
    }
}

impl<M: FrameMemory, N: Notifier, W: FnMut()> XenStore for RingClient<'_, M, N, W> {
    fn read(&mut self, tx: Tx, path: &str) -> Result<Vec<u8>, StoreError> {
        self.request(msg::READ, tx, &z(&[path]))
    }

    fn write(&mut self, tx: Tx, path: &str, value: &[u8]) -> Result<(), StoreError> {
        let mut p = z(&[path]);
        p.extend_from_slice(value);
        self.request(msg::WRITE, tx, &p).map(drop)
    }

    fn mkdir(&mut self, tx: Tx, path: &str) -> Result<(), StoreError> {
        self.request(msg::MKDIR, tx, &z(&[path])).map(drop)
    }

    fn rm(&mut self, tx: Tx, path: &str) -> Result<(), StoreError> {
        self.request(msg::RM, tx, &z(&[path])).map(drop)
    }

    fn directory(&mut self, tx: Tx, path: &str) -> Result<Vec<String>, StoreError> {
        let p = self.request(msg::DIRECTORY, tx, &z(&[path]))?;
        Ok(p.split(|&b| b == 0)
            .filter(|s| !s.is_empty())
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect())
    }

    fn set_perms(&mut self, tx: Tx, path: &str, perms: &[Perm]) -> Result<(), StoreError> {
        let text: Vec<String> = perms.iter().map(|p| p.to_string()).collect();
        let mut parts: Vec<&str> = alloc::vec![path];
        parts.extend(text.iter().map(String::as_str));
        self.request(msg::SET_PERMS, tx, &z(&parts)).map(drop)
    }

    fn watch(&mut self, path: &str, token: &str) -> Result<(), StoreError> {
        self.request(msg::WATCH, Tx::NONE, &z(&[path, token]))
            .map(drop)
    }

    fn unwatch(&mut self, path: &str, token: &str) -> Result<(), StoreError> {
        self.request(msg::UNWATCH, Tx::NONE, &z(&[path, token]))
            .map(drop)
    }

    fn next_event(&mut self, timeout: Duration) -> Result<Option<WatchEvent>, StoreError> {
        if self.events.is_empty() {
            self.collect()?;
        }
        if self.events.is_empty() && !timeout.is_zero() {
            (self.wait)();
            self.collect()?;
        }
        Ok(self.events.pop_front())
    }

    fn transaction_start(&mut self) -> Result<Tx, StoreError> {
        let p = self.request(msg::TRANSACTION_START, Tx::NONE, b"\0")?;
        let s = p.strip_suffix(b"\0").unwrap_or(&p);
        core::str::from_utf8(s)
            .ok()
            .and_then(|s| s.parse().ok())
            .map(Tx)
            .ok_or_else(|| StoreError::Connection("bad transaction id".to_string()))
    }

    fn transaction_end(&mut self, tx: Tx, commit: bool) -> Result<(), StoreError> {
        self.request(
            msg::TRANSACTION_END,
            tx,
            if commit { b"T\0" } else { b"F\0" },
        )
        .map(drop)
    }
}
