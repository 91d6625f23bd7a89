//! Active entries: Xen's private shadow of each shared grant entry while it
//! is pinned (mapped or being copied), with one typed counter per kind of
//! use instead of four bytes packed into one word.

use xen_abi::DomId;
use xen_mem::Mfn;

use crate::abi::GNTMAP_DEVICE_MAP;
use crate::abi::{GNTMAP_HOST_MAP, GNTMAP_READONLY};

/// A counter refuses new pins once it reaches this value (Xen refuses when
/// the top bit of an 8-bit counter is set).
pub(crate) const PIN_LIMIT: u8 = 0x80;

/// The uses an entry is pinned for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Pins {
    /// Writable host (CPU) mappings and writable copy users.
    pub host_write: u8,
    /// Read-only host mappings and read-only copy users.
    pub host_read: u8,
    /// Writable device (bus) mappings.
    pub dev_write: u8,
    /// Read-only device mappings.
    pub dev_read: u8,
}

/// A set of pin increments for one operation (Xen's `pin_incr`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PinIncr {
    /// One host pin.
    pub host: bool,
    /// One device pin.
    pub device: bool,
    /// The pins are read-only ones.
    pub readonly: bool,
}

impl PinIncr {
    /// The increments a map operation with `GNTMAP_*` `flags` takes; `None`
    /// when it asks for neither a host nor a device mapping.
    pub(crate) fn for_map(flags: u32) -> Option<Self> {
        let incr = PinIncr {
            host: flags & GNTMAP_HOST_MAP != 0,
            device: flags & GNTMAP_DEVICE_MAP != 0,
            readonly: flags & GNTMAP_READONLY != 0,
        };
        (incr.host || incr.device).then_some(incr)
    }

    /// One host pin (what a copy takes).
    #[inline]
    pub(crate) fn copy(readonly: bool) -> Self {
        PinIncr {
            host: true,
            device: false,
            readonly,
        }
    }
}

impl Pins {
    /// Whether any pin is held.
    #[inline]
    pub(crate) fn any(&self) -> bool {
        *self != Pins::default()
    }

    /// Whether a writable pin is held.
    #[inline]
    pub(crate) fn writable(&self) -> bool {
        self.host_write != 0 || self.dev_write != 0
    }

    #[inline]
    fn counters(&mut self, incr: PinIncr) -> [Option<&mut u8>; 2] {
        let (host, dev) = if incr.readonly {
            (&mut self.host_read, &mut self.dev_read)
        } else {
            (&mut self.host_write, &mut self.dev_write)
        };
        [incr.host.then_some(host), incr.device.then_some(dev)]
    }

    /// Whether adding `incr` could overflow a counter.
    #[inline]
    pub(crate) fn would_overflow(&mut self, incr: PinIncr) -> bool {
        self.counters(incr)
            .into_iter()
            .flatten()
            .any(|c| *c >= PIN_LIMIT)
    }

    /// Adds `incr` (callers check [`would_overflow`](Self::would_overflow) first).
    #[inline]
    pub(crate) fn add(&mut self, incr: PinIncr) {
        for c in self.counters(incr).into_iter().flatten() {
            *c = c.saturating_add(1);
        }
    }

    /// Removes `incr`. A counter that is already zero stays zero (that would
    /// be an engine accounting bug; it is asserted in debug builds).
    #[inline]
    pub(crate) fn remove(&mut self, incr: PinIncr) {
        for c in self.counters(incr).into_iter().flatten() {
            debug_assert!(*c > 0, "pin underflow");
            *c = c.saturating_sub(1);
        }
    }
}

/// Xen's shadow of a pinned grant entry.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ActiveEntry {
    /// Pin counts; all zero when the entry is idle.
    pub pins: Pins,
    /// The domain the entry is pinned for (valid while pinned).
    pub domid: DomId,
    /// The domain whose frame it resolves to (differs for transitive grants).
    pub src_domid: DomId,
    /// The grant of `src_domid` it resolves to.
    pub trans_gref: u32,
    /// The machine frame granted.
    pub mfn: Mfn,
    /// First byte usable (sub-page and transitive grants).
    pub start: u16,
    /// Bytes usable from `start`.
    pub length: u16,
    /// Only part of the frame may be used, and never mapped (sub-page and
    /// every transitive grant).
    pub is_sub_page: bool,
}

impl Default for ActiveEntry {
    fn default() -> Self {
        Self {
            pins: Pins::default(),
            domid: DomId::INVALID,
            src_domid: DomId::INVALID,
            trans_gref: 0,
            mfn: Mfn(u64::MAX),
            start: 0,
            length: 0,
            is_sub_page: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_count_each_kind_separately() {
        let mut p = Pins::default();
        let rw_both = PinIncr::for_map(GNTMAP_HOST_MAP | GNTMAP_DEVICE_MAP).unwrap();
        let ro_host = PinIncr::for_map(GNTMAP_HOST_MAP | GNTMAP_READONLY).unwrap();
        p.add(rw_both);
        p.add(ro_host);
        assert_eq!(
            p,
            Pins {
                host_write: 1,
                host_read: 1,
                dev_write: 1,
                dev_read: 0
            }
        );
        assert!(p.writable());
        p.remove(rw_both);
        assert!(!p.writable() && p.any());
        p.remove(ro_host);
        assert!(!p.any());
        assert_eq!(PinIncr::for_map(GNTMAP_READONLY), None);
    }

    #[test]
    fn overflow_guard_at_128() {
        let mut p = Pins::default();
        let incr = PinIncr::copy(true);
        for _ in 0..PIN_LIMIT {
            assert!(!p.would_overflow(incr));
            p.add(incr);
        }
        assert!(p.would_overflow(incr));
        assert!(!p.would_overflow(PinIncr::copy(false)));
    }
}
