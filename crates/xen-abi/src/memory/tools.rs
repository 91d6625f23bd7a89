//! Tools-only memory operations (`memory.h`, `__XEN_TOOLS__`): paging,
//! access control (mem_access) and sharing.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::{DomId, GuestHandle};

/// `XENMEM_paging_op_nominate` (`memory.h`): mark a page as candidate for eviction.
pub const XENMEM_PAGING_OP_NOMINATE: u8 = 0;
/// `XENMEM_paging_op_evict` (`memory.h`): evict a nominated page.
pub const XENMEM_PAGING_OP_EVICT: u8 = 1;
/// `XENMEM_paging_op_prep` (`memory.h`): allocate a page before paging it in.
pub const XENMEM_PAGING_OP_PREP: u8 = 2;

/// `struct xen_mem_paging_op` (`memory.h`): argument of `XENMEM_paging_op`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct MemPagingOp {
    /// `XENMEM_paging_op_*`.
    pub op: u8,
    /// Padding; zero.
    pub _pad0: u8,
    /// Target domain.
    pub domain: DomId,
    /// Padding; zero.
    pub _pad1: u32,
    /// For `prep`: contents to fill the page with.
    pub buffer: GuestHandle<u8>,
    /// Guest frame.
    pub gfn: u64,
}

/// `XENMEM_access_op_set_access` (`memory.h`).
pub const XENMEM_ACCESS_OP_SET_ACCESS: u8 = 0;
/// `XENMEM_access_op_get_access` (`memory.h`).
pub const XENMEM_ACCESS_OP_GET_ACCESS: u8 = 1;
/// `XENMEM_access_op_set_access_multi` (`memory.h`).
pub const XENMEM_ACCESS_OP_SET_ACCESS_MULTI: u8 = 4;

/// `xenmem_access_t` (`memory.h`): a page's access rights for mem_access.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum XenmemAccess {
    /// `XENMEM_access_n`: no access.
    N = 0,
    /// `XENMEM_access_r`.
    R = 1,
    /// `XENMEM_access_w`.
    W = 2,
    /// `XENMEM_access_rw`.
    Rw = 3,
    /// `XENMEM_access_x`.
    X = 4,
    /// `XENMEM_access_rx`.
    Rx = 5,
    /// `XENMEM_access_wx`.
    Wx = 6,
    /// `XENMEM_access_rwx`.
    Rwx = 7,
    /// `XENMEM_access_rx2rw`: r-x, becoming rw- on the first write.
    Rx2rw = 8,
    /// `XENMEM_access_n2rwx`: none, becoming rwx with an event, no pause.
    N2rwx = 9,
    /// `XENMEM_access_default`: the domain's default.
    Default = 10,
}

impl TryFrom<u8> for XenmemAccess {
    type Error = u8;

    fn try_from(v: u8) -> Result<Self, u8> {
        Ok(match v {
            0 => Self::N,
            1 => Self::R,
            2 => Self::W,
            3 => Self::Rw,
            4 => Self::X,
            5 => Self::Rx,
            6 => Self::Wx,
            7 => Self::Rwx,
            8 => Self::Rx2rw,
            9 => Self::N2rwx,
            10 => Self::Default,
            _ => return Err(v),
        })
    }
}

/// `struct xen_mem_access_op` (`memory.h`): argument of `XENMEM_access_op`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct MemAccessOp {
    /// `XENMEM_access_op_*`.
    pub op: u8,
    /// `xenmem_access_t`.
    pub access: u8,
    /// Target domain.
    pub domid: DomId,
    /// Number of pages (or of `pfn_list` entries).
    pub nr: u32,
    /// First frame, or all ones for the default access.
    pub pfn: u64,
    /// Frames for `set_access_multi`.
    pub pfn_list: GuestHandle<u64>,
    /// Matching access values for `set_access_multi`.
    pub access_list: GuestHandle<u8>,
}

