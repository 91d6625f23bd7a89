//! One domain's port table: the state of every event channel and the storage
//! that grows, bucket by bucket, as ports are allocated.
//!
//! # Concurrency
//! A port's [`PortState`] sits behind the channel's own reader-writer lock.
//! Changing the state of a channel needs its write lock (and, for a pair of
//! interdomain channels, both write locks); anything that must see a stable
//! state — send, unmask, set-priority, VIRQ/PIRQ delivery — takes the read
//! lock. Because an interdomain pair changes state only with *both* write
//! locks held, a sender holding its own channel's read lock knows the remote
//! channel is bound to it and may deliver without locking the remote side.
//!
//! The fields a sender needs from the remote channel (notify vCPU, FIFO
//! priority and last queue, a FIFO pending bit saved while no event-array
//! page exists) are atomics next to the lock, as in Xen they are read outside
//! any lock of the remote side.
//!
//! Storage: buckets of [`PORTS_PER_BUCKET`] channels, created under the
//! domain's event lock and published by raising `valid` (release), so a
//! lookup needs no lock: a port below `valid` (acquire) has its bucket.
//! Buckets are never freed before the domain, so "valid" never turns back
//! into "invalid" (XSA-338).

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU8, Ordering};

use xen_abi::DomId;

use crate::abi::EVTCHN_FIFO_PRIORITY_DEFAULT;
use crate::domain::Domain;
use crate::EvtchnError;

/// Channels per bucket, as Xen's `EVTCHNS_PER_BUCKET` on x86_64 (a page of
/// 64-byte `struct evtchn`s): ports become valid 64 at a time.
pub const PORTS_PER_BUCKET: u32 = 64;

/// The state of one port.
pub(crate) enum PortState {
    /// Not in use.
    Free,
    /// Never usable (port 0).
    Reserved,
    /// Allocated, waiting for `remote` to bind to it.
    Unbound {
        /// The domain allowed to bind.
        remote: DomId,
    },
    /// Connected to `remote_port` of `remote`.
    Interdomain {
        /// The other end's domain; kept alive by this binding until close.
        remote: Arc<Domain>,
        /// The other end's port.
        remote_port: u32,
    },
    /// Bound to a physical IRQ.
    Pirq {
        /// The PIRQ number.
        pirq: u32,
    },
    /// Bound to a virtual IRQ.
    Virq {
        /// The VIRQ number.
        virq: u32,
    },
    /// An inter-processor interrupt within the domain.
    Ipi,
}

impl PortState {
    /// Xen's `evtchn_usable()`: a guest may send on it, unmask it, poll it.
    pub(crate) fn is_usable(&self) -> bool {
        !matches!(self, Self::Free | Self::Reserved)
    }
}

/// Keeps its contents on a cache line of their own.
#[repr(align(64))]
pub(crate) struct OwnLine<T>(T);

impl<T> core::ops::Deref for OwnLine<T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        &self.0
    }
}

/// One event channel.
///
/// The channel lock has a cache line of its own (a channel takes 128 bytes
/// instead of 48). Every send read-locks the sending port — a write to the
/// lock's line — while a send from the *other* end of an interdomain
/// channel reads this port's `notify_vcpu` and FIFO fields. On one line, each
/// send by one end pulled the line away from the CPU sending at the other
/// end: in a two-thread ping-pong the round trip took ~20 % longer (two
/// more cache-line transfers per round trip).
pub(crate) struct Channel {
    /// The port number (immutable).
    pub port: u32,
    /// The state, behind the channel lock.
    pub state: OwnLine<spin::RwLock<PortState>>,
    /// The vCPU notified when the port becomes pending.
    pub notify_vcpu: AtomicU32,
    /// FIFO priority (0 highest … 15 lowest).
    pub priority: AtomicU8,
    /// FIFO: the queue the event was last linked on, `vcpu << 8 | priority`.
    pub fifo_lastq: AtomicU32,
    /// FIFO: the port became pending while its event-array page was missing.
    pub fifo_pending: AtomicBool,
}

