//! Xen's paravirtual clock (`xen.h`): `vcpu_time_info` and the pvclock
//! arithmetic converting TSC readings to Xen system time (nanoseconds since
//! boot).
//!
//! Xen publishes, per vCPU, a TSC stamp and the system time at that stamp
//! plus a scale (`tsc_to_system_mul`, a 32.32 fixed-point fraction, and a
//! binary pre-shift `tsc_shift`). A reader computes
//! `system_time + ((tsc - tsc_timestamp) scaled by shift and mul)`.

use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// `XEN_PVCLOCK_TSC_STABLE_BIT` (`xen.h`): the TSC is synchronised across
/// vCPUs, so readings from different vCPUs are monotonic.
pub const XEN_PVCLOCK_TSC_STABLE_BIT: u8 = 1 << 0;
/// `XEN_PVCLOCK_GUEST_STOPPED` (`xen.h`): the guest was paused (the flag
/// is for watchdogs to discount the gap).
pub const XEN_PVCLOCK_GUEST_STOPPED: u8 = 1 << 1;

bitflags! {
    /// `XEN_PVCLOCK_*` (`xen.h`): the `flags` byte of `vcpu_time_info`.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct PvclockFlags: u8 {
        /// `XEN_PVCLOCK_TSC_STABLE_BIT`.
        const TSC_STABLE = XEN_PVCLOCK_TSC_STABLE_BIT;
        /// `XEN_PVCLOCK_GUEST_STOPPED`.
        const GUEST_STOPPED = XEN_PVCLOCK_GUEST_STOPPED;
    }
}

/// `struct vcpu_time_info` (`xen.h`): the per-vCPU pvclock record.
///
/// `version` is odd while Xen rewrites the record; a reader copies the
/// record, and retries if `version` was odd or changed meanwhile.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct VcpuTimeInfo {
    /// Update counter (odd while an update is in progress).
    pub version: u32,
    /// Padding; zero.
    pub pad0: u32,
    /// TSC value at the last update.
    pub tsc_timestamp: u64,
    /// System time (ns since boot) at `tsc_timestamp`.
    pub system_time: u64,
    /// TSC-to-nanoseconds multiplier, a fraction scaled by 2^32.
    pub tsc_to_system_mul: u32,
    /// Binary shift applied to the TSC delta before multiplying (may be negative).
    pub tsc_shift: i8,
    /// `XEN_PVCLOCK_*` flags (see [`PvclockFlags`]).
    pub flags: u8,
    /// Padding; zero.
    pub pad1: [u8; 2],
}

/// Scales a TSC delta to nanoseconds as pvclock does: shift `delta` left by
/// `shift` (right if negative), multiply by `mul` and keep bits 32..96 of
/// the 96-bit product. Shifts of 64 or more give 0.
pub const fn pvclock_scale_delta(delta: u64, mul: u32, shift: i8) -> u64 {
    let shifted = if shift >= 0 {
        if shift >= 64 {
            0
        } else {
            delta << shift
        }
    } else {
        let s = shift.unsigned_abs();
        if s >= 64 {
            0
        } else {
            delta >> s
        }
    };
    ((shifted as u128 * mul as u128) >> 32) as u64
}

/// Chooses the pvclock scale (`tsc_to_system_mul`, `tsc_shift`) for a TSC
/// running at `tsc_hz` ticks per second, the way Xen does: the rate is
/// shifted into (1 GHz, 2 GHz] and `mul` is 10^9 * 2^32 / shifted rate.
/// Returns `None` for a zero rate.
pub const fn pvclock_time_scale(tsc_hz: u64) -> Option<(u32, i8)> {
    const NS_PER_SEC: u64 = 1_000_000_000;
    if tsc_hz == 0 {
        return None;
    }
    let mut rate = tsc_hz;
    let mut shift: i8 = 0;
    while rate > 2 * NS_PER_SEC {
        rate >>= 1;
        shift -= 1;
    }
    while rate <= NS_PER_SEC {
        rate <<= 1;
        shift += 1;
    }
    // rate is now in (1e9, 2e9], so the quotient is below 2^32.
    let mul = ((NS_PER_SEC as u128) << 32) / rate as u128;
    Some((mul as u32, shift))
}

impl VcpuTimeInfo {
    /// Whether Xen is in the middle of updating this record (odd version).
    pub const fn update_in_progress(&self) -> bool {
        self.version & 1 != 0
    }

