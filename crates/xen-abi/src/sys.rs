//! Linux's Xen device interfaces (`xen/sys/*.h`, installed with Xen's
//! public headers): the `ioctl` numbers and argument structures of
//! `/dev/xen/evtchn`, `/dev/xen/gntdev` and `/dev/xen/privcmd`, through
//! which dom0 daemons (xenstored, xenconsoled, backends) and the toolstack
//! reach the hypervisor.
//!
//! Every request is `_IOC(_IOC_NONE, type, nr, sizeof(arg))` on x86_64;
//! [`ioc_none`] computes that encoding so each number below is derived from
//! its argument's size exactly as the C macro does.

use core::mem::size_of;

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::DomId;

/// `_IOC(_IOC_NONE, ty, nr, size)` on x86_64: direction bits 30–31 (zero),
/// size bits 16–29, type bits 8–15, number bits 0–7.
pub const fn ioc_none(ty: u8, nr: u8, size: usize) -> u32 {
    ((size as u32 & 0x3fff) << 16) | ((ty as u32) << 8) | nr as u32
}

// ---------------------------------------------------------------------------
// /dev/xen/evtchn (`xen/sys/evtchn.h`)
// ---------------------------------------------------------------------------

/// `struct ioctl_evtchn_bind_virq`: bind a VIRQ of the calling domain.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct IoctlEvtchnBindVirq {
    /// `VIRQ_*` number.
    pub virq: u32,
}

/// `struct ioctl_evtchn_bind_interdomain`: connect to a port another
/// domain allocated unbound for us.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct IoctlEvtchnBindInterdomain {
    /// The other domain.
    pub remote_domain: u32,
    /// Its unbound port.
    pub remote_port: u32,
}

/// `struct ioctl_evtchn_bind_unbound_port`: allocate a port that
/// `remote_domain` may bind.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct IoctlEvtchnBindUnboundPort {
    /// The domain allowed to bind.
    pub remote_domain: u32,
}

/// `struct ioctl_evtchn_unbind`: close a port bound through this file.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct IoctlEvtchnUnbind {
    /// Local port.
    pub port: u32,
}

/// `struct ioctl_evtchn_notify`: send an event on a bound port.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct IoctlEvtchnNotify {
    /// Local port.
    pub port: u32,
}

/// `struct ioctl_evtchn_restrict_domid`: limit this file to one domain.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct IoctlEvtchnRestrictDomid {
    /// The only domain ports may be bound to.
    pub domid: DomId,
}

/// `IOCTL_EVTCHN_BIND_VIRQ`; returns the local port.
pub const IOCTL_EVTCHN_BIND_VIRQ: u32 = ioc_none(b'E', 0, size_of::<IoctlEvtchnBindVirq>());
/// `IOCTL_EVTCHN_BIND_INTERDOMAIN`; returns the local port.
pub const IOCTL_EVTCHN_BIND_INTERDOMAIN: u32 =
    ioc_none(b'E', 1, size_of::<IoctlEvtchnBindInterdomain>());
/// `IOCTL_EVTCHN_BIND_UNBOUND_PORT`; returns the local port.
pub const IOCTL_EVTCHN_BIND_UNBOUND_PORT: u32 =
    ioc_none(b'E', 2, size_of::<IoctlEvtchnBindUnboundPort>());
/// `IOCTL_EVTCHN_UNBIND`.
pub const IOCTL_EVTCHN_UNBIND: u32 = ioc_none(b'E', 3, size_of::<IoctlEvtchnUnbind>());
/// `IOCTL_EVTCHN_NOTIFY`.
pub const IOCTL_EVTCHN_NOTIFY: u32 = ioc_none(b'E', 4, size_of::<IoctlEvtchnNotify>());
/// `IOCTL_EVTCHN_RESET`: clear the ring of fired ports.
pub const IOCTL_EVTCHN_RESET: u32 = ioc_none(b'E', 5, 0);
/// `IOCTL_EVTCHN_RESTRICT_DOMID`.
pub const IOCTL_EVTCHN_RESTRICT_DOMID: u32 =
    ioc_none(b'E', 6, size_of::<IoctlEvtchnRestrictDomid>());

// ---------------------------------------------------------------------------
// /dev/xen/gntdev (`xen/sys/gntdev.h`)
// ---------------------------------------------------------------------------

/// `struct ioctl_gntdev_grant_ref`: one grant of another domain.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct IoctlGntdevGrantRef {
    /// The granting domain.
    pub domid: u32,
    /// Its grant reference (C field `ref`).
    pub gref: u32,
}

