//! The `hvm_op` hypercall (`hvm/hvm_op.h`): sub-op numbers and argument
//! structures, including the altp2m family.
//!
//! Numbers 2–4 (PCI INTx / ISA IRQ level, PCI link routing) and 6–8,
//! 14, 16–22 belonged to older interface versions and moved to `dm_op`;
//! they are not defined for current callers.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::{DomId, GuestHandle};

/// `HVMOP_set_param` (`hvm/hvm_op.h`): argument is an [`HvmParam`].
pub const HVMOP_SET_PARAM: u32 = 0;
/// `HVMOP_get_param` (`hvm/hvm_op.h`): argument is an [`HvmParam`].
pub const HVMOP_GET_PARAM: u32 = 1;
/// `HVMOP_flush_tlbs` (`hvm/hvm_op.h`): flush all vCPUs' TLBs; argument NULL.
pub const HVMOP_FLUSH_TLBS: u32 = 5;
/// `HVMOP_pagetable_dying` (`hvm/hvm_op.h`): argument is an [`HvmPagetableDying`].
pub const HVMOP_PAGETABLE_DYING: u32 = 9;
/// `HVMOP_get_time` (`hvm/hvm_op.h`): argument is an [`HvmGetTime`].
pub const HVMOP_GET_TIME: u32 = 10;
/// `HVMOP_xentrace` (`hvm/hvm_op.h`): argument is an [`HvmXentrace`].
pub const HVMOP_XENTRACE: u32 = 11;
/// `HVMOP_set_mem_access` (`hvm/hvm_op.h`, tools only): deprecated in
/// favour of `XENMEM_access_op`.
pub const HVMOP_SET_MEM_ACCESS: u32 = 12;
/// `HVMOP_get_mem_access` (`hvm/hvm_op.h`, tools only): deprecated in
/// favour of `XENMEM_access_op`.
pub const HVMOP_GET_MEM_ACCESS: u32 = 13;
/// `HVMOP_get_mem_type` (`hvm/hvm_op.h`): argument is an [`HvmGetMemType`].
pub const HVMOP_GET_MEM_TYPE: u32 = 15;
/// `HVMOP_set_evtchn_upcall_vector` (`hvm/hvm_op.h`): x86 only, argument is
/// an [`HvmEvtchnUpcallVector`].
pub const HVMOP_SET_EVTCHN_UPCALL_VECTOR: u32 = 23;
/// `HVMOP_guest_request_vm_event` (`hvm/hvm_op.h`): send a vm_event to the
/// monitor; argument NULL.
pub const HVMOP_GUEST_REQUEST_VM_EVENT: u32 = 24;
/// `HVMOP_altp2m` (`hvm/hvm_op.h`): argument is an [`HvmAltp2mOp`].
pub const HVMOP_ALTP2M: u32 = 25;

/// `struct xen_hvm_param` (`hvm/hvm_op.h`): argument of
/// `HVMOP_{set,get}_param`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct HvmParam {
    /// Target domain (usually `DOMID_SELF`).
    pub domid: DomId,
    /// Padding; zero.
    pub pad: u16,
    /// `HVM_PARAM_*` index.
    pub index: u32,
    /// Value written, or read back.
    pub value: u64,
}

/// `HVMMEM_ram_rw` (`hvm/hvm_op.h`): ordinary RAM.
pub const HVMMEM_RAM_RW: u16 = 0;
/// `HVMMEM_ram_ro` (`hvm/hvm_op.h`): read-only RAM, writes discarded.
pub const HVMMEM_RAM_RO: u16 = 1;
/// `HVMMEM_mmio_dm` (`hvm/hvm_op.h`): accesses go to the device model.
pub const HVMMEM_MMIO_DM: u16 = 2;
/// `HVMMEM_unused` (`hvm/hvm_op.h`): placeholder, cannot be set.
pub const HVMMEM_UNUSED: u16 = 3;
/// `HVMMEM_ioreq_server` (`hvm/hvm_op.h`): claimed by an ioreq server.
pub const HVMMEM_IOREQ_SERVER: u16 = 4;

