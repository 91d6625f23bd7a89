//! Scalar types shared by every part of the interface: domain ids, grant
//! references, event-channel ports, frame numbers and guest handles.
//!
//! Each is a `#[repr(transparent)]` wrapper around the C type Xen uses, so it
//! can sit inside an ABI structure while giving callers a distinct type.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// A domain identifier (`domid_t`, `xen.h`): 16 bits.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    FromBytes,
    IntoBytes,
    Immutable,
    KnownLayout,
)]
#[repr(transparent)]
pub struct DomId(pub u16);

impl DomId {
    /// `DOMID_FIRST_RESERVED` (`xen.h`): ids from here up are never real domains.
    pub const FIRST_RESERVED: DomId = DomId(0x7FF0);
    /// `DOMID_SELF` (`xen.h`): the calling domain.
    pub const SELF: DomId = DomId(0x7FF0);
    /// `DOMID_IO` (`xen.h`): the owner of I/O memory.
    pub const IO: DomId = DomId(0x7FF1);
    /// `DOMID_XEN` (`xen.h`): the hypervisor itself.
    pub const XEN: DomId = DomId(0x7FF2);
    /// `DOMID_COW` (`xen.h`): copy-on-write shared pages.
    pub const COW: DomId = DomId(0x7FF3);
    /// `DOMID_INVALID` (`xen.h`): no domain.
    pub const INVALID: DomId = DomId(0x7FF4);
    /// `DOMID_IDLE` (`xen.h`): the idle domain.
    pub const IDLE: DomId = DomId(0x7FFF);
    /// `DOMID_MASK` (`xen.h`): mask of the id bits.
    pub const MASK: u16 = 0x7FFF;

    /// Whether this id can name a real domain (below `DOMID_FIRST_RESERVED`).
    pub const fn is_regular(self) -> bool {
        self.0 < Self::FIRST_RESERVED.0
    }
}

/// A grant reference (`grant_ref_t`, `grant_table.h`): index into a grant table.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    FromBytes,
    IntoBytes,
    Immutable,
    KnownLayout,
)]
#[repr(transparent)]
pub struct GrantRef(pub u32);

/// An event-channel port (`evtchn_port_t`, `event_channel.h`).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    FromBytes,
    IntoBytes,
    Immutable,
    KnownLayout,
)]
#[repr(transparent)]
pub struct EvtchnPort(pub u32);

/// A guest or machine frame number (`xen_pfn_t`, `arch-x86/xen.h`): 64 bits on x86_64.
pub type XenPfn = u64;

/// A guest handle (`XEN_GUEST_HANDLE(T)` / `XEN_GUEST_HANDLE_64(T)`): a
/// guest-virtual address of a `T` (or an array of them) in the caller's
/// address space. On x86_64 both forms are one 64-bit word.
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(transparent)]
pub struct GuestHandle<T> {
    /// The guest-virtual address.
    pub addr: u64,
    _marker: core::marker::PhantomData<T>,
}

impl<T> GuestHandle<T> {
    /// A handle pointing at guest-virtual address `addr`.
    pub const fn new(addr: u64) -> Self {
        Self {
            addr,
            _marker: core::marker::PhantomData,
        }
    }

    /// The null handle.
    pub const fn null() -> Self {
        Self::new(0)
    }

    /// Whether this is the null handle.
    pub const fn is_null(&self) -> bool {
        self.addr == 0
    }
}

impl<T> Clone for GuestHandle<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for GuestHandle<T> {}
impl<T> Default for GuestHandle<T> {
    fn default() -> Self {
        Self::null()
    }
}
impl<T> PartialEq for GuestHandle<T> {
    fn eq(&self, other: &Self) -> bool {
        self.addr == other.addr
    }
}
impl<T> Eq for GuestHandle<T> {}
impl<T> core::fmt::Debug for GuestHandle<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "GuestHandle({:#x})", self.addr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_sizes_match_c() {
        assert_eq!(core::mem::size_of::<DomId>(), 2);
        assert_eq!(core::mem::size_of::<GrantRef>(), 4);
        assert_eq!(core::mem::size_of::<EvtchnPort>(), 4);
        assert_eq!(core::mem::size_of::<GuestHandle<u8>>(), 8);
        assert_eq!(core::mem::align_of::<GuestHandle<u8>>(), 8);
    }

    #[test]
    fn reserved_domids() {
        assert!(DomId(0).is_regular());
        assert!(DomId(0x7FEF).is_regular());
        assert!(!DomId::SELF.is_regular());
        assert!(!DomId::INVALID.is_regular());
    }
}
