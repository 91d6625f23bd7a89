//! The shared-info page and per-vCPU info (`xen.h`): `shared_info`,
//! `vcpu_info`, the 2-level event-channel bitmaps and the wallclock.

use zerocopy::{FromBytes, FromZeros, Immutable, IntoBytes, KnownLayout};

use super::time::VcpuTimeInfo;
use crate::arch_x86::{ArchSharedInfo, ArchVcpuInfo, XenUlong, XEN_LEGACY_MAX_VCPUS};
use crate::EvtchnPort;

/// `struct vcpu_info` (`xen.h`): per-vCPU event state and pvclock, either
/// in `shared_info` (the first 32 vCPUs) or where the guest registered it.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct VcpuInfo {
    /// Set non-zero by Xen when an event is pending for this vCPU; the
    /// guest clears it before scanning.
    pub evtchn_upcall_pending: u8,
    /// Non-zero while the guest blocks event upcalls (x86 has this byte).
    pub evtchn_upcall_mask: u8,
    /// Padding; zero.
    pub _pad0: [u8; 6],
    /// Selector: bit `i` set means word `i` of `evtchn_pending` may have
    /// pending, unmasked ports.
    pub evtchn_pending_sel: XenUlong,
    /// Architecture-specific part.
    pub arch: ArchVcpuInfo,
    /// Pvclock record.
    pub time: VcpuTimeInfo,
}

/// Number of ports of the 2-level event-channel ABI on a 64-bit guest
/// (`EVTCHN_2L_NR_CHANNELS`, `event_channel.h`): 64 words of 64 bits.
pub const SHARED_INFO_NR_EVENT_CHANNELS: u32 = 64 * 64;

/// `struct shared_info` (`xen.h`): the page Xen shares with each guest,
/// 3136 bytes at the start of a 4 KiB frame.
///
/// The bitmap helpers here are plain (non-atomic) bit operations on this
/// value; code touching a live shared page uses atomics on the same words
/// ([`SharedInfo::evtchn_word_and_bit`] gives their location).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct SharedInfo {
    /// `vcpu_info` of vCPUs 0..32.
    pub vcpu_info: [VcpuInfo; XEN_LEGACY_MAX_VCPUS],
    /// 2-level pending bitmap: port `p` is bit `p % 64` of word `p / 64`.
    pub evtchn_pending: [XenUlong; 64],
    /// 2-level mask bitmap, same indexing.
    pub evtchn_mask: [XenUlong; 64],
    /// Wallclock update counter, odd while being updated.
    pub wc_version: u32,
    /// Wallclock seconds since the Unix epoch at system time 0, low 32 bits.
    pub wc_sec: u32,
    /// Wallclock nanoseconds.
    pub wc_nsec: u32,
    /// Wallclock seconds, high 32 bits (x86_64 keeps it here, not in `arch`).
    pub wc_sec_hi: u32,
    /// Architecture-specific part.
    pub arch: ArchSharedInfo,
}

impl Default for SharedInfo {
    fn default() -> Self {
        Self::new_zeroed()
    }
}

impl SharedInfo {
    /// Word index and bit mask of `port` in `evtchn_pending` /
    /// `evtchn_mask` (the word index is also the `evtchn_pending_sel`
    /// bit), or `None` beyond the 4096 ports of the 2-level ABI.
    pub const fn evtchn_word_and_bit(port: EvtchnPort) -> Option<(usize, u64)> {
        if port.0 >= SHARED_INFO_NR_EVENT_CHANNELS {
            return None;
        }
        Some(((port.0 / 64) as usize, 1u64 << (port.0 % 64)))
    }

    /// Whether `port` is pending (false beyond the 2-level range).
    pub fn evtchn_is_pending(&self, port: EvtchnPort) -> bool {
        matches!(Self::evtchn_word_and_bit(port), Some((w, b)) if self.evtchn_pending[w] & b != 0)
    }

    /// Marks `port` pending; returns its previous state, or `None` if the
    /// port is beyond the 2-level range.
    pub fn evtchn_set_pending(&mut self, port: EvtchnPort) -> Option<bool> {
        let (w, b) = Self::evtchn_word_and_bit(port)?;
        let old = self.evtchn_pending[w] & b != 0;
        self.evtchn_pending[w] |= b;
        Some(old)
    }

    /// Clears `port`'s pending bit; returns its previous state, or `None`
    /// if the port is beyond the 2-level range.
    pub fn evtchn_clear_pending(&mut self, port: EvtchnPort) -> Option<bool> {
        let (w, b) = Self::evtchn_word_and_bit(port)?;
        let old = self.evtchn_pending[w] & b != 0;
        self.evtchn_pending[w] &= !b;
        Some(old)
    }