/// `hvmmem_type_t` (`hvm/hvm_op.h`): the type of a guest page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum HvmmemType {
    /// `HVMMEM_ram_rw`.
    RamRw = HVMMEM_RAM_RW,
    /// `HVMMEM_ram_ro`.
    RamRo = HVMMEM_RAM_RO,
    /// `HVMMEM_mmio_dm`.
    MmioDm = HVMMEM_MMIO_DM,
    /// `HVMMEM_unused`.
    Unused = HVMMEM_UNUSED,
    /// `HVMMEM_ioreq_server`.
    IoreqServer = HVMMEM_IOREQ_SERVER,
}

impl TryFrom<u16> for HvmmemType {
    type Error = u16;

    fn try_from(v: u16) -> Result<Self, u16> {
        Ok(match v {
            HVMMEM_RAM_RW => Self::RamRw,
            HVMMEM_RAM_RO => Self::RamRo,
            HVMMEM_MMIO_DM => Self::MmioDm,
            HVMMEM_UNUSED => Self::Unused,
            HVMMEM_IOREQ_SERVER => Self::IoreqServer,
            _ => return Err(v),
        })
    }
}

/// `struct xen_hvm_pagetable_dying` (`hvm/hvm_op.h`): hint that a
/// top-level page table is about to be freed.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct HvmPagetableDying {
    /// Domain owning the page table.
    pub domid: DomId,
    /// Padding; zero.
    pub pad: [u16; 3],
    /// Guest-physical address of the top-level table.
    pub gpa: u64,
}

/// `struct xen_hvm_get_time` (`hvm/hvm_op.h`): Xen system time.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct HvmGetTime {
    /// Nanoseconds since boot (output).
    pub now: u64,
}

/// `TRACE_EXTRA_MAX` (`trace.h`): maximum number of 32-bit extra words in
/// a trace record.
pub const TRACE_EXTRA_MAX: u32 = 7;

/// `struct xen_hvm_xentrace` (`hvm/hvm_op.h`): a trace record from the guest.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct HvmXentrace {
    /// Trace event number.
    pub event: u16,
    /// Number of valid bytes in `extra`.
    pub extra_bytes: u16,
    /// Payload.
    pub extra: [u8; TRACE_EXTRA_MAX as usize * 4],
}

/// `struct xen_hvm_get_mem_type` (`hvm/hvm_op.h`): query a page's type.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct HvmGetMemType {
    /// Domain queried.
    pub domid: DomId,
    /// `HVMMEM_*` type (output).
    pub mem_type: u16,
    /// Padding; zero.
    pub pad: [u16; 2],
    /// Guest frame queried.
    pub pfn: u64,
}

/// `HVM_IOREQSRV_BUFIOREQ_OFF` (`hvm/hvm_op.h`, tools only): no buffered ioreq ring.
pub const HVM_IOREQSRV_BUFIOREQ_OFF: u8 = 0;
/// `HVM_IOREQSRV_BUFIOREQ_LEGACY` (`hvm/hvm_op.h`, tools only): buffered
/// ring with non-atomic pointer updates.
pub const HVM_IOREQSRV_BUFIOREQ_LEGACY: u8 = 1;
/// `HVM_IOREQSRV_BUFIOREQ_ATOMIC` (`hvm/hvm_op.h`, tools only): buffered
/// ring with atomic pointer updates.
pub const HVM_IOREQSRV_BUFIOREQ_ATOMIC: u8 = 2;

/// `struct xen_hvm_evtchn_upcall_vector` (`hvm/hvm_op.h`): per-vCPU upcall
/// vector, an alternative to the global `HVM_PARAM_CALLBACK_IRQ` vector
/// (the local APIC must be EOIed for it).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct HvmEvtchnUpcallVector {
    /// vCPU id.
    pub vcpu: u32,
    /// IDT vector.
    pub vector: u8,
    /// Padding; zero.
    pub _pad0: [u8; 3],
}