    /// The `flags` byte as [`PvclockFlags`], unknown bits dropped.
    pub const fn pvclock_flags(&self) -> PvclockFlags {
        PvclockFlags::from_bits_truncate(self.flags)
    }

    /// System time in nanoseconds at TSC value `tsc`, computed from this
    /// record (wrapping arithmetic, like the C readers).
    pub const fn system_time_at(&self, tsc: u64) -> u64 {
        let delta = tsc.wrapping_sub(self.tsc_timestamp);
        self.system_time.wrapping_add(pvclock_scale_delta(
            delta,
            self.tsc_to_system_mul,
            self.tsc_shift,
        ))
    }

    /// The TSC frequency in kHz implied by the scale, as guests derive it:
    /// (10^6 * 2^32 / mul), shifted back by `tsc_shift`. `None` if `mul` is 0.
    pub const fn tsc_khz(&self) -> Option<u64> {
        if self.tsc_to_system_mul == 0 {
            return None;
        }
        let khz = (1_000_000u64 << 32) / self.tsc_to_system_mul as u64;
        let s = self.tsc_shift;
        Some(if s < 0 {
            khz << s.unsigned_abs()
        } else {
            khz >> s
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vcpu_time_info_layout() {
        assert_layout!(VcpuTimeInfo, 32, {
            version: 0,
            pad0: 4,
            tsc_timestamp: 8,
            system_time: 16,
            tsc_to_system_mul: 24,
            tsc_shift: 28,
            flags: 29,
            pad1: 30,
        });
    }

    #[test]
    fn scale_delta() {
        // mul = 2^31 (one half) with shift +1 is the identity.
        assert_eq!(pvclock_scale_delta(123_456_789, 1 << 31, 1), 123_456_789);
        // shift -1 then one half: a quarter.
        assert_eq!(pvclock_scale_delta(400, 1 << 31, -1), 100);
        // No overflow with large deltas: the product is 96 bits wide.
        assert_eq!(
            pvclock_scale_delta(u64::MAX, u32::MAX, 0),
            ((u64::MAX as u128 * u32::MAX as u128) >> 32) as u64
        );
        assert_eq!(pvclock_scale_delta(5, 1 << 31, 64), 0);
        assert_eq!(pvclock_scale_delta(5, 1 << 31, -64), 0);
    }

    #[test]
    fn time_scale_from_frequency() {
        assert_eq!(pvclock_time_scale(0), None);
        // 1 GHz: doubled once, mul = 1/2.
        assert_eq!(pvclock_time_scale(1_000_000_000), Some((1 << 31, 1)));
        // 2.5 GHz: halved once to 1.25 GHz, mul = 0.8 * 2^32.
        let (mul, shift) = pvclock_time_scale(2_500_000_000).unwrap();
        assert_eq!(shift, -1);
        assert_eq!(mul, 3_435_973_836);
        // One second of ticks is one second of system time, within 1 ns.
        for hz in [
            1_000_000u64,
            14_318_180,
            1_000_000_000,
            2_500_000_000,
            3_999_999_999,
            10_000_000_000,
        ] {
            let (mul, shift) = pvclock_time_scale(hz).unwrap();
            let ns = pvclock_scale_delta(hz, mul, shift);
            assert!(
                (999_999_998..=1_000_000_000).contains(&ns),
                "{hz} Hz -> {ns} ns"
            );
        }
    }

    #[test]
    fn system_time_and_frequency() {
        let (mul, shift) = pvclock_time_scale(2_500_000_000).unwrap();
        let t = VcpuTimeInfo {
            version: 2,
            tsc_timestamp: 1_000_000,
            system_time: 5_000,
            tsc_to_system_mul: mul,
            tsc_shift: shift,
            flags: XEN_PVCLOCK_TSC_STABLE_BIT,
            ..Default::default()
        };
        assert!(!t.update_in_progress());
        assert_eq!(t.pvclock_flags(), PvclockFlags::TSC_STABLE);
        assert_eq!(t.system_time_at(1_000_000), 5_000);
        // 2500 ticks at 2.5 GHz = 1000 ns (truncated by the fixed point).
        assert!((5_999..=6_000).contains(&t.system_time_at(1_002_500)));
        assert_eq!(t.tsc_khz(), Some(2_500_000));
        assert!(VcpuTimeInfo { version: 3, ..t }.update_in_progress());
        assert_eq!(VcpuTimeInfo::default().tsc_khz(), None);
    }
}
