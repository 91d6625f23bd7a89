//! The core of Xen's public interface (`xen.h`): hypercall numbers, the
//! shared-info page and per-vCPU info, the pvclock, virtual IRQs, console
//! and VM-assist commands, PV memory-management requests and the PV
//! `start_info`.
//!
//! The items live in submodules by theme and are all re-exported here, so
//! `xen_abi::xen::SharedInfo` and `xen_abi::xen::shared_info::SharedInfo`
//! name the same type.

pub mod hypercall;
pub mod mmu;
pub mod shared_info;
pub mod start_info;
pub mod time;

pub use hypercall::*;
pub use mmu::*;
pub use shared_info::*;
pub use start_info::*;
pub use time::*;

pub use crate::arch_x86::{XenUlong, XEN_LEGACY_MAX_VCPUS};

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::GuestHandle;

// Virtual IRQs (bind with EVTCHNOP_bind_virq). "Per-vCPU" VIRQs are bound
// on each vCPU; global ones once per domain.

/// `VIRQ_TIMER` (`xen.h`): per-vCPU timer tick or requested timeout.
pub const VIRQ_TIMER: u32 = 0;
/// `VIRQ_DEBUG` (`xen.h`): per-vCPU request to dump debug information.
pub const VIRQ_DEBUG: u32 = 1;
/// `VIRQ_CONSOLE` (`xen.h`): global (dom0), bytes arrived on the emergency console.
pub const VIRQ_CONSOLE: u32 = 2;
/// `VIRQ_DOM_EXC` (`xen.h`): global (dom0), some domain needs attention
/// (e.g. it shut down).
pub const VIRQ_DOM_EXC: u32 = 3;
/// `VIRQ_TBUF` (`xen.h`): global (dom0), trace buffers have records.
pub const VIRQ_TBUF: u32 = 4;
/// `VIRQ_DEBUGGER` (`xen.h`): global (dom0), a domain paused for debugging.
pub const VIRQ_DEBUGGER: u32 = 6;
/// `VIRQ_XENOPROF` (`xen.h`): per-vCPU, oprofile sample available.
pub const VIRQ_XENOPROF: u32 = 7;
/// `VIRQ_CON_RING` (`xen.h`): global (dom0), bytes in the console ring.
pub const VIRQ_CON_RING: u32 = 8;
/// `VIRQ_PCPU_STATE` (`xen.h`): global (dom0), a physical CPU changed state.
pub const VIRQ_PCPU_STATE: u32 = 9;
/// `VIRQ_MEM_EVENT` (`xen.h`): global (dom0), a memory event occurred.
pub const VIRQ_MEM_EVENT: u32 = 10;
/// `VIRQ_ARGO` (`xen.h`): global, Argo message notification.
pub const VIRQ_ARGO: u32 = 11;
/// `VIRQ_ENOMEM` (`xen.h`): global (dom0), Xen is low on heap memory.
pub const VIRQ_ENOMEM: u32 = 12;
/// `VIRQ_XENPMU` (`xen.h`): per-vCPU performance-counter interrupt.
pub const VIRQ_XENPMU: u32 = 13;
/// `VIRQ_ARCH_0` (`xen.h`): first architecture-specific VIRQ.
pub const VIRQ_ARCH_0: u32 = 16;
/// `VIRQ_ARCH_1` (`xen.h`).
pub const VIRQ_ARCH_1: u32 = 17;
/// `VIRQ_ARCH_2` (`xen.h`).
pub const VIRQ_ARCH_2: u32 = 18;
/// `VIRQ_ARCH_3` (`xen.h`).
pub const VIRQ_ARCH_3: u32 = 19;
/// `VIRQ_ARCH_4` (`xen.h`).
pub const VIRQ_ARCH_4: u32 = 20;
/// `VIRQ_ARCH_5` (`xen.h`).
pub const VIRQ_ARCH_5: u32 = 21;
/// `VIRQ_ARCH_6` (`xen.h`).
pub const VIRQ_ARCH_6: u32 = 22;
/// `VIRQ_ARCH_7` (`xen.h`): last architecture-specific VIRQ.
pub const VIRQ_ARCH_7: u32 = 23;
/// `NR_VIRQS` (`xen.h`): number of VIRQ slots.
pub const NR_VIRQS: u32 = 24;