/// `HVMOP_ALTP2M_INTERFACE_VERSION` (`hvm/hvm_op.h`): `version` of [`HvmAltp2mOp`].
pub const HVMOP_ALTP2M_INTERFACE_VERSION: u32 = 0x0000_0001;

/// `HVMOP_altp2m_get_domain_state` (`hvm/hvm_op.h`).
pub const HVMOP_ALTP2M_GET_DOMAIN_STATE: u32 = 1;
/// `HVMOP_altp2m_set_domain_state` (`hvm/hvm_op.h`).
pub const HVMOP_ALTP2M_SET_DOMAIN_STATE: u32 = 2;
/// `HVMOP_altp2m_vcpu_enable_notify` (`hvm/hvm_op.h`).
pub const HVMOP_ALTP2M_VCPU_ENABLE_NOTIFY: u32 = 3;
/// `HVMOP_altp2m_create_p2m` (`hvm/hvm_op.h`).
pub const HVMOP_ALTP2M_CREATE_P2M: u32 = 4;
/// `HVMOP_altp2m_destroy_p2m` (`hvm/hvm_op.h`).
pub const HVMOP_ALTP2M_DESTROY_P2M: u32 = 5;
/// `HVMOP_altp2m_switch_p2m` (`hvm/hvm_op.h`).
pub const HVMOP_ALTP2M_SWITCH_P2M: u32 = 6;
/// `HVMOP_altp2m_set_mem_access` (`hvm/hvm_op.h`).
pub const HVMOP_ALTP2M_SET_MEM_ACCESS: u32 = 7;
/// `HVMOP_altp2m_change_gfn` (`hvm/hvm_op.h`).
pub const HVMOP_ALTP2M_CHANGE_GFN: u32 = 8;
/// `HVMOP_altp2m_set_mem_access_multi` (`hvm/hvm_op.h`).
pub const HVMOP_ALTP2M_SET_MEM_ACCESS_MULTI: u32 = 9;
/// `HVMOP_altp2m_set_suppress_ve` (`hvm/hvm_op.h`).
pub const HVMOP_ALTP2M_SET_SUPPRESS_VE: u32 = 10;
/// `HVMOP_altp2m_get_suppress_ve` (`hvm/hvm_op.h`).
pub const HVMOP_ALTP2M_GET_SUPPRESS_VE: u32 = 11;
/// `HVMOP_altp2m_get_mem_access` (`hvm/hvm_op.h`).
pub const HVMOP_ALTP2M_GET_MEM_ACCESS: u32 = 12;
/// `HVMOP_altp2m_vcpu_disable_notify` (`hvm/hvm_op.h`).
pub const HVMOP_ALTP2M_VCPU_DISABLE_NOTIFY: u32 = 13;
/// `HVMOP_altp2m_get_p2m_idx` (`hvm/hvm_op.h`).
pub const HVMOP_ALTP2M_GET_P2M_IDX: u32 = 14;
/// `HVMOP_altp2m_set_suppress_ve_multi` (`hvm/hvm_op.h`).
pub const HVMOP_ALTP2M_SET_SUPPRESS_VE_MULTI: u32 = 15;
/// `HVMOP_altp2m_set_visibility` (`hvm/hvm_op.h`).
pub const HVMOP_ALTP2M_SET_VISIBILITY: u32 = 16;

/// `struct xen_hvm_altp2m_suppress_ve` (`hvm/hvm_op.h`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct HvmAltp2mSuppressVe {
    /// View index.
    pub view: u16,
    /// Boolean: suppress #VE.
    pub suppress_ve: u8,
    /// Padding; zero.
    pub pad1: u8,
    /// Padding; zero.
    pub pad2: u32,
    /// Guest frame.
    pub gfn: u64,
}

/// `struct xen_hvm_altp2m_suppress_ve_multi` (`hvm/hvm_op.h`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct HvmAltp2mSuppressVeMulti {
    /// View index.
    pub view: u16,
    /// Boolean: suppress #VE.
    pub suppress_ve: u8,
    /// Padding; zero.
    pub pad1: u8,
    /// First error code (set to 0 on input).
    pub first_error: i32,
    /// First frame; advanced as the call progresses.
    pub first_gfn: u64,
    /// Last frame.
    pub last_gfn: u64,
    /// Frame of the first error.
    pub first_error_gfn: u64,
}

