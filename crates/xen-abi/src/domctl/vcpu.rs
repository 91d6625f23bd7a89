//! vCPU count, placement and state: `XEN_DOMCTL_max_vcpus`,
//! `XEN_DOMCTL_{set,get}vcpuaffinity`, `XEN_DOMCTL_{set,get}nodeaffinity`
//! and `XEN_DOMCTL_getvcpuinfo`.

use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::XenctlBitmap;

/// `struct xen_domctl_max_vcpus` (`domctl.h`): argument of
/// `XEN_DOMCTL_max_vcpus`; must repeat the count given at creation.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct DomctlMaxVcpus {
    /// Number of vCPUs.
    pub max: u32,
}

/// `_XEN_VCPUAFFINITY_HARD` (`domctl.h`): bit number of [`XEN_VCPUAFFINITY_HARD`].
pub const _XEN_VCPUAFFINITY_HARD: u32 = 0;
/// `XEN_VCPUAFFINITY_HARD` (`domctl.h`): operate on the hard affinity
/// (where the vCPU may run).
pub const XEN_VCPUAFFINITY_HARD: u32 = 1 << _XEN_VCPUAFFINITY_HARD;
/// `_XEN_VCPUAFFINITY_SOFT` (`domctl.h`): bit number of [`XEN_VCPUAFFINITY_SOFT`].
pub const _XEN_VCPUAFFINITY_SOFT: u32 = 1;
/// `XEN_VCPUAFFINITY_SOFT` (`domctl.h`): operate on the soft affinity
/// (where the vCPU prefers to run).
pub const XEN_VCPUAFFINITY_SOFT: u32 = 1 << _XEN_VCPUAFFINITY_SOFT;
/// `_XEN_VCPUAFFINITY_FORCE` (`domctl.h`): bit number of [`XEN_VCPUAFFINITY_FORCE`].
pub const _XEN_VCPUAFFINITY_FORCE: u32 = 2;
/// `XEN_VCPUAFFINITY_FORCE` (`domctl.h`): also undo a temporary pinning the
/// guest made with `SCHEDOP_pin_override`.
pub const XEN_VCPUAFFINITY_FORCE: u32 = 1 << _XEN_VCPUAFFINITY_FORCE;

bitflags! {
    /// `XEN_VCPUAFFINITY_*` (`domctl.h`): [`DomctlVcpuAffinity::flags`].
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct VcpuAffinityFlags: u32 {
        /// `XEN_VCPUAFFINITY_HARD`.
        const HARD = XEN_VCPUAFFINITY_HARD;
        /// `XEN_VCPUAFFINITY_SOFT`.
        const SOFT = XEN_VCPUAFFINITY_SOFT;
        /// `XEN_VCPUAFFINITY_FORCE`.
        const FORCE = XEN_VCPUAFFINITY_FORCE;
    }
}

/// `struct xen_domctl_vcpuaffinity` (`domctl.h`): argument of
/// `XEN_DOMCTL_setvcpuaffinity` / `XEN_DOMCTL_getvcpuaffinity`.
///
/// On set, the maps are also outputs: Xen writes back the effective
/// affinity (intersected with the pool's CPUs); on get they are outputs only.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct DomctlVcpuAffinity {
    /// The vCPU.
    pub vcpu: u32,
    /// `XEN_VCPUAFFINITY_*`: which maps to act on (see [`VcpuAffinityFlags`]).
    pub flags: u32,
    /// The hard-affinity CPU map.
    pub cpumap_hard: XenctlBitmap,
    /// The soft-affinity CPU map.
    pub cpumap_soft: XenctlBitmap,
}

/// `struct xen_domctl_nodeaffinity` (`domctl.h`): argument of
/// `XEN_DOMCTL_setnodeaffinity` / `XEN_DOMCTL_getnodeaffinity`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct DomctlNodeAffinity {
    /// The NUMA node map.
    pub nodemap: XenctlBitmap,
}

/// `struct xen_domctl_getvcpuinfo` (`domctl.h`): argument and result of
/// `XEN_DOMCTL_getvcpuinfo`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct DomctlGetVcpuInfo {
    /// In: the vCPU.
    pub vcpu: u32,
    /// Out: non-zero if the vCPU is online.
    pub online: u8,
    /// Out: non-zero if it is blocked waiting for an event.
    pub blocked: u8,
    /// Out: non-zero if it is running now.
    pub running: u8,
    /// Padding; zero.
    pub _pad0: u8,
    /// Out: CPU time used, in nanoseconds.
    pub cpu_time: u64,
    /// Out: the physical CPU it last ran on.
    pub cpu: u32,
    /// Padding; zero.
    pub _pad1: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        assert_layout!(DomctlMaxVcpus, 4, { max: 0 });
        assert_layout!(DomctlVcpuAffinity, 40, {
            vcpu: 0, flags: 4, cpumap_hard: 8, cpumap_hard.bitmap: 8, cpumap_hard.nr_bits: 16,
            cpumap_soft: 24, cpumap_soft.bitmap: 24, cpumap_soft.nr_bits: 32,
        });
        assert_layout!(DomctlNodeAffinity, 16, { nodemap: 0, nodemap.nr_bits: 8 });
        assert_layout!(DomctlGetVcpuInfo, 24, {
            vcpu: 0, online: 4, blocked: 5, running: 6, _pad0: 7, cpu_time: 8, cpu: 16, _pad1: 20,
        });
    }

    #[test]
    fn affinity_flags() {
        assert_eq!(VcpuAffinityFlags::all().bits(), 7);
        assert_eq!(
            (VcpuAffinityFlags::HARD | VcpuAffinityFlags::SOFT).bits(),
            3
        );
    }
}