/// `struct ioctl_gntdev_map_grant_ref` with one grant: reserve a mapping
/// offset; `mmap` at `index` then maps the grant.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct IoctlGntdevMapGrantRef {
    /// Number of grants (1 for this fixed-size form).
    pub count: u32,
    /// Padding.
    pub pad: u32,
    /// OUT: the `mmap` offset of the mapping.
    pub index: u64,
    /// The grants.
    pub refs: [IoctlGntdevGrantRef; 1],
}

/// `struct ioctl_gntdev_unmap_grant_ref`: release the offset range (after
/// `munmap`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct IoctlGntdevUnmapGrantRef {
    /// The offset returned by the map request.
    pub index: u64,
    /// Number of pages.
    pub count: u32,
    /// Padding.
    pub pad: u32,
}

/// `struct ioctl_gntdev_set_max_grants`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct IoctlGntdevSetMaxGrants {
    /// Most grants this file may map at once.
    pub count: u32,
}

/// `IOCTL_GNTDEV_MAP_GRANT_REF` (sized for one grant, as the C macro).
pub const IOCTL_GNTDEV_MAP_GRANT_REF: u32 = ioc_none(b'G', 0, size_of::<IoctlGntdevMapGrantRef>());
/// `IOCTL_GNTDEV_UNMAP_GRANT_REF`.
pub const IOCTL_GNTDEV_UNMAP_GRANT_REF: u32 =
    ioc_none(b'G', 1, size_of::<IoctlGntdevUnmapGrantRef>());
/// `IOCTL_GNTDEV_SET_MAX_GRANTS`.
pub const IOCTL_GNTDEV_SET_MAX_GRANTS: u32 =
    ioc_none(b'G', 3, size_of::<IoctlGntdevSetMaxGrants>());

// ---------------------------------------------------------------------------
// /dev/xen/privcmd (`xen/sys/privcmd.h`)
// ---------------------------------------------------------------------------

/// `privcmd_hypercall_t`: a hypercall made on the caller's behalf.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct PrivcmdHypercall {
    /// `__HYPERVISOR_*` number.
    pub op: u64,
    /// Arguments (pointers are the caller's virtual addresses).
    pub arg: [u64; 5],
}

/// `privcmd_mmapbatch_v2_t`: map another domain's frames at `addr`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct PrivcmdMmapBatchV2 {
    /// Number of frames.
    pub num: u32,
    /// The domain owning them.
    pub dom: DomId,
    /// Padding (implicit in C).
    pub _pad: u16,
    /// Start of the caller's mapping (from `mmap` of the device).
    pub addr: u64,
    /// Pointer to `num` frame numbers.
    pub arr: u64,
    /// Pointer to `num` `int` error codes (OUT).
    pub err: u64,
}

/// `IOCTL_PRIVCMD_HYPERCALL`; returns the hypercall's result.
pub const IOCTL_PRIVCMD_HYPERCALL: u32 = ioc_none(b'P', 0, size_of::<PrivcmdHypercall>());
/// `IOCTL_PRIVCMD_MMAPBATCH_V2`.
pub const IOCTL_PRIVCMD_MMAPBATCH_V2: u32 = ioc_none(b'P', 4, size_of::<PrivcmdMmapBatchV2>());
/// `IOCTL_PRIVCMD_RESTRICT`: limit this file to one domain.
pub const IOCTL_PRIVCMD_RESTRICT: u32 = ioc_none(b'P', 6, size_of::<DomId>());

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        assert_layout!(IoctlEvtchnBindVirq, 4, { virq: 0 });
        assert_layout!(IoctlEvtchnBindInterdomain, 8, { remote_domain: 0, remote_port: 4 });
        assert_layout!(IoctlEvtchnRestrictDomid, 2, { domid: 0 });
        assert_layout!(IoctlGntdevGrantRef, 8, { domid: 0, gref: 4 });
        assert_layout!(IoctlGntdevMapGrantRef, 24, { count: 0, pad: 4, index: 8, refs: 16 });
        assert_layout!(IoctlGntdevUnmapGrantRef, 16, { index: 0, count: 8, pad: 12 });
        assert_layout!(PrivcmdHypercall, 48, { op: 0, arg: 8 });
        assert_layout!(PrivcmdMmapBatchV2, 32, { num: 0, dom: 4, addr: 8, arr: 16, err: 24 });
    }

    #[test]
    fn ioctl_numbers() {
        // Values computed by hand from the _IOC layout.
        assert_eq!(IOCTL_EVTCHN_BIND_INTERDOMAIN, 0x0008_4501);
        assert_eq!(IOCTL_EVTCHN_RESET, 0x0000_4505);
        assert_eq!(IOCTL_GNTDEV_MAP_GRANT_REF, 0x0018_4700);
        assert_eq!(IOCTL_PRIVCMD_HYPERCALL, 0x0030_5000);
    }
}