/// `struct xen_hvm_altp2m_domain_state` (`hvm/hvm_op.h`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct HvmAltp2mDomainState {
    /// Boolean: altp2m on.
    pub state: u8,
}

/// `struct xen_hvm_altp2m_vcpu_enable_notify` (`hvm/hvm_op.h`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct HvmAltp2mVcpuEnableNotify {
    /// vCPU id.
    pub vcpu_id: u32,
    /// Padding; zero.
    pub pad: u32,
    /// Frame of the #VE information area.
    pub gfn: u64,
}

/// `struct xen_hvm_altp2m_vcpu_disable_notify` (`hvm/hvm_op.h`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct HvmAltp2mVcpuDisableNotify {
    /// vCPU id.
    pub vcpu_id: u32,
}

/// `struct xen_hvm_altp2m_view` (`hvm/hvm_op.h`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct HvmAltp2mView {
    /// View index (in/out).
    pub view: u16,
    /// Default access of the view (`xenmem_access_t`).
    pub hvmmem_default_access: u16,
}

/// `struct xen_hvm_altp2m_mem_access` (`hvm/hvm_op.h`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct HvmAltp2mMemAccess {
    /// View index.
    pub view: u16,
    /// Access (`xenmem_access_t`).
    pub access: u16,
    /// Padding; zero.
    pub pad: u32,
    /// Guest frame.
    pub gfn: u64,
}

/// `struct xen_hvm_altp2m_set_mem_access_multi` (`hvm/hvm_op.h`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct HvmAltp2mSetMemAccessMulti {
    /// View index.
    pub view: u16,
    /// Padding; zero.
    pub pad: u16,
    /// Number of pages.
    pub nr: u32,
    /// Continuation cursor; zero on the first call.
    pub opaque: u64,
    /// Frames to change.
    pub pfn_list: GuestHandle<u64>,
    /// Matching `xenmem_access_t` values.
    pub access_list: GuestHandle<u8>,
}

/// `struct xen_hvm_altp2m_change_gfn` (`hvm/hvm_op.h`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct HvmAltp2mChangeGfn {
    /// View index.
    pub view: u16,
    /// Padding; zero.
    pub pad1: u16,
    /// Padding; zero.
    pub pad2: u32,
    /// Frame to remap.
    pub old_gfn: u64,
    /// New frame, or all ones to revert.
    pub new_gfn: u64,
}

/// `struct xen_hvm_altp2m_get_vcpu_p2m_idx` (`hvm/hvm_op.h`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct HvmAltp2mGetVcpuP2mIdx {
    /// vCPU id.
    pub vcpu_id: u32,
    /// Active view index (output).
    pub altp2m_idx: u16,
    /// Padding; zero.
    pub _pad0: u16,
}

/// `struct xen_hvm_altp2m_set_visibility` (`hvm/hvm_op.h`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct HvmAltp2mSetVisibility {
    /// View index.
    pub altp2m_idx: u16,
    /// Boolean: visible to the guest.
    pub visible: u8,
    /// Padding; zero.
    pub pad: u8,
}

/// `struct xen_hvm_altp2m_op` (`hvm/hvm_op.h`): argument of `HVMOP_altp2m`.
///
/// The union `u` (64 bytes) holds the sub-op's argument; read and write it
/// with [`HvmAltp2mOp::arg`] and [`HvmAltp2mOp::set_arg`] using the
/// `HvmAltp2m*` structure matching `cmd`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct HvmAltp2mOp {
    /// [`HVMOP_ALTP2M_INTERFACE_VERSION`].
    pub version: u32,
    /// `HVMOP_altp2m_*` sub-command.
    pub cmd: u32,
    /// Target domain.
    pub domain: DomId,
    /// Padding; zero.
    pub pad1: u16,
    /// Padding; zero.
    pub pad2: u32,
    /// The argument union.
    pub u: [u64; 8],
}