impl Channel {
    fn new(port: u32) -> Self {
        Self {
            port,
            state: OwnLine(spin::RwLock::new(PortState::Free)),
            notify_vcpu: AtomicU32::new(0),
            priority: AtomicU8::new(EVTCHN_FIFO_PRIORITY_DEFAULT as u8),
            fifo_lastq: AtomicU32::new(0),
            fifo_pending: AtomicBool::new(false),
        }
    }

    /// The notify vCPU.
    #[inline]
    pub fn vcpu(&self) -> u32 {
        self.notify_vcpu.load(Ordering::Relaxed)
    }
}

/// The growing array of channels of one domain.
pub(crate) struct ChannelTable {
    buckets: Box<[spin::Once<Box<[Channel]>>]>,
    valid: AtomicU32,
}

impl ChannelTable {
    /// A table able to hold ports `0..=max_port`, with the first bucket
    /// already present (as `evtchn_init` does).
    pub fn new(max_port: u32) -> Result<Self, EvtchnError> {
        let nr_buckets = (max_port / PORTS_PER_BUCKET) as usize + 1;
        let mut buckets = Vec::new();
        buckets
            .try_reserve_exact(nr_buckets)
            .map_err(|_| EvtchnError::NoMem)?;
        buckets.resize_with(nr_buckets, spin::Once::new);
        let table = Self {
            buckets: buckets.into_boxed_slice(),
            valid: AtomicU32::new(0),
        };
        table.grow_to(0)?;
        Ok(table)
    }

    /// Xen's `port_is_valid()` + `evtchn_from_port()`: the channel of
    /// `port` if its bucket exists. Lock-free.
    #[inline]
    pub fn get(&self, port: u32) -> Option<&Channel> {
        if port >= self.valid.load(Ordering::Acquire) {
            return None;
        }
        let bucket = self
            .buckets
            .get((port / PORTS_PER_BUCKET) as usize)?
            .get()?;
        bucket.get((port % PORTS_PER_BUCKET) as usize)
    }

    /// Number of valid ports (`d->valid_evtchns`).
    pub fn valid(&self) -> u32 {
        self.valid.load(Ordering::Acquire)
    }

    /// Creates every bucket up to the one holding `port`. Call with the
    /// domain's event lock held (the only writer of `valid`).
    pub fn grow_to(&self, port: u32) -> Result<(), EvtchnError> {
        let mut valid = self.valid.load(Ordering::Relaxed);
        while port >= valid {
            let index = (valid / PORTS_PER_BUCKET) as usize;
            let slot = self.buckets.get(index).ok_or(EvtchnError::NoSpc)?;
            let mut chans = Vec::new();
            chans
                .try_reserve_exact(PORTS_PER_BUCKET as usize)
                .map_err(|_| EvtchnError::NoMem)?;
            chans.extend((valid..valid + PORTS_PER_BUCKET).map(Channel::new));
            slot.call_once(|| chans.into_boxed_slice());
            valid += PORTS_PER_BUCKET;
            // Publish the bucket: a reader seeing the new `valid` sees it.
            self.valid.store(valid, Ordering::Release);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_grow_and_stay_valid() {
        let t = ChannelTable::new(1023).unwrap();
        assert_eq!(t.valid(), 64);
        assert!(t.get(63).is_some());
        assert!(t.get(64).is_none());
        t.grow_to(200).unwrap();
        assert_eq!(t.valid(), 256);
        assert_eq!(t.get(200).unwrap().port, 200);
        assert!(t.get(1023).is_none());
        t.grow_to(1023).unwrap();
        assert_eq!(t.get(1023).unwrap().port, 1023);
        assert!(t.get(1024).is_none());
        assert_eq!(t.grow_to(1024), Err(EvtchnError::NoSpc));
        assert!(t.get(u32::MAX).is_none());
    }
}