/// `XENMEM_sharing_op_nominate_gfn` (`memory.h`).
pub const XENMEM_SHARING_OP_NOMINATE_GFN: u8 = 0;
/// `XENMEM_sharing_op_nominate_gref` (`memory.h`).
pub const XENMEM_SHARING_OP_NOMINATE_GREF: u8 = 1;
/// `XENMEM_sharing_op_share` (`memory.h`).
pub const XENMEM_SHARING_OP_SHARE: u8 = 2;
/// `XENMEM_sharing_op_debug_gfn` (`memory.h`).
pub const XENMEM_SHARING_OP_DEBUG_GFN: u8 = 3;
/// `XENMEM_sharing_op_debug_mfn` (`memory.h`).
pub const XENMEM_SHARING_OP_DEBUG_MFN: u8 = 4;
/// `XENMEM_sharing_op_debug_gref` (`memory.h`).
pub const XENMEM_SHARING_OP_DEBUG_GREF: u8 = 5;
/// `XENMEM_sharing_op_add_physmap` (`memory.h`).
pub const XENMEM_SHARING_OP_ADD_PHYSMAP: u8 = 6;
/// `XENMEM_sharing_op_audit` (`memory.h`).
pub const XENMEM_SHARING_OP_AUDIT: u8 = 7;
/// `XENMEM_sharing_op_range_share` (`memory.h`).
pub const XENMEM_SHARING_OP_RANGE_SHARE: u8 = 8;
/// `XENMEM_sharing_op_fork` (`memory.h`).
pub const XENMEM_SHARING_OP_FORK: u8 = 9;
/// `XENMEM_sharing_op_fork_reset` (`memory.h`).
pub const XENMEM_SHARING_OP_FORK_RESET: u8 = 10;

/// `XENMEM_SHARING_OP_S_HANDLE_INVALID` (`memory.h`): the source handle is stale.
pub const XENMEM_SHARING_OP_S_HANDLE_INVALID: i32 = -10;
/// `XENMEM_SHARING_OP_C_HANDLE_INVALID` (`memory.h`): the client handle is stale.
pub const XENMEM_SHARING_OP_C_HANDLE_INVALID: i32 = -9;
/// `XENMEM_SHARING_OP_FIELD_IS_GREF_FLAG` (`memory.h`): a gfn field that
/// actually holds a grant reference.
pub const XENMEM_SHARING_OP_FIELD_IS_GREF_FLAG: u64 = 1 << 62;

/// `XENMEM_FORK_WITH_IOMMU_ALLOWED` (`memory.h`): fork even with an IOMMU.
pub const XENMEM_FORK_WITH_IOMMU_ALLOWED: u16 = 1 << 0;
/// `XENMEM_FORK_BLOCK_INTERRUPTS` (`memory.h`): block interrupts in the fork.
pub const XENMEM_FORK_BLOCK_INTERRUPTS: u16 = 1 << 1;
/// `XENMEM_FORK_RESET_STATE` (`memory.h`): fork_reset resets vCPU state.
pub const XENMEM_FORK_RESET_STATE: u16 = 1 << 2;
/// `XENMEM_FORK_RESET_MEMORY` (`memory.h`): fork_reset resets memory.
pub const XENMEM_FORK_RESET_MEMORY: u16 = 1 << 3;

/// `XENMEM_SHARING_OP_FIELD_MAKE_GREF()` (`memory.h`): a gfn field naming
/// grant reference `gref`.
pub const fn xenmem_sharing_op_field_make_gref(gref: u64) -> u64 {
    XENMEM_SHARING_OP_FIELD_IS_GREF_FLAG | gref
}

/// `XENMEM_SHARING_OP_FIELD_IS_GREF()` (`memory.h`).
pub const fn xenmem_sharing_op_field_is_gref(field: u64) -> bool {
    field & XENMEM_SHARING_OP_FIELD_IS_GREF_FLAG != 0
}

/// `XENMEM_SHARING_OP_FIELD_GET_GREF()` (`memory.h`).
pub const fn xenmem_sharing_op_field_get_gref(field: u64) -> u64 {
    field & !XENMEM_SHARING_OP_FIELD_IS_GREF_FLAG
}

/// `struct mem_sharing_op_nominate` (`memory.h`): nominate arms.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct MemSharingOpNominate {
    /// C union `u`: the gfn, or (low 32 bits) a grant reference.
    pub u: u64,
    /// Sharing handle (out).
    pub handle: u64,
}

/// `struct mem_sharing_op_share` (`memory.h`): share / add_physmap arm.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct MemSharingOpShare {
    /// Source gfn.
    pub source_gfn: u64,
    /// Source handle.
    pub source_handle: u64,
    /// Client gfn.
    pub client_gfn: u64,
    /// Client handle.
    pub client_handle: u64,
    /// Client domain.
    pub client_domain: DomId,
    /// Padding; zero.
    pub _pad0: [u16; 3],
}