impl HvmAltp2mOp {
    /// Reads the argument union as `T`.
    pub fn arg<T: FromBytes>(&self) -> Option<T> {
        T::read_from_prefix(self.u.as_bytes()).ok().map(|(t, _)| t)
    }

    /// Stores `arg` in the union (zeroing the rest); `false` if it does
    /// not fit.
    pub fn set_arg<T: IntoBytes + Immutable>(&mut self, arg: &T) -> bool {
        self.u = [0; 8];
        arg.write_to_prefix(self.u.as_mut_bytes()).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_layouts() {
        assert_layout!(HvmParam, 16, { domid: 0, pad: 2, index: 4, value: 8 });
        assert_layout!(HvmPagetableDying, 16, { domid: 0, pad: 2, gpa: 8 });
        assert_layout!(HvmGetTime, 8, { now: 0 });
        assert_layout!(HvmXentrace, 32, { event: 0, extra_bytes: 2, extra: 4 });
        assert_layout!(HvmGetMemType, 16, { domid: 0, mem_type: 2, pad: 4, pfn: 8 });
        assert_layout!(HvmEvtchnUpcallVector, 8, { vcpu: 0, vector: 4, _pad0: 5 });
    }

    #[test]
    fn altp2m_layouts() {
        assert_layout!(HvmAltp2mSuppressVe, 16, { view: 0, suppress_ve: 2, pad1: 3, pad2: 4, gfn: 8 });
        assert_layout!(HvmAltp2mSuppressVeMulti, 32, {
            view: 0, suppress_ve: 2, pad1: 3, first_error: 4, first_gfn: 8, last_gfn: 16,
            first_error_gfn: 24,
        });
        assert_layout!(HvmAltp2mDomainState, 1, { state: 0 });
        assert_layout!(HvmAltp2mVcpuEnableNotify, 16, { vcpu_id: 0, pad: 4, gfn: 8 });
        assert_layout!(HvmAltp2mVcpuDisableNotify, 4, { vcpu_id: 0 });
        assert_layout!(HvmAltp2mView, 4, { view: 0, hvmmem_default_access: 2 });
        assert_layout!(HvmAltp2mMemAccess, 16, { view: 0, access: 2, pad: 4, gfn: 8 });
        assert_layout!(HvmAltp2mSetMemAccessMulti, 32, {
            view: 0, pad: 2, nr: 4, opaque: 8, pfn_list: 16, access_list: 24,
        });
        assert_layout!(HvmAltp2mChangeGfn, 24, { view: 0, pad1: 2, pad2: 4, old_gfn: 8, new_gfn: 16 });
        assert_layout!(HvmAltp2mGetVcpuP2mIdx, 8, { vcpu_id: 0, altp2m_idx: 4, _pad0: 6 });
        assert_layout!(HvmAltp2mSetVisibility, 4, { altp2m_idx: 0, visible: 2, pad: 3 });
        assert_layout!(HvmAltp2mOp, 80, { version: 0, cmd: 4, domain: 8, pad1: 10, pad2: 12, u: 16 });
    }

    #[test]
    fn altp2m_union_access() {
        let mut op = HvmAltp2mOp {
            version: HVMOP_ALTP2M_INTERFACE_VERSION,
            cmd: HVMOP_ALTP2M_CHANGE_GFN,
            ..Default::default()
        };
        let arg = HvmAltp2mChangeGfn {
            view: 2,
            old_gfn: 0x100,
            new_gfn: !0,
            ..Default::default()
        };
        assert!(op.set_arg(&arg));
        assert_eq!(op.arg::<HvmAltp2mChangeGfn>(), Some(arg));
        assert_eq!(&op.as_bytes()[24..32], &0x100u64.to_le_bytes());
        assert!(!op.set_arg(&[0u8; 65]));
    }

    #[test]
    fn mem_type_conversion() {
        for v in 0..=4u16 {
            assert_eq!(HvmmemType::try_from(v).map(|t| t as u16), Ok(v));
        }
        assert_eq!(HvmmemType::try_from(5), Err(5));
    }
}
