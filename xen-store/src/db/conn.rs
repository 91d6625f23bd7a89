//! Connections: one per socket client or introduced domain, with its
//! watches, transactions and the bounded queue of frames waiting to be sent.
//!
//! Memory per connection is bounded: replies by the `outstanding` quota (the
//! transport stops reading requests while too many replies wait) and a hard
//! cap for every caller; watch events by a cap past which they are dropped
//! (domains) or the connection is closed (sockets, which can reconnect);
//! identical pending events are queued once (C xenstored's rule, `@` events
//! excepted); events older than the watch-event timeout are dropped for
//! unprivileged domains (XSA-326).

use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::Arc;
use alloc::vec::Vec;

use foldhash::fast::FixedState;
use hashbrown::HashMap;

use super::txn::Tx;
use super::watch::Watch;
use super::{ConnId, Request};
use crate::wire::{encode_frame, msg, PAYLOAD_MAX};

/// How a connection reaches the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnKind {
    /// A Unix socket client: acts as the store's own domain.
    Socket,
    /// An introduced domain, over its shared ring.
    Domain,
}

/// A queued frame.
#[derive(Clone, Debug)]
pub struct OutFrame {
    /// Header and payload.
    pub bytes: Vec<u8>,
    /// Whether it is a watch event (else a reply).
    pub event: bool,
    /// When it was queued (ms).
    pub at: u64,
}

/// A request waiting for a transaction hold to go.
#[derive(Clone, Debug)]
pub struct Blocked {
    /// The request.
    pub req: Request,
    /// When it first blocked (ms); it waits at most one lease.
    pub since: u64,
}

/// Why an event could not be queued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueResult {
    /// Queued.
    Queued,
    /// Dropped: duplicate of a pending event, or too long (XSA-324).
    Dropped,
    /// The event queue is full.
    Full,
}

/// One connection.
#[derive(Debug)]
pub struct Conn {
    /// Its id.
    pub id: ConnId,
    /// The domain it speaks for.
    pub domid: u32,
    /// Socket or ring.
    pub kind: ConnKind,
    /// Its watches, in registration order.
    pub watches: Vec<Arc<Watch>>,
    /// Its open transactions by id.
    pub txs: BTreeMap<u32, Tx>,
    /// Next transaction id to try.
    pub next_tx_id: u32,
    /// Frames waiting to be sent.
    pub out: VecDeque<OutFrame>,
    /// Replies among them.
    pub out_replies: usize,
    /// Events among them.
    pub out_events: usize,
    /// Payloads of the pending events, for de-duplication.
    pending_events: HashMap<Vec<u8>, u32, FixedState>,
    /// The request waiting for a hold, if any.
    pub blocked: Option<Blocked>,
    /// Requests that arrived behind a blocked one.
    pub inbox: VecDeque<Request>,
    /// Ignored after a protocol error: no more requests are processed.
    pub ignored: bool,
    /// Events dropped because the queue was full.
    pub dropped_events: u64,
}

impl Conn {
    /// A fresh connection.
    pub fn new(id: ConnId, domid: u32, kind: ConnKind) -> Conn {
        Conn {
            id,
            domid,
            kind,
            watches: Vec::new(),
            txs: BTreeMap::new(),
            next_tx_id: 1,
            out: VecDeque::new(),
            out_replies: 0,
            out_events: 0,
            pending_events: HashMap::with_hasher(FixedState::with_seed(id)),
            blocked: None,
            inbox: VecDeque::new(),
            ignored: false,
            dropped_events: 0,
        }
    }

    /// Queues a reply.
    pub fn queue_reply(&mut self, ty: u32, req_id: u32, tx_id: u32, payload: &[u8], now: u64) {
        self.out.push_back(OutFrame {
            bytes: encode_frame(ty, req_id, tx_id, payload),
            event: false,
            at: now,
        });
        self.out_replies += 1;
    }