    /// Whether `port` is masked (false beyond the 2-level range).
    pub fn evtchn_is_masked(&self, port: EvtchnPort) -> bool {
        matches!(Self::evtchn_word_and_bit(port), Some((w, b)) if self.evtchn_mask[w] & b != 0)
    }

    /// Masks `port`; returns its previous mask state, or `None` if the
    /// port is beyond the 2-level range.
    pub fn evtchn_set_mask(&mut self, port: EvtchnPort) -> Option<bool> {
        let (w, b) = Self::evtchn_word_and_bit(port)?;
        let old = self.evtchn_mask[w] & b != 0;
        self.evtchn_mask[w] |= b;
        Some(old)
    }

    /// Unmasks `port`; returns its previous mask state, or `None` if the
    /// port is beyond the 2-level range.
    pub fn evtchn_clear_mask(&mut self, port: EvtchnPort) -> Option<bool> {
        let (w, b) = Self::evtchn_word_and_bit(port)?;
        let old = self.evtchn_mask[w] & b != 0;
        self.evtchn_mask[w] &= !b;
        Some(old)
    }

    /// Wallclock seconds as one 64-bit value (`wc_sec_hi:wc_sec`).
    pub const fn wc_seconds(&self) -> u64 {
        (self.wc_sec_hi as u64) << 32 | self.wc_sec as u64
    }

    /// Stores 64-bit wallclock seconds and nanoseconds (does not touch
    /// `wc_version`; the writer brackets the update with it).
    pub fn set_wallclock(&mut self, sec: u64, nsec: u32) {
        self.wc_sec = sec as u32;
        self.wc_sec_hi = (sec >> 32) as u32;
        self.wc_nsec = nsec;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vcpu_info_layout() {
        assert_layout!(VcpuInfo, 64, {
            evtchn_upcall_pending: 0,
            evtchn_upcall_mask: 1,
            _pad0: 2,
            evtchn_pending_sel: 8,
            arch: 16,
            arch.cr2: 16,
            time: 32,
            time.tsc_shift: 60,
        });
    }

    #[test]
    fn shared_info_layout() {
        assert_layout!(SharedInfo, 3136, {
            vcpu_info: 0,
            evtchn_pending: 2048,
            evtchn_mask: 2560,
            wc_version: 3072,
            wc_sec: 3076,
            wc_nsec: 3080,
            wc_sec_hi: 3084,
            arch: 3088,
            arch.p2m_generation: 3128,
        });
    }

    #[test]
    fn event_bits() {
        let mut s = SharedInfo::default();
        let p = EvtchnPort(130);
        assert_eq!(SharedInfo::evtchn_word_and_bit(p), Some((2, 1 << 2)));
        assert!(!s.evtchn_is_pending(p));
        assert_eq!(s.evtchn_set_pending(p), Some(false));
        assert_eq!(s.evtchn_set_pending(p), Some(true));
        assert!(s.evtchn_is_pending(p));
        assert_eq!(s.evtchn_pending[2], 4);
        assert_eq!(s.evtchn_clear_pending(p), Some(true));
        assert!(!s.evtchn_is_pending(p));

        let last = EvtchnPort(4095);
        assert_eq!(s.evtchn_set_mask(last), Some(false));
        assert!(s.evtchn_is_masked(last));
        assert_eq!(s.evtchn_mask[63], 1 << 63);
        assert_eq!(s.evtchn_clear_mask(last), Some(true));
        assert!(!s.evtchn_is_masked(last));

        let out = EvtchnPort(4096);
        assert_eq!(SharedInfo::evtchn_word_and_bit(out), None);
        assert_eq!(s.evtchn_set_pending(out), None);
        assert_eq!(s.evtchn_set_mask(out), None);
        assert!(!s.evtchn_is_pending(out));
        assert_eq!(s, SharedInfo::default());
    }

    #[test]
    fn wallclock() {
        let mut s = SharedInfo::default();
        s.set_wallclock(0x1_2345_6789, 999);
        assert_eq!((s.wc_sec_hi, s.wc_sec, s.wc_nsec), (1, 0x2345_6789, 999));
        assert_eq!(s.wc_seconds(), 0x1_2345_6789);
        // The page image is plain bytes.
        let bytes = s.as_bytes();
        assert_eq!(&bytes[3076..3080], &0x2345_6789u32.to_le_bytes());
    }
}