/// `struct mem_sharing_op_range` (`memory.h`): range_share arm.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct MemSharingOpRange {
    /// First gfn.
    pub first_gfn: u64,
    /// Last gfn.
    pub last_gfn: u64,
    /// Continuation cursor; zero initially.
    pub opaque: u64,
    /// Client domain.
    pub client_domain: DomId,
    /// Must be zero.
    pub _pad: [u16; 3],
}

/// `struct mem_sharing_op_debug` (`memory.h`): debug arms.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct MemSharingOpDebug {
    /// C union `u`: gfn, mfn or (low 32 bits) grant reference.
    pub u: u64,
}

/// `struct mem_sharing_op_fork` (`memory.h`): fork / fork_reset arm.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct MemSharingOpFork {
    /// Parent domain.
    pub parent_domain: DomId,
    /// `XENMEM_FORK_*`.
    pub flags: u16,
    /// Must be zero.
    pub pad: u32,
}

/// `struct xen_mem_sharing_op` (`memory.h`): argument of
/// `XENMEM_sharing_op`. The 40-byte union `u` is read and written with
/// [`MemSharingOp::arg`] / [`MemSharingOp::set_arg`] and the
/// `MemSharingOp*` arm matching `op`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct MemSharingOp {
    /// `XENMEM_sharing_op_*`.
    pub op: u8,
    /// Padding; zero.
    pub _pad0: u8,
    /// Target domain.
    pub domain: DomId,
    /// Padding; zero.
    pub _pad1: u32,
    /// The argument union.
    pub u: [u64; 5],
}

impl MemSharingOp {
    /// Reads the argument union as `T`.
    pub fn arg<T: FromBytes>(&self) -> Option<T> {
        T::read_from_prefix(self.u.as_bytes()).ok().map(|(t, _)| t)
    }

    /// Stores `arg` in the union (zeroing the rest); `false` if it does
    /// not fit.
    pub fn set_arg<T: IntoBytes + Immutable>(&mut self, arg: &T) -> bool {
        self.u = [0; 5];
        arg.write_to_prefix(self.u.as_mut_bytes()).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        assert_layout!(MemPagingOp, 24, { op: 0, _pad0: 1, domain: 2, _pad1: 4, buffer: 8, gfn: 16 });
        assert_layout!(MemAccessOp, 32, {
            op: 0, access: 1, domid: 2, nr: 4, pfn: 8, pfn_list: 16, access_list: 24,
        });
        assert_layout!(MemSharingOpNominate, 16, { u: 0, handle: 8 });
        assert_layout!(MemSharingOpShare, 40, {
            source_gfn: 0, source_handle: 8, client_gfn: 16, client_handle: 24, client_domain: 32,
            _pad0: 34,
        });
        assert_layout!(MemSharingOpRange, 32, {
            first_gfn: 0, last_gfn: 8, opaque: 16, client_domain: 24, _pad: 26,
        });
        assert_layout!(MemSharingOpDebug, 8, { u: 0 });
        assert_layout!(MemSharingOpFork, 8, { parent_domain: 0, flags: 2, pad: 4 });
        assert_layout!(MemSharingOp, 48, { op: 0, _pad0: 1, domain: 2, _pad1: 4, u: 8 });
    }

    #[test]
    fn helpers() {
        let f = xenmem_sharing_op_field_make_gref(42);
        assert!(xenmem_sharing_op_field_is_gref(f));
        assert_eq!(xenmem_sharing_op_field_get_gref(f), 42);
        assert!(!xenmem_sharing_op_field_is_gref(42));
        for v in 0..=10 {
            assert_eq!(XenmemAccess::try_from(v).map(|a| a as u8), Ok(v));
        }
        assert_eq!(XenmemAccess::try_from(11), Err(11));

        let mut op = MemSharingOp {
            op: XENMEM_SHARING_OP_FORK,
            ..Default::default()
        };
        let fork = MemSharingOpFork {
            parent_domain: DomId(3),
            flags: XENMEM_FORK_RESET_STATE,
            pad: 0,
        };
        assert!(op.set_arg(&fork));
        assert_eq!(op.arg::<MemSharingOpFork>(), Some(fork));
        assert_eq!(&op.as_bytes()[8..10], &3u16.to_le_bytes());
        assert!(!op.set_arg(&[0u64; 6]));
    }
}