    /// Queues a watch event unless it duplicates a pending one, is too long,
    /// or the queue already holds `cap` events.
    pub fn queue_event(&mut self, payload: Vec<u8>, cap: usize, now: u64) -> QueueResult {
        if payload.len() > PAYLOAD_MAX {
            return QueueResult::Dropped;
        }
        let special = payload.first() == Some(&b'@');
        if !special && self.pending_events.contains_key(&payload) {
            return QueueResult::Dropped;
        }
        if cap != 0 && self.out_events >= cap {
            self.dropped_events += 1;
            return QueueResult::Full;
        }
        self.out.push_back(OutFrame {
            bytes: encode_frame(msg::WATCH_EVENT, 0, 0, &payload),
            event: true,
            at: now,
        });
        self.out_events += 1;
        if !special {
            *self.pending_events.entry(payload).or_insert(0) += 1;
        }
        QueueResult::Queued
    }

    fn forget(&mut self, f: &OutFrame) {
        if f.event {
            self.out_events -= 1;
            let payload = &f.bytes[crate::wire::HEADER_LEN..];
            if let Some(c) = self.pending_events.get_mut(payload) {
                *c -= 1;
                if *c == 0 {
                    self.pending_events.remove(payload);
                }
            }
        } else {
            self.out_replies -= 1;
        }
    }

    /// Takes the next frame to send.
    pub fn pop_frame(&mut self) -> Option<Vec<u8>> {
        let f = self.out.pop_front()?;
        self.forget(&f);
        Some(f.bytes)
    }

    /// Appends every queued frame to `buf`, up to about `max` bytes (at
    /// least one frame); returns how many frames were taken.
    pub fn drain_into(&mut self, buf: &mut Vec<u8>, max: usize) -> usize {
        let mut n = 0;
        while let Some(f) = self.out.front() {
            if n > 0 && buf.len() + f.bytes.len() > max {
                break;
            }
            let f = self.out.pop_front().expect("front exists");
            self.forget(&f);
            buf.extend_from_slice(&f.bytes);
            n += 1;
        }
        n
    }

    /// Drops pending events queued before `deadline` (watch-event timeout).
    pub fn expire_events(&mut self, deadline: u64) -> usize {
        let old: Vec<OutFrame> = self
            .out
            .iter()
            .filter(|f| f.event && f.at < deadline)
            .cloned()
            .collect();
        if old.is_empty() {
            return 0;
        }
        self.out.retain(|f| !(f.event && f.at < deadline));
        for f in &old {
            self.forget(f);
        }
        old.len()
    }

    /// Drops everything queued (RESET on re-introduction, ignore).
    pub fn clear_output(&mut self) {
        self.out.clear();
        self.out_replies = 0;
        self.out_events = 0;
        self.pending_events.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_deduplicated_until_sent() {
        let mut c = Conn::new(1, 0, ConnKind::Socket);
        assert_eq!(
            c.queue_event(b"/a\0t\0".to_vec(), 10, 0),
            QueueResult::Queued
        );
        assert_eq!(
            c.queue_event(b"/a\0t\0".to_vec(), 10, 0),
            QueueResult::Dropped
        );
        assert_eq!(
            c.queue_event(b"@releaseDomain\0t\0".to_vec(), 10, 0),
            QueueResult::Queued
        );
        assert_eq!(
            c.queue_event(b"@releaseDomain\0t\0".to_vec(), 10, 0),
            QueueResult::Queued
        );
        assert!(c.pop_frame().is_some());
        assert_eq!(
            c.queue_event(b"/a\0t\0".to_vec(), 10, 0),
            QueueResult::Queued
        );
        assert_eq!(c.out_events, 3);
        assert_eq!(c.queue_event(b"/b\0t\0".to_vec(), 3, 0), QueueResult::Full);
        assert_eq!(c.expire_events(1), 3);
        assert_eq!(c.out_events, 0);
    }
}
