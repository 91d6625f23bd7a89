//! PV memory-management hypercall arguments (`xen.h`): `mmu_update`
//! requests, `mmuext_op` commands and `update_va_mapping` flags.
//!
//! HVM and PVH guests do not use these; they are here for completeness of
//! the PV interface.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::XenPfn;

/// `MMU_NORMAL_PT_UPDATE` (`xen.h`): checked page-table write; `ptr` is the
/// machine address of the entry.
pub const MMU_NORMAL_PT_UPDATE: u64 = 0;
/// `MMU_MACHPHYS_UPDATE` (`xen.h`): update the machine-to-physical entry of
/// the frame at `ptr` to `val`.
pub const MMU_MACHPHYS_UPDATE: u64 = 1;
/// `MMU_PT_UPDATE_PRESERVE_AD` (`xen.h`): like a normal update but keeps
/// the entry's Accessed/Dirty bits.
pub const MMU_PT_UPDATE_PRESERVE_AD: u64 = 2;
/// `MMU_PT_UPDATE_NO_TRANSLATE` (`xen.h`): normal update whose `val` is
/// never translated.
pub const MMU_PT_UPDATE_NO_TRANSLATE: u64 = 3;

/// `struct mmu_update` (`xen.h`): one request of `__HYPERVISOR_mmu_update`.
/// The low two bits of `ptr` carry the `MMU_*` command.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct MmuUpdate {
    /// Machine address of the entry, ORed with an `MMU_*` command.
    pub ptr: u64,
    /// New contents.
    pub val: u64,
}

impl MmuUpdate {
    /// A request with command `cmd` (an `MMU_*` value) on address `ptr`
    /// (whose low two bits must be clear).
    pub const fn new(cmd: u64, ptr: u64, val: u64) -> Self {
        Self {
            ptr: (ptr & !3) | (cmd & 3),
            val,
        }
    }

    /// The `MMU_*` command in the low two bits of `ptr`.
    pub const fn cmd(&self) -> u64 {
        self.ptr & 3
    }

    /// `ptr` without the command bits.
    pub const fn addr(&self) -> u64 {
        self.ptr & !3
    }
}

/// `MMUEXT_PIN_L1_TABLE` (`xen.h`).
pub const MMUEXT_PIN_L1_TABLE: u32 = 0;
/// `MMUEXT_PIN_L2_TABLE` (`xen.h`).
pub const MMUEXT_PIN_L2_TABLE: u32 = 1;
/// `MMUEXT_PIN_L3_TABLE` (`xen.h`).
pub const MMUEXT_PIN_L3_TABLE: u32 = 2;
/// `MMUEXT_PIN_L4_TABLE` (`xen.h`).
pub const MMUEXT_PIN_L4_TABLE: u32 = 3;
/// `MMUEXT_UNPIN_TABLE` (`xen.h`).
pub const MMUEXT_UNPIN_TABLE: u32 = 4;
/// `MMUEXT_NEW_BASEPTR` (`xen.h`): load a new kernel page-table base.
pub const MMUEXT_NEW_BASEPTR: u32 = 5;
/// `MMUEXT_TLB_FLUSH_LOCAL` (`xen.h`).
pub const MMUEXT_TLB_FLUSH_LOCAL: u32 = 6;
/// `MMUEXT_INVLPG_LOCAL` (`xen.h`).
pub const MMUEXT_INVLPG_LOCAL: u32 = 7;
/// `MMUEXT_TLB_FLUSH_MULTI` (`xen.h`).
pub const MMUEXT_TLB_FLUSH_MULTI: u32 = 8;
/// `MMUEXT_INVLPG_MULTI` (`xen.h`).
pub const MMUEXT_INVLPG_MULTI: u32 = 9;
/// `MMUEXT_TLB_FLUSH_ALL` (`xen.h`).
pub const MMUEXT_TLB_FLUSH_ALL: u32 = 10;
/// `MMUEXT_INVLPG_ALL` (`xen.h`).
pub const MMUEXT_INVLPG_ALL: u32 = 11;
/// `MMUEXT_FLUSH_CACHE` (`xen.h`).
pub const MMUEXT_FLUSH_CACHE: u32 = 12;
/// `MMUEXT_SET_LDT` (`xen.h`).
pub const MMUEXT_SET_LDT: u32 = 13;
/// `MMUEXT_NEW_USER_BASEPTR` (`xen.h`): load a new user page-table base.
pub const MMUEXT_NEW_USER_BASEPTR: u32 = 15;
/// `MMUEXT_CLEAR_PAGE` (`xen.h`).
pub const MMUEXT_CLEAR_PAGE: u32 = 16;
/// `MMUEXT_COPY_PAGE` (`xen.h`).
pub const MMUEXT_COPY_PAGE: u32 = 17;
/// `MMUEXT_FLUSH_CACHE_GLOBAL` (`xen.h`).
pub const MMUEXT_FLUSH_CACHE_GLOBAL: u32 = 18;
/// `MMUEXT_MARK_SUPER` (`xen.h`).
pub const MMUEXT_MARK_SUPER: u32 = 19;
/// `MMUEXT_UNMARK_SUPER` (`xen.h`).
pub const MMUEXT_UNMARK_SUPER: u32 = 20;