/// `CONSOLEIO_write` (`xen.h`): `console_io(CONSOLEIO_write, count, buffer)`
/// prints `count` bytes on Xen's console.
pub const CONSOLEIO_WRITE: u32 = 0;
/// `CONSOLEIO_read` (`xen.h`): reads up to `count` bytes of console input
/// (privileged); returns the number read.
pub const CONSOLEIO_READ: u32 = 1;

/// `VMASST_CMD_enable` (`xen.h`): `vm_assist(cmd, type)` turns an assist on.
pub const VMASST_CMD_ENABLE: u32 = 0;
/// `VMASST_CMD_disable` (`xen.h`): turns an assist off.
pub const VMASST_CMD_DISABLE: u32 = 1;
/// `VMASST_TYPE_4gb_segments` (`xen.h`): x86/32 only, emulate 4 GiB segment limits.
pub const VMASST_TYPE_4GB_SEGMENTS: u32 = 0;
/// `VMASST_TYPE_4gb_segments_notify` (`xen.h`): x86/32 only, trap when that emulation is used.
pub const VMASST_TYPE_4GB_SEGMENTS_NOTIFY: u32 = 1;
/// `VMASST_TYPE_writable_pagetables` (`xen.h`): let PV guests write their
/// page tables directly (Xen validates the writes).
pub const VMASST_TYPE_WRITABLE_PAGETABLES: u32 = 2;
/// `VMASST_TYPE_pae_extended_cr3` (`xen.h`): x86/PAE, page directories above 4 GiB.
pub const VMASST_TYPE_PAE_EXTENDED_CR3: u32 = 3;
/// `VMASST_TYPE_architectural_iopl` (`xen.h`): PV IOPL follows the
/// architectural rules (`iret`-controlled).
pub const VMASST_TYPE_ARCHITECTURAL_IOPL: u32 = 4;
/// `VMASST_TYPE_runstate_update_flag` (`xen.h`): Xen sets
/// `XEN_RUNSTATE_UPDATE` in the mapped runstate area while updating it.
pub const VMASST_TYPE_RUNSTATE_UPDATE_FLAG: u32 = 5;
/// `VMASST_TYPE_m2p_strict` (`xen.h`): x86_64 PV, keep the user-mode
/// machine-to-physical mapping out of the kernel's L4.
pub const VMASST_TYPE_M2P_STRICT: u32 = 32;

/// `xen_domain_handle_t` (`xen.h`): a domain's 16-byte handle (UUID).
pub type DomainHandle = [u8; 16];

/// `xen_uuid_t` (`xen.h`): a UUID in big-endian (RFC 4122) byte order.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct XenUuid {
    /// The 16 bytes.
    pub a: [u8; 16],
}

impl XenUuid {
    /// `XEN_DEFINE_UUID()` (`xen.h`): builds a UUID from its textual
    /// groups `aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee`.
    pub const fn new(a: u32, b: u16, c: u16, d: u16, e: [u8; 6]) -> Self {
        let (a, b, c, d) = (
            a.to_be_bytes(),
            b.to_be_bytes(),
            c.to_be_bytes(),
            d.to_be_bytes(),
        );
        Self {
            a: [
                a[0], a[1], a[2], a[3], b[0], b[1], c[0], c[1], d[0], d[1], e[0], e[1], e[2], e[3],
                e[4], e[5],
            ],
        }
    }
}

/// `struct xenctl_bitmap` (`xen.h`, tools only): a bitmap (CPU or node
/// mask) passed by reference in domctl/sysctl.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct XenctlBitmap {
    /// Guest address of the bitmap bytes.
    pub bitmap: GuestHandle<u8>,
    /// Number of valid bits.
    pub nr_bits: u32,
    /// Padding; zero.
    pub _pad0: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_layouts() {
        assert_layout!(XenUuid, 16, { a: 0 });
        assert_layout!(XenctlBitmap, 16, { bitmap: 0, nr_bits: 8, _pad0: 12 });
        assert_eq!(core::mem::size_of::<DomainHandle>(), 16);
    }

    #[test]
    fn uuid_byte_order() {
        let u = XenUuid::new(
            0x0011_2233,
            0x4455,
            0x6677,
            0x8899,
            [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff],
        );
        assert_eq!(
            u.a,
            [
                0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
                0xee, 0xff
            ]
        );
    }
}