/// `struct mmuext_op` (`xen.h`): one extended MMU command.
///
/// `arg1` is a frame (`mfn`) or a linear address, depending on `cmd`;
/// `arg2` is an entry count (`nr_ents`), a guest handle to a vCPU bitmap
/// (`vcpumask`) or a source frame (`src_mfn`). Both C unions are one
/// 64-bit word on x86_64.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct MmuextOp {
    /// `MMUEXT_*` command.
    pub cmd: u32,
    /// Padding; zero.
    pub _pad0: u32,
    /// First argument (`mfn` or `linear_addr`).
    pub arg1: u64,
    /// Second argument (`nr_ents`, `vcpumask` or `src_mfn`).
    pub arg2: u64,
}

impl MmuextOp {
    /// `arg1.mfn`.
    pub const fn mfn(&self) -> XenPfn {
        self.arg1
    }

    /// `arg1.linear_addr`.
    pub const fn linear_addr(&self) -> u64 {
        self.arg1
    }

    /// `arg2.nr_ents` (the low 32 bits of the word).
    pub const fn nr_ents(&self) -> u32 {
        self.arg2 as u32
    }

    /// `arg2.vcpumask` (guest address of a vCPU bitmap).
    pub const fn vcpumask(&self) -> u64 {
        self.arg2
    }

    /// `arg2.src_mfn`.
    pub const fn src_mfn(&self) -> XenPfn {
        self.arg2
    }
}

/// `UVMF_NONE` (`xen.h`): `update_va_mapping` flushes nothing.
pub const UVMF_NONE: u64 = 0;
/// `UVMF_TLB_FLUSH` (`xen.h`): flush whole TLB(s).
pub const UVMF_TLB_FLUSH: u64 = 1;
/// `UVMF_INVLPG` (`xen.h`): flush the one entry.
pub const UVMF_INVLPG: u64 = 2;
/// `UVMF_FLUSHTYPE_MASK` (`xen.h`): the two flush-type bits.
pub const UVMF_FLUSHTYPE_MASK: u64 = 3;
/// `UVMF_MULTI` (`xen.h`): flush the CPUs of a bitmap whose address is
/// ORed into the flags.
pub const UVMF_MULTI: u64 = 0;
/// `UVMF_LOCAL` (`xen.h`): flush the local CPU only.
pub const UVMF_LOCAL: u64 = 0;
/// `UVMF_ALL` (`xen.h`): flush all CPUs.
pub const UVMF_ALL: u64 = 1 << 2;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        assert_layout!(MmuUpdate, 16, { ptr: 0, val: 8 });
        assert_layout!(MmuextOp, 24, { cmd: 0, _pad0: 4, arg1: 8, arg2: 16 });
    }

    #[test]
    fn mmu_update_cmd_bits() {
        let u = MmuUpdate::new(MMU_PT_UPDATE_PRESERVE_AD, 0x1234_5000 | 3, 7);
        assert_eq!(u.ptr, 0x1234_5002);
        assert_eq!(u.cmd(), MMU_PT_UPDATE_PRESERVE_AD);
        assert_eq!(u.addr(), 0x1234_5000);
    }

    #[test]
    fn mmuext_arms() {
        let op = MmuextOp {
            cmd: MMUEXT_SET_LDT,
            _pad0: 0,
            arg1: 0xdead_0000,
            arg2: 0x1_0000_0010,
        };
        assert_eq!(op.linear_addr(), 0xdead_0000);
        assert_eq!(op.mfn(), 0xdead_0000);
        assert_eq!(op.nr_ents(), 0x10);
        assert_eq!(op.src_mfn(), 0x1_0000_0010);
        assert_eq!(op.vcpumask(), 0x1_0000_0010);
    }
}
